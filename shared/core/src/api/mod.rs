//! The HTTP handlers of every function. Each function crate mounts the routes of its steps
//! (its `router()`); the local runner mounts them all, as API Gateway does in AWS.

pub mod cases;
pub mod complaints;
pub mod documents;
pub mod edge;
pub mod error;
pub mod extract;
pub mod guard;
pub mod letters;
pub mod offices;
pub mod permits;
pub mod reports;
pub mod routes;
pub mod staff;
pub mod steps;
pub mod survey;
pub mod views;

use crate::domain::{Caller, Case, CaseId};
use crate::ports::store::Commit;
use crate::services::Services;
use axum::Router;
use error::{ApiError, ApiResult};
use std::sync::Arc;

pub type AppState = Arc<Services>;

/// A router of one function, before its state is attached.
pub type FnRouter = Router<AppState>;

/// Loads a case the caller may see; an unknown id, a malformed id and someone else's case are
/// the same 404.
pub async fn load_visible(s: &Services, id: &str, caller: &Caller) -> ApiResult<Case> {
    let id = CaseId::parse(id).ok_or(ApiError::NotFound)?;
    visible_case(s, id, caller).await
}

/// [`load_visible`] for an id already parsed.
pub async fn visible_case(s: &Services, id: CaseId, caller: &Caller) -> ApiResult<Case> {
    let case = s.store.case(id).await?.ok_or(ApiError::NotFound)?;
    if caller.can_see(&case, s.permit_of(&case)) {
        Ok(case)
    } else {
        Err(ApiError::NotFound)
    }
}

/// The definition of a case's permit; a case of a permit the catalogue no longer serves is
/// readable through the store but not actionable here.
pub fn permit_of<'a>(s: &'a Services, case: &Case) -> ApiResult<&'a crate::domain::PermitDef> {
    s.permit_of(case).ok_or_else(|| {
        ApiError::InvalidState(format!(
            "Jenis izin berkas ini ({}) tidak lagi dilayani.",
            case.permit_code
        ))
    })
}

/// Stores a change; if it carries a decision, hands the decision to the orchestrator. A
/// decision that is stored but not delivered (orchestrator down) is re-sent by recovery, so
/// the caller still gets a success. Returns the case as it is after the orchestrator moved on.
pub async fn commit_and_complete(s: &Services, commit: Commit) -> ApiResult<Case> {
    let id = commit.case.id;
    let pending = commit.case.pending_completion.clone();
    let fallback = commit.case.clone();
    s.store.commit_checked(commit).await?;
    if let Some(p) = pending
        && let Err(e) = s.orchestrator.complete(&p.token, p.output).await
    {
        tracing::warn!(case_id = %id, error = %e, "decision stored; delivery to the orchestrator deferred to recovery");
    }
    if s.orchestrator.completes_synchronously() {
        // The embedded executor has already moved the case on: show where it is now.
        Ok(s.store.case(id).await?.unwrap_or(fallback))
    } else {
        // Step Functions moves it on asynchronously; the caller sees the decision recorded
        // (the step no longer awaits a decision) without another read.
        Ok(fallback)
    }
}

/// Runs a read-modify-write that may lose a race on a counter or an automatic event: retried
/// ([`crate::retry::on_conflict`]) when the store reports a conflict that is not the caller's
/// stale version.
pub async fn with_retries<T, F, Fut>(mut f: F) -> ApiResult<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ApiResult<T>>,
{
    crate::retry::on_conflict(
        || ApiError::ConcurrentUpdate,
        |_| {
            let attempt = f();
            async move { attempt.await.map_err(crate::retry::Attempt::from) }
        },
    )
    .await
}

/// Sends the applicant a notice; a mail failure is logged, not returned: the action is done.
pub async fn notify_applicant(
    s: &Services,
    case: &Case,
    notice: crate::domain::notices::Notice,
    key: &str,
) {
    if let Err(e) = s
        .notify(&notice, case, crate::services::Recipient::Applicant, key)
        .await
    {
        tracing::warn!(case_id = %case.id, error = %e, "notice not sent");
    }
}
