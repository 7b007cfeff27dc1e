//! The permit catalogue: every permit the office serves, each a folder `infra/permits/<code>/`
//! with `permit.json` (what the permit is), `workflow.asl.json` (its state machine: Step
//! Functions in AWS, the embedded executor locally) and `example.json` (a valid application).
//!
//! Loading checks each definition (`domain::permit::check`) and each workflow against its
//! definition: every step known and waited on, every outcome routed, every task with a catch and
//! a timeout consistent with its SLA, every notice and closing known. A broken permit is refused
//! with messages naming the file, the state and the problem.

use crate::asl::check::{StepInfo, Subject};
use crate::asl::definition::{Definition, LoadError};
use crate::domain::actions::Closing;
use crate::domain::calendar::Calendar;
use crate::domain::permit::{Function, PermitDef, StepCode, StepKind};
use crate::domain::roles::Roles;
use chrono::{Datelike, Months, NaiveDate};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

include!(concat!(env!("OUT_DIR"), "/permits.rs"));

/// The substitution key of the task function in every workflow (its Lambda ARN in AWS, its
/// registered name locally).
pub const FUNCTION_SUBSTITUTION: &str = "WorkflowFunctionArn";

/// One permit: its definition, its workflow's source and its example application.
#[derive(Debug, Clone)]
pub struct Permit {
    pub def: PermitDef,
    /// `workflow.asl.json` as written (substituted when it is loaded for an engine).
    pub workflow: String,
    /// `example.json` as written (dates relative to today: [`resolve_example`]).
    pub example: Value,
}

impl Permit {
    /// The workflow with `function` as the task function's name or ARN.
    pub fn load_workflow(&self, function: &str) -> Result<Definition, LoadError> {
        let subs = HashMap::from([(FUNCTION_SUBSTITUTION.to_string(), function.to_string())]);
        Definition::load(&self.workflow, &subs)
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", .0.join("\n"))]
pub struct CatalogueError(pub Vec<String>);

/// The files of one permit folder.
pub struct PermitFiles {
    /// Where they were read from (named in errors).
    pub folder: String,
    pub code: String,
    pub permit: String,
    pub workflow: String,
    pub example: String,
}

/// What a load checks besides each permit's definition (roles, fields, rules, requirements,
/// notices, letters, example).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checks {
    /// Also every workflow against its permit: where this code runs the ASL (the local runner's
    /// embedded executor), and the test command.
    Workflows,
    /// The definitions only: the Lambda functions, which act on the definitions while Step
    /// Functions runs the template's state machines (built from the same folders, whose
    /// workflows the test command checks). Saves the ASL's parse and check at every cold start.
    Definitions,
}

#[derive(Debug, Clone)]
pub struct Catalogue {
    permits: BTreeMap<String, Arc<Permit>>,
}

impl Catalogue {
    /// The permits shipped in `infra/permits/` (embedded at build time), workflows checked.
    pub fn shipped(roles: &Roles, calendar: &Calendar) -> Result<Self, CatalogueError> {
        Self::shipped_with(roles, calendar, Checks::Workflows)
    }

    /// The shipped permits with `checks`.
    pub fn shipped_with(
        roles: &Roles,
        calendar: &Calendar,
        checks: Checks,
    ) -> Result<Self, CatalogueError> {
        let files = SHIPPED
            .iter()
            .map(|(code, permit, workflow, example)| PermitFiles {
                folder: format!("infra/permits/{code}"),
                code: (*code).to_string(),
                permit: (*permit).to_string(),
                workflow: (*workflow).to_string(),
                example: (*example).to_string(),
            })
            .collect();
        Self::from_files(files, roles, calendar, checks)
    }

    /// Every permit folder of `dir` (a deployment's own catalogue: `PD_PERMITS_DIR`).
    pub fn from_dir(
        dir: &Path,
        roles: &Roles,
        calendar: &Calendar,
        checks: Checks,
    ) -> Result<Self, CatalogueError> {
        let read = |p: &Path| {
            std::fs::read_to_string(p)
                .map_err(|e| CatalogueError(vec![format!("{}: {e}", p.display())]))
        };
        let mut folders: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| CatalogueError(vec![format!("{}: {e}", dir.display())]))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        folders.sort();
        let mut files = vec![];
        for f in folders {
            files.push(PermitFiles {
                folder: f.display().to_string(),
                code: f
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default(),
                permit: read(&f.join("permit.json"))?,
                workflow: read(&f.join("workflow.asl.json"))?,
                example: read(&f.join("example.json"))?,
            });
        }
        Self::from_files(files, roles, calendar, checks)
    }

    pub fn from_files(
        files: Vec<PermitFiles>,
        roles: &Roles,
        calendar: &Calendar,
        checks: Checks,
    ) -> Result<Self, CatalogueError> {
        let mut errs = vec![];
        let mut permits = BTreeMap::new();
        for f in files {
            match load_one(&f, roles, calendar, checks) {
                Ok(p) => {
                    permits.insert(f.code.clone(), Arc::new(p));
                }
                Err(e) => errs.extend(e),
            }
        }
        if permits.is_empty() && errs.is_empty() {
            errs.push("the catalogue has no permit".into());
        }
        let cat = Catalogue { permits };
        errs.extend(cat.across_permits());
        if errs.is_empty() {
            Ok(cat)
        } else {
            Err(CatalogueError(errs))
        }
    }

    /// What must hold between permits: a step code is handled by one function (its route is
    /// one); a registration prefix and its counter go together; state machines are distinct.
    fn across_permits(&self) -> Vec<String> {
        let mut errs = vec![];
        let mut functions: BTreeMap<&str, (Function, &str)> = BTreeMap::new();
        let mut prefixes: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
        let mut counters: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
        let mut machines: BTreeMap<&str, &str> = BTreeMap::new();
        for (code, p) in &self.permits {
            for s in &p.def.steps {
                match functions.get(s.code.as_str()) {
                    Some((f, other)) if *f != s.function => errs.push(format!(
                        "infra/permits/{code}/permit.json: step `{}` is handled by `{}` here and by `{}` in `{other}`: a step code has one function (one route)",
                        s.code,
                        s.function.name(),
                        f.name()
                    )),
                    Some(_) => {}
                    None => {
                        functions.insert(s.code.as_str(), (s.function, code));
                    }
                }
            }
            let r = &p.def.registration;
            for (map, a, b, what) in [
                (
                    &mut prefixes,
                    r.prefix.as_str(),
                    r.counter.as_str(),
                    "prefix",
                ),
                (
                    &mut counters,
                    r.counter.as_str(),
                    r.prefix.as_str(),
                    "counter",
                ),
            ] {
                match map.get(a) {
                    Some((other_b, other)) if *other_b != b => errs.push(format!(
                        "infra/permits/{code}/permit.json: registration {what} `{a}` is used with `{b}` here and with `{other_b}` in `{other}`"
                    )),
                    Some(_) => {}
                    None => {
                        map.insert(a, (b, code));
                    }
                }
            }
            if let Some(other) = machines.insert(p.def.machine(), code) {
                errs.push(format!(
                    "infra/permits/{code}/permit.json: state machine `{}` is also `{other}`'s",
                    p.def.machine()
                ));
            }
        }
        errs
    }

    pub fn get(&self, code: &str) -> Option<&Arc<Permit>> {
        self.permits.get(code)
    }

    pub fn def(&self, code: &str) -> Option<&PermitDef> {
        self.get(code).map(|p| &p.def)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Permit>> {
        self.permits.values()
    }

    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.permits.keys().map(String::as_str)
    }

    /// Every step code of the catalogue with the function that handles it (the step routes).
    pub fn step_functions(&self) -> BTreeMap<StepCode, Function> {
        let mut out = BTreeMap::new();
        for p in self.iter() {
            for s in &p.def.steps {
                out.entry(s.code.clone()).or_insert(s.function);
            }
        }
        out
    }

    /// The permit whose state machine is `machine`.
    pub fn by_machine(&self, machine: &str) -> Option<&Arc<Permit>> {
        self.iter().find(|p| p.def.machine() == machine)
    }
}

fn load_one(
    f: &PermitFiles,
    roles: &Roles,
    calendar: &Calendar,
    checks: Checks,
) -> Result<Permit, Vec<String>> {
    let pj = format!("{}/permit.json", f.folder);
    let wj = format!("{}/workflow.asl.json", f.folder);
    let ej = format!("{}/example.json", f.folder);
    let def: PermitDef = serde_json::from_str(&f.permit).map_err(|e| vec![format!("{pj}: {e}")])?;
    let mut errs: Vec<String> = crate::domain::permit::check::problems(&def, roles)
        .into_iter()
        .map(|p| format!("{pj}: {p}"))
        .collect();
    if def.code.as_str() != f.code {
        errs.push(format!(
            "{pj}: code `{}` must be the folder's name `{}`",
            def.code, f.code
        ));
    }
    let example: Value = match serde_json::from_str(&f.example) {
        Ok(v) => v,
        Err(e) => {
            errs.push(format!("{ej}: {e}"));
            Value::Null
        }
    };
    let permit = Permit {
        def,
        workflow: f.workflow.clone(),
        example,
    };
    if checks == Checks::Workflows {
        match permit.load_workflow("workflow") {
            Ok(d) => errs.extend(
                check_workflow(&d, &permit.def, calendar)
                    .into_iter()
                    .map(|p| format!("{wj}: {p}")),
            ),
            Err(e) => errs.extend(e.0.into_iter().map(|p| format!("{wj}: {p}"))),
        }
    }
    if errs.is_empty() && !permit.example.is_null() {
        let today = crate::domain::time::wita_date(chrono::Utc::now());
        let body = resolve_example(&permit.example, today);
        if body.get("permit").and_then(Value::as_str) != Some(permit.def.code.as_str()) {
            errs.push(format!("{ej}: `permit` must be `{}`", permit.def.code));
        }
        if let Err(fe) = crate::domain::permit::form::parse_application(&permit.def, &body, today) {
            for e in fe {
                errs.push(format!(
                    "{ej}: not a valid application: {}: {}",
                    e.field, e.detail
                ));
            }
        }
    }
    if errs.is_empty() {
        Ok(permit)
    } else {
        Err(errs)
    }
}

/// A permit as the workflow check sees it.
struct PermitSubject<'a>(&'a PermitDef);

impl Subject for PermitSubject<'_> {
    fn id_field(&self) -> &str {
        "case_id"
    }
    fn steps(&self) -> Vec<String> {
        self.0.steps.iter().map(|s| s.code.to_string()).collect()
    }
    fn step(&self, code: &str) -> Option<StepInfo> {
        let s = self.0.step(code)?;
        Some(StepInfo {
            outcomes: s.outcomes.iter().map(|o| o.code.clone()).collect(),
            escalates: s.kind == StepKind::Decision,
            sla_days: s
                .sla
                .days
                .or_else(|| s.sla.clock.map(|c| self.0.clock(c).days)),
        })
    }
    fn notice_known(&self, code: &str) -> bool {
        self.0.notices.contains_key(code)
    }
    fn computes_deadlines(&self) -> bool {
        true
    }
    fn closing(&self, result: Option<&str>) -> Result<(), String> {
        match Closing::ALL.iter().find(|c| Some(c.code()) == result) {
            Some(c) if self.0.notices.contains_key(c.notice()) => Ok(()),
            Some(c) => Err(format!(
                "closing `{}` needs the notice `{}` in permit.json",
                c.code(),
                c.notice()
            )),
            None => Err("`close` takes result issued, refused or lapsed".into()),
        }
    }
}

/// A permit's workflow against its definition ([`crate::asl::check::check`]).
pub fn check_workflow(def: &Definition, permit: &PermitDef, calendar: &Calendar) -> Vec<String> {
    let mut errs = crate::asl::check::check(def, &PermitSubject(permit), Some(calendar));
    check_deemed_routes(def, permit, &mut errs);
    errs
}

/// Fiktif positif: every wait at a stage's step catches
/// [`crate::domain::deemed::DEEMED_ERROR`] (before any catch-all) and goes to a wait at the
/// recording step, so that the overdue job's task failure always lands there.
fn check_deemed_routes(def: &Definition, permit: &PermitDef, errs: &mut Vec<String>) {
    use crate::asl::definition::State;
    use crate::domain::deemed::DEEMED_ERROR;
    let Some(da) = &permit.deemed_approval else {
        return;
    };
    let awaits = |st: &State| -> Option<String> {
        let State::Task(t) = st else { return None };
        let p = t.parameters.get("Payload")?;
        (p.get("action")?.as_str()? == "await")
            .then(|| p.get("step")?.as_str().map(String::from))?
    };
    for (name, st) in &def.states {
        let Some(step) = awaits(st) else { continue };
        if da.stage_of(&step).is_none() {
            continue;
        }
        let State::Task(t) = st else { continue };
        let first = t
            .catch
            .iter()
            .position(|c| crate::asl::eval::error_matches(&c.error_equals, DEEMED_ERROR));
        let Some(i) = first else {
            errs.push(format!(
                "state `{name}`: step `{step}` is in a fiktif positif stage and must catch `{DEEMED_ERROR}`"
            ));
            continue;
        };
        let c = &t.catch[i];
        if !c.error_equals.iter().any(|e| e == DEEMED_ERROR) {
            errs.push(format!(
                "state `{name}`: `{DEEMED_ERROR}` must be caught by name, before any catch-all"
            ));
        }
        let target = def.state(&c.next).and_then(awaits);
        if target.as_deref() != Some(da.step.as_str()) {
            errs.push(format!(
                "state `{name}`: `{DEEMED_ERROR}` must go to the wait at step `{}`",
                da.step
            ));
        }
    }
}

/// `example.json` with its relative dates resolved against `today`: a string `{today}`,
/// `{today-8m}` (calendar months), `{today-10d}` (days) or `{today+1y}` (years) becomes that
/// date, `YYYY-MM-DD`.
pub fn resolve_example(v: &Value, today: NaiveDate) -> Value {
    match v {
        Value::String(s) => relative_date(s, today).map_or_else(
            || Value::String(s.clone()),
            |d| Value::String(d.to_string()),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| resolve_example(x, today)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), resolve_example(x, today)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn relative_date(s: &str, today: NaiveDate) -> Option<NaiveDate> {
    let inner = s.strip_prefix("{today")?.strip_suffix('}')?;
    if inner.is_empty() {
        return Some(today);
    }
    let (sign, rest) = inner.split_at(1);
    let unit = rest.chars().last()?;
    let n: u32 = rest[..rest.len() - 1].parse().ok()?;
    let forward = match sign {
        "+" => true,
        "-" => false,
        _ => return None,
    };
    match (unit, forward) {
        ('d', true) => today.checked_add_days(chrono::Days::new(u64::from(n))),
        ('d', false) => today.checked_sub_days(chrono::Days::new(u64::from(n))),
        ('m', true) => today.checked_add_months(Months::new(n)),
        ('m', false) => today.checked_sub_months(Months::new(n)),
        ('y', true) => today.with_year(today.year() + n as i32),
        ('y', false) => today.with_year(today.year() - n as i32),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Catalogue {
        Catalogue::shipped(&Roles::shipped(), &Calendar::shipped()).unwrap()
    }

    #[test]
    fn the_shipped_catalogue_loads() {
        let c = shipped();
        assert!(c.get("kantor-kas-ksp").is_some());
        let fns = c.step_functions();
        assert_eq!(
            fns[&StepCode::new("front_office_verification")],
            Function::Verify
        );
        assert_eq!(fns[&StepCode::new("head_signature")], Function::Sign);
    }

    fn kantor_kas() -> (Value, Value) {
        let (_, permit, workflow, _) = SHIPPED
            .iter()
            .find(|(code, ..)| *code == "kantor-kas-ksp")
            .unwrap();
        (
            serde_json::from_str(permit).unwrap(),
            serde_json::from_str(workflow).unwrap(),
        )
    }

    /// The problems of the kantor kas permit with `edit` applied to its permit.json and
    /// workflow (empty when it loads).
    fn problems_after(edit: impl FnOnce(&mut Value, &mut Value)) -> String {
        let (mut permit, mut workflow) = kantor_kas();
        edit(&mut permit, &mut workflow);
        let files = vec![PermitFiles {
            folder: "uji/kantor-kas-ksp".into(),
            code: "kantor-kas-ksp".into(),
            permit: permit.to_string(),
            workflow: workflow.to_string(),
            example: SHIPPED
                .iter()
                .find(|(c, ..)| *c == "kantor-kas-ksp")
                .unwrap()
                .3
                .to_string(),
        }];
        match Catalogue::from_files(
            files,
            &Roles::shipped(),
            &Calendar::shipped(),
            Checks::Workflows,
        ) {
            Ok(_) => String::new(),
            Err(e) => e.0.join("\n"),
        }
    }

    #[test]
    fn the_shipped_workflows_start_where_their_permits_do() {
        let c = shipped();
        for p in c.iter() {
            let d = p.load_workflow("workflow").unwrap();
            assert_eq!(d.start_at, "ApplicationSubmitted", "{}", p.def.code);
            assert!(check_workflow(&d, &p.def, &Calendar::shipped()).is_empty());
        }
        assert_eq!(problems_after(|_, _| {}), "", "the unedited copy loads");
    }

    #[test]
    fn an_unrouted_outcome_is_refused() {
        let e = problems_after(|_, w| {
            w["States"]["HeadSignatureOutcome"]["Choices"]
                .as_array_mut()
                .unwrap()
                .retain(|c| c["StringEquals"] != "return");
        });
        assert!(
            e.contains("uji/kantor-kas-ksp/workflow.asl.json: state `HeadSignatureOutcome`")
                && e.contains("outcome `return` of step `head_signature` has no route"),
            "{e}"
        );
    }

    #[test]
    fn an_unknown_step_or_outcome_is_refused() {
        let e = problems_after(|_, w| {
            w["States"]["Survey"]["Parameters"]["Payload"]["step"] = "coffee_break".into();
            w["States"]["SignedLetterKind"]["Choices"][0]["StringEquals"] = "maybe".into();
        });
        assert!(e.contains("unknown step `coffee_break`"), "{e}");
        assert!(
            e.contains("step `survey` of the domain is never waited on"),
            "{e}"
        );
        assert!(e.contains("`maybe` is not an outcome"), "{e}");
    }

    #[test]
    fn tasks_need_timeouts_and_catches() {
        let e = problems_after(|_, w| {
            w["States"]["Effectuation"]
                .as_object_mut()
                .unwrap()
                .remove("TimeoutSeconds");
            w["States"]["NotifyFileComplete"]
                .as_object_mut()
                .unwrap()
                .remove("Catch");
        });
        assert!(
            e.contains("`Effectuation`: every task needs TimeoutSeconds"),
            "{e}"
        );
        assert!(
            e.contains("`NotifyFileComplete`: every task needs a Catch"),
            "{e}"
        );
    }

    #[test]
    fn timeouts_lie_between_the_sla_in_calendar_days_and_its_longest_span() {
        // g has 1 working day (SOP: 1 hari kerja): at least 1 calendar day, at most the longest
        // span 1 working day can take in the shipped calendar (a Friday before a long weekend).
        let days = |n: u64| n * 86_400;
        let e = problems_after(|_, w| {
            w["States"]["FrontOfficeVerification"]["TimeoutSeconds"] =
                days(1).saturating_sub(60).into();
        });
        assert!(
            e.contains("state `FrontOfficeVerification`: TimeoutSeconds 86340 is shorter than the SLA of step `front_office_verification`"),
            "{e}"
        );
        let e = problems_after(|_, w| {
            w["States"]["FrontOfficeVerification"]["TimeoutSeconds"] = days(30).into();
        });
        assert!(
            e.contains(
                "TimeoutSeconds 2592000 is above the SLA of step `front_office_verification`"
            ),
            "{e}"
        );
        let longest = Calendar::shipped().longest_span(1);
        let e = problems_after(|_, w| {
            w["States"]["FrontOfficeVerification"]["TimeoutSeconds"] = days(longest.into()).into();
        });
        assert_eq!(e, "", "the longest span itself is allowed");
    }

    #[test]
    fn a_computed_wait_is_entered_only_through_its_deadline_task() {
        // A Choice going straight to the revision wait would leave its TimeoutSecondsPath
        // reading nothing (or a stale value).
        let e = problems_after(|_, w| {
            w["States"]["FrontOfficeVerificationOutcome"]["Choices"][1]["Next"] =
                "ApplicantRevision".into();
        });
        assert!(
            e.contains("state `FrontOfficeVerificationOutcome` enters `ApplicantRevision` but is not a `deadline` task of step Some(\"applicant_revision\") writing $.deadline.Payload.timeout_seconds"),
            "{e}"
        );
        let e = problems_after(|_, w| {
            w["States"]["ApplicantRevisionDeadline"]["ResultPath"] = "$.clock".into();
        });
        assert!(
            e.contains("enters `ApplicantRevision` but is not a `deadline` task"),
            "{e}"
        );
        let e = problems_after(|_, w| {
            w["States"]["ApplicantRevision"]["TimeoutSeconds"] = 86_400.into();
        });
        assert!(
            e.contains(
                "state `ApplicantRevision`: has both `TimeoutSeconds` and `TimeoutSecondsPath`"
            ),
            "{e}"
        );
        let e = problems_after(|_, w| {
            w["States"]["NotifyFileComplete"]["TimeoutSecondsPath"] =
                "$.deadline.Payload.timeout_seconds".into();
            w["States"]["NotifyFileComplete"]
                .as_object_mut()
                .unwrap()
                .remove("TimeoutSeconds");
        });
        assert!(
            e.contains("state `NotifyFileComplete`: only a human step of a domain that computes deadlines may use TimeoutSecondsPath"),
            "{e}"
        );
    }

    #[test]
    fn every_stage_wait_catches_the_fiktif_positif_into_the_recording_step() {
        let e = problems_after(|_, w| {
            let c = w["States"]["TechnicalVerification"]["Catch"]
                .as_array_mut()
                .unwrap();
            c.remove(0);
        });
        assert!(
            e.contains("state `TechnicalVerification`: step `technical_verification` is in a fiktif positif stage and must catch `Perizinan.DeemedGranted`"),
            "{e}"
        );
        // A catch-all before it would take it (to WorkflowFailed), and would turn a transient
        // failure that outlasted the retries into a permanent one instead of a redrive.
        let e = problems_after(|_, w| {
            w["States"]["TechnicalVerification"]["Catch"]
                .as_array_mut()
                .unwrap()
                .insert(
                    0,
                    serde_json::json!({"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "WorkflowFailed"}),
                );
        });
        assert!(
            e.contains("state `TechnicalVerification`: `Perizinan.DeemedGranted` must be caught by name, before any catch-all"),
            "{e}"
        );
        assert!(
            e.contains("state `TechnicalVerification`: Catch `States.ALL` would keep a transient failure from being redriven"),
            "{e}"
        );
        let e = problems_after(|_, w| {
            w["States"]["NotifyFileComplete"]["Catch"][0]["ErrorEquals"] =
                serde_json::json!(["Transient"]);
        });
        assert!(
            e.contains("state `NotifyFileComplete`: Catch `Transient` would keep a transient failure from being redriven"),
            "{e}"
        );
        let e = problems_after(|_, w| {
            w["States"]["TechnicalVerification"]["Catch"] = serde_json::json!([
                {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.timeout", "Next": "EscalateTechnicalVerification"}
            ]);
        });
        assert!(
            e.contains("state `TechnicalVerification`: step `technical_verification` is in a fiktif positif stage and must catch `Perizinan.DeemedGranted`"),
            "{e}"
        );
        let e = problems_after(|_, w| {
            w["States"]["TechnicalVerification"]["Catch"][0]["Next"] = "Effectuation".into();
        });
        assert!(
            e.contains("`Perizinan.DeemedGranted` must go to the wait at step `deemed_issuance`"),
            "{e}"
        );
        let e = problems_after(|p, _| {
            p["deemed_approval"]["stages"][0]["steps"]
                .as_array_mut()
                .unwrap()
                .push("applicant_revision".into());
        });
        assert!(
            e.contains("deemed_approval: stage `pemeriksaan_persetujuan`: step `applicant_revision` is not a staff step"),
            "{e}"
        );
    }

    #[test]
    fn permits_may_not_disagree_on_a_step_code_or_a_counter() {
        let (permit, workflow) = kantor_kas();
        let example = SHIPPED
            .iter()
            .find(|(c, ..)| *c == "kantor-kas-ksp")
            .unwrap()
            .3;
        let mut other = permit.clone();
        other["code"] = "kantor-kas-kedua".into();
        other["state_machine"] = "kantor-kas-kedua".into();
        other["registration"]["counter"] = "registration-kedua".into();
        let mut example2: Value = serde_json::from_str(example).unwrap();
        example2["permit"] = "kantor-kas-kedua".into();
        let files = |p: &Value| {
            vec![
                PermitFiles {
                    folder: "uji/kantor-kas-ksp".into(),
                    code: "kantor-kas-ksp".into(),
                    permit: permit.to_string(),
                    workflow: workflow.to_string(),
                    example: example.to_string(),
                },
                PermitFiles {
                    folder: "uji/kantor-kas-kedua".into(),
                    code: "kantor-kas-kedua".into(),
                    permit: p.to_string(),
                    workflow: workflow.to_string(),
                    example: example2.to_string(),
                },
            ]
        };
        let load = |p: &Value| {
            Catalogue::from_files(
                files(p),
                &Roles::shipped(),
                &Calendar::shipped(),
                Checks::Workflows,
            )
            .map(|_| ())
            .map_err(|e| e.0.join("\n"))
        };
        let e = load(&other).unwrap_err();
        assert!(
            e.contains("kantor-kas-ksp/permit.json: registration prefix `KK` is used with `registration` here and with `registration-kedua` in `kantor-kas-kedua`"),
            "{e}"
        );
        other["registration"]["prefix"] = "KKD".into();
        assert_eq!(load(&other), Ok(()), "a prefix and counter of its own");
        let mut verify_as_sign = other.clone();
        verify_as_sign["steps"][0]["function"] = "sign".into();
        let e = load(&verify_as_sign).unwrap_err();
        assert!(
            e.contains("step `front_office_verification` is handled by `verify` here and by `sign` in `kantor-kas-kedua`"),
            "{e}"
        );
        let mut same_machine = other.clone();
        same_machine["state_machine"] = "kantor-kas".into();
        let e = load(&same_machine).unwrap_err();
        assert!(
            e.contains("state machine `kantor-kas` is also `kantor-kas-kedua`'s"),
            "{e}"
        );
    }

    #[test]
    fn relative_dates_in_examples() {
        let today: NaiveDate = "2026-12-01".parse().unwrap();
        let v = serde_json::json!({"a": "{today-8m}", "b": ["{today+10d}", "{today}"], "c": "{tomorrow}"});
        assert_eq!(
            resolve_example(&v, today),
            serde_json::json!({"a": "2026-04-01", "b": ["2026-12-11", "2026-12-01"], "c": "{tomorrow}"})
        );
    }
}
