//! Loading an Amazon States Language definition into the subset the embedded executor runs.
//!
//! Supported (JSONPath query language only): `Task` with `arn:aws:states:::lambda:invoke` and
//! `arn:aws:states:::lambda:invoke.waitForTaskToken`, `Choice`, `Pass`, `Succeed`, `Fail`;
//! `InputPath`, `Parameters`, `ResultPath`, `OutputPath` with plain paths; `Retry`, `Catch`,
//! `TimeoutSeconds`, `TimeoutSecondsPath`. Anything else is refused at load with the state's name and the field, so a
//! definition that runs here also means the same thing on Step Functions.

use super::path::Path;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

pub const INVOKE: &str = "arn:aws:states:::lambda:invoke";
pub const INVOKE_WAIT: &str = "arn:aws:states:::lambda:invoke.waitForTaskToken";

#[derive(Debug, Clone, PartialEq)]
pub enum Resource {
    Invoke,
    InvokeWaitForTaskToken,
}

/// `InputPath`/`OutputPath`: a path, or `null` (an empty object).
#[derive(Debug, Clone, PartialEq)]
pub enum IoPath {
    Path(Path),
    Empty,
}

/// `ResultPath`: where the result goes, or `null` (discard it, keep the input).
#[derive(Debug, Clone, PartialEq)]
pub enum ResultPath {
    Path(Path),
    Discard,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Retrier {
    pub error_equals: Vec<String>,
    pub interval_seconds: f64,
    pub max_attempts: u32,
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Catcher {
    pub error_equals: Vec<String>,
    pub result_path: ResultPath,
    pub next: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Transition {
    Next(String),
    End,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Io {
    pub input_path: IoPath,
    pub output_path: IoPath,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskState {
    pub resource: Resource,
    pub parameters: Value,
    pub result_path: ResultPath,
    pub timeout_seconds: Option<u64>,
    /// `TimeoutSecondsPath`: the timeout read from the state's input (after `InputPath`), for a
    /// wait whose end is computed (a deadline in working days) rather than fixed.
    pub timeout_seconds_path: Option<Path>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
    pub transition: Transition,
    pub io: Io,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PassState {
    pub result: Option<Value>,
    pub parameters: Option<Value>,
    pub result_path: ResultPath,
    pub transition: Transition,
    pub io: Io,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    StringEquals(Path, String),
    BooleanEquals(Path, bool),
    NumericEquals(Path, f64),
    IsPresent(Path, bool),
    And(Vec<Rule>),
    Or(Vec<Rule>),
    Not(Box<Rule>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceRule {
    pub rule: Rule,
    pub next: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceState {
    pub choices: Vec<ChoiceRule>,
    pub default: Option<String>,
    pub io: Io,
}

#[derive(Debug, Clone, PartialEq)]
pub enum State {
    Task(TaskState),
    Pass(PassState),
    Choice(ChoiceState),
    Succeed { io: Io },
    Fail { error: String, cause: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    pub comment: String,
    pub start_at: String,
    pub states: BTreeMap<String, State>,
}

/// Every problem found in a definition, each naming the state and field.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the state machine definition cannot be run by the embedded executor:\n  - {}", .0.join("\n  - "))]
pub struct LoadError(pub Vec<String>);

/// Replaces `${Name}` in every string of the definition (Step Functions'
/// `DefinitionSubstitutions`). An unknown name is an error.
pub fn substitute(v: Value, subs: &HashMap<String, String>, errs: &mut Vec<String>) -> Value {
    match v {
        Value::String(s) => {
            let mut out = String::new();
            let mut rest = s.as_str();
            while let Some(i) = rest.find("${") {
                out.push_str(&rest[..i]);
                let after = &rest[i + 2..];
                match after.find('}') {
                    Some(j) => {
                        let name = &after[..j];
                        match subs.get(name) {
                            Some(val) => out.push_str(val),
                            None => {
                                errs.push(format!("no value for substitution `${{{name}}}`"));
                            }
                        }
                        rest = &after[j + 1..];
                    }
                    None => {
                        out.push_str(&rest[i..]);
                        rest = "";
                    }
                }
            }
            out.push_str(rest);
            Value::String(out)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(|x| substitute(x, subs, errs)).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, x)| (k, substitute(x, subs, errs)))
                .collect(),
        ),
        other => other,
    }
}

struct Ctx<'a> {
    state: &'a str,
    errs: &'a mut Vec<String>,
}

impl Ctx<'_> {
    fn err(&mut self, msg: impl AsRef<str>) {
        self.errs
            .push(format!("state `{}`: {}", self.state, msg.as_ref()));
    }
}

fn check_fields(cx: &mut Ctx<'_>, obj: &Map<String, Value>, allowed: &[&str]) {
    for k in obj.keys() {
        if !allowed.contains(&k.as_str()) {
            cx.err(format!(
                "field `{k}` is not supported by the embedded executor"
            ));
        }
    }
}

fn string_field(cx: &mut Ctx<'_>, obj: &Map<String, Value>, key: &str) -> Option<String> {
    match obj.get(key) {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            cx.err(format!("`{key}` must be a string"));
            None
        }
    }
}

fn path_field(cx: &mut Ctx<'_>, obj: &Map<String, Value>, key: &str) -> IoPath {
    match obj.get(key) {
        None => IoPath::Path(Path {
            context: false,
            segments: vec![],
        }),
        Some(Value::Null) => IoPath::Empty,
        Some(Value::String(s)) => match Path::parse(s) {
            Ok(p) if !p.context => IoPath::Path(p),
            Ok(_) => {
                cx.err(format!("`{key}` cannot read the context object"));
                IoPath::Empty
            }
            Err(e) => {
                cx.err(format!("`{key}`: {e}"));
                IoPath::Empty
            }
        },
        Some(_) => {
            cx.err(format!("`{key}` must be a string or null"));
            IoPath::Empty
        }
    }
}

fn result_path(cx: &mut Ctx<'_>, v: Option<&Value>) -> ResultPath {
    match v {
        None => ResultPath::Path(Path {
            context: false,
            segments: vec![],
        }),
        Some(Value::Null) => ResultPath::Discard,
        Some(Value::String(s)) => match Path::parse(s) {
            Ok(p) if !p.context => ResultPath::Path(p),
            Ok(_) => {
                cx.err("`ResultPath` cannot write the context object");
                ResultPath::Discard
            }
            Err(e) => {
                cx.err(format!("`ResultPath`: {e}"));
                ResultPath::Discard
            }
        },
        Some(_) => {
            cx.err("`ResultPath` must be a string or null");
            ResultPath::Discard
        }
    }
}

fn io(cx: &mut Ctx<'_>, obj: &Map<String, Value>) -> Io {
    Io {
        input_path: path_field(cx, obj, "InputPath"),
        output_path: path_field(cx, obj, "OutputPath"),
    }
}

fn transition(cx: &mut Ctx<'_>, obj: &Map<String, Value>) -> Transition {
    let next = string_field(cx, obj, "Next");
    let end = matches!(obj.get("End"), Some(Value::Bool(true)));
    match (next, end) {
        (Some(n), false) => Transition::Next(n),
        (None, true) => Transition::End,
        (Some(_), true) => {
            cx.err("has both `Next` and `End`");
            Transition::End
        }
        (None, false) => {
            cx.err("needs `Next` or `End: true`");
            Transition::End
        }
    }
}

/// Checks a `Parameters` template: `.$` keys hold plain paths; no intrinsic functions.
fn check_template(cx: &mut Ctx<'_>, v: &Value, at: &str) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if let Some(base) = k.strip_suffix(".$") {
                    match x {
                        Value::String(s) if s.starts_with("States.") => cx.err(format!(
                            "`{at}.{base}`: intrinsic functions are not supported by the embedded executor"
                        )),
                        Value::String(s) => {
                            if let Err(e) = Path::parse(s) {
                                cx.err(format!("`{at}.{base}`: {e}"));
                            }
                        }
                        _ => cx.err(format!("`{at}.{k}` must be a path string")),
                    }
                } else {
                    check_template(cx, x, &format!("{at}.{k}"));
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                check_template(cx, x, &format!("{at}[{i}]"));
            }
        }
        _ => {}
    }
}

fn error_equals(cx: &mut Ctx<'_>, obj: &Map<String, Value>, what: &str) -> Vec<String> {
    match obj.get("ErrorEquals") {
        Some(Value::Array(a)) if !a.is_empty() => {
            let names: Vec<String> = a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect();
            if names.len() != a.len() {
                cx.err(format!("{what}: `ErrorEquals` must list strings"));
            }
            if names.iter().any(|n| n == "States.ALL") && names.len() > 1 {
                cx.err(format!("{what}: `States.ALL` must appear alone"));
            }
            names
        }
        _ => {
            cx.err(format!("{what}: `ErrorEquals` must be a non-empty array"));
            vec![]
        }
    }
}

fn number(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64)
}

fn parse_retry(cx: &mut Ctx<'_>, v: Option<&Value>) -> Vec<Retrier> {
    let Some(v) = v else { return vec![] };
    let Some(arr) = v.as_array() else {
        cx.err("`Retry` must be an array");
        return vec![];
    };
    let mut out = vec![];
    for (i, r) in arr.iter().enumerate() {
        let Some(o) = r.as_object() else {
            cx.err(format!("Retry[{i}] must be an object"));
            continue;
        };
        let what = format!("Retry[{i}]");
        for k in o.keys() {
            if ![
                "ErrorEquals",
                "IntervalSeconds",
                "MaxAttempts",
                "BackoffRate",
                "MaxDelaySeconds",
                "Comment",
            ]
            .contains(&k.as_str())
            {
                cx.err(format!(
                    "{what}: field `{k}` is not supported by the embedded executor"
                ));
            }
        }
        let errs = error_equals(cx, o, &what);
        let max_attempts = o
            .get("MaxAttempts")
            .map_or(Some(3), |x| x.as_u64().map(|n| n as u32));
        let Some(max_attempts) = max_attempts else {
            cx.err(format!(
                "{what}: `MaxAttempts` must be a non-negative integer"
            ));
            continue;
        };
        out.push(Retrier {
            error_equals: errs,
            interval_seconds: number(o.get("IntervalSeconds")).unwrap_or(1.0),
            max_attempts,
            backoff_rate: number(o.get("BackoffRate")).unwrap_or(2.0),
            max_delay_seconds: number(o.get("MaxDelaySeconds")),
        });
    }
    out
}

fn parse_catch(cx: &mut Ctx<'_>, v: Option<&Value>) -> Vec<Catcher> {
    let Some(v) = v else { return vec![] };
    let Some(arr) = v.as_array() else {
        cx.err("`Catch` must be an array");
        return vec![];
    };
    let mut out = vec![];
    for (i, c) in arr.iter().enumerate() {
        let Some(o) = c.as_object() else {
            cx.err(format!("Catch[{i}] must be an object"));
            continue;
        };
        let what = format!("Catch[{i}]");
        for k in o.keys() {
            if !["ErrorEquals", "ResultPath", "Next", "Comment"].contains(&k.as_str()) {
                cx.err(format!(
                    "{what}: field `{k}` is not supported by the embedded executor"
                ));
            }
        }
        let errs = error_equals(cx, o, &what);
        let rp = result_path(cx, o.get("ResultPath"));
        match o.get("Next").and_then(Value::as_str) {
            Some(n) => out.push(Catcher {
                error_equals: errs,
                result_path: rp,
                next: n.to_string(),
            }),
            None => cx.err(format!("{what}: `Next` is required")),
        }
    }
    out
}

fn parse_rule(cx: &mut Ctx<'_>, v: &Value, top: bool) -> Option<(Rule, Option<String>)> {
    let Some(o) = v.as_object() else {
        cx.err("a choice rule must be an object");
        return None;
    };
    let next = o.get("Next").and_then(Value::as_str).map(str::to_string);
    if top && next.is_none() {
        cx.err("a top-level choice rule needs `Next`");
    }
    if !top && next.is_some() {
        cx.err("a nested choice rule must not have `Next`");
    }
    let var = || -> Result<Path, String> {
        let s = o
            .get("Variable")
            .and_then(Value::as_str)
            .ok_or("a comparison needs `Variable`")?;
        Path::parse(s)
    };
    let mut ops = o
        .keys()
        .filter(|k| !["Next", "Variable", "Comment"].contains(&k.as_str()));
    let Some(op) = ops.next() else {
        cx.err("a choice rule needs an operator");
        return None;
    };
    if let Some(extra) = ops.next() {
        cx.err(format!(
            "a choice rule has two operators (`{op}` and `{extra}`)"
        ));
        return None;
    }
    let arg = &o[op];
    let nested = |cx: &mut Ctx<'_>, a: &Value| -> Vec<Rule> {
        a.as_array()
            .map(|rs| {
                rs.iter()
                    .filter_map(|r| parse_rule(cx, r, false).map(|(r, _)| r))
                    .collect()
            })
            .unwrap_or_default()
    };
    let rule = match op.as_str() {
        "And" => Rule::And(nested(cx, arg)),
        "Or" => Rule::Or(nested(cx, arg)),
        "Not" => Rule::Not(Box::new(parse_rule(cx, arg, false)?.0)),
        "StringEquals" | "BooleanEquals" | "NumericEquals" | "IsPresent" => {
            let p = match var() {
                Ok(p) => p,
                Err(e) => {
                    cx.err(e);
                    return None;
                }
            };
            match (op.as_str(), arg) {
                ("StringEquals", Value::String(s)) => Rule::StringEquals(p, s.clone()),
                ("BooleanEquals", Value::Bool(b)) => Rule::BooleanEquals(p, *b),
                ("NumericEquals", Value::Number(n)) => {
                    Rule::NumericEquals(p, n.as_f64().unwrap_or(f64::NAN))
                }
                ("IsPresent", Value::Bool(b)) => Rule::IsPresent(p, *b),
                _ => {
                    cx.err(format!("`{op}` has an argument of the wrong type"));
                    return None;
                }
            }
        }
        other => {
            cx.err(format!(
                "choice operator `{other}` is not supported by the embedded executor"
            ));
            return None;
        }
    };
    Some((rule, next))
}

fn parse_state(name: &str, v: &Value, errs: &mut Vec<String>) -> Option<State> {
    let mut cx = Ctx { state: name, errs };
    let Some(obj) = v.as_object() else {
        cx.err("must be an object");
        return None;
    };
    let ty = string_field(&mut cx, obj, "Type").unwrap_or_default();
    match ty.as_str() {
        "Task" => {
            check_fields(
                &mut cx,
                obj,
                &[
                    "Type",
                    "Comment",
                    "Resource",
                    "Parameters",
                    "ResultPath",
                    "InputPath",
                    "OutputPath",
                    "TimeoutSeconds",
                    "TimeoutSecondsPath",
                    "Retry",
                    "Catch",
                    "Next",
                    "End",
                ],
            );
            let resource = match obj.get("Resource").and_then(Value::as_str) {
                Some(INVOKE) => Resource::Invoke,
                Some(INVOKE_WAIT) => Resource::InvokeWaitForTaskToken,
                Some(other) => {
                    cx.err(format!(
                        "resource `{other}` is not supported (only `{INVOKE}` and `{INVOKE_WAIT}`)"
                    ));
                    Resource::Invoke
                }
                None => {
                    cx.err("`Resource` is required");
                    Resource::Invoke
                }
            };
            let parameters = obj.get("Parameters").cloned().unwrap_or(Value::Null);
            match parameters.as_object() {
                Some(p) => {
                    if !p.get("FunctionName").is_some_and(Value::is_string) {
                        cx.err("`Parameters.FunctionName` must be a string");
                    }
                    if !p.contains_key("Payload") && !p.contains_key("Payload.$") {
                        cx.err("`Parameters.Payload` is required");
                    }
                    for k in p.keys() {
                        if !["FunctionName", "Payload", "Payload.$"].contains(&k.as_str()) {
                            cx.err(format!("`Parameters.{k}` is not supported"));
                        }
                    }
                    check_template(&mut cx, &parameters, "Parameters");
                }
                None => cx.err("`Parameters` must be an object"),
            }
            let timeout_seconds = match obj.get("TimeoutSeconds") {
                None => None,
                Some(t) => match t.as_u64() {
                    Some(n) if n > 0 => Some(n),
                    _ => {
                        cx.err("`TimeoutSeconds` must be a positive integer");
                        None
                    }
                },
            };
            let timeout_seconds_path = match obj.get("TimeoutSecondsPath") {
                None => None,
                Some(Value::String(s)) => match Path::parse(s) {
                    Ok(p) if !p.context => Some(p),
                    Ok(_) => {
                        cx.err("`TimeoutSecondsPath` cannot read the context object");
                        None
                    }
                    Err(e) => {
                        cx.err(format!("`TimeoutSecondsPath`: {e}"));
                        None
                    }
                },
                Some(_) => {
                    cx.err("`TimeoutSecondsPath` must be a string");
                    None
                }
            };
            if timeout_seconds.is_some() && timeout_seconds_path.is_some() {
                cx.err("has both `TimeoutSeconds` and `TimeoutSecondsPath`");
            }
            let result_path = result_path(&mut cx, obj.get("ResultPath"));
            let retry = parse_retry(&mut cx, obj.get("Retry"));
            let catch = parse_catch(&mut cx, obj.get("Catch"));
            let transition = transition(&mut cx, obj);
            let io = io(&mut cx, obj);
            Some(State::Task(TaskState {
                resource,
                parameters,
                result_path,
                timeout_seconds,
                timeout_seconds_path,
                retry,
                catch,
                transition,
                io,
            }))
        }
        "Pass" => {
            check_fields(
                &mut cx,
                obj,
                &[
                    "Type",
                    "Comment",
                    "Result",
                    "Parameters",
                    "ResultPath",
                    "InputPath",
                    "OutputPath",
                    "Next",
                    "End",
                ],
            );
            if let Some(p) = obj.get("Parameters") {
                check_template(&mut cx, p, "Parameters");
            }
            let result_path = result_path(&mut cx, obj.get("ResultPath"));
            let transition = transition(&mut cx, obj);
            let io = io(&mut cx, obj);
            Some(State::Pass(PassState {
                result: obj.get("Result").cloned(),
                parameters: obj.get("Parameters").cloned(),
                result_path,
                transition,
                io,
            }))
        }
        "Choice" => {
            check_fields(
                &mut cx,
                obj,
                &[
                    "Type",
                    "Comment",
                    "Choices",
                    "Default",
                    "InputPath",
                    "OutputPath",
                ],
            );
            let mut choices = vec![];
            match obj.get("Choices").and_then(Value::as_array) {
                Some(a) if !a.is_empty() => {
                    for c in a {
                        if let Some((rule, Some(next))) = parse_rule(&mut cx, c, true) {
                            choices.push(ChoiceRule { rule, next });
                        }
                    }
                }
                _ => cx.err("`Choices` must be a non-empty array"),
            }
            let default = string_field(&mut cx, obj, "Default");
            let io = io(&mut cx, obj);
            Some(State::Choice(ChoiceState {
                choices,
                default,
                io,
            }))
        }
        "Succeed" => {
            check_fields(
                &mut cx,
                obj,
                &["Type", "Comment", "InputPath", "OutputPath"],
            );
            let io = io(&mut cx, obj);
            Some(State::Succeed { io })
        }
        "Fail" => {
            check_fields(&mut cx, obj, &["Type", "Comment", "Error", "Cause"]);
            Some(State::Fail {
                error: string_field(&mut cx, obj, "Error").unwrap_or_else(|| "States.Fail".into()),
                cause: string_field(&mut cx, obj, "Cause").unwrap_or_default(),
            })
        }
        "" => {
            cx.err("`Type` is required");
            None
        }
        other => {
            cx.err(format!(
                "type `{other}` is not supported by the embedded executor (Task, Choice, Pass, Succeed, Fail)"
            ));
            None
        }
    }
}

impl State {
    /// Every state this one can go to.
    pub fn targets(&self) -> Vec<&str> {
        let mut v = vec![];
        match self {
            State::Task(t) => {
                if let Transition::Next(n) = &t.transition {
                    v.push(n.as_str());
                }
                v.extend(t.catch.iter().map(|c| c.next.as_str()));
            }
            State::Pass(p) => {
                if let Transition::Next(n) = &p.transition {
                    v.push(n.as_str());
                }
            }
            State::Choice(c) => {
                v.extend(c.choices.iter().map(|r| r.next.as_str()));
                if let Some(d) = &c.default {
                    v.push(d.as_str());
                }
            }
            State::Succeed { .. } | State::Fail { .. } => {}
        }
        v
    }
}

impl Definition {
    /// Parses and checks `json` after applying `subs`.
    pub fn load(json: &str, subs: &HashMap<String, String>) -> Result<Self, LoadError> {
        let raw: Value = serde_json::from_str(json)
            .map_err(|e| LoadError(vec![format!("not valid JSON: {e}")]))?;
        let mut errs = vec![];
        let raw = substitute(raw, subs, &mut errs);
        let Some(top) = raw.as_object() else {
            return Err(LoadError(vec![
                "the definition must be a JSON object".into(),
            ]));
        };
        for k in top.keys() {
            if !["Comment", "StartAt", "States", "Version", "QueryLanguage"].contains(&k.as_str()) {
                errs.push(format!(
                    "top-level field `{k}` is not supported by the embedded executor"
                ));
            }
        }
        if let Some(q) = top.get("QueryLanguage")
            && q != "JSONPath"
        {
            errs.push("only `QueryLanguage: JSONPath` is supported".into());
        }
        let start_at = top
            .get("StartAt")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let mut states = BTreeMap::new();
        match top.get("States").and_then(Value::as_object) {
            Some(s) => {
                for (name, v) in s {
                    if name.is_empty() || name.len() > 80 {
                        errs.push(format!("state name `{name}` must be 1–80 characters"));
                    }
                    if let Some(st) = parse_state(name, v, &mut errs) {
                        states.insert(name.clone(), st);
                    }
                }
            }
            None => errs.push("`States` must be an object".into()),
        }
        if !states.contains_key(&start_at) {
            errs.push(format!("`StartAt` names an unknown state `{start_at}`"));
        }
        for (name, st) in &states {
            for t in st.targets() {
                if !states.contains_key(t) {
                    errs.push(format!("state `{name}`: goes to unknown state `{t}`"));
                }
            }
        }
        // Every state must be reachable, as Step Functions requires.
        let mut seen = BTreeSet::new();
        let mut queue = VecDeque::from([start_at.as_str()]);
        while let Some(s) = queue.pop_front() {
            if !seen.insert(s) {
                continue;
            }
            if let Some(st) = states.get(s) {
                queue.extend(st.targets());
            }
        }
        for name in states.keys() {
            if !seen.contains(name.as_str()) {
                errs.push(format!("state `{name}` is not reachable from `{start_at}`"));
            }
        }
        if errs.is_empty() {
            Ok(Definition {
                comment: top
                    .get("Comment")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                start_at,
                states,
            })
        } else {
            Err(LoadError(errs))
        }
    }

    pub fn state(&self, name: &str) -> Option<&State> {
        self.states.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn subs() -> HashMap<String, String> {
        HashMap::from([("Fn".to_string(), "workflow".to_string())])
    }

    #[test]
    fn unsupported_features_are_named() {
        let def = json!({
            "StartAt": "A",
            "States": {
                "A": {"Type": "Map", "Next": "B"},
                "B": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                      "Parameters": {"FunctionName": "${Fn}", "Payload": {"x.$": "States.Format('{}', $.a)"}},
                      "HeartbeatSeconds": 5, "End": true},
                "C": {"Type": "Wait", "Seconds": 3, "End": true}
            }
        });
        let err = Definition::load(&def.to_string(), &subs()).unwrap_err();
        let all = err.0.join("\n");
        assert!(
            all.contains("state `A`: type `Map` is not supported"),
            "{all}"
        );
        assert!(all.contains("resource `arn:aws:states:::dynamodb:putItem` is not supported"));
        assert!(all.contains("`HeartbeatSeconds` is not supported"));
        assert!(all.contains("intrinsic functions"));
        assert!(all.contains("state `C`: type `Wait`"));
    }

    #[test]
    fn structure_is_checked() {
        let def = json!({
            "StartAt": "A",
            "States": {
                "A": {"Type": "Pass", "Next": "Nowhere"},
                "Lost": {"Type": "Succeed"},
                "X": {"Type": "Task", "Resource": INVOKE,
                      "Parameters": {"FunctionName": "${Missing}", "Payload": {}}, "End": true}
            }
        });
        let err = Definition::load(&def.to_string(), &subs()).unwrap_err();
        let all = err.0.join("\n");
        assert!(all.contains("goes to unknown state `Nowhere`"), "{all}");
        assert!(all.contains("`Lost` is not reachable"));
        assert!(all.contains("no value for substitution `${Missing}`"));
    }

    #[test]
    fn a_small_machine_loads() {
        let def = json!({
            "StartAt": "Wait",
            "States": {
                "Wait": {"Type": "Task", "Resource": INVOKE_WAIT, "TimeoutSeconds": 60,
                    "Parameters": {"FunctionName": "${Fn}", "Payload": {"token.$": "$$.Task.Token", "id.$": "$.id"}},
                    "ResultPath": "$.decision", "Next": "Route",
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}]},
                "Route": {"Type": "Choice", "Choices": [
                    {"Variable": "$.decision.outcome", "StringEquals": "ok", "Next": "Done"}],
                    "Default": "Failed"},
                "Done": {"Type": "Succeed"},
                "Failed": {"Type": "Fail", "Error": "Nope"}
            }
        });
        let d = Definition::load(&def.to_string(), &subs()).unwrap();
        let State::Task(t) = d.state("Wait").unwrap() else {
            panic!()
        };
        assert_eq!(t.parameters["FunctionName"], "workflow");
        assert_eq!(t.resource, Resource::InvokeWaitForTaskToken);
    }
}
