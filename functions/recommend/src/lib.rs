//! The `recommend` function. SOP k, l: Dinas Koperasi's technical verification and its recommendation to grant or refuse.
//! All logic lives in the shared crate; this crate names the routes API Gateway sends here.

use perizinan::api::FnRouter;
use perizinan::api::routes::Routes;
use perizinan::api::steps;
use perizinan::domain::Step;

/// The function's routes.
pub fn routes() -> Routes {
    steps::routes::<steps::NoLetters>(
        "recommend",
        &[Step::TechnicalVerification, Step::Recommendation],
    )
}

/// The function's router (state attached by the caller: Lambda `main`, or the local runner).
pub fn router() -> FnRouter {
    routes().into_router()
}
