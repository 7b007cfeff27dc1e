//! The letters crate: a case's documents as PDF files (`pdf`, feature `render`), behind the
//! core's [`LetterRenderer`] port, their PAdES signatures (`pades`, `sealer`) and the check of
//! an uploaded file's embedded signature (`trust`, the core's `SealVerifier`). The `sign`
//! function and the local runner link all of it (with its fonts, the QR encoder, the PDF
//! writer and the CMS/X.509 crates); the `verify` function links it without `render`, so
//! without the renderer, its fonts and the QR encoder.

pub mod pades;
#[cfg(feature = "render")]
pub mod pdf;
pub mod sealer;
pub mod trust;

#[cfg(feature = "render")]
pub use render::{PdfRenderer, renderer};

#[cfg(feature = "render")]
mod render {
    use perizinan::domain::documents::BillText;
    use perizinan::domain::notices::Agency;
    use perizinan::ports::letters::{LetterData, LetterRenderer, RenderError};
    use std::sync::Arc;

    /// The PDF renderer of letters and bills.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct PdfRenderer;

    impl LetterRenderer for PdfRenderer {
        fn letter(&self, d: &LetterData<'_>) -> Result<Vec<u8>, RenderError> {
            crate::pdf::render_letter(d).map_err(|e| RenderError(e.to_string()))
        }
        fn bill(&self, agency: &Agency, b: &BillText) -> Result<Vec<u8>, RenderError> {
            crate::pdf::render_bill(agency, b).map_err(|e| RenderError(e.to_string()))
        }
    }

    /// The renderer as the services hold it.
    pub fn renderer() -> Arc<dyn LetterRenderer> {
        Arc::new(PdfRenderer)
    }
}
