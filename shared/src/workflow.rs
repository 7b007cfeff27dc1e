//! The case workflow: the infra ASL file, its check against the domain, and the task function
//! the state machine calls (`functions/workflow` in AWS; registered in-process locally).
//!
//! Payloads, as the ASL writes them:
//! - `{"action":"await","step":…,"case_id":…,"task_token":…}`: the case now waits at a human
//!   step (token stored, never logged); the role's queue and the applicant are told.
//! - `{"action":"notify","notice":"file_complete","case_id":…}`: SOP h.
//! - `{"action":"escalate","step":…,"case_id":…}`: a step waited past its timeout.
//! - `{"action":"close","result":"issued"|"refused"|"lapsed","case_id":…}`.

use crate::asl::definition::{Definition, LoadError, Resource, Rule, State};
use crate::asl::executor::TaskError;
use crate::domain::actions::{self, Closing, Entered};
use crate::domain::case::{Case, CaseId, PendingCompletion};
use crate::domain::notices::Notice;
use crate::domain::steps::Step;
use crate::ports::store::{Commit, StoreError};
use crate::services::{Recipient, Services};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};

/// The case workflow definition shipped in `infra/`.
pub const CASE_WORKFLOW: &str = include_str!("../../infra/statemachine/kantor-kas.asl.json");
/// The state machine's name (Step Functions) and the substitution key of the task function.
pub const MACHINE_NAME: &str = "kantor-kas";
pub const FUNCTION_SUBSTITUTION: &str = "WorkflowFunctionArn";

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum TaskPayload {
    Await {
        step: Step,
        case_id: CaseId,
        task_token: String,
    },
    Notify {
        notice: String,
        case_id: CaseId,
    },
    Escalate {
        step: Step,
        case_id: CaseId,
    },
    Close {
        result: Closing,
        case_id: CaseId,
    },
}

/// Notices the `notify` action may send.
const NOTIFY_NOTICES: &[&str] = &["file_complete"];

fn transient(e: impl std::fmt::Display) -> TaskError {
    TaskError::new("Transient", e.to_string())
}

fn store_err(e: StoreError) -> TaskError {
    match e {
        StoreError::Conflict(m) => TaskError::new("Transient", format!("conflict: {m}")),
        other => transient(other),
    }
}

pub(crate) fn token_key(token: &str) -> String {
    hex::encode(&Sha256::digest(token.as_bytes())[..8])
}

async fn load(s: &Services, id: CaseId) -> Result<Case, TaskError> {
    s.store
        .case(id)
        .await
        .map_err(store_err)?
        .ok_or_else(|| TaskError::new("CaseNotFound", format!("case {id} does not exist")))
}

/// Attempts of one read-modify-write before the error goes back to the state machine.
const ATTEMPTS: usize = 5;

/// Handles one task payload.
pub async fn handle(s: &Services, payload: Value) -> Result<Value, TaskError> {
    if payload.get("complaint_id").is_some() {
        return crate::complaint_flow::handle(s, payload).await;
    }
    let p: TaskPayload = serde_json::from_value(payload)
        .map_err(|e| TaskError::new("InvalidPayload", e.to_string()))?;
    match p {
        TaskPayload::Await {
            step,
            case_id,
            task_token,
        } => enter(s, step, case_id, task_token).await,
        TaskPayload::Notify { notice, case_id } => notify(s, &notice, case_id).await,
        TaskPayload::Escalate { step, case_id } => escalate(s, step, case_id).await,
        TaskPayload::Close { result, case_id } => close(s, result, case_id).await,
    }
}

async fn enter(s: &Services, step: Step, id: CaseId, token: String) -> Result<Value, TaskError> {
    let mut carried = None;
    let mut case = None;
    for attempt in 1..=ATTEMPTS {
        let current = load(s, id).await?;
        let now = s.clock.now();
        let (due_on, unknown) =
            crate::domain::deadlines::due_on_entry(&current, step, &s.calendar, &s.sla, now);
        if !unknown.is_empty() {
            tracing::warn!(case_id = %id, years = ?unknown, "deadline set without holiday data for these years");
        }
        match actions::enter_step(&current, step, token.clone(), due_on, now)
            .map_err(|e| TaskError::new("CaseStateError", e.to_string()))?
        {
            Entered::AlreadyRecorded => {
                case = Some(current);
                break;
            }
            Entered::Changed(mut change) => {
                // A decision taken at this very step under a token that has since expired
                // (the step timed out and was entered again) is carried over to the new token.
                if current.step == Some(step)
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
                let next = change.case.clone();
                match s.store.commit_checked(Commit::from_change(*change)).await {
                    Ok(()) => {
                        case = Some(next);
                        break;
                    }
                    Err(StoreError::Conflict(_)) if attempt < ATTEMPTS => continue,
                    Err(e) => return Err(store_err(e)),
                }
            }
        }
    }
    let case = case.ok_or_else(|| transient("could not record the step"))?;
    tracing::info!(case_id = %id, step = step.code(), "case waits at step");
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
    let key = token_key(&token);
    if step.is_staff_step() && s.staff_notices == crate::services::StaffNotices::Immediate {
        s.notify(
            &Notice::QueueArrival { step },
            &case,
            Recipient::Role(step.role()),
            &key,
        )
        .await
        .map_err(transient)?;
    }
    for n in Notice::on_entering(step) {
        s.notify(&n, &case, Recipient::Applicant, &key)
            .await
            .map_err(transient)?;
    }
    Ok(json!({"recorded": true}))
}

/// Sends first (idempotent by key), then records the notice on the trail once.
async fn notify(s: &Services, notice: &str, id: CaseId) -> Result<Value, TaskError> {
    let n = match notice {
        "file_complete" => Notice::FileComplete,
        other => {
            return Err(TaskError::new(
                "InvalidPayload",
                format!("notice `{other}`"),
            ));
        }
    };
    let case = load(s, id).await?;
    let key = format!("d{}", case.decisions.len());
    s.notify(&n, &case, Recipient::Applicant, &key)
        .await
        .map_err(transient)?;
    record_once(s, id, &format!("{}:{key}", n.code()), |c, now| {
        actions::notice_sent(c, n.code(), now)
    })
    .await?;
    Ok(json!({"sent": n.code()}))
}

async fn escalate(s: &Services, step: Step, id: CaseId) -> Result<Value, TaskError> {
    let case = load(s, id).await?;
    let key = format!(
        "{}:{}",
        step.code(),
        case.step_entered_at.map(|t| t.timestamp()).unwrap_or(0)
    );
    let notice = Notice::Escalation { step };
    s.notify(&notice, &case, Recipient::Role(step.role()), &key)
        .await
        .map_err(transient)?;
    if let Some(sup) = step.role().supervisor() {
        s.notify(&notice, &case, Recipient::Role(sup), &format!("{key}:sup"))
            .await
            .map_err(transient)?;
    }
    record_once(s, id, &format!("escalation:{key}"), |c, now| {
        actions::escalated(c, step, now)
    })
    .await?;
    Ok(json!({"escalated": step.code()}))
}

/// Appends an automatic event unless `marker` was recorded last (a retried invocation).
async fn record_once(
    s: &Services,
    id: CaseId,
    marker: &str,
    change: impl Fn(&Case, chrono::DateTime<chrono::Utc>) -> actions::Change,
) -> Result<(), TaskError> {
    for attempt in 1..=ATTEMPTS {
        let case = load(s, id).await?;
        if case.last_automatic.as_deref() == Some(marker) {
            return Ok(());
        }
        let mut ch = change(&case, s.clock.now());
        ch.case.last_automatic = Some(marker.to_string());
        match s.store.commit_checked(Commit::from_change(ch)).await {
            Ok(()) => return Ok(()),
            Err(StoreError::Conflict(_)) if attempt < ATTEMPTS => continue,
            Err(e) => return Err(store_err(e)),
        }
    }
    Err(transient("could not record the event"))
}

async fn close(s: &Services, how: Closing, id: CaseId) -> Result<Value, TaskError> {
    let mut closed = None;
    for attempt in 1..=ATTEMPTS {
        let case = load(s, id).await?;
        match actions::close(&case, how, s.clock.now())
            .map_err(|e| TaskError::new("CaseStateError", e.to_string()))?
        {
            None => {
                closed = Some(case);
                break;
            }
            Some(ch) => {
                let next = ch.case.clone();
                match s.store.commit_checked(Commit::from_change(ch)).await {
                    Ok(()) => {
                        closed = Some(next);
                        break;
                    }
                    Err(StoreError::Conflict(_)) if attempt < ATTEMPTS => continue,
                    Err(e) => return Err(store_err(e)),
                }
            }
        }
    }
    let case = closed.ok_or_else(|| transient("could not close the case"))?;
    tracing::info!(case_id = %id, status = case.status.code(), "case closed");
    let notice = match how {
        Closing::Issued => Notice::PermitIssued,
        Closing::Refused => Notice::PermitRefused,
        Closing::Lapsed => Notice::Lapsed,
    };
    s.notify(&notice, &case, Recipient::Applicant, "close")
        .await
        .map_err(transient)?;
    Ok(json!({"status": case.status.code()}))
}

/// Re-sends decisions that were stored but perhaps never reached the orchestrator (it was down,
/// or the process stopped in between). A completion that was already delivered is a no-op.
/// Returns how many were delivered now.
pub async fn redeliver_pending(s: &Services) -> Result<usize, StoreError> {
    let mut delivered = 0;
    for case in s.store.cases_with_pending_completion().await? {
        if case.start_pending {
            // Submitted while the orchestrator was down (or the answer was lost).
            match s
                .orchestrator
                .start(&case.id.to_string(), json!({ "case_id": case.id }))
                .await
            {
                Ok(()) => {
                    tracing::info!(case_id = %case.id, "workflow started by the sweep");
                    delivered += 1;
                }
                Err(crate::ports::OrchestratorError::AlreadyExists(_)) => {}
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

/// Restarts workflows (cases and complaints) that failed on a transient error after their
/// retries ran out. Returns how many were restarted; failures to ask are logged.
pub async fn redrive_failed(s: &Services) -> usize {
    let mut n = 0;
    for (name, o) in [
        ("case", &s.orchestrator),
        ("complaint", &s.complaint_orchestrator),
    ] {
        match o.redrive_failed().await {
            Ok(k) => n += k,
            Err(e) => tracing::warn!(workflow = name, error = %e, "failed executions not redriven"),
        }
    }
    n
}

/// What a workflow's domain says its ASL must respect.
pub struct WorkflowSpec {
    /// The payload field that names the subject (`case_id`, `complaint_id`).
    pub id_field: &'static str,
    /// Each human step: its code, its outcomes, and whether it may be escalated.
    pub steps: Vec<(&'static str, Vec<&'static str>, bool)>,
    /// Notices the `notify` action may send.
    pub notices: &'static [&'static str],
    /// Results the `close` action accepts (empty: `close` takes none).
    pub closings: &'static [&'static str],
}

impl WorkflowSpec {
    /// The case workflow (`infra/statemachine/kantor-kas.asl.json`).
    pub fn case() -> Self {
        Self {
            id_field: "case_id",
            steps: Step::ALL
                .into_iter()
                .map(|s| {
                    (
                        s.code(),
                        s.outcomes().iter().map(|o| o.code).collect(),
                        s.is_staff_step(),
                    )
                })
                .collect(),
            notices: NOTIFY_NOTICES,
            closings: &["issued", "refused", "lapsed"],
        }
    }

    /// The complaint workflow (`infra/statemachine/pengaduan.asl.json`).
    pub fn complaint() -> Self {
        use crate::domain::complaints::ComplaintStep;
        Self {
            id_field: "complaint_id",
            steps: ComplaintStep::ALL
                .into_iter()
                .map(|s| (s.code(), s.outcomes().to_vec(), true))
                .collect(),
            notices: &[],
            closings: &[],
        }
    }

    fn outcomes(&self, step: &str) -> Option<&[&'static str]> {
        self.steps
            .iter()
            .find(|(c, _, _)| *c == step)
            .map(|(_, o, _)| o.as_slice())
    }
}

/// Loads the shipped case workflow with `function` as the task function's name or ARN, and
/// checks it against the domain.
pub fn load_case_workflow(function: &str) -> Result<Definition, LoadError> {
    load_workflow(CASE_WORKFLOW, function, &WorkflowSpec::case())
}

/// The complaint workflow shipped in `infra/`.
pub const COMPLAINT_WORKFLOW: &str = include_str!("../../infra/statemachine/pengaduan.asl.json");
pub const COMPLAINT_MACHINE_NAME: &str = "pengaduan";

pub fn load_complaint_workflow(function: &str) -> Result<Definition, LoadError> {
    load_workflow(COMPLAINT_WORKFLOW, function, &WorkflowSpec::complaint())
}

pub fn load_workflow(
    json: &str,
    function: &str,
    spec: &WorkflowSpec,
) -> Result<Definition, LoadError> {
    let subs = HashMap::from([(FUNCTION_SUBSTITUTION.to_string(), function.to_string())]);
    let def = Definition::load(json, &subs)?;
    check_against_domain(&def, spec)?;
    Ok(def)
}

fn const_str<'a>(payload: &'a Value, key: &str) -> Option<&'a str> {
    payload.get(key).and_then(Value::as_str)
}

fn rule_values<'a>(rule: &'a Rule, var: &str, out: &mut Vec<&'a str>) {
    match rule {
        Rule::StringEquals(p, v) if p.to_string() == var => out.push(v.as_str()),
        Rule::And(rs) | Rule::Or(rs) => rs.iter().for_each(|r| rule_values(r, var, out)),
        Rule::Not(r) => rule_values(r, var, out),
        _ => {}
    }
}

/// The domain's side of the load-time check: every task names a known action and step, every
/// human step of the domain is waited on, every outcome of a step has a route, every task has
/// a timeout and a catch.
pub fn check_against_domain(def: &Definition, spec: &WorkflowSpec) -> Result<(), LoadError> {
    use crate::asl::definition::{ResultPath, Transition};
    let mut errs = vec![];
    let mut awaited = BTreeSet::new();
    // ResultPath → the steps whose outcome is written there.
    let mut writers: HashMap<String, Vec<&str>> = HashMap::new();
    let id_path = format!("{}.$", spec.id_field);
    for (name, st) in &def.states {
        let State::Task(t) = st else { continue };
        let payload = t.parameters.get("Payload").cloned().unwrap_or(Value::Null);
        if t.timeout_seconds.is_none() {
            errs.push(format!("state `{name}`: every task needs TimeoutSeconds"));
        }
        if t.catch.is_empty() {
            errs.push(format!("state `{name}`: every task needs a Catch"));
        }
        if payload.get(&id_path).is_none() {
            errs.push(format!("state `{name}`: payload needs `{id_path}`"));
        }
        match const_str(&payload, "action") {
            Some("await") => {
                if t.resource != Resource::InvokeWaitForTaskToken {
                    errs.push(format!(
                        "state `{name}`: human steps must wait for a task token"
                    ));
                }
                if const_str(&payload, "task_token.$") != Some("$$.Task.Token") {
                    errs.push(format!(
                        "state `{name}`: `task_token.$` must be `$$.Task.Token`"
                    ));
                }
                let Some(step) = const_str(&payload, "step") else {
                    errs.push(format!("state `{name}`: `await` needs a constant `step`"));
                    continue;
                };
                let Some(outcomes) = spec.outcomes(step) else {
                    errs.push(format!("state `{name}`: unknown step `{step}`"));
                    continue;
                };
                let step = spec
                    .steps
                    .iter()
                    .map(|(c, _, _)| *c)
                    .find(|c| *c == step)
                    .unwrap_or_default();
                awaited.insert(step);
                if let ResultPath::Path(p) = &t.result_path {
                    writers.entry(p.to_string()).or_default().push(step);
                }
                // The state right after the task: if it routes on the outcome, every outcome
                // needs a rule of its own.
                if let (Transition::Next(next), ResultPath::Path(p)) =
                    (&t.transition, &t.result_path)
                    && let Some(State::Choice(c)) = def.state(next)
                {
                    let var = format!("{p}.outcome");
                    let mut routed = vec![];
                    for r in &c.choices {
                        rule_values(&r.rule, &var, &mut routed);
                    }
                    if !routed.is_empty() {
                        for o in outcomes {
                            if !routed.contains(o) {
                                errs.push(format!(
                                    "state `{next}`: outcome `{o}` of step `{step}` has no route"
                                ));
                            }
                        }
                    }
                }
            }
            Some("notify") => match const_str(&payload, "notice") {
                Some(n) if spec.notices.contains(&n) => {}
                other => errs.push(format!("state `{name}`: unknown notice {other:?}")),
            },
            Some("escalate") => match const_str(&payload, "step") {
                Some(s) if spec.steps.iter().any(|(c, _, e)| *c == s && *e) => {}
                _ => errs.push(format!("state `{name}`: `escalate` needs a staff step")),
            },
            Some("close") => {
                let result = const_str(&payload, "result");
                let ok = if spec.closings.is_empty() {
                    result.is_none()
                } else {
                    result.is_some_and(|r| spec.closings.contains(&r))
                };
                if !ok {
                    errs.push(format!(
                        "state `{name}`: `close` takes result {:?}",
                        spec.closings
                    ));
                }
            }
            other => errs.push(format!("state `{name}`: unknown action {other:?}")),
        }
    }
    for (step, _, _) in &spec.steps {
        if !awaited.contains(step) {
            errs.push(format!("step `{step}` of the domain is never waited on"));
        }
    }
    // Every rule that tests `<ResultPath>.outcome` compares with outcomes of a step writing it.
    for (name, st) in &def.states {
        let State::Choice(c) = st else { continue };
        for (path, steps) in &writers {
            let var = format!("{path}.outcome");
            let mut vals = vec![];
            for r in &c.choices {
                rule_values(&r.rule, &var, &mut vals);
            }
            for v in vals {
                if !steps
                    .iter()
                    .any(|s| spec.outcomes(s).is_some_and(|o| o.contains(&v)))
                {
                    errs.push(format!(
                        "state `{name}`: `{v}` is not an outcome of any step writing {path}"
                    ));
                }
            }
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(LoadError(errs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_workflows_match_the_domain() {
        let def = load_case_workflow("workflow").unwrap();
        assert_eq!(def.start_at, "ApplicationSubmitted");
        let def = load_complaint_workflow("workflow").unwrap();
        assert_eq!(def.start_at, "Filed");
    }

    #[test]
    fn the_complaint_workflow_routes_every_satisfaction_outcome() {
        let mut v: Value = serde_json::from_str(COMPLAINT_WORKFLOW).unwrap();
        v["States"]["SatisfactionOutcome"]["Choices"]
            .as_array_mut()
            .unwrap()
            .retain(|c| c["StringEquals"] != "dissatisfied");
        let e = load_workflow(&v.to_string(), "workflow", &WorkflowSpec::complaint())
            .unwrap_err()
            .0
            .join("\n");
        assert!(
            e.contains("outcome `dissatisfied` of step `satisfaction_check` has no route"),
            "{e}"
        );
    }

    fn mutate(f: impl FnOnce(&mut Value)) -> String {
        let mut v: Value = serde_json::from_str(CASE_WORKFLOW).unwrap();
        f(&mut v);
        v.to_string()
    }

    #[test]
    fn an_unrouted_outcome_is_refused() {
        let json = mutate(|v| {
            let choices = v["States"]["HeadSignatureOutcome"]["Choices"]
                .as_array_mut()
                .unwrap();
            choices.retain(|c| c["StringEquals"] != "return");
        });
        let e = load_workflow(&json, "workflow", &WorkflowSpec::case()).unwrap_err();
        assert!(
            e.0.iter()
                .any(|m| m.contains("outcome `return` of step `head_signature` has no route")),
            "{e}"
        );
    }

    #[test]
    fn an_unknown_step_or_outcome_is_refused() {
        let json = mutate(|v| {
            v["States"]["Survey"]["Parameters"]["Payload"]["step"] = "coffee_break".into();
            v["States"]["SignedLetterKind"]["Choices"][0]["StringEquals"] = "maybe".into();
        });
        let e = load_workflow(&json, "workflow", &WorkflowSpec::case())
            .unwrap_err()
            .0
            .join("\n");
        assert!(e.contains("unknown step `coffee_break`"), "{e}");
        assert!(
            e.contains("step `survey` of the domain is never waited on"),
            "{e}"
        );
        assert!(e.contains("`maybe` is not an outcome"), "{e}");
    }

    #[test]
    fn tasks_need_timeouts_and_catches() {
        let json = mutate(|v| {
            let s = v["States"]["Effectuation"].as_object_mut().unwrap();
            s.remove("TimeoutSeconds");
            let n = v["States"]["NotifyFileComplete"].as_object_mut().unwrap();
            n.remove("Catch");
        });
        let e = load_workflow(&json, "workflow", &WorkflowSpec::case())
            .unwrap_err()
            .0
            .join("\n");
        assert!(
            e.contains("`Effectuation`: every task needs TimeoutSeconds"),
            "{e}"
        );
        assert!(
            e.contains("`NotifyFileComplete`: every task needs a Catch"),
            "{e}"
        );
    }
}
