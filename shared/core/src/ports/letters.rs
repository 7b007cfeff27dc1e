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
    /// The signing staff member's name (from the directory); the renderer prints the NIP, rank
    /// and any "Plt."/"Plh." of the agency's official of that name (`Agency::official`).
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

/// The certificate an embedded signature is made with, and its timestamp, as the public
/// verification page shows them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SealFacts {
    /// PAdES baseline level, e.g. `B-T`.
    pub level: String,
    /// The signer certificate's subject and issuer (RFC 4514 strings) and serial (hex).
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    /// The signature timestamp's time (RFC 3161 `genTime`).
    pub timestamp: DateTime<Utc>,
}

/// A letter with its signature inside.
pub struct Sealed {
    pub pdf: Vec<u8>,
    pub facts: SealFacts,
}

#[derive(Debug, thiserror::Error)]
#[error("sealing: {0}")]
pub struct SealError(pub String);

/// Embeds a signature in a rendered letter (PAdES: a CMS signature inside the PDF with the
/// signer's certificate and a trusted timestamp), so that any PDF reader validates it. The key
/// stays behind the [`crate::ports::Signer`] port: the sealer holds the certificates and the
/// timestamp authority (the runner's local CA and TSA; in a stack, the chain issued for its key).
#[async_trait::async_trait]
pub trait LetterSealer: Send + Sync {
    async fn seal(
        &self,
        pdf: &[u8],
        signer: &dyn crate::ports::Signer,
        signed_at: DateTime<Utc>,
        signer_name: &str,
        reason: &str,
    ) -> Result<Sealed, SealError>;
    /// What the signature embedded in `pdf` says (a letter sealed by an earlier attempt).
    fn facts(&self, pdf: &[u8]) -> Result<SealFacts, SealError>;
}
