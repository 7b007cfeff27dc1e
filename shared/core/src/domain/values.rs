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
