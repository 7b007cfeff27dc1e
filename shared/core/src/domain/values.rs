//! Values with a shape of their own, parsed once ("parse, don't validate"): the identifiers and
//! contacts that application forms use.
//!
//! - NIB (Nomor Induk Berusaha, issued by OSS): 13 digits; OSS publishes no checksum, so only the
//!   shape is checked (PP 28/2025; `DOMAIN-FACTS.md`).
//! - NIK (Nomor Induk Kependudukan, Dukcapil): 16 digits (UU 24/2013 tentang Administrasi
//!   Kependudukan, as amended); no public checksum, shape only.
//! - Telephone numbers are kept as `+62…` (E.164).

use super::validation::FieldError;
use serde::{Deserialize, Serialize};

/// Nomor Induk Berusaha: exactly 13 ASCII digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nib(String);

impl Nib {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let t = raw.trim();
        if t.len() == 13 && t.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(t.to_string()))
        } else {
            Err(FieldError::new(
                "nib",
                "nib_format",
                "NIB harus terdiri dari tepat 13 angka.",
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Nib {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Nib::parse(&s).map_err(|e| e.detail)
    }
}
impl From<Nib> for String {
    fn from(n: Nib) -> String {
        n.0
    }
}

/// What an erased personal field holds once the retention schedule has removed it (UU 27/2022
/// Pasal 43; `domain::privacy`). Stored records accept it; input never does.
pub const ERASED: &str = "[dihapus]";

/// A contact e-mail address (shape only; delivery proves the rest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let t = raw.trim();
        let bad = || {
            FieldError::new(
                "contact.email",
                "invalid_email",
                "Alamat e-mail tidak valid.",
            )
        };
        if t.len() > 254 || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = t.split_once('@').ok_or_else(bad)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._%+-'".contains(c));
        if domain_ok && local_ok {
            Ok(Self(t.to_string()))
        } else {
            Err(bad())
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The address erased by the retention schedule.
    pub fn erased() -> Self {
        Self(ERASED.to_string())
    }
    pub fn is_erased(&self) -> bool {
        self.0 == ERASED
    }
}
impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s == ERASED {
            return Ok(Self::erased());
        }
        Email::parse(&s).map_err(|e| e.detail)
    }
}
impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

/// An Indonesian telephone number, kept as `+62…`. Accepts `08…`, `62…`, `+62…`, with spaces,
/// dots or dashes (e.g. the seed's own `081347131824` and `(0548) 20594`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let bad = || {
            FieldError::new(
                "contact.phone",
                "invalid_phone",
                "Nomor telepon tidak valid; contoh 0812-3456-7890 atau +62 548 20594.",
            )
        };
        let t = raw.trim();
        let mut digits = String::new();
        for (i, c) in t.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => {}
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(bad()),
            }
        }
        let national = if let Some(rest) = digits.strip_prefix("62") {
            rest.to_string()
        } else if let Some(rest) = digits.strip_prefix('0') {
            rest.to_string()
        } else {
            return Err(bad());
        };
        if !(7..=12).contains(&national.len()) || national.starts_with('0') {
            return Err(bad());
        }
        Ok(Self(format!("+62{national}")))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The number erased by the retention schedule.
    pub fn erased() -> Self {
        Self(ERASED.to_string())
    }
}
impl TryFrom<String> for Phone {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s == ERASED {
            return Ok(Self::erased());
        }
        Phone::parse(&s).map_err(|e| e.detail)
    }
}
impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

/// An Indonesian mobile number that can receive SMS, kept in E.164 (`+628…`).
///
/// Source: the numbering plan of Permenkominfo No. 14 Tahun 2018 (Rencana Dasar Teknis
/// Telekomunikasi Nasional) as notified to the ITU for E.164 country code 62: mobile networks
/// are reached by the access code `8` after the trunk prefix `0` (numbers written `08…`), with
/// a national significant number of 9 to 12 digits (e.g. `0811-234-567` to `0812-3456-78901`).
/// The `8x` ranges in use by mobile networks are 81, 82, 83, 85, 87, 88 and 89; `0800` is
/// freephone, `0809` premium rate, `0868` satellite: none of these receives SMS. A landline
/// (`(0548) 20594`, an area code after the `0`) is not a mobile number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Mobile(String);

impl Mobile {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::parse_at("contact.phone", raw)
    }

    /// As [`Mobile::parse`], the error naming `field`.
    pub fn parse_at(field: &str, raw: &str) -> Result<Self, FieldError> {
        let phone = Phone::parse(raw).map_err(|mut e| {
            e.field = field.to_string();
            e.code = "invalid_mobile".into();
            e.detail = MOBILE_DETAIL.into();
            e
        })?;
        Self::from_phone(&phone).ok_or_else(|| FieldError::new(field, "not_mobile", MOBILE_DETAIL))
    }

    /// The number, where it is a mobile one.
    pub fn from_phone(p: &Phone) -> Option<Self> {
        let nsn = p.as_str().strip_prefix("+62")?;
        let network = nsn.get(..2)?;
        let mobile = matches!(network, "81" | "82" | "83" | "85" | "87" | "88" | "89")
            && (9..=12).contains(&nsn.len());
        mobile.then(|| Self(p.as_str().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

const MOBILE_DETAIL: &str =
    "Nomor HP tidak valid untuk SMS; gunakan nomor seluler, contoh 0812-3456-7890.";

impl TryFrom<String> for Mobile {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Mobile::parse(&s).map_err(|e| e.detail)
    }
}
impl From<Mobile> for String {
    fn from(m: Mobile) -> String {
        m.0
    }
}

/// Nomor Induk Kependudukan: exactly 16 ASCII digits.
pub fn parse_nik(raw: &str) -> Result<String, FieldError> {
    let t = raw.trim();
    if t.len() == 16 && t.bytes().all(|b| b.is_ascii_digit()) {
        Ok(t.to_string())
    } else {
        Err(FieldError::new(
            "",
            "nik_format",
            "NIK harus terdiri dari tepat 16 angka.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_are_e164_and_landlines_letters_and_short_numbers_are_refused() {
        // Worked examples of the numbering plan (Permenkominfo 14/2018).
        for (raw, e164) in [
            ("0812-3456-7890", "+6281234567890"),
            ("+62 857 1111 9999", "+6285711119999"),
            ("62811234567", "+62811234567"),
            ("0895.1234.56789", "+62895123456789"),
        ] {
            assert_eq!(Mobile::parse(raw).unwrap().as_str(), e164, "{raw}");
        }
        for (raw, code) in [
            ("(0548) 20594", "not_mobile"),       // Bontang landline
            ("021-5551234", "not_mobile"),        // Jakarta landline
            ("0800-1-234567", "not_mobile"),      // freephone
            ("0868-1234-5678", "not_mobile"),     // satellite
            ("0812-345", "invalid_mobile"),       // too short
            ("081234567", "not_mobile"),          // 8 digits after the 0: one short
            ("0812-ABCD-7890", "invalid_mobile"), // letters
        ] {
            let e = Mobile::parse(raw).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.code.as_ref()),
                ("contact.phone", code),
                "{raw}"
            );
            assert!(e.detail.contains("Nomor HP"), "{raw}");
        }
    }

    #[test]
    fn nib_is_exactly_thirteen_digits() {
        assert!(Nib::parse("9120001234567").is_ok());
        assert_eq!(Nib::parse("912000123456").unwrap_err().code, "nib_format"); // 12 digits
        assert_eq!(Nib::parse("91200012345678").unwrap_err().code, "nib_format"); // 14
        assert_eq!(Nib::parse("912000123456A").unwrap_err().code, "nib_format"); // letter
        assert_eq!(
            Nib::parse("９１２０００１２３４５６７").unwrap_err().code,
            "nib_format"
        ); // full-width
    }

    #[test]
    fn nik_is_exactly_sixteen_digits() {
        assert!(parse_nik("6474010101900001").is_ok());
        assert_eq!(parse_nik("647401010190000").unwrap_err().code, "nik_format");
        assert_eq!(
            parse_nik("64740101019000A1").unwrap_err().code,
            "nik_format"
        );
    }

    #[test]
    fn phones_are_normalised() {
        assert_eq!(
            Phone::parse("081347131824").unwrap().as_str(),
            "+6281347131824"
        );
        assert_eq!(
            Phone::parse("(0548) 20594").unwrap().as_str(),
            "+6254820594"
        );
        assert_eq!(
            Phone::parse("+62 812 3456 7890").unwrap().as_str(),
            "+6281234567890"
        );
        assert!(Phone::parse("12345").is_err());
        assert!(Phone::parse("0812abc").is_err());
    }

    #[test]
    fn emails() {
        assert!(Email::parse("pengurus@ksp-sejahtera.test").is_ok());
        assert_eq!(
            Email::parse("bukan-email").unwrap_err().code,
            "invalid_email"
        );
        assert!(Email::parse("a b@c.d").is_err());
    }
}
