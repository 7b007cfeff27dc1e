//! Input and output processing and choice rules, as the Amazon States Language specifies them
//! for the JSONPath query language.

use super::definition::{IoPath, ResultPath, Rule, TaskState};
use serde_json::{Map, Value};

/// A failure of the runtime itself (`States.Runtime`): a path that selects nothing, a template
/// that cannot be filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeError(pub String);

pub fn input_path(p: &IoPath, input: &Value) -> Result<Value, RuntimeError> {
    match p {
        IoPath::Empty => Ok(Value::Object(Map::new())),
        IoPath::Path(path) => path.get(input, &Value::Null).cloned().ok_or_else(|| {
            RuntimeError(format!(
                "InputPath {path} selects nothing in the state input"
            ))
        }),
    }
}

pub fn output_path(p: &IoPath, output: Value) -> Result<Value, RuntimeError> {
    match p {
        IoPath::Empty => Ok(Value::Object(Map::new())),
        IoPath::Path(path) if path.segments.is_empty() => Ok(output),
        IoPath::Path(path) => path
            .get(&output, &Value::Null)
            .cloned()
            .ok_or_else(|| RuntimeError(format!("OutputPath {path} selects nothing"))),
    }
}

/// A task's timeout: `TimeoutSeconds`, or the positive integer `TimeoutSecondsPath` selects in
/// the state's effective input (after `InputPath`); anything else there is a runtime error, as
/// on Step Functions.
pub fn timeout(task: &TaskState, input: &Value) -> Result<Option<u64>, RuntimeError> {
    let Some(path) = &task.timeout_seconds_path else {
        return Ok(task.timeout_seconds);
    };
    let eff = input_path(&task.io.input_path, input)?;
    match path.get(&eff, &Value::Null).and_then(Value::as_u64) {
        Some(n) if n > 0 => Ok(Some(n)),
        _ => Err(RuntimeError(format!(
            "TimeoutSecondsPath {path} does not select a positive integer"
        ))),
    }
}

/// Fills a `Parameters` template: keys ending in `.$` take the value at their path.
pub fn render(template: &Value, input: &Value, context: &Value) -> Result<Value, RuntimeError> {
    match template {
        Value::Object(o) => {
            let mut out = Map::new();
            for (k, v) in o {
                if let Some(base) = k.strip_suffix(".$") {
                    let path = v
                        .as_str()
                        .ok_or_else(|| RuntimeError(format!("`{k}` must be a path")))
                        .and_then(|s| super::path::Path::parse(s).map_err(RuntimeError))?;
                    let val = path.get(input, context).cloned().ok_or_else(|| {
                        RuntimeError(format!("the JSONPath {path} of `{k}` selects nothing"))
                    })?;
                    out.insert(base.to_string(), val);
                } else {
                    out.insert(k.clone(), render(v, input, context)?);
                }
            }
            Ok(Value::Object(out))
        }
        Value::Array(a) => a
            .iter()
            .map(|x| render(x, input, context))
            .collect::<Result<_, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// `ResultPath`: combines the state's raw input with its result.
pub fn result_path(p: &ResultPath, input: Value, result: Value) -> Result<Value, RuntimeError> {
    match p {
        ResultPath::Discard => Ok(input),
        ResultPath::Path(path) => path.set(input, result).map_err(RuntimeError),
    }
}

pub fn matches(rule: &Rule, input: &Value) -> bool {
    let get = |p: &super::path::Path| p.get(input, &Value::Null);
    match rule {
        Rule::StringEquals(p, s) => get(p).and_then(Value::as_str) == Some(s.as_str()),
        Rule::BooleanEquals(p, b) => get(p).and_then(Value::as_bool) == Some(*b),
        Rule::NumericEquals(p, n) => get(p).and_then(Value::as_f64) == Some(*n),
        Rule::IsPresent(p, want) => get(p).is_some() == *want,
        Rule::And(rs) => rs.iter().all(|r| matches(r, input)),
        Rule::Or(rs) => rs.iter().any(|r| matches(r, input)),
        Rule::Not(r) => !matches(r, input),
    }
}

/// Whether an `ErrorEquals` list catches `error`. `States.ALL` catches everything;
/// `States.TaskFailed` everything but `States.Timeout`.
pub fn error_matches(names: &[String], error: &str) -> bool {
    names.iter().any(|n| {
        n == error || n == "States.ALL" || (n == "States.TaskFailed" && error != "States.Timeout")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asl::path::Path;
    use serde_json::json;

    #[test]
    fn render_fills_paths_from_input_and_context() {
        let t = json!({"FunctionName": "workflow", "Payload": {
            "action": "await", "case_id.$": "$.case_id", "task_token.$": "$$.Task.Token"}});
        let out = render(
            &t,
            &json!({"case_id": "c1"}),
            &json!({"Task": {"Token": "t"}}),
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"FunctionName": "workflow", "Payload": {"action": "await", "case_id": "c1", "task_token": "t"}})
        );
        assert!(render(&t, &json!({}), &json!({"Task": {"Token": "t"}})).is_err());
    }

    #[test]
    fn rules_and_errors() {
        let p = Path::parse("$.decision.outcome").unwrap();
        let input = json!({"decision": {"outcome": "grant"}});
        assert!(matches(
            &Rule::StringEquals(p.clone(), "grant".into()),
            &input
        ));
        assert!(!matches(
            &Rule::Not(Box::new(Rule::IsPresent(p.clone(), true))),
            &input
        ));
        assert!(error_matches(&["States.ALL".into()], "States.Timeout"));
        assert!(!error_matches(
            &["States.TaskFailed".into()],
            "States.Timeout"
        ));
        assert!(error_matches(&["States.TaskFailed".into()], "Transient"));
        assert!(!error_matches(&["Other".into()], "Transient"));
    }

    #[test]
    fn result_and_output_paths() {
        let out = result_path(
            &ResultPath::Path(Path::parse("$.r").unwrap()),
            json!({"a": 1}),
            json!(2),
        )
        .unwrap();
        assert_eq!(out, json!({"a": 1, "r": 2}));
        assert_eq!(
            result_path(&ResultPath::Discard, json!({"a": 1}), json!(2)).unwrap(),
            json!({"a": 1})
        );
        assert_eq!(
            output_path(&IoPath::Path(Path::parse("$.a").unwrap()), json!({"a": 1})).unwrap(),
            json!(1)
        );
        assert_eq!(
            output_path(&IoPath::Empty, json!({"a": 1})).unwrap(),
            json!({})
        );
    }
}
