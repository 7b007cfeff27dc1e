//! The load-time check of a workflow (ASL) against the domain it coordinates: a permit's case
//! (`crate::catalogue`) or a complaint (`crate::flows::complaint`). A broken definition is
//! refused with messages naming the state and the problem.

use super::definition::{Definition, Resource, ResultPath, Rule, State, Transition};
use crate::domain::calendar::Calendar;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

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

const DAY: u64 = 86_400;

/// Longest timeout of a task that is not a human step (notify, escalate, close).
pub const MAX_AUTOMATIC_TIMEOUT_SECONDS: u64 = 900;

/// What a workflow's domain says about one of its human steps.
pub struct StepInfo {
    pub outcomes: Vec<String>,
    /// Whether a timeout of the step may escalate it (staff steps).
    pub escalates: bool,
    /// The step's SLA in working days, if it has one.
    pub sla_days: Option<u32>,
}

/// The domain a workflow coordinates: a permit's case, or a complaint.
pub trait Subject {
    /// The payload field naming the subject (`case_id`, `complaint_id`).
    fn id_field(&self) -> &str;
    fn steps(&self) -> Vec<String>;
    fn step(&self, code: &str) -> Option<StepInfo>;
    fn notice_known(&self, code: &str) -> bool;
    /// Whether a `close` task with this `result` is one the domain knows.
    fn closing(&self, result: Option<&str>) -> Result<(), String>;
    /// Whether the task function answers `{"action":"deadline","step":…}` with the seconds
    /// until the step's deadline (`{"timeout_seconds":…}`), for a wait set by
    /// `TimeoutSecondsPath`.
    fn computes_deadlines(&self) -> bool {
        false
    }
}

/// Where a `deadline` task's answer carries the seconds to wait.
pub const DEADLINE_FIELD: &str = "timeout_seconds";

/// A workflow against its domain: every task names a known action and step, every step of the
/// domain is waited on, every outcome has a route, every task has a catch and a timeout — with
/// a `calendar`, a human step's timeout lies between its SLA's working days as calendar days and
/// the longest calendar span those working days can take ([`Calendar::longest_span`]), so that
/// the state machine neither escalates before the step can be due nor waits past the SLA.
pub fn check(def: &Definition, subject: &dyn Subject, calendar: Option<&Calendar>) -> Vec<String> {
    let mut errs = vec![];
    let mut awaited: BTreeSet<String> = BTreeSet::new();
    let mut writers: HashMap<String, Vec<String>> = HashMap::new();
    // The longest calendar span of every SLA the steps have, computed in one pass.
    let spans = calendar.map_or_else(Default::default, |c| {
        let ns: BTreeSet<u32> = subject
            .steps()
            .iter()
            .filter_map(|code| subject.step(code)?.sla_days)
            .collect();
        c.longest_spans(&ns)
    });
    for (name, st) in &def.states {
        let State::Task(t) = st else { continue };
        let payload = t.parameters.get("Payload").cloned().unwrap_or(Value::Null);
        if t.catch.is_empty() {
            errs.push(format!("state `{name}`: every task needs a Catch"));
        }
        // A transient failure that outlasts the retries must end the execution with its own
        // error, so that the recovery sweep redrives it from this task (`REDRIVABLE_ERRORS`);
        // a catch-all would turn it into a permanent failure and leave the case stuck.
        for c in &t.catch {
            if let Some(e) = c.error_equals.iter().find(|e| {
                matches!(e.as_str(), "States.ALL" | "States.TaskFailed")
                    || crate::ports::orchestrator::REDRIVABLE_ERRORS.contains(&e.as_str())
            }) {
                errs.push(format!(
                    "state `{name}`: Catch `{e}` would keep a transient failure from being redriven; catch the permanent errors by name"
                ));
            }
        }
        let id_path = format!("{}.$", subject.id_field());
        if payload.get(&id_path).is_none() {
            errs.push(format!("state `{name}`: payload needs `{id_path}`"));
        }
        let action = const_str(&payload, "action");
        if let Some(path) = &t.timeout_seconds_path {
            check_deadline_path(def, subject, name, &payload, path, &mut errs);
        }
        match (action, t.timeout_seconds) {
            (Some("await"), None) if t.timeout_seconds_path.is_some() => {}
            (_, None) => errs.push(format!("state `{name}`: every task needs TimeoutSeconds")),
            (Some("await"), _) => {}
            (_, Some(s)) if s > MAX_AUTOMATIC_TIMEOUT_SECONDS => errs.push(format!(
                "state `{name}`: an automatic task waits at most {MAX_AUTOMATIC_TIMEOUT_SECONDS} s"
            )),
            _ => {}
        }
        match action {
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
                let Some(code) = const_str(&payload, "step") else {
                    errs.push(format!("state `{name}`: `await` needs a constant `step`"));
                    continue;
                };
                let Some(step) = subject.step(code) else {
                    errs.push(format!("state `{name}`: unknown step `{code}`"));
                    continue;
                };
                awaited.insert(code.to_string());
                if let (Some(secs), Some(calendar), Some(n)) =
                    (t.timeout_seconds, calendar, step.sla_days)
                {
                    let longest = u64::from(
                        spans
                            .get(&n)
                            .copied()
                            .unwrap_or_else(|| calendar.longest_span(n)),
                    );
                    if secs < u64::from(n) * DAY {
                        errs.push(format!(
                            "state `{name}`: TimeoutSeconds {secs} is shorter than the SLA of step `{code}` ({n} working days are at least {n} days)"
                        ));
                    }
                    if secs > longest * DAY {
                        errs.push(format!(
                            "state `{name}`: TimeoutSeconds {secs} is above the SLA of step `{code}`: {n} working days take at most {longest} days ({} s)",
                            longest * DAY
                        ));
                    }
                }
                if let ResultPath::Path(p) = &t.result_path {
                    writers
                        .entry(p.to_string())
                        .or_default()
                        .push(code.to_string());
                }
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
                        for o in &step.outcomes {
                            if !routed.contains(&o.as_str()) {
                                errs.push(format!(
                                    "state `{next}`: outcome `{o}` of step `{code}` has no route"
                                ));
                            }
                        }
                    }
                }
            }
            Some("notify") => match const_str(&payload, "notice") {
                Some(n) if subject.notice_known(n) => {}
                other => errs.push(format!("state `{name}`: unknown notice {other:?}")),
            },
            Some("escalate") => match const_str(&payload, "step").and_then(|s| subject.step(s)) {
                Some(s) if s.escalates => {}
                _ => errs.push(format!("state `{name}`: `escalate` needs a staff step")),
            },
            Some("deadline") if subject.computes_deadlines() => {
                match const_str(&payload, "step").and_then(|s| subject.step(s)) {
                    Some(_) => {}
                    None => errs.push(format!("state `{name}`: `deadline` needs a known step")),
                }
                if t.resource != Resource::Invoke {
                    errs.push(format!(
                        "state `{name}`: `deadline` is a plain invoke, not a wait"
                    ));
                }
            }
            Some("close") => {
                if let Err(e) = subject.closing(const_str(&payload, "result")) {
                    errs.push(format!("state `{name}`: {e}"));
                }
            }
            other => errs.push(format!("state `{name}`: unknown action {other:?}")),
        }
    }
    for s in subject.steps() {
        if !awaited.contains(&s) {
            errs.push(format!("step `{s}` of the domain is never waited on"));
        }
    }
    for (name, st) in &def.states {
        let State::Choice(c) = st else { continue };
        for (path, steps) in &writers {
            let var = format!("{path}.outcome");
            let mut vals = vec![];
            for r in &c.choices {
                rule_values(&r.rule, &var, &mut vals);
            }
            for v in vals {
                if !steps.iter().any(|s| {
                    subject
                        .step(s)
                        .is_some_and(|d| d.outcomes.iter().any(|o| o == v))
                }) {
                    errs.push(format!(
                        "state `{name}`: `{v}` is not an outcome of any step writing {path}"
                    ));
                }
            }
        }
    }
    errs
}

/// A wait whose timeout is read from its input (`TimeoutSecondsPath`) must be entered only
/// through a `deadline` task of the same step that writes that very field, so the seconds are
/// always the step's deadline as the domain computes it — never a stale value or nothing.
fn check_deadline_path(
    def: &Definition,
    subject: &dyn Subject,
    name: &str,
    payload: &Value,
    path: &super::path::Path,
    errs: &mut Vec<String>,
) {
    let step = const_str(payload, "step");
    if const_str(payload, "action") != Some("await") || !subject.computes_deadlines() {
        errs.push(format!(
            "state `{name}`: only a human step of a domain that computes deadlines may use TimeoutSecondsPath"
        ));
        return;
    }
    if def.start_at == name {
        errs.push(format!(
            "state `{name}`: a wait with TimeoutSecondsPath cannot be the first state"
        ));
    }
    for (from, st) in &def.states {
        if !st.targets().contains(&name) {
            continue;
        }
        let ok = match st {
            State::Task(d) if d.transition == Transition::Next(name.to_string()) => {
                let p = d.parameters.get("Payload").cloned().unwrap_or(Value::Null);
                let writes = match &d.result_path {
                    // `lambda:invoke` wraps the function's answer in `Payload`.
                    ResultPath::Path(r) => format!("{r}.Payload.{DEADLINE_FIELD}"),
                    ResultPath::Discard => String::new(),
                };
                const_str(&p, "action") == Some("deadline")
                    && const_str(&p, "step") == step
                    && writes == path.to_string()
                    && !d.catch.iter().any(|c| c.next == name)
            }
            _ => false,
        };
        if !ok {
            errs.push(format!(
                "state `{from}` enters `{name}` but is not a `deadline` task of step {step:?} writing {path}"
            ));
        }
    }
}
