//! The `survey` function. SOP q: the public satisfaction survey (SKM, PermenPANRB 14/2017).
//! All logic lives in the shared crate; this crate names the routes API Gateway sends here.

use axum::Router;
use axum::routing::{get, post};
use perizinan::api::FnRouter;
use perizinan::api::survey;

/// The function's routes (state attached by the caller: Lambda `main`, or the local runner).
pub fn router() -> FnRouter {
    Router::new()
        .route("/survey/questions", get(survey::questions))
        .route("/cases/{id}/survey", post(survey::answer))
}
