//! The `upload` function. SOP f: upload URLs for the requirements, confirmation of what arrived, downloads; and the applicant's upload steps of the catalogue (e.g. the deposit slip of a retribution).
//! All logic lives in the shared crate; this crate names the routes API Gateway sends here.

use perizinan::api::FnRouter;
use perizinan::api::routes::Routes;
use perizinan::api::{documents, steps};
use perizinan::catalogue::Catalogue;
use perizinan::domain::permit::Function;

/// The function's routes.
pub fn routes(catalogue: &Catalogue) -> Routes {
    steps::routes(Function::Upload, catalogue)
        .post("/cases/{id}/documents", documents::request_upload)
        .get("/cases/{id}/documents", documents::list)
        .post("/cases/{id}/documents/{doc}/confirm", documents::confirm)
        .get("/cases/{id}/documents/{doc}/download", documents::download)
}

/// The function's router (state attached by the caller: Lambda `main`, or the local runner).
pub fn router(catalogue: &Catalogue) -> FnRouter {
    routes(catalogue).into_router()
}
