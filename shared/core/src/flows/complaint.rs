//! The complaint flow (`infra/statemachine/pengaduan.asl.json`): the same `workflow` Lambda
//! handles it, dispatched on `complaint_id` in the payload (`super::Task`).
//!
//! - `{"action":"await","step":…,"complaint_id":…,"task_token":…}` — the complaint waits at b–e;
//!   the complaints officer is told.
//! - `{"action":"escalate","step":…,"complaint_id":…}` — a step waited past its timeout: the
//!   officer and the section head are told.
//!   At `completion` (registration found it incomplete) the complainant is asked instead.
//! - `{"action":"close","complaint_id":…[,"result":…]}` — step f: closed into the periodic
//!   report; the complainant (if reachable by e-mail) is told. `result` is how it closed when
//!   not handled through b–e: `closed_incomplete` (not completed in time),
//!   `outside_authority` (forwarded), `closed_spam` (no notice) or `closed_duplicate`.

use super::{lost_or_failed, store_err, token_key};
use crate::asl::check::{StepInfo, Subject};
use crate::asl::definition::{Definition, LoadError};
use crate::domain::CaseId;
use crate::domain::case::{Actor, AuditEvent, EventDraft, Origin};
use crate::domain::complaints::{self, ClosedAs, Complaint, ComplaintNotice, ComplaintStep};
use crate::ports::store::{ComplaintCommit, StoreError};
use crate::ports::task::TaskError;
use crate::retry::on_conflict;
use crate::services::{ComplaintRecipient, Services};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// The complaint workflow shipped in `infra/`, and its state machine's name.
pub const COMPLAINT_WORKFLOW: &str =
    include_str!("../../../../infra/statemachine/pengaduan.asl.json");
pub const COMPLAINT_MACHINE: &str = "pengaduan";

/// Complaints a–f as the workflow check sees them.
struct ComplaintSubject;

impl Subject for ComplaintSubject {
    fn id_field(&self) -> &str {
        "complaint_id"
    }
    fn steps(&self) -> Vec<String> {
        ComplaintStep::AWAITED
            .iter()
            .map(|s| s.code().to_string())
            .collect()
    }
    fn step(&self, code: &str) -> Option<StepInfo> {
        let s = ComplaintStep::AWAITED
            .into_iter()
            .find(|s| s.code() == code)?;
        Some(StepInfo {
            outcomes: s.outcomes().iter().map(|o| o.to_string()).collect(),
            // The complainant's completion is not escalated: the daily job ends it.
            escalates: s.is_officer_step(),
            sla_days: None,
        })
    }
    fn notice_known(&self, _: &str) -> bool {
        false
    }
    fn closing(&self, result: Option<&str>) -> Result<(), String> {
        match result.map(ClosedAs::parse) {
            None
            | Some(Some(
                ClosedAs::Incomplete
                | ClosedAs::OutsideAuthority
                | ClosedAs::Spam
                | ClosedAs::Duplicate,
            )) => Ok(()),
            Some(_) => Err(format!(
                "`close` of a complaint takes no result, `closed_incomplete`, `outside_authority`, `closed_spam` or `closed_duplicate` (got `{}`)",
                result.unwrap_or_default()
            )),
        }
    }
}

/// Loads `json` as the complaint workflow with `function` as the task function's name or ARN,
/// checked against complaints a–f.
pub fn load_workflow(json: &str, function: &str) -> Result<Definition, LoadError> {
    let subs = HashMap::from([(
        crate::catalogue::FUNCTION_SUBSTITUTION.to_string(),
        function.to_string(),
    )]);
    let def = Definition::load(json, &subs)?;
    let errs = crate::asl::check::check(&def, &ComplaintSubject, None);
    if errs.is_empty() {
        Ok(def)
    } else {
        Err(LoadError(errs))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ComplaintTask {
    Await {
        step: ComplaintStep,
        complaint_id: CaseId,
        task_token: String,
    },
    Escalate {
        step: ComplaintStep,
        complaint_id: CaseId,
    },
    Close {
        complaint_id: CaseId,
        /// `closed_incomplete`, `outside_authority`, `closed_spam` or `closed_duplicate`;
        /// none: handled through b–e.
        #[serde(default)]
        result: Option<String>,
    },
}

async fn load(s: &Services, id: CaseId) -> Result<Complaint, TaskError> {
    s.store
        .complaint(id)
        .await
        .map_err(store_err)?
        .ok_or_else(|| TaskError::ComplaintNotFound(format!("complaint {id} does not exist")))
}

/// Read-modify-write with retries on conflict; `f` returns `None` when nothing is to change.
async fn update(
    s: &Services,
    id: CaseId,
    f: impl Fn(&Complaint) -> Option<complaints::ComplaintChange>,
) -> Result<Complaint, TaskError> {
    on_conflict(
        || TaskError::transient("could not update the complaint"),
        |_| {
            let f = &f;
            async move {
                let c = load(s, id).await?;
                let Some(change) = f(&c) else { return Ok(c) };
                let next = change.complaint.clone();
                s.store
                    .commit_complaint_checked(ComplaintCommit::from_change(change))
                    .await
                    .map_err(lost_or_failed)?;
                Ok(next)
            }
        },
    )
    .await
}

pub async fn handle(s: &Services, task: ComplaintTask) -> Result<Value, TaskError> {
    match task {
        ComplaintTask::Await {
            step,
            complaint_id,
            task_token,
        } => {
            let now = s.clock.now();
            let c = update(s, complaint_id, |c| {
                complaints::enter(c, step, task_token.clone(), now)
            })
            .await?;
            let key = token_key(&task_token);
            if step == ComplaintStep::Completion {
                s.notify_complaint(
                    &ComplaintNotice::Incomplete,
                    &c,
                    ComplaintRecipient::Complainant,
                    &key,
                )
                .await
                .map_err(TaskError::transient)?;
                return Ok(json!({"recorded": true}));
            }
            for r in complaints::officer_roles() {
                s.notify_complaint(
                    &ComplaintNotice::Queue { step },
                    &c,
                    ComplaintRecipient::Role(r),
                    &key,
                )
                .await
                .map_err(TaskError::transient)?;
            }
            Ok(json!({"recorded": true}))
        }
        ComplaintTask::Escalate { step, complaint_id } => {
            let c = load(s, complaint_id).await?;
            let notice = ComplaintNotice::Late { overdue: true };
            let key = format!("escalate/{}/{}", step.code(), c.version);
            for r in complaints::escalation_roles() {
                s.notify_complaint(
                    &notice,
                    &c,
                    ComplaintRecipient::Role(r.clone()),
                    &format!("{key}/{}", r.code()),
                )
                .await
                .map_err(TaskError::transient)?;
            }
            let now = s.clock.now();
            update(s, complaint_id, |c| {
                let mut n = c.clone();
                n.version += 1;
                let ev = AuditEvent::chain(
                    &mut n,
                    Actor::system(),
                    EventDraft {
                        action: "complaint.escalated",
                        outcome: Some(step.code().to_string()),
                        ..Default::default()
                    },
                    &Origin::default(),
                    now,
                );
                Some(complaints::ComplaintChange {
                    complaint: n,
                    expected_version: c.version,
                    events: vec![ev],
                })
            })
            .await?;
            Ok(json!({"escalated": step.code()}))
        }
        ComplaintTask::Close {
            complaint_id,
            result,
        } => {
            let how = match result.as_deref() {
                None => ClosedAs::Handled,
                Some(r) => ClosedAs::parse(r).ok_or_else(|| {
                    TaskError::InvalidPayload(format!("complaint task: unknown close result `{r}`"))
                })?,
            };
            let now = s.clock.now();
            let c = update(s, complaint_id, |c| complaints::close(c, how, now)).await?;
            let notice = match c.closure().unwrap_or(how) {
                ClosedAs::Handled => Some(ComplaintNotice::Closed),
                ClosedAs::Incomplete => Some(ComplaintNotice::ClosedIncomplete),
                ClosedAs::OutsideAuthority => Some(ComplaintNotice::Forwarded),
                // Spam is not answered: a notice would make the office an amplifier.
                ClosedAs::Spam => None,
                ClosedAs::Duplicate => Some(ComplaintNotice::Duplicate),
            };
            if let Some(notice) = notice {
                s.notify_complaint(&notice, &c, ComplaintRecipient::Complainant, "close")
                    .await
                    .map_err(TaskError::transient)?;
            }
            tracing::info!(complaint_id = %c.id, closed_as = how.code(), "complaint closed");
            Ok(json!({"status": "closed", "closed_as": how.code()}))
        }
    }
}

/// Re-sends complaint decisions that never reached the orchestrator.
pub async fn redeliver_pending(s: &Services) -> Result<usize, StoreError> {
    let mut delivered = 0;
    for c in s.store.complaints_with_pending_completion().await? {
        let Some(p) = &c.pending_completion else {
            continue;
        };
        match s
            .complaint_orchestrator
            .complete(&p.token, p.output.clone())
            .await
        {
            Ok(crate::ports::Completion::Delivered) => delivered += 1,
            Ok(crate::ports::Completion::AlreadyClosed) => {}
            Err(e) => {
                tracing::warn!(complaint_id = %c.id, error = %e, "complaint decision still undelivered")
            }
        }
    }
    Ok(delivered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_complaint_workflow_matches_complaints_a_to_f() {
        let def = load_workflow(COMPLAINT_WORKFLOW, "workflow").unwrap();
        assert_eq!(def.start_at, "Filed");
    }

    #[test]
    fn the_complaint_workflow_routes_every_satisfaction_outcome() {
        let mut v: Value = serde_json::from_str(COMPLAINT_WORKFLOW).unwrap();
        v["States"]["SatisfactionOutcome"]["Choices"]
            .as_array_mut()
            .unwrap()
            .retain(|c| c["StringEquals"] != "dissatisfied");
        let e = load_workflow(&v.to_string(), "workflow")
            .unwrap_err()
            .0
            .join("\n");
        assert!(
            e.contains("outcome `dissatisfied` of step `satisfaction_check` has no route"),
            "{e}"
        );
    }

    #[test]
    fn a_complaint_payload_goes_to_the_complaint_flow() {
        let id = CaseId::new();
        let t = super::super::Task::parse(json!({"action": "close", "complaint_id": id})).unwrap();
        assert!(matches!(
            t,
            super::super::Task::Complaint(ComplaintTask::Close { complaint_id, result: None }) if complaint_id == id
        ));
        let e =
            super::super::Task::parse(json!({"action": "await", "complaint_id": id})).unwrap_err();
        assert!(
            matches!(&e, TaskError::InvalidPayload(m) if m.starts_with("complaint task:")),
            "{e:?}"
        );
    }
}
