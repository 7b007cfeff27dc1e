//! The route table, the OpenAPI document (`infra/openapi.yaml`) and the SAM template's HTTP API
//! events describe the same routes: same paths, same methods, same function, and the same
//! access (public routes have `security: []` in the document and `Authorizer: NONE` at the
//! gateway). A route added in one place and not the others fails here.

use perizinan::api::routes::Access;
use serde_norway::Value;
use std::collections::{BTreeMap, BTreeSet};

fn yaml(path: &str) -> Value {
    let text = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Strips YAML tags such as `!Ref` so that values can be read uniformly.
fn untag(v: &Value) -> &Value {
    match v {
        Value::Tagged(t) => untag(&t.value),
        other => other,
    }
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    untag(v).get(key).map(untag).and_then(Value::as_str)
}

type Key = (String, String); // (METHOD, path)

fn route_table() -> BTreeMap<Key, (&'static str, Access)> {
    let mut out = BTreeMap::new();
    for r in local::route_table(&local::shipped_catalogue()) {
        let key = (r.method.to_string(), r.path.clone());
        let previous = out.insert(key.clone(), (r.function, r.access));
        assert!(previous.is_none(), "route {key:?} declared twice");
    }
    out
}

#[test]
fn openapi_document_matches_the_route_table() {
    let doc = yaml("infra/openapi.yaml");
    assert_eq!(s(&doc, "openapi"), Some("3.1.0"));
    let global_security = doc
        .get("security")
        .and_then(Value::as_sequence)
        .map(|s| !s.is_empty())
        .unwrap_or(false);
    let mut documented: BTreeMap<Key, bool> = BTreeMap::new();
    let paths = doc.get("paths").and_then(Value::as_mapping).expect("paths");
    for (path, item) in paths {
        let path = path.as_str().expect("path is a string");
        for (method, op) in item.as_mapping().expect("path item") {
            let method = method.as_str().expect("method").to_ascii_uppercase();
            if method == "PARAMETERS" {
                continue;
            }
            let secured = match op.get("security").and_then(Value::as_sequence) {
                Some(list) => !list.is_empty(),
                None => global_security,
            };
            assert!(
                op.get("responses").is_some(),
                "{method} {path} documents no responses"
            );
            assert!(
                op.get("operationId").and_then(Value::as_str).is_some(),
                "{method} {path} has no operationId"
            );
            documented.insert((method, path.to_string()), secured);
        }
    }
    let table = route_table();
    let in_table: BTreeSet<&Key> = table.keys().collect();
    let in_doc: BTreeSet<&Key> = documented.keys().collect();
    let missing: Vec<_> = in_table.difference(&in_doc).collect();
    let extra: Vec<_> = in_doc.difference(&in_table).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "routes not in infra/openapi.yaml: {missing:?}; documented but not routed: {extra:?}"
    );
    for (key, (_, access)) in &table {
        let secured = documented[key];
        assert_eq!(
            secured,
            *access == Access::SignedIn,
            "{key:?}: the document's security does not match the route's access {access:?}"
        );
    }
    println!("{} operations documented and routed", table.len());
}

#[test]
fn sam_http_api_events_match_the_route_table() {
    let template = yaml("infra/template.yaml");
    let resources = template
        .get("Resources")
        .and_then(Value::as_mapping)
        .expect("Resources");
    let mut events: BTreeMap<Key, (String, bool)> = BTreeMap::new();
    for (name, resource) in resources {
        if s(resource, "Type") != Some("AWS::Serverless::Function") {
            continue;
        }
        let binary = resource
            .get("Metadata")
            .and_then(|m| m.get("BuildProperties"))
            .and_then(|b| s(b, "Binary"))
            .unwrap_or_else(|| panic!("{name:?} names no binary"))
            .to_string();
        let Some(evs) = resource
            .get("Properties")
            .and_then(|p| p.get("Events"))
            .and_then(Value::as_mapping)
        else {
            continue;
        };
        for (_, ev) in evs {
            if s(ev, "Type") != Some("HttpApi") {
                continue;
            }
            let props = ev.get("Properties").expect("event properties");
            let key = (
                s(props, "Method").expect("Method").to_ascii_uppercase(),
                s(props, "Path").expect("Path").to_string(),
            );
            let public = props
                .get("Auth")
                .and_then(|a| s(a, "Authorizer"))
                .is_some_and(|a| a == "NONE");
            let previous = events.insert(key.clone(), (binary.clone(), public));
            assert!(previous.is_none(), "{key:?} routed twice at the gateway");
        }
    }
    let table = route_table();
    let in_table: BTreeSet<&Key> = table.keys().collect();
    let at_gateway: BTreeSet<&Key> = events.keys().collect();
    let missing: Vec<_> = in_table.difference(&at_gateway).collect();
    let extra: Vec<_> = at_gateway.difference(&in_table).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "routes with no HttpApi event: {missing:?}; events with no route: {extra:?}"
    );
    for (key, (function, access)) in &table {
        let (binary, public) = &events[key];
        assert_eq!(binary, function, "{key:?} goes to the wrong function");
        assert_eq!(
            *public,
            *access == Access::Public,
            "{key:?}: gateway authorizer does not match the route's access"
        );
    }
    println!("{} HttpApi events match the route table", events.len());
}

/// The catalogue's parts of the document (a path per step, an application schema per permit, a
/// decision schema per step, the `permit` and `step` enums) are what `perizinan api-doc` writes
/// from `infra/permits/`; a permit changed without regenerating fails here.
#[test]
fn openapi_document_is_in_step_with_the_catalogue() {
    let doc = yaml("infra/openapi.yaml");
    let synced = local::api_doc::sync(&doc, &local::shipped_catalogue());
    assert!(
        synced == doc,
        "infra/openapi.yaml differs from the catalogue: run `cargo run -- api-doc`"
    );
    // The generated parts are there: every permit's application and every step's decision.
    let schemas = doc["components"]["schemas"].as_mapping().unwrap();
    for p in local::shipped_catalogue().iter() {
        let name = local::api_doc::application_schema_name(p.def.code.as_str());
        assert!(schemas.contains_key(name.as_str()), "no schema {name}");
        for st in p.def.steps.iter().filter(|s| s.is_staff()) {
            let path = format!("/cases/{{id}}/steps/{}", st.code);
            assert!(doc["paths"].get(path.as_str()).is_some(), "no path {path}");
        }
    }
}
