//! The text of the documents a case produces, from its permit's templates (`permit.json`
//! `letters` and `bill`) and its facts: what the PDF renderer lays out.

use super::case::Case;
use super::facts::CaseFacts;
use super::notices::Agency;
use super::permit::template::{fill, paragraph, terbilang};
use super::permit::{PermitDef, Verdict};

/// A letter's text (grant or refusal), ready to lay out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterText {
    pub title: String,
    pub subtitle: String,
    pub opening: String,
    /// Label and value rows (a row whose facts have no value is left out).
    pub facts: Vec<(String, String)>,
    pub body: Vec<String>,
    pub closing: String,
    pub footer: String,
    /// Who the letter is for (the document's metadata).
    pub holder: String,
    /// "Dasar hukum", in order.
    pub dasar_hukum: Vec<String>,
    /// "Tembusan", in order.
    pub tembusan: Vec<String>,
    /// A refusal's paragraph on the right to object (upaya administratif).
    pub objection: Option<String>,
}

/// The letter of `kind` for `case`; `None` when the permit has no template of that kind.
pub fn letter_text(
    case: &Case,
    def: &PermitDef,
    agency: &Agency,
    kind: Verdict,
) -> Option<LetterText> {
    let t = def.letters.template(kind)?;
    let facts = CaseFacts { case, def, agency };
    Some(LetterText {
        title: fill(&t.title, &facts).unwrap_or_else(|| t.title.clone()),
        subtitle: fill(&t.subtitle, &facts).unwrap_or_else(|| t.subtitle.clone()),
        opening: paragraph(&t.opening, &facts).unwrap_or_default(),
        facts: t
            .facts
            .iter()
            .filter_map(|f| Some((f.label.clone(), fill(&f.value, &facts)?)))
            .collect(),
        body: t.body.iter().filter_map(|p| paragraph(p, &facts)).collect(),
        closing: fill(&t.closing, &facts).unwrap_or_default(),
        footer: fill(&def.letters.footer, &facts).unwrap_or_default(),
        holder: def.holder_of(&case.application),
        dasar_hukum: filled(&def.letters.dasar_hukum, &facts),
        tembusan: filled(&def.letters.tembusan, &facts),
        objection: match kind {
            Verdict::Refusal => def.letters.objection.as_ref().map(|o| {
                objection_text(
                    o.working_days,
                    &fill(&o.addressee, &facts).unwrap_or_else(|| agency.head_position.clone()),
                    &o.source,
                )
            }),
            Verdict::Grant => None,
        },
    })
}

fn filled(templates: &[String], facts: &CaseFacts<'_>) -> Vec<String> {
    templates.iter().filter_map(|t| fill(t, facts)).collect()
}

/// The refusal's sentence on the right to object: keberatan in writing to the official who
/// decided, within the working days the law gives, counted from the decision's announcement
/// (UU 30/2014 tentang Administrasi Pemerintahan Pasal 75 ayat (1)–(2) and Pasal 77 ayat (1)–(2);
/// the permit's `letters.objection`).
pub fn objection_text(working_days: u32, addressee: &str, source: &str) -> String {
    let words = terbilang(u64::from(working_days));
    let words = words.strip_suffix(" rupiah").unwrap_or(&words);
    format!(
        "Apabila Saudara berkeberatan atas keputusan ini, Saudara dapat mengajukan keberatan \
         secara tertulis kepada {addressee} paling lama {working_days} ({words}) hari kerja sejak \
         keputusan ini diumumkan kepada Saudara, sebagaimana diatur dalam {source}."
    )
}

/// A bill's (SKRD's) text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillText {
    pub title: String,
    pub number: String,
    pub object: String,
    pub facts: Vec<(String, String)>,
    pub amount: String,
    pub amount_words: String,
    pub issued_on: String,
    pub due_on: String,
    pub instructions: Vec<String>,
    pub legal_basis: Vec<String>,
    pub holder: String,
}

/// The bill of `case` (after `issue_bill`); `None` without one.
pub fn bill_text(case: &Case, def: &PermitDef, agency: &Agency) -> Option<BillText> {
    let b = def.bill.as_ref()?;
    case.bill.as_ref()?;
    let facts = CaseFacts { case, def, agency };
    let f = |name: &str| super::permit::template::Facts::fact(&facts, name).unwrap_or_default();
    Some(BillText {
        title: b.title.clone(),
        number: f("bill.number"),
        object: b.object.clone(),
        facts: b
            .facts
            .iter()
            .filter_map(|x| Some((x.label.clone(), fill(&x.value, &facts)?)))
            .collect(),
        amount: f("bill.amount"),
        amount_words: f("bill.amount_words"),
        issued_on: f("bill.issued_on"),
        due_on: f("bill.due_on"),
        instructions: b
            .instructions
            .iter()
            .filter_map(|p| paragraph(p, &facts))
            .collect(),
        legal_basis: b.legal_basis.clone(),
        holder: def.holder_of(&case.application),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_right_to_object_names_its_time_limit_and_addressee() {
        // Worked example, UU 30/2014 Pasal 77 ayat (1)-(2): 21 working days, in writing, to the
        // official who made the decision.
        let t = objection_text(
            21,
            "Kepala Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kota Bontang",
            "Pasal 77 Undang-Undang Nomor 30 Tahun 2014 tentang Administrasi Pemerintahan",
        );
        assert_eq!(
            t,
            "Apabila Saudara berkeberatan atas keputusan ini, Saudara dapat mengajukan keberatan \
             secara tertulis kepada Kepala Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu \
             Kota Bontang paling lama 21 (dua puluh satu) hari kerja sejak keputusan ini \
             diumumkan kepada Saudara, sebagaimana diatur dalam Pasal 77 Undang-Undang Nomor 30 \
             Tahun 2014 tentang Administrasi Pemerintahan."
        );
        assert!(objection_text(10, "X", "Y").contains("10 (sepuluh) hari kerja"));
    }
}
