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

#[derive(Debug, Clone)]
pub struct Catalogue {
    permits: BTreeMap<String, Arc<Permit>>,
}

impl Catalogue {
    /// The permits shipped in `infra/permits/` (embedded at build time).
    pub fn shipped(roles: &Roles, calendar: &Calendar) -> Result<Self, CatalogueError> {
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
        Self::from_files(files, roles, calendar)
    }

    /// Every permit folder of `dir` (a deployment's own catalogue: `PD_PERMITS_DIR`).
    pub fn from_dir(
        dir: &Path,
        roles: &Roles,
        calendar: &Calendar,
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
        Self::from_files(files, roles, calendar)
    }

    pub fn from_files(
        files: Vec<PermitFiles>,
        roles: &Roles,
        calendar: &Calendar,
    ) -> Result<Self, CatalogueError> {
        let mut errs = vec![];
        let mut permits = BTreeMap::new();
        for f in files {
            match load_one(&f, roles, calendar) {
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

fn load_one(f: &PermitFiles, roles: &Roles, calendar: &Calendar) -> Result<Permit, Vec<String>> {
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
    match permit.load_workflow("workflow") {
        Ok(d) => errs.extend(
            check_workflow(&d, &permit.def, calendar)
                .into_iter()
                .map(|p| format!("{wj}: {p}")),
        ),
        Err(e) => errs.extend(e.0.into_iter().map(|p| format!("{wj}: {p}"))),
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
    crate::asl::check::check(def, &PermitSubject(permit), Some(calendar))
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
