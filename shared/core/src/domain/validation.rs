//! Field-level validation errors: what a form shows beside each field.

use serde::Serialize;
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Dotted path of the field in the request body, e.g. `cash_office.member_count`.
    pub field: String,
    /// Machine-readable code, e.g. `nib_format` (rule codes come from the permit's data).
    pub code: Cow<'static, str>,
    /// What the person reads (Bahasa Indonesia).
    pub detail: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            detail: detail.into(),
        }
    }

    pub fn required(field: impl Into<String>) -> Self {
        Self::new(field, "required", "Wajib diisi.")
    }
}

/// Collects every problem of a request so the person can fix them all at once.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    /// Runs a parser on a required field; records "required" or the parser's error.
    pub fn field<T, R>(
        &mut self,
        name: &str,
        raw: Option<R>,
        parse: impl FnOnce(R) -> Result<T, FieldError>,
    ) -> Option<T> {
        match raw {
            None => {
                self.push(FieldError::required(name));
                None
            }
            Some(r) => match parse(r) {
                Ok(v) => Some(v),
                Err(mut e) => {
                    e.field = name.to_string();
                    self.push(e);
                    None
                }
            },
        }
    }

    /// Like [`Errors::field`] for an optional field.
    pub fn optional<T, R>(
        &mut self,
        name: &str,
        raw: Option<R>,
        parse: impl FnOnce(R) -> Result<T, FieldError>,
    ) -> Option<T> {
        let r = raw?;
        match parse(r) {
            Ok(v) => Some(v),
            Err(mut e) => {
                e.field = name.to_string();
                self.push(e);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self.0)
        }
    }
}

/// A trimmed, non-empty text of bounded length, without control characters.
pub fn text(raw: String, min: usize, max: usize) -> Result<String, FieldError> {
    let t = raw.trim();
    let n = t.chars().count();
    if n == 0 {
        return Err(FieldError::required(""));
    }
    if t.chars().any(|c| c.is_control() && c != '\n') {
        return Err(FieldError::new(
            "",
            "invalid_characters",
            "Tidak boleh berisi karakter kontrol.",
        ));
    }
    if n < min {
        return Err(FieldError::new(
            "",
            "too_short",
            format!("Paling sedikit {min} karakter."),
        ));
    }
    if n > max {
        return Err(FieldError::new(
            "",
            "too_long",
            format!("Paling banyak {max} karakter."),
        ));
    }
    Ok(t.to_string())
}

/// A calendar date written `YYYY-MM-DD`.
pub fn date(raw: String) -> Result<chrono::NaiveDate, FieldError> {
    chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            "",
            "invalid_date",
            "Tanggal tidak valid; gunakan format TTTT-BB-HH (contoh 2026-05-31).",
        )
    })
}
