//! SOP d–f and the revision loop: create, edit, submit and read applications (the `submit`
//! function), plus the public tracking page.

use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, QueryParams, RequestOrigin};
use super::views::{self, case_view, summary, track_view};
use super::{AppState, commit_and_complete, load_visible, notify_applicant, with_retries};
use crate::domain::actions::{self, Ctx};
use crate::domain::application::ApplicationInput;
use crate::domain::case::{AuditEvent, EventDraft, verify_chain};
use crate::domain::notices::Notice;
use crate::domain::time::wita_date;
use crate::domain::{Caller, Case, CaseStatus, RegistrationNumber, Role, Step};
use crate::ports::store::{Commit, CounterClaim, registration_key};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use chrono::Datelike;
use serde::Deserialize;
use serde_json::{Value, json};

/// POST /cases — SOP e: an applicant starts an application (a draft).
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(input): JsonBody<ApplicationInput>,
) -> ApiResult<impl IntoResponse> {
    if !caller.has(Role::Applicant) {
        return Err(ApiError::Forbidden(Role::Applicant));
    }
    let now = s.clock.now();
    let app = input.parse(wita_date(now)).map_err(ApiError::Validation)?;
    let mut case = Case::new_draft(caller.sub.clone(), app, now);
    let ev = AuditEvent::chain(
        &mut case,
        caller.actor(Role::Applicant),
        EventDraft {
            action: "application.created",
            ..Default::default()
        },
        &origin,
        now,
    );
    s.store
        .commit(Commit {
            case: case.clone(),
            expected_version: None,
            events: vec![ev],
            documents: vec![],
            counters: vec![],
            surveys: vec![],
            unique: vec![],
            step_records: vec![],
            signed_documents: vec![],
        })
        .await?;
    tracing::info!(case_id = %case.id, "application created");
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&format!("/cases/{}", case.id)) {
        headers.insert(header::LOCATION, v);
    }
    let docs = vec![];
    let body = serde_json::to_value(case_view(&case, &caller, Some(&docs), &s))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((StatusCode::CREATED, headers, Json(body)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateInput {
    pub version: Option<u64>,
    pub application: Option<ApplicationInput>,
}

/// PUT /cases/{id} — the applicant changes the form while it is a draft or in revision.
pub async fn update(
    State(s): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(input): JsonBody<UpdateInput>,
) -> ApiResult<Json<Value>> {
    let case = load_visible(&s, &id, &caller).await?;
    if case.owner != caller.sub {
        return Err(ApiError::Forbidden(Role::Applicant));
    }
    let now = s.clock.now();
    let mut errs = vec![];
    if input.version.is_none() {
        errs.push(crate::domain::validation::FieldError::required("version"));
    }
    let app = match input.application {
        None => {
            errs.push(crate::domain::validation::FieldError::required(
                "application",
            ));
            None
        }
        Some(a) => match a.parse(wita_date(now)) {
            Ok(a) => Some(a),
            Err(mut e) => {
                for f in &mut e {
                    f.field = format!("application.{}", f.field);
                }
                errs.extend(e);
                None
            }
        },
    };
    let (Some(version), Some(app), true) = (input.version, app, errs.is_empty()) else {
        return Err(ApiError::Validation(errs));
    };
    let ch = actions::update_application(
        &case,
        &caller,
        app,
        version,
        &Ctx {
            now,
            origin: &origin,
            calendar: &s.calendar,
        },
    )?;
    let case = commit_and_complete(&s, Commit::from_change(ch)).await?;
    full_view(&s, &case, &caller).await
}

async fn full_view(s: &AppState, case: &Case, caller: &Caller) -> ApiResult<Json<Value>> {
    let docs = s.store.documents(case.id).await?;
    serde_json::to_value(case_view(case, caller, Some(&docs), s))
        .map(Json)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// GET /cases/{id}
pub async fn get(
    State(s): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    let case = load_visible(&s, &id, &caller).await?;
    full_view(&s, &case, &caller).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// A step code: only that work queue (staff).
    pub step: Option<String>,
    pub limit: Option<String>,
}

/// GET /cases — an applicant's own cases, or a staff member's work queues (cases waiting on
/// their roles, longest waiting first).
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<Json<Value>> {
    let limit = match q.limit.as_deref().map(str::parse::<usize>) {
        None => 100,
        Some(Ok(n)) => n.clamp(1, 500),
        Some(Err(_)) => {
            return Err(ApiError::Validation(vec![
                crate::domain::validation::FieldError::new(
                    "limit",
                    "invalid_value",
                    "Harus berupa bilangan bulat positif.",
                ),
            ]));
        }
    };
    let cases = if caller.is_staff() {
        let steps: Vec<Step> = match q.step.as_deref() {
            Some(code) => {
                let step: Step = code.parse().map_err(|_| {
                    ApiError::Validation(vec![crate::domain::validation::FieldError::new(
                        "step",
                        "unknown_step",
                        "Tahap tidak dikenal.",
                    )])
                })?;
                if !caller.has(step.role()) {
                    return Err(ApiError::Forbidden(step.role()));
                }
                vec![step]
            }
            None => Step::ALL
                .into_iter()
                .filter(|st| st.is_staff_step() && caller.has(st.role()))
                .collect(),
        };
        let mut all = vec![];
        for st in steps {
            all.extend(s.store.cases_at_step(st, limit).await?);
        }
        all.sort_by_key(|c| (c.step_entered_at, c.id));
        all.truncate(limit);
        all
    } else if caller.has(Role::Applicant) {
        let mut own = s.store.cases_of_owner(&caller.sub).await?;
        own.truncate(limit);
        own
    } else {
        return Err(ApiError::ForbiddenOther(
            "Akun Anda belum memiliki peran di sistem ini.".into(),
        ));
    };
    let items: Vec<_> = cases.iter().map(|c| summary(c, &caller, &s)).collect();
    Ok(Json(json!({ "items": items, "count": items.len() })))
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SubmitInput {
    pub version: Option<u64>,
}

/// POST /cases/{id}/submit — SOP e/f → g: submits the draft (assigning the registration number
/// and starting the workflow), or resubmits a file in revision. Retrying a submit whose
/// workflow did not start starts it (the execution is named after the case).
pub async fn submit(
    State(s): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(input): JsonBody<SubmitInput>,
) -> ApiResult<Json<Value>> {
    let case = load_visible(&s, &id, &caller).await?;
    if case.owner != caller.sub {
        return Err(ApiError::Forbidden(Role::Applicant));
    }
    let version = input.version.ok_or_else(|| {
        ApiError::Validation(vec![crate::domain::validation::FieldError::required(
            "version",
        )])
    })?;
    let case = match (case.status, case.waiting_at()) {
        (CaseStatus::Draft, _) => {
            if version != case.version {
                return Err(ApiError::VersionConflict {
                    given: version,
                    current: case.version,
                });
            }
            let submitted =
                with_retries(|| first_submit(&s, &caller, case.id, version, &origin)).await?;
            start_workflow(&s, &submitted).await?;
            notify_applicant(&s, &submitted, Notice::Submitted, "submitted").await;
            s.store.case(submitted.id).await?.unwrap_or(submitted)
        }
        (CaseStatus::InProcess, Some(Step::ApplicantRevision)) => {
            let docs = s.store.documents(case.id).await?;
            let now = s.clock.now();
            let ch = actions::resubmit(
                &case,
                &caller,
                &docs,
                &s.catalog,
                version,
                &Ctx {
                    now,
                    origin: &origin,
                    calendar: &s.calendar,
                },
            )?;
            commit_and_complete(&s, Commit::from_change(ch)).await?
        }
        (CaseStatus::InProcess, None) if case.decisions.is_empty() => {
            // Submitted, but the workflow never started (the orchestrator was down).
            start_workflow(&s, &case).await?;
            s.store.case(case.id).await?.unwrap_or(case)
        }
        _ => {
            return Err(ApiError::InvalidState(
                "Permohonan ini sudah diajukan dan sedang diproses.".into(),
            ));
        }
    };
    full_view(&s, &case, &caller).await
}

async fn first_submit(
    s: &AppState,
    caller: &Caller,
    id: crate::domain::CaseId,
    version: u64,
    origin: &crate::domain::Origin,
) -> ApiResult<Case> {
    let case = s.store.case(id).await?.ok_or(ApiError::NotFound)?;
    if case.version != version {
        return Err(ApiError::VersionConflict {
            given: version,
            current: case.version,
        });
    }
    let now = s.clock.now();
    let year = wita_date(now).year();
    let counter = format!("registration-{year}");
    let next = s.store.counter(&counter).await? + 1;
    let docs = s.store.documents(id).await?;
    let ch = actions::submit(
        &case,
        caller,
        &docs,
        &s.catalog,
        RegistrationNumber::new(year, next),
        &Ctx {
            now,
            origin,
            calendar: &s.calendar,
        },
    )?;
    let submitted = ch.case.clone();
    let mut commit = Commit::from_change(ch);
    commit.counters.push(CounterClaim {
        name: counter,
        value: next,
    });
    commit
        .unique
        .push(registration_key(&RegistrationNumber::new(year, next)));
    s.store.commit_checked(commit).await?;
    tracing::info!(case_id = %id, "application submitted");
    Ok(submitted)
}

async fn start_workflow(s: &AppState, case: &Case) -> ApiResult<()> {
    s.orchestrator
        .start(&case.id.to_string(), json!({ "case_id": case.id }))
        .await
        .or_else(|e| match e {
            // Started before with this name: the workflow exists, which is what we want.
            crate::ports::OrchestratorError::AlreadyExists(_) => Ok(()),
            other => Err(ApiError::from(other)),
        })
}

/// GET /cases/{id}/events — the audit trail, with its hash chain checked.
pub async fn events(
    State(s): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    let case = load_visible(&s, &id, &caller).await?;
    let events = s.store.audit_trail(case.id).await?;
    let chain = verify_chain(&events);
    let items: Vec<Value> = events
        .iter()
        .map(|e| {
            let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
            if let Some(step) = e.step {
                v["step_title"] = json!(step.title());
                v["sop"] = json!(step.sop());
            }
            if !caller.is_staff() {
                // Applicants see what happened and why, not staff ids or addresses.
                if let Some(o) = v.as_object_mut() {
                    o.remove("source_ip");
                    o.remove("request_id");
                    if let Some(a) = o.get_mut("actor").and_then(Value::as_object_mut) {
                        a.remove("sub");
                    }
                }
            }
            v
        })
        .collect();
    Ok(Json(json!({
        "items": items,
        "count": items.len(),
        "chain_valid": chain.is_ok(),
    })))
}

/// GET /track/{registration_number} — public: where a registration number stands.
pub async fn track(
    State(s): State<AppState>,
    Path(number): Path<String>,
) -> ApiResult<Json<Value>> {
    let n = RegistrationNumber::parse(number.trim()).ok_or(ApiError::NotFound)?;
    let case = s
        .store
        .case_by_registration(&n)
        .await?
        .ok_or(ApiError::NotFound)?;
    let v = track_view(&case).ok_or(ApiError::NotFound)?;
    serde_json::to_value(v)
        .map(Json)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// GET /me — who the caller is and which roles they hold.
pub async fn me(caller: Caller) -> Json<Value> {
    Json(json!({
        "sub": caller.sub,
        "name": caller.name,
        "email": caller.email,
        "roles": views::role_views(&caller.roles),
    }))
}
