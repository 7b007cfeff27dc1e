//! The `verify` function. SOP g, i, j: the front office verifies completeness, the back office validates, the section head forwards to Dinas Koperasi.
//! All logic lives in the shared crate; this crate names the routes API Gateway sends here.

use perizinan::api::FnRouter;
use perizinan::api::routes::Routes;
use perizinan::api::steps;
use perizinan::catalogue::Catalogue;
use perizinan::domain::permit::Function;

/// The function's routes (the step routes are the catalogue's: `permit.json` names each
/// step's function).
pub fn routes(catalogue: &Catalogue) -> Routes {
    steps::routes(Function::Verify, catalogue)
}

/// The function's router (state attached by the caller: Lambda `main`, or the local runner).
pub fn router(catalogue: &Catalogue) -> FnRouter {
    routes(catalogue).into_router()
}
