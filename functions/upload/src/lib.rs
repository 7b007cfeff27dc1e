//! The `upload` function. SOP f: upload URLs for the requirements, confirmation of what arrived, downloads.
//! All logic lives in the shared crate; this crate names the routes API Gateway sends here.

use perizinan::api::FnRouter;
use perizinan::api::documents;
use perizinan::api::routes::Routes;

/// The function's routes.
pub fn routes() -> Routes {
    Routes::new("upload")
        .post("/cases/{id}/documents", documents::request_upload)
        .get("/cases/{id}/documents", documents::list)
        .post("/cases/{id}/documents/{doc}/confirm", documents::confirm)
        .get("/cases/{id}/documents/{doc}/download", documents::download)
}

/// The function's router (state attached by the caller: Lambda `main`, or the local runner).
pub fn router() -> FnRouter {
    routes().into_router()
}
