//! The case flow: what every permit's workflow (`infra/permits/<code>/workflow.asl.json`) asks
//! of the task function. Payloads, as the ASL writes them:
//! - `{"action":"await","step":…,"case_id":…,"task_token":…}`: the case now waits at a human
//!   step (token stored, never logged); the role's queue and the applicant are told.
//! - `{"action":"notify","notice":…,"case_id":…}`: one of the permit's notices (SOP h).
//! - `{"action":"escalate","step":…,"case_id":…}`: a step waited past its timeout.
//! - `{"action":"close","result":"issued"|"refused"|"lapsed","case_id":…}`.
//! - `{"action":"deadline","step":…,"case_id":…}`: the seconds until the end (midnight WITA)
//!   of the deadline the case gets when it enters `step` now, for the next state's
//!   `TimeoutSecondsPath`: a wait that ends on a day counted in working days (the applicant's
//!   revision at the end of their clock, the survey after its SLA) rather than after a fixed
//!   number of calendar seconds.

use super::{lost_or_failed, store_err, token_key};
use crate::domain::actions::{self, Closing, Entered};
use crate::domain::case::{Case, CaseId, PendingCompletion};
use crate::domain::notices::Notice;
use crate::domain::permit::{PermitDef, StepCode};
use crate::ports::store::{Commit, CounterClaim, StoreError};
use crate::ports::task::TaskError;
use crate::retry::on_conflict;
use crate::services::{Recipient, Services};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum CaseTask {
    Await {
        step: StepCode,
        case_id: CaseId,
        task_token: String,
    },
    Notify {
        notice: String,
        case_id: CaseId,
    },
    Escalate {
        step: StepCode,
        case_id: CaseId,
    },
    Close {
        result: Closing,
        case_id: CaseId,
    },
    Deadline {
        step: StepCode,
        case_id: CaseId,
    },
}

async fn load(s: &Services, id: CaseId) -> Result<Case, TaskError> {
    s.store
        .case(id)
        .await
        .map_err(store_err)?
        .ok_or_else(|| TaskError::CaseNotFound(format!("case {id} does not exist")))
}

fn permit<'a>(s: &'a Services, case: &Case) -> Result<&'a PermitDef, TaskError> {
    s.catalogue.def(case.permit_code.as_str()).ok_or_else(|| {
        TaskError::InvalidState(format!(
            "case {} is of permit `{}`, which the catalogue does not serve",
            case.id, case.permit_code
        ))
    })
}

pub async fn handle(s: &Services, t: CaseTask) -> Result<Value, TaskError> {
    match t {
        CaseTask::Await {
            step,
            case_id,
            task_token,
        } => enter(s, step, case_id, task_token).await,
        CaseTask::Notify { notice, case_id } => notify(s, &notice, case_id).await,
        CaseTask::Escalate { step, case_id } => escalate(s, step, case_id).await,
        CaseTask::Close { result, case_id } => close(s, result, case_id).await,
        CaseTask::Deadline { step, case_id } => deadline(s, step, case_id).await,
    }
}

async fn deadline(s: &Services, step: StepCode, id: CaseId) -> Result<Value, TaskError> {
    let case = load(s, id).await?;
    let def = permit(s, &case)?;
    let step_def = def
        .step(step.as_str())
        .ok_or_else(|| TaskError::InvalidPayload(format!("no step `{step}`")))?;
    let now = s.clock.now();
    let (due_on, unknown) =
        crate::domain::deadlines::due_on_entry(&case, def, step_def, s.calendar_of(&case), now);
    if !unknown.is_empty() {
        tracing::warn!(case_id = %id, years = ?unknown, "deadline set without holiday data for these years");
    }
    let due_on = due_on.ok_or_else(|| {
        TaskError::InvalidPayload(format!(
            "step `{step}` of permit `{}` has no deadline to wait for",
            def.code
        ))
    })?;
    let seconds = crate::domain::deadlines::seconds_until_end_of(due_on, now);
    Ok(json!({"due_on": due_on, "timeout_seconds": seconds}))
}

async fn enter(
    s: &Services,
    step: StepCode,
    id: CaseId,
    token: String,
) -> Result<Value, TaskError> {
    let (case, carried) = on_conflict(
        || TaskError::transient("could not record the step"),
        |_| {
            let (step, token) = (&step, &token);
            async move {
                let current = load(s, id).await?;
                let def = permit(s, &current)?;
                let step_def = def.step(step.as_str()).ok_or_else(|| {
                    TaskError::InvalidPayload(format!("permit `{}` has no step `{step}`", def.code))
                })?;
                let now = s.clock.now();
                let (due_on, unknown) = crate::domain::deadlines::due_on_entry(
                    &current, def, step_def, s.calendar_of(&current), now,
                );
                if !unknown.is_empty() {
                    tracing::warn!(case_id = %id, years = ?unknown, "deadline set without holiday data for these years");
                }
                match actions::enter_step(&current, step, token.clone(), due_on, now)
                    .map_err(|e| TaskError::InvalidState(e.to_string()))?
                {
                    Entered::AlreadyRecorded => Ok((current, None)),
                    Entered::Changed(mut change) => {
                        // A decision taken at this very step under a token that has since
                        // expired (the step timed out and was entered again) is carried over
                        // to the new token.
                        let mut carried = None;
                        if current.step.as_ref() == Some(step)
                            && current.task_token.is_none()
                            && let Some(p) = &current.pending_completion
                        {
                            change.case.task_token = None;
                            change.case.pending_completion = Some(PendingCompletion {
                                token: token.clone(),
                                output: p.output.clone(),
                            });
                            carried = Some(p.output.clone());
                        }
                        let claims = reserve_numbers(s, &mut change.case, def, step_def).await?;
                        let next = change.case.clone();
                        let mut commit = Commit::from_change(*change);
                        commit.counters.extend(claims);
                        s.store
                            .commit_checked(commit)
                            .await
                            .map_err(lost_or_failed)?;
                        Ok((next, carried))
                    }
                }
            }
        },
    )
    .await?;
    tracing::info!(case_id = %id, step = %step, "case waits at step");
    if let Some(output) = carried {
        // Completing from inside the task would wait on this very task in the embedded
        // executor; it runs once this invocation has returned.
        let orchestrator = s.orchestrator.clone();
        tokio::spawn(async move {
            if let Err(e) = orchestrator.complete(&token, output).await {
                tracing::error!(case_id = %id, error = %e, "carried-over decision not delivered; recovery will resend it");
            }
        });
        return Ok(json!({"recorded": true, "carried_over": true}));
    }
    let def = permit(s, &case)?;
    let step_def = def
        .step(step.as_str())
        .ok_or_else(|| TaskError::InvalidPayload(format!("no step `{step}`")))?;
    let key = token_key(&token);
    if step_def.is_staff() && s.staff_notices == crate::services::StaffNotices::Immediate {
        s.notify(
            &Notice::QueueArrival { step: step.clone() },
            &case,
            Recipient::Role(step_def.role.clone()),
            &key,
        )
        .await
        .map_err(TaskError::transient)?;
    }
    for n in &step_def.notices {
        s.notify(&Notice::permit(n), &case, Recipient::Applicant, &key)
            .await
            .map_err(TaskError::transient)?;
    }
    Ok(json!({"recorded": true}))
}

/// Sends first (idempotent by key), then records the notice on the trail once.
async fn notify(s: &Services, notice: &str, id: CaseId) -> Result<Value, TaskError> {
    let case = load(s, id).await?;
    let def = permit(s, &case)?;
    if !def.notices.contains_key(notice) {
        return Err(TaskError::InvalidPayload(format!(
            "permit `{}` has no notice `{notice}`",
            def.code
        )));
    }
    let n = Notice::permit(notice);
    let key = format!("d{}", case.decisions.len());
    s.notify(&n, &case, Recipient::Applicant, &key)
        .await
        .map_err(TaskError::transient)?;
    record_once(s, id, &format!("{notice}:{key}"), |c, now| {
        actions::notice_sent(c, notice, now)
    })
    .await?;
    Ok(json!({"sent": notice}))
}

async fn escalate(s: &Services, step: StepCode, id: CaseId) -> Result<Value, TaskError> {
    let case = load(s, id).await?;
    let def = permit(s, &case)?;
    let role = def
        .step(step.as_str())
        .map(|d| d.role.clone())
        .ok_or_else(|| TaskError::InvalidPayload(format!("no step `{step}`")))?;
    let key = format!(
        "{step}:{}",
        case.step_entered_at.map(|t| t.timestamp()).unwrap_or(0)
    );
    let notice = Notice::Escalation { step: step.clone() };
    s.notify(&notice, &case, Recipient::Role(role.clone()), &key)
        .await
        .map_err(TaskError::transient)?;
    if let Some(sup) = role.supervisor() {
        s.notify(&notice, &case, Recipient::Role(sup), &format!("{key}:sup"))
            .await
            .map_err(TaskError::transient)?;
    }
    record_once(s, id, &format!("escalation:{key}"), |c, now| {
        actions::escalated(c, &step, now)
    })
    .await?;
    Ok(json!({"escalated": step}))
}

/// The numbers the decision at `step` will print (a letter's, a bill's), reserved for the case
/// as it enters the step: the counters' next values, claimed in the same commit (gap-free,
/// refused if another case claimed first: the entry is then retried). A number reserved
/// earlier (the case came back to the step) is kept.
async fn reserve_numbers(
    s: &Services,
    case: &mut Case,
    def: &crate::domain::PermitDef,
    step: &crate::domain::permit::StepDef,
) -> Result<Vec<CounterClaim>, TaskError> {
    use crate::domain::permit::Effect;
    let year = chrono::Datelike::year(&crate::domain::time::wita_date(s.clock.now()));
    let mut claims = vec![];
    for o in &step.outcomes {
        for e in &o.effects {
            let name = match e {
                Effect::SignLetter => def.letters.number.counter_name(year),
                Effect::IssueBill => match &def.bill {
                    Some(b) => b.number.counter_name(year),
                    None => continue,
                },
                _ => continue,
            };
            // Each office numbers its own letters and bills (`domain::office`).
            let name = s.office_of(case).counter(&name);
            if case.reserved_numbers.contains_key(&name) {
                continue;
            }
            let value = s.store.counter(&name).await.map_err(store_err)? + 1;
            case.reserved_numbers.insert(name.clone(), value);
            claims.push(CounterClaim { name, value });
        }
    }
    Ok(claims)
}

/// Appends an automatic event unless `marker` was recorded last (a retried invocation).
async fn record_once(
    s: &Services,
    id: CaseId,
    marker: &str,
    change: impl Fn(&Case, chrono::DateTime<chrono::Utc>) -> actions::Change,
) -> Result<(), TaskError> {
    on_conflict(
        || TaskError::transient("could not record the event"),
        |_| {
            let change = &change;
            async move {
                let case = load(s, id).await?;
                if case.last_automatic.as_deref() == Some(marker) {
                    return Ok(());
                }
                let mut ch = change(&case, s.clock.now());
                ch.case.last_automatic = Some(marker.to_string());
                s.store
                    .commit_checked(Commit::from_change(ch))
                    .await
                    .map_err(lost_or_failed)
            }
        },
    )
    .await
}

async fn close(s: &Services, how: Closing, id: CaseId) -> Result<Value, TaskError> {
    let case = on_conflict(
        || TaskError::transient("could not close the case"),
        |_| async move {
            let case = load(s, id).await?;
            match actions::close(&case, how, s.clock.now())
                .map_err(|e| TaskError::InvalidState(e.to_string()))?
            {
                None => Ok(case),
                Some(ch) => {
                    let next = ch.case.clone();
                    s.store
                        .commit_checked(Commit::from_change(ch))
                        .await
                        .map_err(lost_or_failed)?;
                    Ok(next)
                }
            }
        },
    )
    .await?;
    tracing::info!(case_id = %id, status = case.status.code(), "case closed");
    s.notify(
        &Notice::permit(how.notice()),
        &case,
        Recipient::Applicant,
        "close",
    )
    .await
    .map_err(TaskError::transient)?;
    Ok(json!({"status": case.status.code()}))
}

/// Starts the workflow of a submitted case (its permit's state machine, the execution named
/// after the case: a second start is a no-op). `false` when it had been started before.
pub async fn start(s: &Services, case: &Case) -> Result<bool, crate::ports::OrchestratorError> {
    let machine = s
        .catalogue
        .def(case.permit_code.as_str())
        .map(|d| d.machine().to_string())
        .ok_or_else(|| {
            crate::ports::OrchestratorError::Unavailable(
                format!("permit `{}` is not in the catalogue", case.permit_code).into(),
            )
        })?;
    match s
        .orchestrator
        .start(
            &machine,
            &case.id.to_string(),
            json!({ "case_id": case.id }),
        )
        .await
    {
        Ok(()) => Ok(true),
        Err(crate::ports::OrchestratorError::AlreadyExists(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Re-sends decisions that were stored but perhaps never reached the orchestrator (it was down,
/// or the process stopped in between), and starts workflows whose start was lost. A completion
/// that was already delivered is a no-op. Returns how many were delivered now.
pub async fn redeliver_pending(s: &Services) -> Result<usize, StoreError> {
    let mut delivered = 0;
    for case in s.store.cases_with_pending_completion().await? {
        if case.start_pending {
            match start(s, &case).await {
                Ok(true) => {
                    tracing::info!(case_id = %case.id, "workflow started by the sweep");
                    delivered += 1;
                }
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(case_id = %case.id, error = %e, "workflow still not started")
                }
            }
        }
        let Some(p) = &case.pending_completion else {
            continue;
        };
        match s.orchestrator.complete(&p.token, p.output.clone()).await {
            Ok(crate::ports::Completion::Delivered) => {
                tracing::info!(case_id = %case.id, "stored decision delivered");
                delivered += 1;
            }
            Ok(crate::ports::Completion::AlreadyClosed) => {}
            Err(e) => {
                tracing::warn!(case_id = %case.id, error = %e, "stored decision still undelivered")
            }
        }
    }
    Ok(delivered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::Task;
    use serde_json::json;

    #[test]
    fn case_payloads_parse_as_the_asl_writes_them() {
        let id = CaseId::new();
        let t = Task::parse(json!({"action": "await", "step": "site_visit_scheduling", "case_id": id, "task_token": "t"})).unwrap();
        assert!(matches!(
            t,
            Task::Case(CaseTask::Await { ref step, case_id, .. }) if step.as_str() == "site_visit_scheduling" && case_id == id
        ));
        let t = Task::parse(json!({"action": "close", "result": "lapsed", "case_id": id})).unwrap();
        assert!(matches!(
            t,
            Task::Case(CaseTask::Close {
                result: Closing::Lapsed,
                ..
            })
        ));
        for bad in [
            json!({"action": "close", "result": "maybe", "case_id": id}),
            json!({"action": "dance", "case_id": id}),
            json!({"action": "await", "step": "survey"}),
        ] {
            let e = Task::parse(bad.clone()).unwrap_err();
            assert!(
                matches!(&e, TaskError::InvalidPayload(m) if m.starts_with("case task:")),
                "{bad}: {e:?}"
            );
            assert_eq!(
                e.name(),
                "InvalidPayload",
                "the name the ASL's Catch matches"
            );
        }
    }
}
