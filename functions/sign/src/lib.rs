//! The `sign` function (also the public verification of signed documents). SOP m–p and r: the letter's draft, its validations by the section and division heads, the head of agency's signature, and the permit's effectuation in OSS.
//! All logic lives in the shared crate; this crate names the routes API Gateway sends here.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use perizinan::api::FnRouter;
use perizinan::api::letters;
use perizinan::domain::Step;

/// The function's routes (state attached by the caller: Lambda `main`, or the local runner).
pub fn router() -> FnRouter {
    steps_router(&[
        Step::LetterDrafting,
        Step::SectionHeadValidation,
        Step::DivisionHeadValidation,
        Step::HeadSignature,
        Step::Effectuation,
    ])
    .route(
        "/cases/{id}/letter/drafts/{version}/download",
        get(letters::download_draft),
    )
    .route("/cases/{id}/letter/download", get(letters::download_signed))
    .route("/documents/{id}/revoke", post(letters::revoke))
    .route("/verify/public-key", get(letters::public_key))
    .route(
        "/verify/{id}",
        get(letters::verify_get)
            .post(letters::verify_post)
            .layer(DefaultBodyLimit::max(MAX_VERIFY_BYTES)),
    )
}

/// Largest PDF the public verification accepts (a Lambda request carries at most 6 MB).
const MAX_VERIFY_BYTES: usize = 5 * 1024 * 1024;

fn steps_router(steps: &[Step]) -> FnRouter {
    steps.iter().fold(Router::new(), |r, s| {
        r.route(
            &perizinan::api::steps::path(*s),
            perizinan::api::steps::route(*s),
        )
    })
}
