//! The `reports` function: the SLA report (per period and step), the complaints report and the
//! satisfaction index (IKM), as JSON and CSV, for the section head, the division head and the
//! head of agency (the complaints report also for the complaints officer); and the security log
//! of refused requests (division head, head of agency).

use perizinan::api::FnRouter;
use perizinan::api::reports;
use perizinan::api::routes::Routes;
use perizinan::catalogue::Catalogue;

/// The function's routes (the step routes are the catalogue's: `permit.json` names each
/// step's function).
pub fn routes(_catalogue: &Catalogue) -> Routes {
    Routes::new("reports")
        .get("/reports/sla", reports::sla)
        .get("/reports/complaints", reports::complaints)
        .get("/reports/ikm", reports::ikm)
        .get("/reports/security", reports::security)
}

/// The function's router (state attached by the caller: Lambda `main`, or the local runner).
pub fn router(catalogue: &Catalogue) -> FnRouter {
    routes(catalogue).into_router()
}
