//! The `sign` function (also the public verification of signed documents). SOP m–p and r: the letter's draft, its validations by the section and division heads, the head of agency's signature, and the permit's effectuation in OSS.
//! All logic lives in the shared crate; this crate names the routes API Gateway sends here.

use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::post;
use perizinan::api::FnRouter;
use perizinan::api::letters;
use perizinan::api::routes::Access;
use perizinan::api::routes::Routes;
use perizinan::api::steps;
use perizinan::domain::Step;

/// The function's routes.
pub fn routes() -> Routes {
    steps::routes::<steps::PdfLetters>(
        "sign",
        &[
            Step::LetterDrafting,
            Step::SectionHeadValidation,
            Step::DivisionHeadValidation,
            Step::HeadSignature,
            Step::Effectuation,
        ],
    )
    .get(
        "/cases/{id}/letter/drafts/{version}/download",
        letters::download_draft,
    )
    .get("/cases/{id}/letter/download", letters::download_signed)
    .post("/documents/{id}/revoke", letters::revoke)
    .public_get("/verify/public-key", letters::public_key)
    .public_get("/verify/{id}", letters::verify_get)
    .route(
        Method::POST,
        "/verify/{id}",
        Access::Public,
        post(letters::verify_post).layer(DefaultBodyLimit::max(MAX_VERIFY_BYTES)),
    )
}

/// Largest PDF the public verification accepts (a Lambda request carries at most 6 MB).
const MAX_VERIFY_BYTES: usize = 5 * 1024 * 1024;

/// The function's router (state attached by the caller: Lambda `main`, or the local runner).
pub fn router() -> FnRouter {
    routes().into_router()
}
