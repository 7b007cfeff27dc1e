//! Complaints, suggestions and input (the `complaint` function): filed by anyone through the
//! portal, or recorded by the complaints officer from another channel; handled b–e by the
//! officer; tracked by code without sign-in. The complainant's identity is shown to complaints
//! officers only (Perpres 76/2013).
//!
//! Filing without sign-in carries a solved proof-of-work challenge (`GET /complaints/challenge`,
//! each used once), and an e-mail address given then receives one confirmation request and
//! nothing else until its owner opens the link (`POST /complaints/{id}/email/confirm`).

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, QueryParams, RequestOrigin};
use crate::domain::complaints::{
    self, ClosedAs, Complaint, ComplaintDecisionInput, ComplaintInput, ComplaintNotice,
    ComplaintStatus, ComplaintStep, CompletionInput, EmailAtFiling,
};
use crate::domain::time::format_date_id;
use crate::domain::validation::FieldError;
use crate::domain::{Actor, Caller, CaseId, Role};
use crate::ports::store::{ComplaintCommit, StoreError};
use crate::services::ComplaintRecipient;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{MethodRouter, post};
use serde::Deserialize;
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
    if c.email().is_some() {
        v["email_confirmed"] = json!(!c.email_unconfirmed());
    }
    v
}

/// The public tracking page's line while the complainant's address is not confirmed.
pub const EMAIL_UNCONFIRMED: &str = "Alamat e-mail belum dikonfirmasi: pemberitahuan tidak dikirim lewat e-mail sampai tautan konfirmasi yang kami kirim dibuka. Perkembangan pengaduan tetap tampil di halaman ini.";

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
        (_, Some(ClosedAs::Spam)) => "Ditutup: tidak ditindaklanjuti",
        (_, Some(ClosedAs::Duplicate)) => "Ditutup: sama dengan pengaduan yang sudah tercatat",
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
        // Whether notices reach the complainant's address (no address: null); never the address.
        "email_confirmed": c.email().map(|_| !c.email_unconfirmed()),
        "email_message": c.email_unconfirmed().then_some(EMAIL_UNCONFIRMED),
    })
}

async fn file(
    s: &AppState,
    c: Complaint,
    actor: Actor,
    email: EmailAtFiling,
    origin: &crate::domain::Origin,
) -> ApiResult<Complaint> {
    let now = s.clock.now();
    let (mut c, ev) = complaints::filed(c, actor, origin, now);
    let mut events = vec![ev];
    events.extend(complaints::email_at_filing(&mut c, email, origin, now));
    s.store
        .commit_complaint_checked(ComplaintCommit {
            complaint: c.clone(),
            expected_version: None,
            events,
        })
        .await?;
    s.complaint_orchestrator
        .start(
            crate::flows::complaint::COMPLAINT_MACHINE,
            &c.id.to_string(),
            json!({ "complaint_id": c.id }),
        )
        .await?;
    if c.email_unconfirmed() {
        send_confirmation_request(s, &c).await;
    } else if let Err(e) = s
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

/// The office a complaint goes to: the one the complainant names (`GET /offices`), else the
/// office of the case it is about, else the founding office.
async fn complaint_office(
    s: &AppState,
    requested: Option<&str>,
    about: Option<&crate::domain::RegistrationNumber>,
) -> ApiResult<Result<crate::domain::office::OfficeCode, FieldError>> {
    if let Some(code) = requested {
        return Ok(crate::domain::office::OfficeCode::parse(code)
            .filter(|c| s.offices.get(c).is_some())
            .ok_or_else(|| {
                let known: Vec<&str> = s.offices.iter().map(|o| o.code().as_str()).collect();
                FieldError::new(
                    "office",
                    "unknown_office",
                    format!(
                        "Kantor tidak dikenal; gunakan salah satu: {}.",
                        known.join(", ")
                    ),
                )
            }));
    }
    if let Some(number) = about
        && let Some(case) = s.store.case_by_registration(number).await?
    {
        return Ok(Ok(case.office));
    }
    Ok(Ok(s.offices.founding().code().clone()))
}

/// The one message an unconfirmed address receives: the receipt with the confirmation link.
async fn send_confirmation_request(s: &AppState, c: &Complaint) {
    let Some(to) = c.email() else { return };
    let token = s.complaint_guard.email_token(c.id, to.as_str());
    let msg = ComplaintNotice::ConfirmEmail { token }.render(
        c,
        s.offices.of(&c.office).agency(),
        &s.portal_url,
    );
    let sent = s
        .mailer
        .send(&crate::ports::Email {
            to: vec![to.as_str().to_string()],
            subject: msg.subject,
            body: msg.body,
            idempotency_key: format!("{}/complaint_confirm_email/filed", c.id),
            tags: vec![("complaint_id".into(), c.id.to_string())],
        })
        .await;
    match sent {
        Ok(_) => {
            tracing::info!(complaint_id = %c.id, notice = "complaint_confirm_email", "notice sent")
        }
        Err(e) => tracing::warn!(complaint_id = %c.id, error = %e, "confirmation request not sent"),
    }
}

/// GET /complaints/challenge — public: a proof-of-work challenge for filing without sign-in.
pub async fn challenge(State(s): State<AppState>) -> Json<Value> {
    Json(json!(s.complaint_guard.challenge(s.clock.now())))
}

/// Uses a verified challenge once: kept in the idempotency store until it expires.
async fn use_challenge(
    s: &AppState,
    proof: &complaints::abuse::VerifiedProof,
) -> ApiResult<crate::ports::guard::IdempotencyRecord> {
    use crate::ports::guard::{Claim, IdempotencyRecord, IdempotencyState};
    let record = IdempotencyRecord {
        key: format!("complaint-challenge#{}", proof.id),
        fingerprint: "complaint-challenge".into(),
        owner: uuid::Uuid::new_v4(),
        state: IdempotencyState::InProgress {
            lock_until: proof.expires_at,
        },
        expires_at: proof.expires_at,
    };
    match s.idempotency.claim(&record, s.clock.now()).await? {
        Claim::Acquired => Ok(record),
        Claim::Existing(_) => Err(ApiError::Validation(vec![FieldError::new(
            "proof",
            "proof_used",
            "Verifikasi ini sudah dipakai untuk pengaduan lain: muat ulang formulir dan kirim lagi.",
        )])),
    }
}

/// POST /complaints — anyone, through the portal (signed in or not; anonymous allowed).
/// Without sign-in the body carries `proof` (a solved challenge, used once).
pub async fn file_public(
    State(s): State<AppState>,
    caller: Option<Caller>,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(mut input): JsonBody<ComplaintInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let now = s.clock.now();
    let proof = input.proof.take();
    let office = input.office.take();
    let parsed = input.parse(None, now);
    let verified = match &caller {
        Some(_) => None,
        None => Some(s.complaint_guard.check(proof.as_ref(), now)),
    };
    let (mut c, verified) = match (parsed, verified) {
        (Ok(c), None) => (c, None),
        (Ok(c), Some(Ok(p))) => (c, Some(p)),
        (parsed, verified) => {
            let mut errs = parsed.err().unwrap_or_default();
            errs.extend(verified.and_then(Result::err));
            return Err(ApiError::Validation(errs));
        }
    };
    c.office = complaint_office(&s, office.as_deref(), c.about.as_ref())
        .await?
        .map_err(|e| ApiError::Validation(vec![e]))?;
    // Checked before the challenge is used: a refused complaint leaves it usable.
    let claimed = match &verified {
        Some(p) => Some(use_challenge(&s, p).await?),
        None => None,
    };
    c.filed_by = caller.as_ref().map(|x| x.sub.clone());
    // The account's own address is verified by the identity provider; any other is not.
    let own_address = match (&caller, c.email()) {
        (Some(x), Some(e)) => x
            .email
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case(e.as_str())),
        _ => false,
    };
    let email = if own_address {
        EmailAtFiling::Account
    } else {
        EmailAtFiling::Unconfirmed
    };
    let actor = match (&caller, &c.complainant) {
        (Some(x), _) if c.complainant.is_some() => x.actor(Role::applicant()),
        _ => complaints::complainant(),
    };
    let c = match file(&s, c, actor, email, &origin).await {
        Ok(c) => c,
        Err(e) => {
            // Nothing filed: the challenge may be used again.
            if let Some(r) = claimed {
                let _ = s.idempotency.release(&r.key, r.owner).await;
            }
            return Err(e);
        }
    };
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
    // An officer records complaints to their own office.
    let office = ApiError::office_of(&caller)?;
    let mut input = input;
    if input.office.take().is_some_and(|o| o != office.as_str()) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "office",
            "not_applicable",
            "Petugas mencatat pengaduan untuk kantornya sendiri.",
        )]));
    }
    let mut c = input
        .parse(Some(&caller), s.clock.now())
        .map_err(ApiError::Validation)?;
    c.office = office;
    let c = file(
        &s,
        c,
        caller.actor(role),
        EmailAtFiling::RecordedByOfficer,
        &origin,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(full_view(&c))))
}

/// The body of `POST /complaints/{id}/email/confirm`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmEmailInput {
    pub token: Option<String>,
}

/// POST /complaints/{id}/email/confirm — public: the link of the confirmation request (`id` is
/// the complaint's id or its tracking code). From now on notices reach the address.
pub async fn confirm_email(
    State(s): State<AppState>,
    Path(id): Path<String>,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(input): JsonBody<ConfirmEmailInput>,
) -> ApiResult<Json<Value>> {
    let c = match CaseId::parse(&id) {
        Some(id) => s.store.complaint(id).await?,
        None if id.len() <= 32 => {
            s.store
                .complaint_by_tracking(&id.trim().to_ascii_uppercase())
                .await?
        }
        None => None,
    }
    .ok_or(ApiError::NotFound)?;
    let invalid = || {
        ApiError::Validation(vec![FieldError::new(
            "token",
            "token_invalid",
            "Tautan konfirmasi tidak sah untuk pengaduan ini. Buka tautan persis seperti di e-mail.",
        )])
    };
    let Some(token) = input.token.filter(|t| !t.trim().is_empty()) else {
        return Err(ApiError::Validation(vec![FieldError::required("token")]));
    };
    let Some(email) = c.email() else {
        return Err(invalid());
    };
    if token.len() > 100
        || !s
            .complaint_guard
            .email_token_valid(c.id, email.as_str(), &token)
    {
        return Err(invalid());
    }
    let Some(change) = complaints::confirm_email(&c, &origin, s.clock.now()) else {
        return Ok(Json(track_view(&c)));
    };
    let next = change.complaint.clone();
    // A conflict is a 409 (`From<StoreError>`).
    s.store
        .commit_complaint_checked(ComplaintCommit::from_change(change))
        .await?;
    tracing::info!(complaint_id = %c.id, "complainant's e-mail address confirmed");
    Ok(Json(track_view(&next)))
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

/// A page of the register by default, and at most.
pub const REGISTER_PAGE: usize = 50;
pub const REGISTER_PAGE_MAX: usize = 200;

/// The query of `GET /complaints`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// GET /complaints?limit=&cursor= — the register of open complaints (complaints officer), a
/// page at a time in a stable order (the clock now running, then filing): `next_cursor` asks
/// for the next page (`null` after the last). `count` is the page's.
pub async fn register(
    State(s): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<RegisterQuery>,
) -> ApiResult<Json<Value>> {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    officer(&caller)?;
    let office = ApiError::office_of(&caller)?;
    let limit = match q.limit.as_deref() {
        None => REGISTER_PAGE,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=REGISTER_PAGE_MAX).contains(n))
            .ok_or_else(|| {
                ApiError::Validation(vec![FieldError::new(
                    "limit",
                    "out_of_range",
                    format!("Jumlah per halaman 1–{REGISTER_PAGE_MAX}."),
                )])
            })?,
    };
    let after = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(
            B64.decode(c)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .filter(|k| k.len() <= 100 && k.split('#').count() == 3)
                .ok_or_else(|| {
                    ApiError::Validation(vec![FieldError::new(
                        "cursor",
                        "invalid_cursor",
                        "Penanda halaman tidak valid: muat daftar dari awal.",
                    )])
                })?,
        ),
    };
    // One more than the page tells whether another follows.
    let mut open = s
        .store
        .open_complaints_page(&office, after.as_deref(), limit + 1)
        .await?;
    let more = open.len() > limit;
    open.truncate(limit);
    let next_cursor = more
        .then(|| open.last().map(|c| B64.encode(c.register_key())))
        .flatten();
    let items: Vec<Value> = open.iter().map(full_view).collect();
    Ok(Json(
        json!({ "items": items, "count": items.len(), "limit": limit, "next_cursor": next_cursor }),
    ))
}

/// A complaint of the officer's own office (another office's is a 404, as an unknown one).
async fn load(s: &AppState, caller: &Caller, id: &str) -> ApiResult<Complaint> {
    let id = CaseId::parse(id).ok_or(ApiError::NotFound)?;
    s.store
        .complaint(id)
        .await?
        .filter(|c| caller.works_at(&c.office))
        .ok_or(ApiError::NotFound)
}

/// GET /complaints/{id} — complaints officer.
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    officer(&caller)?;
    Ok(Json(full_view(&load(&s, &caller, &id).await?)))
}

/// GET /complaints/{id}/events — complaints officer.
pub async fn events(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    officer(&caller)?;
    let c = load(&s, &caller, &id).await?;
    let events = s.store.audit_trail(c.id).await?;
    let valid = crate::audit::check_trail(
        &events,
        &crate::ports::store::AuditHead {
            kind: "complaint",
            id: c.id,
            seq: c.audit_seq,
            head: c.audit_head.clone(),
            mac: c.audit_mac.clone(),
        },
        crate::audit::key(),
        None,
    )
    .is_none();
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
    let c = load(&s, &caller, &id).await?;
    // `duplicate` names an earlier complaint that exists (the shape is the domain's check).
    if step == ComplaintStep::Registration
        && input.outcome.as_deref() == Some("duplicate")
        && let Some(code) = input.duplicate_of.as_deref()
        && let Ok(code) = complaints::parse_tracking_code(code)
        && code != c.tracking_code
        && s.store.complaint_by_tracking(&code).await?.is_none()
    {
        return Err(ApiError::Validation(vec![FieldError::new(
            "duplicate_of",
            "unknown_tracking_code",
            format!("Tidak ada pengaduan dengan kode {code}."),
        )]));
    }
    let change = complaints::decide(
        &c,
        &caller,
        step,
        input,
        &s.offices.of(&c.office).calendar,
        s.clock.now(),
        &origin,
    )?;
    let now = commit_and_deliver(&s, change).await?;
    tracing::info!(complaint_id = %c.id, step = step.code(), "complaint decision");
    Ok(Json(full_view(&now)))
}
