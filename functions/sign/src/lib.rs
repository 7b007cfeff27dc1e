//! The `sign` function. SOP m–p and r: the letter's draft, its validations by the section and division heads, the head of agency's signature, and the permit's effectuation in OSS.
//! All logic lives in the shared crate; this crate names the routes API Gateway sends here.

use axum::Router;
use perizinan::api::FnRouter;
use perizinan::domain::Step;

/// The function's routes (state attached by the caller: Lambda `main`, or the local runner).
pub fn router() -> FnRouter {
    steps_router(&[
        Step::LetterDrafting,
        Step::SectionHeadValidation,
        Step::DivisionHeadValidation,
        Step::HeadSignature,
        Step::Effectuation,
    ])
}

fn steps_router(steps: &[Step]) -> FnRouter {
    steps.iter().fold(Router::new(), |r, s| {
        r.route(
            &perizinan::api::steps::path(*s),
            perizinan::api::steps::route(*s),
        )
    })
}
