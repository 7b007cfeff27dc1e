//! The letters crate: a case's documents as PDF files (`pdf`), behind the core's
//! [`LetterRenderer`] port, and their PAdES signatures (`pades`). Only the `sign` function and
//! the local runner link it (with its fonts, the QR encoder, the PDF writer and the CMS/X.509
//! crates).

pub mod pades;
pub mod pdf;
pub mod sealer;

use perizinan::domain::documents::BillText;
use perizinan::domain::notices::Agency;
use perizinan::ports::letters::{LetterData, LetterRenderer, RenderError};
use std::sync::Arc;

/// The PDF renderer of letters and bills.
#[derive(Debug, Clone, Copy, Default)]
pub struct PdfRenderer;

impl LetterRenderer for PdfRenderer {
    fn letter(&self, d: &LetterData<'_>) -> Result<Vec<u8>, RenderError> {
        pdf::render_letter(d).map_err(|e| RenderError(e.to_string()))
    }
    fn bill(&self, agency: &Agency, b: &BillText) -> Result<Vec<u8>, RenderError> {
        pdf::render_bill(agency, b).map_err(|e| RenderError(e.to_string()))
    }
}

/// The renderer as the services hold it.
pub fn renderer() -> Arc<dyn LetterRenderer> {
    Arc::new(PdfRenderer)
}
