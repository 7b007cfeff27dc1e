//! Complaints, suggestions and input (the `complaint` function): filed by anyone through the
//! portal, or recorded by the complaints officer from another channel; handled b–e by the
//! officer; tracked by code without sign-in. The complainant's identity is shown to complaints
//! officers only (Perpres 76/2013).

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, RequestOrigin};
use crate::domain::complaints::{
    self, ClosedAs, Complaint, ComplaintDecisionInput, ComplaintInput, ComplaintNotice,
    ComplaintStatus, ComplaintStep, CompletionInput,
};
use crate::domain::time::format_date_id;
use crate::domain::{Actor, Caller, CaseId, Role};
use crate::ports::store::{ComplaintCommit, StoreError};
use crate::services::ComplaintRecipient;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{MethodRouter, post};
use serde_json::{Value, json};

/// The caller's complaints-officer role (capability `complaints`), or 403.
fn officer(caller: &Caller) -> ApiResult<Role> {
    caller
        .role_with(crate::domain::roles::Capability::Complaints)
        .ok_or_else(|| {
            ApiError::Forbidden(
                crate::domain::complaints::officer_roles()
                    .into_iter()
                    .next()
                    .unwrap_or_else(Role::applicant),
            )
        })
}

/// Everything, identity included: for complaints officers.
fn full_view(c: &Complaint) -> Value {
    let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.remove("task_token");
        o.remove("pending_completion");
    }
    v["channel_label"] = json!(c.channel.label());
    v["kind_label"] = json!(c.kind.label());
    if let Some(step) = c.step {
        v["step_title"] = json!(step.title());
        v["sop"] = json!(step.sop());
        v["awaiting_decision"] = json!(step.is_officer_step() && c.waiting_at() == Some(step));
        v["outcomes"] = json!(if step.is_officer_step() {
            step.outcomes()
        } else {
            &[]
        });
    }
    if let Some(r) = c.open_completion() {
        v["completion_due_on"] = json!(r.due_on);
    }
    if let Some(how) = c.closure() {
        v["closed_as"] = json!(how.code());
        v["closed_as_label"] = json!(how.label());
    }
    v
}

/// The public tracking page's line for a complaint waiting to be completed.
fn incomplete_message(due: chrono::NaiveDate) -> String {
    format!(
        "Pengaduan belum lengkap — mohon lengkapi sebelum {} pukul 24.00 WITA.",
        format_date_id(due)
    )
}

/// What the public tracking page shows: progress, no identity, no text.
/// The officer's statement of what is missing is shown while the complaint waits for it (it is
/// addressed to the complainant); the forwarded institution once closed as outside authority.
fn track_view(c: &Complaint) -> Value {
    let status = match (c.status, c.closure()) {
        (ComplaintStatus::Open, _) if c.open_completion().is_some() => "Belum lengkap",
        (ComplaintStatus::Open, _) => "Dalam penanganan",
        (_, Some(ClosedAs::Incomplete)) => "Ditutup: tidak dilengkapi",
        (_, Some(ClosedAs::OutsideAuthority)) => {
            "Ditutup: diteruskan kepada instansi yang berwenang"
        }
        _ => "Selesai",
    };
    json!({
        "tracking_code": c.tracking_code,
        "kind": c.kind.label(),
        "channel": c.channel.label(),
        "status": status,
        "step": c.step.map(|s| json!({"sop": s.sop(), "title": s.title()})),
        "filed_on": format_date_id(crate::domain::time::wita_date(c.filed_at)),
        "due_on": c.due_on,
        "follow_up": c.follow_ups.last().map(|f| f.types.iter().map(|t| t.label()).collect::<Vec<_>>()),
        "incomplete": c.open_completion().map(|r| json!({
            "missing": r.missing,
            "due_on": r.due_on,
            "message": incomplete_message(r.due_on),
        })),
        "closed_as": c.closure().map(|h| h.code()),
        "forwarded_to": (c.closure() == Some(ClosedAs::OutsideAuthority)).then_some(c.forwarded_to.as_deref()).flatten(),
        "closed_at": c.closed_at,
    })
}

async fn file(
    s: &AppState,
    c: Complaint,
    actor: Actor,
    origin: &crate::domain::Origin,
) -> ApiResult<Complaint> {
    let now = s.clock.now();
    let (c, ev) = complaints::filed(c, actor, origin, now);
    s.store
        .commit_complaint_checked(ComplaintCommit {
            complaint: c.clone(),
            expected_version: None,
            events: vec![ev],
        })
        .await?;
    s.complaint_orchestrator
        .start(
            crate::flows::complaint::COMPLAINT_MACHINE,
            &c.id.to_string(),
            json!({ "complaint_id": c.id }),
        )
        .await?;
    if let Err(e) = s
        .notify_complaint(
            &ComplaintNotice::Received,
            &c,
            ComplaintRecipient::Complainant,
            "received",
        )
        .await
    {
        tracing::warn!(complaint_id = %c.id, error = %e, "receipt not sent");
    }
    tracing::info!(complaint_id = %c.id, channel = c.channel.code(), "complaint filed");
    Ok(s.store.complaint(c.id).await?.unwrap_or(c))
}

/// POST /complaints — anyone, through the portal (signed in or not; anonymous allowed).
pub async fn file_public(
    State(s): State<AppState>,
    caller: Option<Caller>,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(input): JsonBody<ComplaintInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let mut c = input
        .parse(None, s.clock.now())
        .map_err(ApiError::Validation)?;
    c.filed_by = caller.as_ref().map(|x| x.sub.clone());
    let actor = match (&caller, &c.complainant) {
        (Some(x), _) if c.complainant.is_some() => x.actor(Role::applicant()),
        _ => Actor {
            sub: "public".into(),
            name: "Pengadu".into(),
            role: None,
        },
    };
    let c = file(&s, c, actor, &origin).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": c.id,
            "tracking_code": c.tracking_code,
            "tracking": track_view(&c),
        })),
    ))
}

/// POST /complaints/recorded — the complaints officer records one from another channel.
pub async fn file_recorded(
    State(s): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(input): JsonBody<ComplaintInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let role = officer(&caller)?;
    let c = input
        .parse(Some(&caller), s.clock.now())
        .map_err(ApiError::Validation)?;
    let c = file(&s, c, caller.actor(role), &origin).await?;
    Ok((StatusCode::CREATED, Json(full_view(&c))))
}

/// GET /complaints/track/{code} — public.
pub async fn track(State(s): State<AppState>, Path(code): Path<String>) -> ApiResult<Json<Value>> {
    let code = code.trim().to_ascii_uppercase();
    if code.len() > 32 {
        return Err(ApiError::NotFound);
    }
    let c = s
        .store
        .complaint_by_tracking(&code)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(track_view(&c)))
}

/// POST /complaints/track/{code}/completion — public: the complainant completes an incomplete
/// complaint (what the officer asked for) on or before its last day; registration resumes.
pub async fn complete(
    State(s): State<AppState>,
    Path(code): Path<String>,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(input): JsonBody<CompletionInput>,
) -> ApiResult<Json<Value>> {
    let code = code.trim().to_ascii_uppercase();
    if code.len() > 32 {
        return Err(ApiError::NotFound);
    }
    let c = s
        .store
        .complaint_by_tracking(&code)
        .await?
        .ok_or(ApiError::NotFound)?;
    let change = complaints::complete(&c, input, s.clock.now(), &origin)?;
    let now = commit_and_deliver(&s, change).await?;
    tracing::info!(complaint_id = %c.id, "complaint completed by the complainant");
    Ok(Json(track_view(&now)))
}

/// Stores a complaint's change; if it carries the answer of a waiting step, hands it to the
/// orchestrator (a lost delivery is re-sent by recovery). Returns the complaint as it is after
/// the workflow moved on (the embedded executor) or as stored (Step Functions).
async fn commit_and_deliver(
    s: &AppState,
    change: complaints::ComplaintChange,
) -> ApiResult<crate::domain::complaints::Complaint> {
    let pending = change.complaint.pending_completion.clone();
    let stored = change.complaint.clone();
    match s
        .store
        .commit_complaint_checked(ComplaintCommit::from_change(change))
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => return Err(ApiError::ConcurrentUpdate),
        Err(e) => return Err(e.into()),
    }
    if let Some(p) = pending
        && let Err(e) = s.complaint_orchestrator.complete(&p.token, p.output).await
    {
        tracing::warn!(complaint_id = %stored.id, error = %e, "complaint change stored; delivery deferred to recovery");
    }
    if s.complaint_orchestrator.completes_synchronously() {
        Ok(s.store.complaint(stored.id).await?.unwrap_or(stored))
    } else {
        Ok(stored)
    }
}

/// GET /complaints — the register of open complaints (complaints officer).
pub async fn register(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    officer(&caller)?;
    let open = s.store.open_complaints(500).await?;
    let items: Vec<Value> = open.iter().map(full_view).collect();
    Ok(Json(json!({ "items": items, "count": items.len() })))
}

async fn load(s: &AppState, id: &str) -> ApiResult<Complaint> {
    let id = CaseId::parse(id).ok_or(ApiError::NotFound)?;
    s.store.complaint(id).await?.ok_or(ApiError::NotFound)
}

/// GET /complaints/{id} — complaints officer.
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    officer(&caller)?;
    Ok(Json(full_view(&load(&s, &id).await?)))
}

/// GET /complaints/{id}/events — complaints officer.
pub async fn events(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    officer(&caller)?;
    let c = load(&s, &id).await?;
    let events = s.store.audit_trail(c.id).await?;
    let valid = crate::domain::case::verify_chain(&events).is_ok();
    let items: Vec<Value> = events.iter().map(super::views::event_json).collect();
    Ok(Json(
        json!({ "items": items, "count": items.len(), "chain_valid": valid }),
    ))
}

/// The route of one complaint step: `POST /complaints/{id}/steps/<step>`.
pub fn route(step: ComplaintStep) -> MethodRouter<AppState> {
    post(
        move |state: State<AppState>,
              caller: Caller,
              path: Path<String>,
              origin: RequestOrigin,
              body: JsonBody<ComplaintDecisionInput>| {
            decide(step, state, caller, path, origin, body)
        },
    )
}

pub fn path(step: ComplaintStep) -> String {
    format!("/complaints/{{id}}/steps/{}", step.code())
}

async fn decide(
    step: ComplaintStep,
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(input): JsonBody<ComplaintDecisionInput>,
) -> ApiResult<Json<Value>> {
    officer(&caller)?;
    let c = load(&s, &id).await?;
    let change = complaints::decide(
        &c,
        &caller,
        step,
        input,
        &s.calendar,
        s.clock.now(),
        &origin,
    )?;
    let now = commit_and_deliver(&s, change).await?;
    tracing::info!(complaint_id = %c.id, step = step.code(), "complaint decision");
    Ok(Json(full_view(&now)))
}
