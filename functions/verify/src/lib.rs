//! The `verify` function. SOP g, i, j: the front office verifies completeness, the back office validates, the section head forwards to Dinas Koperasi.
//! All logic lives in the shared crate; this crate names the routes API Gateway sends here.

use perizinan::api::FnRouter;
use perizinan::api::routes::Routes;
use perizinan::api::steps;
use perizinan::domain::Step;

/// The function's routes.
pub fn routes() -> Routes {
    steps::routes::<steps::NoLetters>(
        "verify",
        &[
            Step::FrontOfficeVerification,
            Step::BackOfficeValidation,
            Step::SectionHeadForwarding,
        ],
    )
}

/// The function's router (state attached by the caller: Lambda `main`, or the local runner).
pub fn router() -> FnRouter {
    routes().into_router()
}
