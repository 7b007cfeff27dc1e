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
    /// "Plt." or "Plh." when the signer holds the post by delegation
    /// (`domain::delegation`), printed before the position whatever the officials list says.
    pub acting: Option<&'a str>,
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
    /// Seals `pdf` as signed by `signer_name` at `signed_at`; `reason` and `location` (the city
    /// of the letter's office) go in the signature's /Reason and /Location.
    #[allow(clippy::too_many_arguments)]
    async fn seal(
        &self,
        pdf: &[u8],
        signer: &dyn crate::ports::Signer,
        signed_at: DateTime<Utc>,
        signer_name: &str,
        reason: &str,
        location: &str,
    ) -> Result<Sealed, SealError>;
    /// What the signature embedded in `pdf` says (a letter sealed by an earlier attempt).
    fn facts(&self, pdf: &[u8]) -> Result<SealFacts, SealError>;
}

/// Why an embedded signature did not validate (the machine code of `embedded_signature.problem`
/// on `POST /verify/{id}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SealProblem {
    /// The file carries no signature inside.
    NotSigned,
    /// The signature dictionary or its CMS object cannot be read.
    Malformed,
    /// The signed bytes do not match the signature's message digest (the file was changed).
    DigestMismatch,
    /// The CMS signature does not verify with its certificate's key.
    BadSignature,
    /// The ESS signing-certificate attribute names another certificate.
    SigningCertificateMismatch,
    /// The timestamp token does not cover this signature (its imprint or its own signature).
    TimestampMismatch,
    /// The signature has no RFC 3161 timestamp.
    NoTimestamp,
    /// The signer's certificate does not chain to a certificate this deployment trusts.
    Untrusted,
    /// The timestamp authority's certificate does not chain to a trusted certificate.
    TimestampUntrusted,
    /// Bytes were appended after the signed range (an incremental update after signing).
    ModifiedAfterSigning,
    /// An algorithm or structure this check does not cover (a PDF reader may).
    Unsupported,
}

impl SealProblem {
    /// What the problem means, for the person who uploaded the file.
    pub fn label(self) -> &'static str {
        match self {
            Self::NotSigned => "Berkas ini tidak memuat tanda tangan elektronik di dalam PDF.",
            Self::Malformed => "Tanda tangan di dalam PDF rusak atau tidak dapat dibaca.",
            Self::DigestMismatch => {
                "Isi berkas telah diubah setelah ditandatangani: tanda tangan di dalam PDF tidak cocok dengan isinya."
            }
            Self::BadSignature => {
                "Tanda tangan di dalam PDF tidak sah untuk sertifikat penanda tangannya."
            }
            Self::SigningCertificateMismatch => {
                "Tanda tangan di dalam PDF menyebut sertifikat lain daripada sertifikat penanda tangannya."
            }
            Self::TimestampMismatch => {
                "Cap waktu (RFC 3161) pada tanda tangan di dalam PDF tidak cocok dengan tanda tangannya."
            }
            Self::NoTimestamp => "Tanda tangan di dalam PDF tidak memiliki cap waktu (RFC 3161).",
            Self::Untrusted => {
                "Sertifikat penanda tangan tidak diterbitkan oleh otoritas sertifikat yang dipercaya instansi ini."
            }
            Self::TimestampUntrusted => {
                "Sertifikat otoritas cap waktu tidak diterbitkan oleh otoritas sertifikat yang dipercaya instansi ini."
            }
            Self::ModifiedAfterSigning => {
                "Berkas ini mendapat tambahan isi setelah ditandatangani."
            }
            Self::Unsupported => {
                "Tanda tangan di dalam PDF memakai algoritme yang tidak dapat diperiksa di sini; periksa dengan aplikasi pembaca PDF."
            }
        }
    }
}

/// The outcome of checking the signature embedded in a PDF against what a deployment trusts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SealCheck {
    /// The signature verifies over the signed bytes, its certificate chains to a trusted
    /// certificate, and its timestamp covers it and is trusted too.
    pub valid: bool,
    /// What the signature says, as far as it could be read (absent when there is none or it
    /// cannot be parsed).
    pub facts: Option<SealCheckFacts>,
    /// Why it is not valid (absent when valid).
    pub problem: Option<SealProblem>,
}

/// What a readable embedded signature says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SealCheckFacts {
    /// PAdES baseline level: `B-T` with a signature timestamp, else `B-B`.
    pub level: String,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub timestamp: Option<DateTime<Utc>>,
}

/// Validates the signature embedded in a PDF (PAdES): the CMS signature over the signed byte
/// ranges, the message digest, the signer's certificate chain up to a certificate the
/// deployment trusts, and the timestamp token's imprint. Needs no key: the `verify` function
/// holds one (the letters crate's, without its PDF renderer), as does the runner.
pub trait SealVerifier: Send + Sync {
    fn check(&self, pdf: &[u8]) -> SealCheck;
}
