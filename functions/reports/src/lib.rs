//! The `reports` function: the SLA report (per period and step), the complaints report and the
//! satisfaction index (IKM), as JSON and CSV, for the section head, the division head and the
//! head of agency (the complaints report also for the complaints officer).

use axum::Router;
use axum::routing::get;
use perizinan::api::FnRouter;
use perizinan::api::reports;

/// The function's routes (state attached by the caller: Lambda `main`, or the local runner).
pub fn router() -> FnRouter {
    Router::new()
        .route("/reports/sla", get(reports::sla))
        .route("/reports/complaints", get(reports::complaints))
        .route("/reports/ikm", get(reports::ikm))
}
