//! Rendering a case's documents as files: the letter (a draft, or the signed letter with its
//! signature block and QR code) and the bill (SKRD). The PDF renderer is the letters crate's
//! (`perizinan-letters`), linked only by the `sign` function and the runner; the other
//! functions' services have none, and the catalogue gives document effects only to `sign`'s
//! steps.

use crate::domain::documents::{BillText, LetterText};
use crate::domain::notices::Agency;
use chrono::{DateTime, NaiveDate, Utc};

/// The signature printed on the final letter.
pub struct Signature<'a> {
    pub number: &'a str,
    pub signer: &'a str,
    pub signed_at: DateTime<Utc>,
    pub verify_url: &'a str,
}

/// What the letter shows.
pub struct LetterData<'a> {
    pub agency: &'a Agency,
    pub text: &'a LetterText,
    pub date: NaiveDate,
    /// Draft version (absent on the signed letter).
    pub draft_version: Option<u32>,
    pub signature: Option<Signature<'a>>,
}

#[derive(Debug, thiserror::Error)]
#[error("rendering: {0}")]
pub struct RenderError(pub String);

pub trait LetterRenderer: Send + Sync {
    /// The letter's file (PDF).
    fn letter(&self, d: &LetterData<'_>) -> Result<Vec<u8>, RenderError>;
    /// The bill's file (PDF).
    fn bill(&self, agency: &Agency, b: &BillText) -> Result<Vec<u8>, RenderError>;
}
