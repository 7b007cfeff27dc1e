//! The `sign` function: the steps the catalogue gives it, the only ones that make documents — in the seed, SOP m–p and r: the letter's draft, its validations by the section and division heads, the head of agency's signature, and the permit's effectuation in OSS; in PBG, the bill (SKRD) and the approval.
//! All logic lives in the shared crate; this crate names the routes API Gateway sends here.

pub mod sealing;

use perizinan::api::FnRouter;
use perizinan::api::letters;
use perizinan::api::routes::Routes;
use perizinan::api::steps;
use perizinan::catalogue::Catalogue;
use perizinan::domain::permit::Function;

/// The function's routes (the step routes are the catalogue's: `permit.json` names each
/// step's function).
pub fn routes(catalogue: &Catalogue) -> Routes {
    steps::routes(Function::Sign, catalogue)
        .get(
            "/cases/{id}/letter/drafts/{version}/download",
            letters::download_draft,
        )
        .get("/cases/{id}/letter/download", letters::download_signed)
        .get("/cases/{id}/bill/download", letters::download_bill)
        .post("/documents/{id}/revoke", letters::revoke)
}

/// The function's router (state attached by the caller: Lambda `main`, or the local runner).
pub fn router(catalogue: &Catalogue) -> FnRouter {
    routes(catalogue).into_router()
}
