//! The offices a deployment serves, as the portal shows them (the `submit` function, public):
//! who each is, where, how to reach it, the permits it offers, its own days off and where else
//! complaints go. Public facts only: no staff, no signer's NIP.

use super::AppState;
use crate::domain::office::Office;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

fn view(s: &AppState, o: &Office) -> Value {
    let a = o.agency();
    let permits: Vec<Value> = o
        .def
        .permits
        .iter()
        .filter_map(|code| s.catalogue.def(code))
        .map(|d| json!({"code": d.code, "name": d.name, "short_name": d.short_name}))
        .collect();
    json!({
        "code": o.code(),
        "name": o.def.name,
        "region": o.def.region,
        "agency": {
            "name": a.name,
            "government": a.government,
            "address": a.address,
            "phone": a.phone,
            "fax": a.fax,
            "website": a.website,
            "email": a.email,
            "city": a.city,
            "head_position": a.head_position,
        },
        "permits": permits,
        "days_off": o.def.days_off.iter().map(|d| json!({
            "date": d.date,
            "name": d.name,
            "source": o.def.sources.get(&d.source),
        })).collect::<Vec<_>>(),
        "complaint_channels": o.def.complaint_channels,
    })
}

/// GET /offices — public: every office of the deployment, in code order.
pub async fn list(State(s): State<AppState>) -> Json<Value> {
    let items: Vec<Value> = s.offices.iter().map(|o| view(&s, o)).collect();
    Json(json!({ "items": items, "count": items.len() }))
}
