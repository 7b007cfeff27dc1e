//! The `complaint` function: complaints, suggestions and input (seed "Pengaduan Layanan" a–f).
//! All logic lives in the shared crate; this crate names the routes API Gateway sends here.

use axum::http::Method;
use perizinan::api::FnRouter;
use perizinan::api::complaints;
use perizinan::api::routes::Access;
use perizinan::api::routes::Routes;
use perizinan::catalogue::Catalogue;
use perizinan::domain::complaints::ComplaintStep;

/// The function's routes (the step routes are the catalogue's: `permit.json` names each
/// step's function).
pub fn routes(_catalogue: &Catalogue) -> Routes {
    let r = Routes::new("complaint")
        .public_post("/complaints", complaints::file_public)
        .public_get("/complaints/challenge", complaints::challenge)
        .get("/complaints", complaints::register)
        .post("/complaints/recorded", complaints::file_recorded)
        .public_get("/complaints/track/{code}", complaints::track)
        .public_post("/complaints/track/{code}/completion", complaints::complete)
        .get("/complaints/{id}", complaints::get)
        .get("/complaints/{id}/events", complaints::events)
        .public_post("/complaints/{id}/email/confirm", complaints::confirm_email);
    ComplaintStep::ALL.into_iter().fold(r, |r, s| {
        r.route(
            Method::POST,
            complaints::path(s),
            Access::SignedIn,
            complaints::route(s),
        )
    })
}

/// The function's router (state attached by the caller: Lambda `main`, or the local runner).
pub fn router(catalogue: &Catalogue) -> FnRouter {
    routes(catalogue).into_router()
}
