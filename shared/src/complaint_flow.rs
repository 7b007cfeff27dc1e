//! The complaint workflow's task function (`infra/statemachine/pengaduan.asl.json`): the same
//! `workflow` Lambda handles it, dispatching on `complaint_id` in the payload.
//!
//! - `{"action":"await","step":…,"complaint_id":…,"task_token":…}` — the complaint waits at b–e;
//!   the complaints officer is told.
//! - `{"action":"escalate","step":…,"complaint_id":…}` — a step waited past its timeout: the
//!   officer and the section head are told.
//! - `{"action":"close","complaint_id":…}` — step f: closed into the periodic report; the
//!   complainant (if reachable by e-mail) is told.

use crate::asl::executor::TaskError;
use crate::domain::CaseId;
use crate::domain::Role;
use crate::domain::case::{Actor, AuditEvent, EventDraft, Origin};
use crate::domain::complaints::{self, Complaint, ComplaintNotice, ComplaintStep};
use crate::ports::store::{ComplaintCommit, StoreError};
use crate::services::{ComplaintRecipient, Services};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
enum Task {
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
    },
}

fn transient(e: impl std::fmt::Display) -> TaskError {
    TaskError::new("Transient", e.to_string())
}

async fn load(s: &Services, id: CaseId) -> Result<Complaint, TaskError> {
    s.store
        .complaint(id)
        .await
        .map_err(transient)?
        .ok_or_else(|| {
            TaskError::new(
                "ComplaintNotFound",
                format!("complaint {id} does not exist"),
            )
        })
}

/// Read-modify-write with retries on conflict; `f` returns `None` when nothing is to change.
async fn update(
    s: &Services,
    id: CaseId,
    f: impl Fn(&Complaint) -> Option<complaints::ComplaintChange>,
) -> Result<Complaint, TaskError> {
    for attempt in 1..=5 {
        let c = load(s, id).await?;
        let Some(change) = f(&c) else { return Ok(c) };
        let next = change.complaint.clone();
        match s
            .store
            .commit_complaint_checked(ComplaintCommit::from_change(change))
            .await
        {
            Ok(()) => return Ok(next),
            Err(StoreError::Conflict(_)) if attempt < 5 => continue,
            Err(e) => return Err(transient(e)),
        }
    }
    Err(transient("could not update the complaint"))
}

pub async fn handle(s: &Services, payload: Value) -> Result<Value, TaskError> {
    let task: Task = serde_json::from_value(payload)
        .map_err(|e| TaskError::new("InvalidPayload", e.to_string()))?;
    match task {
        Task::Await {
            step,
            complaint_id,
            task_token,
        } => {
            let now = s.clock.now();
            let c = update(s, complaint_id, |c| {
                complaints::enter(c, step, task_token.clone(), now)
            })
            .await?;
            let key = crate::workflow::token_key(&task_token);
            s.notify_complaint(
                &ComplaintNotice::Queue { step },
                &c,
                ComplaintRecipient::Role(Role::ComplaintsOfficer),
                &key,
            )
            .await
            .map_err(transient)?;
            Ok(json!({"recorded": true}))
        }
        Task::Escalate { step, complaint_id } => {
            let c = load(s, complaint_id).await?;
            let notice = ComplaintNotice::Late { overdue: true };
            let key = format!("escalate/{}/{}", step.code(), c.version);
            for r in [Role::ComplaintsOfficer, Role::SectionHead] {
                s.notify_complaint(
                    &notice,
                    &c,
                    ComplaintRecipient::Role(r),
                    &format!("{key}/{}", r.code()),
                )
                .await
                .map_err(transient)?;
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
        Task::Close { complaint_id } => {
            let now = s.clock.now();
            let c = update(s, complaint_id, |c| complaints::close(c, now)).await?;
            s.notify_complaint(
                &ComplaintNotice::Closed,
                &c,
                ComplaintRecipient::Complainant,
                "close",
            )
            .await
            .map_err(transient)?;
            tracing::info!(complaint_id = %c.id, "complaint closed");
            Ok(json!({"status": "closed"}))
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
