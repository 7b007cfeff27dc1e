//! The `complaint` function: complaints, suggestions and input (seed "Pengaduan Layanan" a–f).
//! All logic lives in the shared crate; this crate names the routes API Gateway sends here.

use axum::Router;
use axum::routing::{get, post};
use perizinan::api::FnRouter;
use perizinan::api::complaints;
use perizinan::domain::complaints::ComplaintStep;

/// The function's routes (state attached by the caller: Lambda `main`, or the local runner).
pub fn router() -> FnRouter {
    let r = Router::new()
        .route(
            "/complaints",
            post(complaints::file_public).get(complaints::register),
        )
        .route("/complaints/recorded", post(complaints::file_recorded))
        .route("/complaints/track/{code}", get(complaints::track))
        .route("/complaints/{id}", get(complaints::get))
        .route("/complaints/{id}/events", get(complaints::events));
    ComplaintStep::ALL.into_iter().fold(r, |r, s| {
        r.route(&complaints::path(s), complaints::route(s))
    })
}
