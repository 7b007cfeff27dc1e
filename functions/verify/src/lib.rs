//! The `verify` function. SOP g, i, j: the front office verifies completeness, the back office validates, the section head forwards to Dinas Koperasi; and the public verification of signed documents (the QR's page), served here because this function holds no `kms:Sign` (security review, issue 17 finding 12).
//! All logic lives in the shared crate; this crate names the routes API Gateway sends here.

use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::post;
use perizinan::api::FnRouter;
use perizinan::api::letters;
use perizinan::api::routes::{Access, Routes};
use perizinan::api::steps;
use perizinan::catalogue::Catalogue;
use perizinan::domain::permit::Function;

/// The function's routes (the step routes are the catalogue's: `permit.json` names each
/// step's function).
pub fn routes(catalogue: &Catalogue) -> Routes {
    steps::routes(Function::Verify, catalogue)
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
pub fn router(catalogue: &Catalogue) -> FnRouter {
    routes(catalogue).into_router()
}
