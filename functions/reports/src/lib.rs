//! The `reports` function: the SLA report (per period and step; JSON and CSV) for the section
//! head, the division head and the head of agency. All logic lives in the shared crate.

use axum::Router;
use axum::routing::get;
use perizinan::api::FnRouter;
use perizinan::api::reports;

/// The function's routes (state attached by the caller: Lambda `main`, or the local runner).
pub fn router() -> FnRouter {
    Router::new().route("/reports/sla", get(reports::sla))
}
