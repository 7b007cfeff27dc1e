//! The permit catalogue as the portal and the console read it (the `submit` function, public):
//! what each permit asks for, how long it takes, what it costs, and the definitions the forms
//! are rendered from.

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::catalogue::resolve_example;
use crate::domain::permit::{FieldDef, FieldType, PermitDef, Required};
use crate::domain::roles::Roles;
use crate::domain::time::wita_date;
use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

fn agency(code: &Option<String>) -> Value {
    match code.as_deref().and_then(|c| Roles::current().agency(c)) {
        Some(a) => json!({"code": a.code, "name": a.name}),
        None => Value::Null,
    }
}

fn requirements(def: &PermitDef) -> Vec<Value> {
    def.requirements
        .iter()
        .map(|r| {
            let (required, condition) = match &r.required {
                Required::Always(b) => (json!(b), Value::Null),
                Required::When { when } => (
                    json!("conditional"),
                    json!({
                        "field": when.field,
                        "equals": when.equals,
                        "label": def.field(&when.field).map(|f| f.label.clone()),
                    }),
                ),
            };
            json!({
                "code": r.code,
                "name": r.name,
                "description": r.description,
                "source": r.source,
                "required": required,
                "condition": condition,
                "kinds": r.kinds.iter().map(|k| k.extension()).collect::<Vec<_>>(),
                "media_types": r.kinds.iter().map(|k| k.media_type()).collect::<Vec<_>>(),
                "max_bytes": r.max_bytes,
                "step": r.step,
            })
        })
        .collect()
}

fn summary(def: &PermitDef) -> Value {
    json!({
        "code": def.code,
        "name": def.name,
        "short_name": def.short_name,
        "description": def.description,
        "product": def.product,
        "fee": def.fee,
        "processing_time": def.processing_time,
        "legal_basis": def.legal_basis,
        "technical_agency": agency(&def.technical_agency),
        "national_system": def.national_system,
        "requirements": requirements(def),
        "steps": def.steps.len(),
        "assumptions": def.assumptions,
    })
}

/// GET /permits — every permit the office serves.
pub async fn list(State(s): State<AppState>) -> Json<Value> {
    let items: Vec<Value> = s.catalogue.iter().map(|p| summary(&p.def)).collect();
    Json(json!({ "items": items, "count": items.len() }))
}

fn find<'a>(s: &'a AppState, code: &str) -> ApiResult<&'a crate::catalogue::Permit> {
    s.catalogue
        .get(code)
        .map(|p| p.as_ref())
        .ok_or(ApiError::NotFound)
}

/// A field as the forms need it: its length limits resolved (the type's defaults included), so
/// that a form can show them before the API checks them.
fn field_view(f: &FieldDef) -> Value {
    let mut v = serde_json::to_value(f).unwrap_or(Value::Null);
    if matches!(
        f.kind,
        FieldType::Text | FieldType::Reference | FieldType::Name | FieldType::Address
    ) {
        v["min_length"] = json!(f.min_len());
        v["max_length"] = json!(f.max_len());
    }
    v
}

/// GET /permits/{code} — the definition as the portal and console need it: the form, the
/// rules, the requirements, the steps with their roles, outcomes and decision fields, the
/// clocks, and the titles of the notices it sends.
pub async fn get(State(s): State<AppState>, Path(code): Path<String>) -> ApiResult<Json<Value>> {
    let def = &find(&s, &code)?.def;
    let steps: Vec<Value> = def
        .steps
        .iter()
        .map(|st| {
            let mut v = serde_json::to_value(st).unwrap_or(Value::Null);
            v["role_label"] = json!(st.role.label());
            v["fields"] = json!(st.fields.iter().map(field_view).collect::<Vec<_>>());
            v
        })
        .collect();
    let mut v = summary(def);
    v["form"] = json!({
        "sections": def.form.sections.iter().map(|sec| {
            let mut s = json!({"title": sec.title, "fields": sec.fields.iter().map(field_view).collect::<Vec<_>>()});
            if let Some(h) = &sec.help {
                s["help"] = json!(h);
            }
            s
        }).collect::<Vec<_>>()
    });
    v["notices"] = json!(
        def.notices
            .iter()
            .map(|(code, n)| (code.clone(), json!(n.title())))
            .collect::<serde_json::Map<_, _>>()
    );
    v["rules"] = json!(
        def.rules
            .iter()
            .map(|r| json!({"code": r.code, "field": r.error_field(), "source": r.source, "message": r.message}))
            .collect::<Vec<_>>()
    );
    v["requirements"] = json!(requirements(def));
    v["steps"] = json!(steps);
    v["clocks"] = serde_json::to_value(&def.clocks).unwrap_or(Value::Null);
    v["holder"] = json!(def.holder);
    v["contact"] = serde_json::to_value(&def.contact).unwrap_or(Value::Null);
    v["letters"] = json!({
        "grant": def.letters.grant.title,
        "refusal": def.letters.refusal.as_ref().map(|t| t.title.clone()),
    });
    v["bill"] = def.bill.as_ref().map_or(
        Value::Null,
        |b| json!({"title": b.title, "object": b.object}),
    );
    v["sources"] = serde_json::to_value(&def.sources).unwrap_or(Value::Null);
    Ok(Json(v))
}

/// GET /permits/{code}/example — a valid application for the permit, its dates resolved for
/// today (WITA): the body of `POST /cases`, ready to post.
pub async fn example(
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<Value>> {
    let p = find(&s, &code)?;
    Ok(Json(resolve_example(&p.example, wita_date(s.clock.now()))))
}
