//! The `submit` function. SOP d–f and the revision loop: create, edit, submit and read applications for every permit of the catalogue; the applicant's and staff's lists; public tracking; the catalogue itself and the offices serving it; each office's roster and staff accounts, acting officials, hand-overs and workload.
//! All logic lives in the shared crate; this crate names the routes API Gateway sends here.

use perizinan::api::FnRouter;
use perizinan::api::routes::Routes;
use perizinan::api::{cases, offices, permits, staff};
use perizinan::catalogue::Catalogue;

/// The function's routes.
pub fn routes(_catalogue: &Catalogue) -> Routes {
    Routes::new("submit")
        .get("/me", cases::me)
        .post("/cases", cases::create)
        .get("/cases", cases::list)
        .get("/cases/{id}", cases::get)
        .put("/cases/{id}", cases::update)
        .post("/cases/{id}/submit", cases::submit)
        .post("/cases/{id}/contact", cases::correct_contact)
        .get("/cases/{id}/events", cases::events)
        .post("/cases/{id}/assign", staff::assign)
        .get("/office/staff", staff::roster)
        .post("/office/staff", staff::invite)
        .post("/office/staff/{sub}/roles", staff::set_roles)
        .post("/office/staff/{sub}/deactivate", staff::deactivate)
        .post("/office/staff/{sub}/activate", staff::activate)
        .get("/office/delegations", staff::delegations)
        .post("/office/delegations", staff::grant)
        .post("/office/delegations/{id}/revoke", staff::revoke)
        .get("/office/workload", staff::workload)
        .public_get("/track/{registration_number}", cases::track)
        .public_get("/offices", offices::list)
        .public_get("/permits", permits::list)
        .public_get("/permits/{code}", permits::get)
        .public_get("/permits/{code}/example", permits::example)
}

/// The function's router (state attached by the caller: Lambda `main`, or the local runner).
pub fn router(catalogue: &Catalogue) -> FnRouter {
    routes(catalogue).into_router()
}
