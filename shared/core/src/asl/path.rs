//! The plain JSONPath subset that ASL files here use: `$`, `$.a.b`, and context paths `$$.X.Y`.
//! Filters, wildcards, indexes and recursive descent are refused at load.

use serde_json::{Map, Value};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    /// `$$…` (the context object) rather than `$…` (the state's input).
    pub context: bool,
    pub segments: Vec<String>,
}

impl Path {
    pub fn parse(s: &str) -> Result<Self, String> {
        let (context, rest) = if let Some(r) = s.strip_prefix("$$") {
            (true, r)
        } else if let Some(r) = s.strip_prefix('$') {
            (false, r)
        } else {
            return Err(format!("`{s}` is not a JSONPath (must start with `$`)"));
        };
        let mut segments = vec![];
        if !rest.is_empty() {
            let Some(body) = rest.strip_prefix('.') else {
                return Err(format!(
                    "`{s}`: only dotted paths like `$.a.b` are supported by the embedded executor"
                ));
            };
            for seg in body.split('.') {
                if seg.is_empty()
                    || !seg
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    return Err(format!(
                        "`{s}`: segment `{seg}` is not supported (no filters, wildcards, indexes or `..`)"
                    ));
                }
                segments.push(seg.to_string());
            }
        }
        Ok(Self { context, segments })
    }

    /// Reads the value at this path; `None` when a segment is absent.
    pub fn get<'a>(&self, input: &'a Value, context: &'a Value) -> Option<&'a Value> {
        let mut cur = if self.context { context } else { input };
        for seg in &self.segments {
            cur = cur.as_object()?.get(seg)?;
        }
        Some(cur)
    }

    /// ResultPath semantics: writes `value` into `target` at this path, creating objects on
    /// the way; `$` replaces the whole document.
    pub fn set(&self, target: Value, value: Value) -> Result<Value, String> {
        if self.segments.is_empty() {
            return Ok(value);
        }
        let mut root = target;
        if !root.is_object() {
            return Err(format!(
                "ResultPath {self} cannot be applied to a non-object input"
            ));
        }
        let mut cur = &mut root;
        let last = self.segments.len() - 1;
        for (i, seg) in self.segments.iter().enumerate() {
            let obj = cur
                .as_object_mut()
                .ok_or_else(|| format!("ResultPath {self}: `{seg}` is not inside an object"))?;
            if i == last {
                obj.insert(seg.clone(), value);
                break;
            }
            cur = obj
                .entry(seg.clone())
                .or_insert_with(|| Value::Object(Map::new()));
        }
        Ok(root)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.context { "$$" } else { "$" })?;
        for s in &self.segments {
            write!(f, ".{s}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_and_get() {
        let p = Path::parse("$.decision.outcome").unwrap();
        let input = json!({"decision": {"outcome": "complete"}});
        assert_eq!(p.get(&input, &Value::Null), Some(&json!("complete")));
        let t = Path::parse("$$.Task.Token").unwrap();
        assert!(t.context);
        assert_eq!(
            t.get(&Value::Null, &json!({"Task": {"Token": "abc"}})),
            Some(&json!("abc"))
        );
        assert_eq!(
            Path::parse("$").unwrap().get(&input, &Value::Null),
            Some(&input)
        );
    }

    #[test]
    fn unsupported_forms_are_refused() {
        for bad in [
            "$.a[0]",
            "$..a",
            "$.a.*",
            "a.b",
            "$.a[?(@.x)]",
            "$['a']",
            "$.a..b",
        ] {
            assert!(Path::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn result_path_set() {
        let p = Path::parse("$.decision").unwrap();
        let out = p
            .set(json!({"case_id": "x"}), json!({"outcome": "grant"}))
            .unwrap();
        assert_eq!(
            out,
            json!({"case_id": "x", "decision": {"outcome": "grant"}})
        );
        let deep = Path::parse("$.a.b").unwrap();
        assert_eq!(
            deep.set(json!({}), json!(1)).unwrap(),
            json!({"a": {"b": 1}})
        );
        assert_eq!(
            Path::parse("$")
                .unwrap()
                .set(json!({"x": 1}), json!(2))
                .unwrap(),
            json!(2)
        );
    }
}
