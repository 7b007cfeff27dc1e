//! The parts of the OpenAPI document (`infra/openapi.yaml`) that the permit catalogue decides:
//! one path per step route (`/cases/{id}/steps/<step>`) with its decision's body, and the
//! application bodies of every permit (`Application_<code>`, `ApplicationInput`, `NewCase`).
//! `perizinan api-doc` rewrites them from the catalogue; `tests/openapi.rs` fails when the
//! document has drifted from it. Everything else in the document is written by hand.

use perizinan::catalogue::Catalogue;
use perizinan::domain::permit::{FieldDef, FieldType, PermitDef, RuleCheck, StepDef, StepKind};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Paths the catalogue generates.
pub const STEP_PATH_PREFIX: &str = "/cases/{id}/steps/";

/// Schema names the catalogue generates.
pub fn generated_schema(name: &str) -> bool {
    name.starts_with("Decision_")
        || name.starts_with("Application_")
        || name == "ApplicationInput"
        || name == "NewCase"
}

fn field_schema(f: &FieldDef, def: Option<&PermitDef>) -> Value {
    let mut s = Map::new();
    let text = |s: &mut Map<String, Value>| {
        s.insert("type".into(), json!("string"));
        s.insert("minLength".into(), json!(f.min_len()));
        s.insert("maxLength".into(), json!(f.max_len()));
    };
    match f.kind {
        FieldType::Text | FieldType::Name | FieldType::Address | FieldType::Reference => {
            text(&mut s)
        }
        FieldType::Integer | FieldType::Money => {
            s.insert("type".into(), json!("integer"));
            let min = match f.kind {
                FieldType::Money => Some(f.min.unwrap_or(0.0)),
                _ => f.min,
            };
            if let Some(m) = min {
                s.insert("minimum".into(), json!(m as i64));
            }
            if let Some(m) = f.max {
                s.insert("maximum".into(), json!(m as i64));
            }
        }
        FieldType::Decimal => {
            s.insert("type".into(), json!("number"));
            if let Some(m) = f.min {
                s.insert("minimum".into(), json!(m));
            }
            if let Some(m) = f.max {
                s.insert("maximum".into(), json!(m));
            }
        }
        FieldType::Date => {
            s.insert("type".into(), json!("string"));
            s.insert("format".into(), json!("date"));
        }
        FieldType::Email | FieldType::Phone | FieldType::Mobile => {
            s.insert("type".into(), json!("string"));
        }
        FieldType::Nib => {
            s.insert("type".into(), json!("string"));
            s.insert("pattern".into(), json!("^[0-9]{13}$"));
        }
        FieldType::Nik => {
            s.insert("type".into(), json!("string"));
            s.insert("pattern".into(), json!("^[0-9]{16}$"));
        }
        FieldType::Choice => {
            s.insert("type".into(), json!("string"));
            s.insert(
                "enum".into(),
                json!(f.options.iter().map(|o| o.code.clone()).collect::<Vec<_>>()),
            );
        }
        FieldType::Boolean => {
            s.insert("type".into(), json!("boolean"));
        }
        FieldType::RequirementList => {
            s.insert("type".into(), json!("array"));
            let mut items = json!({"type": "string"});
            if let Some(d) = def {
                items["enum"] = json!(
                    d.requirements
                        .iter()
                        .map(|r| r.code.clone())
                        .collect::<Vec<_>>()
                );
            }
            s.insert("items".into(), items);
        }
    }
    // A rule `at_least` on a number is its minimum.
    if let Some(d) = def {
        for r in &d.rules {
            if r.check == RuleCheck::AtLeast
                && r.field.as_deref() == Some(f.path.as_str())
                && let Some(v) = r.value
            {
                s.insert("minimum".into(), json!(v as i64));
            }
        }
    }
    let mut desc = f.label.clone();
    if let Some(u) = &f.unit {
        desc.push_str(&format!(" ({u})"));
    }
    s.insert("description".into(), json!(desc));
    Value::Object(s)
}

/// An object schema of fields nested by their dotted paths.
fn object(fields: &[&FieldDef], def: Option<&PermitDef>, prefix: &str) -> Value {
    let mut props = Map::new();
    let mut required = vec![];
    let mut groups: BTreeMap<String, Vec<&FieldDef>> = BTreeMap::new();
    let mut order = vec![];
    for f in fields {
        let rest = &f.path[prefix.len()..];
        match rest.split_once('.') {
            None => {
                props.insert(rest.to_string(), field_schema(f, def));
                if f.required {
                    required.push(rest.to_string());
                }
                order.push(rest.to_string());
            }
            Some((group, _)) => {
                if !groups.contains_key(group) {
                    order.push(group.to_string());
                }
                groups.entry(group.to_string()).or_default().push(f);
            }
        }
    }
    for (g, fs) in &groups {
        let sub = object(fs, def, &format!("{prefix}{g}."));
        if fs.iter().any(|f| f.required) {
            required.push(g.clone());
        }
        props.insert(g.clone(), sub);
    }
    let mut ordered = Map::new();
    for k in order {
        if let Some(v) = props.remove(&k) {
            ordered.insert(k, v);
        }
    }
    let mut o = json!({"type": "object", "additionalProperties": false});
    if !required.is_empty() {
        o["required"] = json!(required);
    }
    o["properties"] = Value::Object(ordered);
    o
}

fn application(def: &PermitDef) -> Value {
    let fields: Vec<&FieldDef> = def.fields().collect();
    let mut o = object(&fields, Some(def), "");
    let mut props = Map::new();
    props.insert(
        "permit".into(),
        json!({"type": "string", "const": def.code.as_str(), "description": "The permit applied for (GET /permits)."}),
    );
    props.insert(
        "office".into(),
        json!({"type": "string", "description": "The office applied to (GET /offices), which must offer the permit; absent: the founding office."}),
    );
    if let Some(p) = o["properties"].as_object() {
        props.extend(p.clone());
    }
    o["properties"] = Value::Object(props);
    o["description"] = json!(format!(
        "The application of {} ({}): infra/permits/{}/permit.json, form.",
        def.name, def.code, def.code
    ));
    o
}

/// The decision body of a step code, from every permit that has it.
fn decision(code: &str, steps: &[(&PermitDef, &StepDef)]) -> Value {
    let mut outcomes: Vec<String> = vec![];
    let mut props = Map::new();
    props.insert(
        "version".into(),
        json!({"type": "integer", "minimum": 0, "description": "The current version (409 when stale)."}),
    );
    for (_, st) in steps {
        for o in &st.outcomes {
            if !outcomes.contains(&o.code) {
                outcomes.push(o.code.clone());
            }
        }
    }
    props.insert(
        "outcome".into(),
        json!({"type": "string", "enum": outcomes}),
    );
    let kind = steps.first().map_or(StepKind::Decision, |(_, s)| s.kind);
    let mut required = vec!["version"];
    if kind == StepKind::Decision {
        required.push("outcome");
        props.insert(
            "reason".into(),
            json!({"type": "string", "description": "Required for a negative outcome (3–2000 characters)."}),
        );
        for (def, st) in steps {
            for f in &st.fields {
                let mut fs = field_schema(f, Some(def));
                if !f.outcomes.is_empty() {
                    let d = fs["description"].as_str().unwrap_or_default().to_string();
                    fs["description"] = json!(format!("{d}; only with {}", f.outcomes.join(", ")));
                }
                props.entry(f.path.clone()).or_insert(fs);
            }
        }
    }
    let permits: Vec<String> = steps.iter().map(|(d, _)| d.code.to_string()).collect();
    let (def, st) = steps[0];
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": required,
        "description": format!("SOP {}: {} ({}). Permits: {}.", st.sop, st.title, def.short_name, permits.join(", ")),
        "properties": props,
        "x-step": code,
    })
}

fn step_path(code: &str, steps: &[(&PermitDef, &StepDef)]) -> Value {
    let (def, st) = steps[0];
    let r = |name: &str| json!({"$ref": format!("#/components/responses/{name}")});
    json!({
        "post": {
            "operationId": format!("step_{code}"),
            "summary": format!("SOP {}: decide {code} ({})", st.sop, def.short_name),
            "x-function": st.function.name(),
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Case"}}}},
                "400": r("BadRequest"),
                "401": r("Unauthenticated"),
                "403": r("Forbidden"),
                "404": r("NotFound"),
                "409": r("Conflict"),
                "413": r("TooLarge"),
                "415": r("UnsupportedMediaType"),
                "422": r("Unprocessable"),
                "503": r("Unavailable"),
            },
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/Decision_{code}")}}}},
            "parameters": [
                {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                {"$ref": "#/components/parameters/IdempotencyKey"},
            ],
        }
    })
}

/// Named OpenAPI entries (a path or a schema) in a stable order.
pub type Entries = Vec<(String, Value)>;

/// What the catalogue generates: step paths, and schemas, in a stable order.
pub fn generate(catalogue: &Catalogue) -> (Entries, Entries) {
    let mut by_code: BTreeMap<String, Vec<(&PermitDef, &StepDef)>> = BTreeMap::new();
    for p in catalogue.iter() {
        for st in &p.def.steps {
            if matches!(st.kind, StepKind::Decision | StepKind::ApplicantUpload) {
                by_code
                    .entry(st.code.to_string())
                    .or_default()
                    .push((&p.def, st));
            }
        }
    }
    let paths = by_code
        .iter()
        .map(|(code, steps)| (format!("{STEP_PATH_PREFIX}{code}"), step_path(code, steps)))
        .collect();
    let mut schemas: Vec<(String, Value)> = by_code
        .iter()
        .map(|(code, steps)| (format!("Decision_{code}"), decision(code, steps)))
        .collect();
    let mut branches = vec![];
    for p in catalogue.iter() {
        let name = application_schema_name(p.def.code.as_str());
        branches.push(json!({"$ref": format!("#/components/schemas/{name}")}));
        schemas.push((name, application(&p.def)));
    }
    schemas.push((
        "ApplicationInput".into(),
        json!({"description": "The application of one permit of the catalogue (GET /permits/{code}: form).", "oneOf": branches}),
    ));
    schemas.push((
        "NewCase".into(),
        json!({"description": "POST /cases: an application naming its permit.", "allOf": [{"$ref": "#/components/schemas/ApplicationInput"}, {"type": "object", "required": ["permit"]}]}),
    ));
    (paths, schemas)
}

fn to_yaml(v: &Value) -> serde_norway::Value {
    serde_norway::to_value(v).expect("JSON is YAML")
}

/// `doc` with its generated parts replaced by `catalogue`'s: every step path and generated
/// schema removed, then the catalogue's inserted (step paths before `/cases/{id}/letter/…`,
/// generated schemas where `ApplicationInput` was).
pub fn sync(doc: &serde_norway::Value, catalogue: &Catalogue) -> serde_norway::Value {
    use serde_norway::{Mapping, Value as Y};
    let (paths, schemas) = generate(catalogue);
    let mut out = doc.clone();
    if let Some(p) = out.get_mut("paths").and_then(Y::as_mapping_mut) {
        let mut next = Mapping::new();
        let mut inserted = false;
        for (k, v) in p.iter() {
            let key = k.as_str().unwrap_or_default();
            if key.starts_with(STEP_PATH_PREFIX) {
                continue;
            }
            if !inserted && key.starts_with("/cases/{id}/letter/") {
                for (path, item) in &paths {
                    next.insert(Y::String(path.clone()), to_yaml(item));
                }
                inserted = true;
            }
            next.insert(k.clone(), v.clone());
        }
        if !inserted {
            for (path, item) in &paths {
                next.insert(Y::String(path.clone()), to_yaml(item));
            }
        }
        *p = next;
    }
    if let Some(s) = out
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
        .and_then(Y::as_mapping_mut)
    {
        let mut next = Mapping::new();
        let mut inserted = false;
        for (k, v) in s.iter() {
            let key = k.as_str().unwrap_or_default();
            if generated_schema(key) {
                if !inserted {
                    for (name, schema) in &schemas {
                        next.insert(Y::String(name.clone()), to_yaml(schema));
                    }
                    inserted = true;
                }
                continue;
            }
            next.insert(k.clone(), v.clone());
        }
        if !inserted {
            for (name, schema) in &schemas {
                next.insert(Y::String(name.clone()), to_yaml(schema));
            }
        }
        *s = next;
    }
    sync_parameters(&mut out, catalogue);
    out
}

/// The query parameters whose values are the catalogue's: `step` of `GET /cases` (every step
/// code) and `permit` of the lists and reports (every permit code).
fn sync_parameters(doc: &mut serde_norway::Value, catalogue: &Catalogue) {
    use serde_norway::Value as Y;
    let mut steps: Vec<String> = vec![];
    for p in catalogue.iter() {
        for st in &p.def.steps {
            if !steps.contains(&st.code.to_string()) {
                steps.push(st.code.to_string());
            }
        }
    }
    let permits: Vec<String> = catalogue.codes().map(str::to_string).collect();
    let Some(paths) = doc.get_mut("paths").and_then(Y::as_mapping_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(get) = item.get_mut("get") else {
            continue;
        };
        let Some(params) = get.get_mut("parameters").and_then(Y::as_sequence_mut) else {
            continue;
        };
        for param in params.iter_mut() {
            let name = param.get("name").and_then(Y::as_str).map(str::to_string);
            let values = match (path.as_str(), name.as_deref()) {
                (Some("/cases"), Some("step")) => &steps,
                (Some(_), Some("permit")) => &permits,
                _ => continue,
            };
            if let Some(schema) = param.get_mut("schema").and_then(Y::as_mapping_mut) {
                schema.insert(
                    Y::String("enum".into()),
                    Y::Sequence(values.iter().map(|v| Y::String(v.clone())).collect()),
                );
            }
        }
    }
}

/// The schema of one permit's application: `Application_<code>`, dashes as underscores.
pub fn application_schema_name(code: &str) -> String {
    format!("Application_{}", code.replace('-', "_"))
}

/// Where the document lives.
pub fn document_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("infra/openapi.yaml")
}
