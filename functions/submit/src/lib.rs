//! The `submit` function. SOP d–f and the revision loop: create, edit, submit and read applications; the applicant's and staff's lists; public tracking.
//! All logic lives in the shared crate; this crate names the routes API Gateway sends here.

use axum::Router;
use axum::routing::{get, post};
use perizinan::api::FnRouter;
use perizinan::api::cases;

/// The function's routes (state attached by the caller: Lambda `main`, or the local runner).
pub fn router() -> FnRouter {
    Router::new()
        .route("/me", get(cases::me))
        .route("/cases", post(cases::create).get(cases::list))
        .route("/cases/{id}", get(cases::get).put(cases::update))
        .route("/cases/{id}/submit", post(cases::submit))
        .route("/cases/{id}/events", get(cases::events))
        .route("/track/{registration_number}", get(cases::track))
}
