//! The `verify` function. SOP g, i, j: the front office verifies completeness, the back office validates, the section head forwards to Dinas Koperasi.
//! All logic lives in the shared crate; this crate names the routes API Gateway sends here.

use axum::Router;
use perizinan::api::FnRouter;
use perizinan::domain::Step;

/// The function's routes (state attached by the caller: Lambda `main`, or the local runner).
pub fn router() -> FnRouter {
    steps_router(&[
        Step::FrontOfficeVerification,
        Step::BackOfficeValidation,
        Step::SectionHeadForwarding,
    ])
}

fn steps_router(steps: &[Step]) -> FnRouter {
    steps.iter().fold(Router::new(), |r, s| {
        r.route(
            &perizinan::api::steps::path(*s),
            perizinan::api::steps::route(*s),
        )
    })
}
