//! Text messages: how many SMS segments a text takes, and a notice's text made to fit.
//!
//! Sources:
//! - 3GPP TS 23.038 §6.2.1 (the GSM 7-bit default alphabet and its extension table: the
//!   extension characters take an escape and so two septets) and §6.2.3 (UCS-2 for any other
//!   character).
//! - 3GPP TS 23.040 §9.2.3.24.1 (concatenated messages: the 6-octet user data header leaves 153
//!   septets, or 67 UCS-2 characters, per part; one message without it holds 160 septets, or 70
//!   UCS-2 characters, in its 140 octets).
//!
//! Indonesian carriers deliver GSM-7 from a local sender ID and UCS-2 only from registered
//! international ones, and every part is billed: so notices are written in GSM-7 (typographic
//! characters are replaced by their plain forms, [`to_gsm`]) and made to fit [`MAX_SEGMENTS`]
//! deliberately ([`fit`]), the link and registration number kept whole.

/// The basic GSM 7-bit alphabet (3GPP TS 23.038 §6.2.1, table 1), one septet each.
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The extension table (same clause, table 2): an escape and the character, two septets.
const GSM_EXTENSION: &str = "^{}\\[~]|€\u{c}";

/// Most parts a notice's SMS may take: one where it can, two for the longest notices.
pub const MAX_SEGMENTS: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

/// How a text travels: its encoding and the parts it is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Segments {
    pub encoding: Encoding,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2).
    pub units: usize,
    pub count: usize,
}

fn septets(c: char) -> Option<usize> {
    if GSM_BASIC.contains(c) {
        Some(1)
    } else if GSM_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// The encoding `text` needs and how many parts it is sent in. A character is never split
/// between parts (an escape and its character, or a surrogate pair, stay in one part).
pub fn segments(text: &str) -> Segments {
    let gsm: Option<Vec<usize>> = text.chars().map(septets).collect();
    let (encoding, units, single, part) = match gsm {
        Some(w) => (Encoding::Gsm7, w, 160, 153),
        None => (
            Encoding::Ucs2,
            text.chars().map(char::len_utf16).collect(),
            70,
            67,
        ),
    };
    let total: usize = units.iter().sum();
    let count = if total <= single {
        1
    } else {
        let (mut parts, mut used) = (1, 0);
        for u in &units {
            if used + u > part {
                parts += 1;
                used = 0;
            }
            used += u;
        }
        parts
    };
    Segments {
        encoding,
        units: total,
        count,
    }
}

/// `text` in the GSM 7-bit alphabet: typographic quotes, dashes, ellipses and spaces become
/// their plain forms, and a letter with a diacritic outside the alphabet loses it. What still
/// cannot be written is left as it is (the message then goes as UCS-2).
pub fn to_gsm(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if septets(c).is_some() {
            out.push(c);
            continue;
        }
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{2032}' | '`' => out.push('\''),
            '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{2033}' => out.push('"'),
            '\u{2010}'..='\u{2015}' | '\u{2212}' => out.push('-'),
            '\u{2026}' => out.push_str("..."),
            '\u{a0}' | '\u{2007}' | '\u{202f}' | '\t' => out.push(' '),
            '\u{2022}' | '\u{b7}' => out.push('-'),
            'á' | 'â' | 'ã' | 'ā' => out.push('a'),
            'í' | 'î' | 'ï' => out.push('i'),
            'ó' | 'ô' | 'õ' => out.push('o'),
            'ú' | 'û' => out.push('u'),
            'ê' | 'ë' => out.push('e'),
            'ç' => out.push('c'),
            'Á' | 'À' | 'Â' => out.push('A'),
            'È' | 'Ê' => out.push('E'),
            'Í' => out.push('I'),
            'Ó' => out.push('O'),
            'Ú' => out.push('U'),
            other => out.push(other),
        }
    }
    out
}

/// A notice's text message: `body` (which may grow with the case's own words, e.g. a reason)
/// and `tail` (the registration number and the portal link, never cut), written in GSM-7 and
/// within [`MAX_SEGMENTS`] parts: a body too long is cut at a word and marked with "...".
pub fn fit(body: &str, tail: &str) -> String {
    let body = collapse(&to_gsm(body));
    let tail = collapse(&to_gsm(tail));
    let whole = join(&body, &tail);
    if segments(&whole).count <= MAX_SEGMENTS {
        return whole;
    }
    // Cut words off the body until it fits (the tail alone always fits: it is short).
    let words: Vec<&str> = body.split(' ').collect();
    let mut n = words.len();
    while n > 1 {
        n -= 1;
        let candidate = join(&format!("{}...", words[..n].join(" ")), &tail);
        if segments(&candidate).count <= MAX_SEGMENTS {
            return candidate;
        }
    }
    // Even the first word does not fit (a text without spaces): cut it by characters.
    let mut cut: String = body.chars().collect();
    while !cut.is_empty() {
        cut.pop();
        let candidate = join(&format!("{cut}..."), &tail);
        if segments(&candidate).count <= MAX_SEGMENTS {
            return candidate;
        }
    }
    tail
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn join(body: &str, tail: &str) -> String {
    match (body.is_empty(), tail.is_empty()) {
        (true, _) => tail.to_string(),
        (_, true) => body.to_string(),
        _ => format!("{body} {tail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gsm_texts_count_septets_and_parts_of_153() {
        // TS 23.040: 160 septets in one message, 153 per part once concatenated.
        assert_eq!(segments(&"a".repeat(160)).count, 1);
        assert_eq!(segments(&"a".repeat(161)).count, 2);
        assert_eq!(segments(&"a".repeat(306)).count, 2);
        assert_eq!(segments(&"a".repeat(307)).count, 3);
        // An extension character takes two septets: 80 euro signs fill one message.
        let euros = "€".repeat(80);
        assert_eq!(
            segments(&euros),
            Segments {
                encoding: Encoding::Gsm7,
                units: 160,
                count: 1
            }
        );
        // The escape and its character stay in one part: 152 septets and a `{` need a second.
        let s = format!("{}{{{}", "a".repeat(152), "a".repeat(10));
        assert_eq!(segments(&s).units, 164);
        assert_eq!(segments(&s).count, 2);
    }

    #[test]
    fn one_character_outside_the_alphabet_makes_the_whole_text_ucs2() {
        let s = format!("{}—", "a".repeat(69));
        let seg = segments(&s);
        assert_eq!(seg.encoding, Encoding::Ucs2);
        assert_eq!((seg.units, seg.count), (70, 1));
        assert_eq!(segments(&format!("{s}a")).count, 2);
        assert_eq!(segments(&"ä".repeat(160)).encoding, Encoding::Gsm7);
    }

    #[test]
    fn typographic_characters_become_plain_gsm() {
        let t = to_gsm("Berkas “lengkap” — silakan… ‘cek’");
        assert_eq!(t, "Berkas \"lengkap\" - silakan... 'cek'");
        assert_eq!(segments(&t).encoding, Encoding::Gsm7);
    }

    #[test]
    fn a_300_character_notice_is_cut_deliberately_keeping_the_link() {
        let reason = "Dokumen akta pendirian koperasi tidak terbaca dan surat keterangan domisili kantor kas belum dilegalisasi oleh kelurahan setempat; mohon unggah ulang dokumen yang jelas. ".repeat(2);
        assert!(reason.len() >= 300);
        let tail = "No. KK-2026-000123. Info: https://perizinan.bontangkota.go.id/#/permohonan/3f1c2d4e-5b6a-4c8d-9e0f-1a2b3c4d5e6f";
        let sms = fit(&format!("Berkas perlu diperbaiki: {reason}"), tail);
        let seg = segments(&sms);
        assert_eq!(seg.encoding, Encoding::Gsm7);
        assert_eq!(seg.count, MAX_SEGMENTS, "{sms}");
        assert!(sms.ends_with(tail), "{sms}");
        assert!(sms.contains("... No. KK-2026-000123"), "{sms}");
        // Short texts stay whole, in one part.
        let short = fit("Berkas sudah lengkap.", "No. KK-2026-000123.");
        assert_eq!(short, "Berkas sudah lengkap. No. KK-2026-000123.");
        assert_eq!(segments(&short).count, 1);
    }

    #[test]
    fn a_body_without_spaces_is_cut_by_characters() {
        let sms = fit(&"x".repeat(500), "https://p.test/#/permohonan/1");
        assert_eq!(segments(&sms).count, MAX_SEGMENTS);
        assert!(sms.ends_with("... https://p.test/#/permohonan/1"));
    }
}
