//! The `upload` function. SOP f: upload URLs for the requirements, confirmation of what arrived, downloads.
//! All logic lives in the shared crate; this crate names the routes API Gateway sends here.

use axum::Router;
use axum::routing::{get, post};
use perizinan::api::FnRouter;
use perizinan::api::documents;

/// The function's routes (state attached by the caller: Lambda `main`, or the local runner).
pub fn router() -> FnRouter {
    Router::new()
        .route(
            "/cases/{id}/documents",
            post(documents::request_upload).get(documents::list),
        )
        .route(
            "/cases/{id}/documents/{doc}/confirm",
            post(documents::confirm),
        )
        .route(
            "/cases/{id}/documents/{doc}/download",
            get(documents::download),
        )
}
