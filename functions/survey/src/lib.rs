//! The `survey` function. SOP q: the public satisfaction survey (SKM, PermenPANRB 14/2017).
//! All logic lives in the shared crate; this crate names the routes API Gateway sends here.

use perizinan::api::FnRouter;
use perizinan::api::routes::Routes;
use perizinan::api::survey;
use perizinan::catalogue::Catalogue;

/// The function's routes (the step routes are the catalogue's: `permit.json` names each
/// step's function).
pub fn routes(_catalogue: &Catalogue) -> Routes {
    Routes::new("survey")
        .public_get("/survey/questions", survey::questions)
        .post("/cases/{id}/survey", survey::answer)
}

/// The function's router (state attached by the caller: Lambda `main`, or the local runner).
pub fn router(catalogue: &Catalogue) -> FnRouter {
    routes(catalogue).into_router()
}
