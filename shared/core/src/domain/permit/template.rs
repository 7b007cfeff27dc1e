//! The small template language of notices, letters and bills: `{name}` is replaced by a fact of
//! the case (`{registration_number}`, `{application.cash_office.address}`,
//! `{decision.recommendation.recommendation_number}`, …). A text whose placeholder has no value
//! is left out, so optional facts need no conditionals: a paragraph's parts are kept or dropped
//! one by one, a line with a missing fact is not written, a letter's fact row is not printed.

use super::{FieldType, Paragraph, PermitDef};

/// Whatever can answer a placeholder.
pub trait Facts {
    fn fact(&self, name: &str) -> Option<String>;
}

/// The placeholders of a text, in order.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut out = vec![];
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        match after.find('}') {
            Some(j) => {
                out.push(&after[..j]);
                rest = &after[j + 1..];
            }
            None => break,
        }
    }
    out
}

/// `text` with every placeholder replaced; `None` if one has no value.
pub fn fill(text: &str, facts: &dyn Facts) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let j = after.find('}')?;
        out.push_str(&facts.fact(&after[..j])?);
        rest = &after[j + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// A paragraph with the parts that have all their facts; `None` when none has.
pub fn paragraph(p: &Paragraph, facts: &dyn Facts) -> Option<String> {
    let parts: Vec<String> = p
        .parts()
        .into_iter()
        .filter_map(|t| fill(t, facts))
        .collect();
    if parts.is_empty() {
        None
    } else {
        Some(parts.concat())
    }
}

/// Facts every case has (beside the form's and the decisions').
pub const CASE_FACTS: &[&str] = &[
    "registration_number",
    "holder",
    "permit.name",
    "permit.short_name",
    "permit.product",
    "agency.name",
    "agency.government",
    "agency.head_position",
    "agency.city",
    "recommendation.number",
    "recommendation.date",
    "recommendation.reason",
    "recommendation.verb",
    "revision.reason",
    "revision.missing",
    "letter.number",
    "letter.signer",
    "letter.signed_at",
    "issuance.number",
    "issuance.effective_on",
    "fee.amount",
    "fee.amount_words",
    "fee.basis",
    "bill.number",
    "bill.amount",
    "bill.amount_words",
    "bill.issued_on",
    "bill.due_on",
    "payment.reference",
    "payment.paid_on",
    "last_reason",
];

/// Whether `name` can have a value for a case of `def` (checked when the catalogue loads).
pub fn known_fact(def: &PermitDef, name: &str) -> bool {
    if CASE_FACTS.contains(&name) {
        return true;
    }
    if let Some(path) = name.strip_prefix("application.") {
        return def.field(path).is_some();
    }
    if let Some(rest) = name.strip_prefix("decision.")
        && let Some((step, field)) = rest.split_once('.')
    {
        return def.step(step).is_some_and(|s| s.field(field).is_some());
    }
    false
}

/// Indonesian words for a whole number of rupiah ("terbilang"), as bills write amounts:
/// 1.250.000 → "satu juta dua ratus lima puluh ribu rupiah".
pub fn terbilang(n: u64) -> String {
    fn below_thousand(n: u64, out: &mut Vec<String>) {
        const ONES: [&str; 10] = [
            "", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan",
        ];
        let (h, rest) = (n / 100, n % 100);
        match h {
            0 => {}
            1 => out.push("seratus".into()),
            h => out.push(format!("{} ratus", ONES[h as usize])),
        }
        match rest {
            0 => {}
            10 => out.push("sepuluh".into()),
            11 => out.push("sebelas".into()),
            12..=19 => out.push(format!("{} belas", ONES[(rest - 10) as usize])),
            1..=9 => out.push(ONES[rest as usize].into()),
            _ => {
                out.push(format!("{} puluh", ONES[(rest / 10) as usize]));
                if rest % 10 > 0 {
                    out.push(ONES[(rest % 10) as usize].into());
                }
            }
        }
    }
    if n == 0 {
        return "nol rupiah".into();
    }
    const SCALES: [(u64, &str); 4] = [
        (1_000_000_000_000, "triliun"),
        (1_000_000_000, "miliar"),
        (1_000_000, "juta"),
        (1_000, "ribu"),
    ];
    let mut words = vec![];
    let mut rest = n;
    for (size, name) in SCALES {
        let k = rest / size;
        rest %= size;
        if k == 0 {
            continue;
        }
        if k == 1 && size == 1_000 {
            words.push("seribu".to_string());
        } else {
            below_thousand(k, &mut words);
            words.push(name.to_string());
        }
    }
    below_thousand(rest, &mut words);
    words.push("rupiah".into());
    words.join(" ")
}

/// `Rp1.250.000`: rupiah with dots between thousands (the Indonesian convention).
pub fn rupiah(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    format!("{}Rp{out}", if n < 0 { "-" } else { "" })
}

/// A stored form value as a person reads it (dates in Indonesian, rupiah, choice labels).
pub fn show_value(kind: FieldType, v: &serde_json::Value, def: &super::FieldDef) -> Option<String> {
    use serde_json::Value;
    match (kind, v) {
        (_, Value::Null) => None,
        (FieldType::Date, Value::String(s)) => Some(
            s.parse()
                .map_or_else(|_| s.clone(), crate::domain::time::format_date_id),
        ),
        (FieldType::Money, Value::Number(n)) => n.as_i64().map(rupiah),
        (FieldType::Decimal, Value::Number(n)) => n.as_f64().map(|f| {
            let s = format!("{f}");
            s.replace('.', ",")
        }),
        (FieldType::Choice, Value::String(s)) => Some(
            def.options
                .iter()
                .find(|o| &o.code == s)
                .map_or_else(|| s.clone(), |o| o.label.clone()),
        ),
        (FieldType::Boolean, Value::Bool(b)) => Some(if *b { "Ya" } else { "Tidak" }.into()),
        (_, Value::String(s)) => Some(s.clone()),
        (_, Value::Number(n)) => Some(n.to_string()),
        (_, Value::Array(a)) => Some(
            a.iter()
                .filter_map(|x| x.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct F;
    impl Facts for F {
        fn fact(&self, name: &str) -> Option<String> {
            match name {
                "a" => Some("A".into()),
                "b" => Some("B".into()),
                _ => None,
            }
        }
    }

    #[test]
    fn parts_without_their_facts_are_left_out() {
        assert_eq!(fill("x {a} y {b}", &F).as_deref(), Some("x A y B"));
        assert_eq!(fill("x {c}", &F), None);
        let p = Paragraph::Parts(vec!["Nomor {a}".into(), " dan {c}".into(), ", {b}.".into()]);
        assert_eq!(paragraph(&p, &F).as_deref(), Some("Nomor A, B."));
        assert_eq!(placeholders("{a} and {b.c}"), ["a", "b.c"]);
    }

    #[test]
    fn terbilang_worked_examples() {
        assert_eq!(terbilang(0), "nol rupiah");
        assert_eq!(terbilang(11), "sebelas rupiah");
        assert_eq!(terbilang(115), "seratus lima belas rupiah");
        assert_eq!(terbilang(1_000), "seribu rupiah");
        assert_eq!(
            terbilang(1_250_000),
            "satu juta dua ratus lima puluh ribu rupiah"
        );
        assert_eq!(
            terbilang(12_345_678),
            "dua belas juta tiga ratus empat puluh lima ribu enam ratus tujuh puluh delapan rupiah"
        );
        assert_eq!(terbilang(2_000_000_000), "dua miliar rupiah");
        assert_eq!(rupiah(1_250_000), "Rp1.250.000");
        assert_eq!(rupiah(950), "Rp950");
    }
}
