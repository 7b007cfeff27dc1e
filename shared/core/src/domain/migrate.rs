//! Reading records written by release 0.1, before the permit catalogue: that release served one
//! permit (Izin Pembukaan Kantor Kas KSP), so its records name none, and its decisions stored
//! their fields in a tagged shape. Everything here is about reading what that release wrote;
//! nothing new is written in the old shapes. `tests/upgrade.rs` opens a data directory and a
//! DynamoDB table written by that release and finishes their cases.

use super::permit::PermitCode;
use serde_json::{Map, Value};

/// The permit every release 0.1 record belongs to.
pub const RELEASE_0_1_PERMIT: &str = "kantor-kas-ksp";

/// The name release 0.1 gave its only state machine (the embedded executor's executions and the
/// stack's `<stack>-kantor-kas`).
pub const RELEASE_0_1_MACHINE: &str = "kantor-kas";

pub fn release_0_1_permit() -> PermitCode {
    PermitCode::new(RELEASE_0_1_PERMIT)
}

/// A decision's details as stored. Release 0.1 wrote `{"kind": "<step kind>", …}` with the
/// recommendation's fields as `number`/`date` and the draft's as `version`; today's records are
/// the step's fields by their paths.
pub fn decision_details(mut m: Map<String, Value>) -> Map<String, Value> {
    let Some(Value::String(kind)) = m.remove("kind") else {
        return m;
    };
    let renames: &[(&str, &str)] = match kind.as_str() {
        "recommendation" => &[
            ("number", "recommendation_number"),
            ("date", "recommendation_date"),
        ],
        "draft" => &[("version", "draft_version")],
        _ => &[],
    };
    for (from, to) in renames {
        if let Some(v) = m.remove(*from) {
            m.insert((*to).to_string(), v);
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn release_0_1_details_are_read_as_fields() {
        assert_eq!(decision_details(map(json!({"kind": "none"}))), Map::new());
        assert_eq!(
            decision_details(map(
                json!({"kind": "recommendation", "number": "500/1", "date": "2026-11-20"})
            )),
            map(json!({"recommendation_number": "500/1", "recommendation_date": "2026-11-20"}))
        );
        assert_eq!(
            decision_details(map(json!({"kind": "draft", "version": 2}))),
            map(json!({"draft_version": 2}))
        );
        assert_eq!(
            decision_details(map(json!({"kind": "revision", "missing": ["member_list"]}))),
            map(json!({"missing": ["member_list"]}))
        );
        // Today's shape is left as it is.
        assert_eq!(
            decision_details(map(json!({"findings": "Sesuai."}))),
            map(json!({"findings": "Sesuai."}))
        );
    }
}
