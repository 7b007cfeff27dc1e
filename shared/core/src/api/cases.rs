//! SOP d–f and the revision loop: create, edit, submit and read applications for any permit of
//! the catalogue (the `submit` function), plus the public tracking page.

use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, QueryParams, RequestOrigin};
use super::views::{self, case_view, summary, track_view};
use super::{
    AppState, commit_and_complete, load_visible, notify_applicant, permit_of, with_retries,
};
use crate::domain::actions::{self, Ctx};
use crate::domain::case::{AuditEvent, EventDraft};
use crate::domain::notices::Notice;
use crate::domain::permit::form::parse_application;
use crate::domain::permit::{PermitDef, StepKind};
use crate::domain::time::wita_date;
use crate::domain::validation::FieldError;
use crate::domain::{Caller, Case, CaseStatus, RegistrationNumber, Role};
use crate::ports::store::{Commit, CounterClaim, registration_key};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use chrono::Datelike;
use serde::Deserialize;
use serde_json::{Value, json};

/// The permit a request body names (`"permit": "<code>"`).
fn permit_in<'a>(s: &'a AppState, body: &Value) -> ApiResult<&'a PermitDef> {
    let code = match body.get("permit") {
        None | Some(Value::Null) => {
            return Err(ApiError::Validation(vec![FieldError::required("permit")]));
        }
        Some(Value::String(c)) => c,
        Some(_) => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "permit",
                "invalid_type",
                "Tipe data tidak sesuai.",
            )]));
        }
    };
    s.catalogue.def(code).ok_or_else(|| {
        let known: Vec<&str> = s.catalogue.codes().collect();
        ApiError::Validation(vec![FieldError::new(
            "permit",
            "unknown_permit",
            format!(
                "Jenis izin tidak dikenal; gunakan salah satu: {}.",
                known.join(", ")
            ),
        )])
    })
}

/// The office a request body names (`"office": "<code>"`; absent: the founding office, as
/// every application was before offices), which must offer `def`.
fn office_in<'a>(
    s: &'a AppState,
    body: &Value,
    def: &PermitDef,
) -> ApiResult<&'a crate::domain::office::Office> {
    let office = match body.get("office") {
        None | Some(Value::Null) => s.offices.founding(),
        Some(Value::String(c)) => crate::domain::office::OfficeCode::parse(c)
            .and_then(|c| s.offices.get(&c))
            .ok_or_else(|| {
                let known: Vec<&str> = s.offices.iter().map(|o| o.code().as_str()).collect();
                ApiError::Validation(vec![FieldError::new(
                    "office",
                    "unknown_office",
                    format!(
                        "Kantor tidak dikenal; gunakan salah satu: {}.",
                        known.join(", ")
                    ),
                )])
            })?,
        Some(_) => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "office",
                "invalid_type",
                "Tipe data tidak sesuai.",
            )]));
        }
    };
    if !office.offers(def.code.as_str()) {
        let at: Vec<&str> = s
            .offices
            .iter()
            .filter(|o| o.offers(def.code.as_str()))
            .map(|o| o.def.name.as_str())
            .collect();
        return Err(ApiError::Validation(vec![FieldError::new(
            "permit",
            "permit_not_offered",
            format!(
                "{} tidak melayani {}{}.",
                office.def.name,
                def.name,
                if at.is_empty() {
                    String::new()
                } else {
                    format!("; izin ini dilayani oleh {}", at.join(", "))
                }
            ),
        )]));
    }
    Ok(office)
}

/// POST /cases — SOP e: an applicant starts an application (a draft) for a permit of the
/// catalogue at an office: `{"permit": "<code>", "office": "<code>", …the permit's form
/// fields}`.
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(input): JsonBody<Value>,
) -> ApiResult<impl IntoResponse> {
    if !caller.is_applicant() {
        return Err(ApiError::Forbidden(Role::applicant()));
    }
    if !input.is_object() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "",
            "invalid_type",
            "Isi permohonan harus berupa objek JSON.",
        )]));
    }
    let def = permit_in(&s, &input)?;
    let office = office_in(&s, &input, def)?;
    let now = s.clock.now();
    let app = parse_application(def, &input, wita_date(now)).map_err(ApiError::Validation)?;
    let mut case = Case::new_draft(def.code.clone(), caller.sub.clone(), app, now);
    case.office = office.code().clone();
    let ev = AuditEvent::chain(
        &mut case,
        caller.actor(Role::applicant()),
        EventDraft {
            action: "application.created",
            ..Default::default()
        },
        &origin,
        now,
    );
    s.store
        .commit(Commit::insert(case.clone(), vec![ev]))
        .await?;
    tracing::info!(case_id = %case.id, permit = %def.code, office = %case.office, "application created");
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&format!("/cases/{}", case.id)) {
        headers.insert(header::LOCATION, v);
    }
    let docs = vec![];
    let body = serde_json::to_value(case_view(&case, def, &caller, Some(&docs), &s))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((StatusCode::CREATED, headers, Json(body)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateInput {
    pub version: Option<u64>,
    pub application: Option<Value>,
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
        return Err(ApiError::Forbidden(Role::applicant()));
    }
    let def = permit_of(&s, &case)?;
    let now = s.clock.now();
    let mut errs = vec![];
    if input.version.is_none() {
        errs.push(FieldError::required("version"));
    }
    let app = match input.application {
        None => {
            errs.push(FieldError::required("application"));
            None
        }
        Some(a) => {
            if let Some(p) = a.get("permit").and_then(Value::as_str)
                && p != def.code.as_str()
            {
                errs.push(FieldError::new(
                    "application.permit",
                    "permit_mismatch",
                    "Jenis izin permohonan tidak dapat diubah; buat permohonan baru.",
                ));
            }
            if let Some(o) = a.get("office").filter(|o| !o.is_null())
                && o.as_str() != Some(case.office.as_str())
            {
                errs.push(FieldError::new(
                    "application.office",
                    "office_mismatch",
                    "Kantor tujuan permohonan tidak dapat diubah; buat permohonan baru di kantor lain.",
                ));
            }
            match parse_application(def, &a, wita_date(now)) {
                Ok(a) => Some(a),
                Err(mut e) => {
                    for f in &mut e {
                        f.field = format!("application.{}", f.field);
                    }
                    errs.extend(e);
                    None
                }
            }
        }
    };
    let (Some(version), Some(app), true) = (input.version, app, errs.is_empty()) else {
        return Err(ApiError::Validation(errs));
    };
    let ch =
        actions::update_application(&case, def, &caller, app, version, &s.ctx(&origin, &case))?;
    let case = commit_and_complete(&s, Commit::from_change(ch)).await?;
    full_view(&s, &case, &caller).await
}

pub(crate) async fn full_view(
    s: &AppState,
    case: &Case,
    caller: &Caller,
) -> ApiResult<Json<Value>> {
    let def = permit_of(s, case)?;
    let docs = s.store.documents(case.id).await?;
    let mut v = serde_json::to_value(case_view(case, def, caller, Some(&docs), s))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    // The applicant's notices as sent and delivered, and the channels that did not arrive
    // ("e-mail pemohon tidak terkirim" in the console).
    v["notices"] = serde_json::to_value(crate::deliveries::report(s, case).await)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    if !caller.is_staff() {
        views::for_applicant(&mut v);
    }
    Ok(Json(v))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    pub version: Option<u64>,
    pub email: Option<Value>,
    pub phone: Option<Value>,
    pub notify_by: Option<Value>,
}

/// POST /cases/{id}/contact — the applicant, or the front office after calling them, corrects
/// the e-mail address, the mobile number or the channels of the notices; the latest notice that
/// did not arrive by a corrected channel is sent again to the new address.
pub async fn correct_contact(
    State(s): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(input): JsonBody<ContactInput>,
) -> ApiResult<Json<Value>> {
    use crate::domain::delivery::{self, Channel};
    use crate::domain::roles::Capability;
    let case = load_visible(&s, &id, &caller).await?;
    let role = if case.owner == caller.sub {
        Role::applicant()
    } else {
        ApiError::role_with(&caller, Capability::ApplicantContact)?
    };
    let def = permit_of(&s, &case)?;
    let today = wita_date(s.clock.now());
    let mut errs = vec![];
    let mut changes: Vec<(String, Value)> = vec![];
    let mut channels = vec![];
    let fields = [
        (
            "email",
            Some(def.contact.email.as_str()),
            input.email,
            Some(Channel::Email),
        ),
        (
            "phone",
            def.contact.phone.as_deref(),
            input.phone,
            Some(Channel::Sms),
        ),
        (
            "notify_by",
            def.contact.notify_by.as_deref(),
            input.notify_by,
            None,
        ),
    ];
    for (name, path, given, channel) in fields {
        let Some(v) = given else { continue };
        let Some(f) = path.and_then(|p| def.field(p)) else {
            errs.push(FieldError::new(
                name,
                "not_in_form",
                "Formulir izin ini tidak memiliki isian tersebut.",
            ));
            continue;
        };
        match crate::domain::permit::form::parse_value(f, v, today, &|_| false) {
            Ok(v) => {
                if case.application.get(&f.path) != Some(&v) {
                    changes.push((f.path.clone(), v));
                    channels.extend(channel);
                }
            }
            Err(mut e) => {
                e.field = name.into();
                errs.push(e);
            }
        }
    }
    if input.version.is_none() {
        errs.push(FieldError::required("version"));
    }
    if errs.is_empty() && changes.is_empty() {
        errs.push(FieldError::new(
            "email",
            "nothing_changed",
            "Tidak ada kontak yang berubah; isi e-mail, nomor HP atau pilihan pemberitahuan yang baru.",
        ));
    }
    let (Some(version), true) = (input.version, errs.is_empty()) else {
        return Err(ApiError::Validation(errs));
    };
    let before = s.store.deliveries(case.id).await?;
    let old = crate::domain::notices::ApplicantContact::of(&case, def);
    let ch = actions::contact_corrected(
        &case,
        &caller,
        role,
        &changes,
        version,
        &s.ctx(&origin, &case),
    )?;
    let case = commit_and_complete(&s, Commit::from_change(ch)).await?;
    // The notice that did not reach the old address goes to the new one.
    let old_mobile = old.mobile.as_ref().map(|m| m.as_str().to_string());
    for channel in channels {
        let old_to = match channel {
            Channel::Email => old.email.as_deref(),
            Channel::Sms => old_mobile.as_deref(),
        };
        if let Some(d) = delivery::undelivered(&before, channel, old_to) {
            let key = format!("resend-v{}", case.version);
            if let Err(e) = s.resend(&d.notice, &case, channel, &key).await {
                tracing::warn!(case_id = %case.id, error = %e, "notice not sent again");
            }
        }
    }
    full_view(&s, &case, &caller).await
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
    /// A permit code: only that permit's cases.
    pub permit: Option<String>,
    pub limit: Option<String>,
}

/// GET /cases — an applicant's own cases, or a staff member's work queues (cases waiting at
/// the steps of their roles in every permit, earliest deadline first); `?permit=` and `?step=`
/// narrow it.
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<Json<Value>> {
    let limit = match q.limit.as_deref().map(str::parse::<usize>) {
        None => 100,
        Some(Ok(n)) => n.clamp(1, 500),
        Some(Err(_)) => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "limit",
                "invalid_value",
                "Harus berupa bilangan bulat positif.",
            )]));
        }
    };
    let permit = match q.permit.as_deref() {
        None => None,
        Some(code) => Some(s.catalogue.def(code).ok_or_else(|| {
            ApiError::Validation(vec![FieldError::new(
                "permit",
                "unknown_permit",
                "Jenis izin tidak dikenal.",
            )])
        })?),
    };
    let of_permit = |c: &Case| permit.is_none_or(|p| p.code == c.permit_code);
    let cases = if caller.is_staff() {
        // The steps (by code) the caller's roles act on, in the permits asked for.
        let mut steps: std::collections::BTreeSet<String> = Default::default();
        for p in s.catalogue.iter().map(|p| &p.def) {
            if permit.is_some_and(|x| x.code != p.code) {
                continue;
            }
            for st in p
                .steps
                .iter()
                .filter(|st| st.is_staff() && caller.has(&st.role))
            {
                steps.insert(st.code.to_string());
            }
        }
        if let Some(code) = q.step.as_deref() {
            let known = s
                .catalogue
                .iter()
                .flat_map(|p| p.def.steps.iter())
                .find(|st| st.code == code);
            match known {
                None => {
                    return Err(ApiError::Validation(vec![FieldError::new(
                        "step",
                        "unknown_step",
                        "Tahap tidak dikenal.",
                    )]));
                }
                Some(st) if !steps.contains(code) => {
                    return Err(ApiError::Forbidden(st.role.clone()));
                }
                Some(_) => steps.retain(|x| x == code),
            }
        }
        let mut all = vec![];
        // The caller's office's queues only; staff of no office have none.
        let office = caller.office.as_ref();
        for (st, office) in steps.iter().filter_map(|st| Some((st, office?))) {
            let code = crate::domain::StepCode::new(st.clone());
            for c in s.store.cases_at_step(office, &code, limit).await? {
                // A step code of several permits: the case's own permit says whose it is.
                // A case handed to a named officer is in their queue only.
                let mine = s
                    .permit_of(&c)
                    .and_then(|d| d.step(st))
                    .is_some_and(|d| caller.has(&d.role))
                    && c.open_to(&caller.sub);
                if mine && of_permit(&c) {
                    all.push(c);
                }
            }
        }
        all.sort_by_key(|c| (c.step_entered_at, c.id));
        all.truncate(limit);
        all
    } else if caller.is_applicant() {
        let mut own = s.store.cases_of_owner(&caller.sub).await?;
        own.retain(|c| of_permit(c));
        own.truncate(limit);
        own
    } else {
        return Err(ApiError::ForbiddenOther(
            "Akun Anda belum memiliki peran di sistem ini.".into(),
        ));
    };
    let items: Vec<_> = cases
        .iter()
        .filter_map(|c| summary(c, &caller, &s))
        .collect();
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
        return Err(ApiError::Forbidden(Role::applicant()));
    }
    let def = permit_of(&s, &case)?;
    let version = input
        .version
        .ok_or_else(|| ApiError::Validation(vec![FieldError::required("version")]))?;
    let revision = case
        .waiting_at()
        .and_then(|st| def.step(st.as_str()))
        .filter(|st| st.kind == StepKind::ApplicantRevision);
    let case = match (case.status, revision) {
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
            notify_applicant(
                &s,
                &submitted,
                Notice::permit(crate::domain::notices::SUBMITTED),
                "submitted",
            )
            .await;
            s.store.case(submitted.id).await?.unwrap_or(submitted)
        }
        (CaseStatus::InProcess, Some(step)) => {
            let docs = s.store.documents(case.id).await?;
            let ch = actions::applicant_step(
                &case,
                def,
                &caller,
                step,
                &docs,
                version,
                &s.ctx(&origin, &case),
            )?;
            commit_and_complete(&s, Commit::from_change(ch)).await?
        }
        (CaseStatus::InProcess, None) if case.decisions.is_empty() && case.step.is_none() => {
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
    let def = permit_of(s, &case)?;
    let now = s.clock.now();
    let year = wita_date(now).year();
    let office = s.office_of(&case);
    let counter = office.counter(&format!("{}-{year}", def.registration.counter));
    let next = s.store.counter(&counter).await? + 1;
    let number = RegistrationNumber::new(
        office.def.number_prefix.as_deref(),
        &def.registration.prefix,
        year,
        next,
    );
    let docs = s.store.documents(id).await?;
    let ch = actions::submit(
        &case,
        def,
        caller,
        &docs,
        number.clone(),
        &Ctx {
            now,
            origin,
            calendar: s.calendar_of(&case),
        },
    )?;
    let submitted = ch.case.clone();
    let mut commit = Commit::from_change(ch);
    commit.counters.push(CounterClaim {
        name: counter,
        value: next,
    });
    commit.unique.push(registration_key(&number));
    s.store.commit_checked(commit).await?;
    tracing::info!(case_id = %id, "application submitted");
    Ok(submitted)
}

async fn start_workflow(s: &AppState, case: &Case) -> ApiResult<()> {
    // Started before with this name: the workflow exists, which is what we want.
    crate::flows::case::start(s, case).await?;
    Ok(())
}

/// GET /cases/{id}/events — the audit trail, with its hash chain checked.
pub async fn events(
    State(s): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    let case = load_visible(&s, &id, &caller).await?;
    let def = s.permit_of(&case);
    let events = s.store.audit_trail(case.id).await?;
    // The chain, and that it ends where the record says (a truncated tail shows), under the
    // record's keyed head.
    let chain = crate::audit::check_trail(
        &events,
        &crate::ports::store::AuditHead {
            kind: "case",
            id: case.id,
            seq: case.audit_seq,
            head: case.audit_head.clone(),
            mac: case.audit_mac.clone(),
        },
        crate::audit::key(),
        None,
    );
    let items: Vec<Value> = events
        .iter()
        .map(|e| {
            let mut v = views::event_json(e);
            if let Some(step) = e.step.as_ref().and_then(|st| def?.step(st.as_str())) {
                v["step_title"] = json!(step.title);
                v["sop"] = json!(step.sop);
            }
            if !caller.is_staff() {
                // Applicants see what happened and why, not staff ids or addresses.
                if let Some(o) = v.as_object_mut() {
                    o.remove("source_ip");
                    o.remove("request_id");
                    if let Some(a) = o.get_mut("actor").and_then(Value::as_object_mut) {
                        a.remove("sub");
                    }
                    // A hand-over is the office's internal matter (its reason may be an
                    // officer's leave or illness): the applicant sees that it happened, not to
                    // whom or why.
                    if e.action == "case.assigned" {
                        o.remove("reason");
                        o.remove("outcome");
                    }
                }
            }
            v
        })
        .collect();
    Ok(Json(json!({
        "items": items,
        "count": items.len(),
        "chain_valid": chain.is_none(),
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
    let v = track_view(&case, &s).ok_or(ApiError::NotFound)?;
    serde_json::to_value(v)
        .map(Json)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// GET /me — who the caller is, which roles they hold and what those roles may do outside the
/// permits' steps (`infra/roles.json` capabilities: reports, security log, revoking letters,
/// complaints).
pub async fn me(State(s): State<AppState>, caller: Caller) -> Json<Value> {
    // Staff join their office's roster as the directory names them (their own roles, not
    // those held by delegation): whom acting officials and assignees are chosen from.
    if let Some(office) = caller.office.clone().filter(|_| caller.is_staff()) {
        let own: Vec<Role> = caller
            .roles
            .iter()
            .filter(|r| r.is_staff() && !caller.acting.iter().any(|(a, _)| a == *r))
            .cloned()
            .collect();
        let member = crate::domain::roster::StaffMember::seen(
            office,
            caller.sub.clone(),
            caller.name.clone(),
            caller.email.clone(),
            own,
            s.clock.now(),
        );
        super::staff::join_roster(&s, member).await;
    }
    let acting: Vec<Value> = caller
        .acting
        .iter()
        .map(|(role, a)| {
            json!({
                "role": role,
                "role_label": role.label(),
                "designation": a.kind.prefix(),
                "for": a.for_name,
                "delegation": a.delegation,
            })
        })
        .collect();
    Json(json!({
        "sub": caller.sub,
        "name": caller.name,
        "email": caller.email,
        "office": caller.office.as_ref().map(|o| views::OfficeRef::of(s.offices.of(o))),
        "roles": views::role_views(&caller.roles),
        "capabilities": views::capabilities(&caller.roles),
        "acting": acting,
    }))
}
