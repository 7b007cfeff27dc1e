//! The office's own administration (the `submit` function): its staff roster, its acting
//! officials (Plt./Plh., `domain::delegation`), handing a case to a named officer
//! (`domain::assignment`) and each officer's workload. Everything is the caller's office's:
//! another office's delegation or case does not exist here.

use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, RequestOrigin};
use super::{AppState, commit_and_complete, load_visible, permit_of};
use crate::domain::Caller;
use crate::domain::delegation::{self, Delegation, GrantInput, Person, StaffView};
use crate::domain::office::OfficeCode;
use crate::domain::roles::{Capability, Role};
use crate::domain::roster::{self, ChangeRefused, InviteInput, StaffMember};
use crate::domain::time::wita_date;
use crate::domain::validation::FieldError;
use crate::ports::directory::AccountError;
use crate::ports::store::Commit;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

/// Records a visit of `seen` (from their token) in their office's roster: a new member, or
/// their record brought up to date (an invited member becomes active), unless it says so
/// already. Never over an administrator's change made meanwhile (versioned write); a failure is
/// logged: the roster is brought up to date on the member's next visit.
pub async fn join_roster(s: &crate::services::Services, seen: StaffMember) {
    let known = match s.store.staff_member(&seen.office, &seen.sub).await {
        Ok(k) => k,
        Err(e) => {
            tracing::warn!(error = %e, "roster not read; the visit is not recorded");
            return;
        }
    };
    let (next, expected) = match &known {
        Some(k) => (k.visited(&seen), Some(k.version)),
        None => (seen, None),
    };
    if known.as_ref().is_some_and(|k| k.same_as(&next)) {
        return;
    }
    if let Err(e) = s.store.put_staff(&next, expected).await {
        tracing::warn!(error = %e, "staff member not recorded in the roster");
    }
}

/// The caller's office, where they hold the office administrator's capability.
fn admin_of(caller: &Caller) -> ApiResult<(OfficeCode, Role)> {
    let role = ApiError::role_with(caller, Capability::OfficeAdmin)?;
    Ok((ApiError::office_of(caller)?, role))
}

/// The caller's office, where they administer it or read its reports (the heads).
fn overseer_of(caller: &Caller) -> ApiResult<OfficeCode> {
    if caller.can(Capability::OfficeAdmin) || caller.can(Capability::Reports) {
        ApiError::office_of(caller)
    } else {
        Err(ApiError::ForbiddenOther(
            "Hanya administrator kantor dan pimpinan kantor yang dapat membuka data ini.".into(),
        ))
    }
}

/// A member as the roster shows them; their address and the record of administrators'
/// changes only to the office's administrator.
fn member_view(m: &StaffMember, delegated: &[(Role, &Delegation)], admin: bool) -> Value {
    let mut v = json!({
        "sub": m.sub,
        "name": m.name,
        "roles": super::views::role_views(&m.roles),
        "status": m.status,
        "status_label": m.status.label(),
        "acting": delegated.iter().map(|(r, d)| json!({
            "role": r,
            "role_label": r.label(),
            "designation": d.prefix(),
            "for": d.from.name,
            "ends_on": d.ends_on,
        })).collect::<Vec<_>>(),
        "seen_at": m.seen_at,
    });
    if admin {
        v["email"] = json!(m.email);
        v["version"] = json!(m.version);
        v["changes"] = m
            .history
            .iter()
            .rev()
            .map(|c| {
                json!({
                    "action": c.action,
                    "action_label": c.action.label(),
                    "by": c.by.name,
                    "at": c.at,
                    "roles": super::views::role_views(&c.roles),
                    "reason": c.reason,
                })
            })
            .collect();
    }
    v
}

fn delegation_view(d: &Delegation, today: chrono::NaiveDate) -> Value {
    let mut v = serde_json::to_value(d).unwrap_or(Value::Null);
    v["role_label"] = json!(d.role.label());
    v["designation"] = json!(d.prefix());
    v["state"] = json!(d.state_on(today));
    v
}

/// GET /office/staff — the office's roster (any of its staff: whom to hand a case to), with
/// the roles each holds today by delegation. The office's administrator also sees disabled
/// accounts, addresses and each account's changes; the others see who works today.
pub async fn roster(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    if !caller.is_staff() {
        return Err(ApiError::ForbiddenOther(
            "Daftar petugas hanya untuk petugas kantor.".into(),
        ));
    }
    let office = ApiError::office_of(&caller)?;
    let admin = caller.can(Capability::OfficeAdmin);
    let staff = s.store.staff(&office).await?;
    let delegations = s.store.delegations(&office).await?;
    let today = wita_date(s.clock.now());
    let items: Vec<Value> = staff
        .iter()
        .filter(|m| admin || !m.is_disabled())
        .map(|m| {
            let acting: Vec<(Role, &Delegation)> = delegations
                .iter()
                .filter(|d| d.to.sub == m.sub && d.active_on(today))
                .map(|d| (d.role.clone(), d))
                .collect();
            member_view(m, &acting, admin)
        })
        .collect();
    let assignable: Vec<Value> = if admin {
        let mut roles: Vec<Role> = crate::domain::roles::Roles::current()
            .staff()
            .map(|d| d.code.clone())
            .filter(roster::assignable)
            .collect();
        roles.sort();
        super::views::role_views(&roles)
            .into_iter()
            .map(|c| json!(c))
            .collect()
    } else {
        vec![]
    };
    Ok(Json(
        json!({ "items": items, "count": items.len(), "assignable_roles": assignable }),
    ))
}

fn accounts(s: &AppState) -> ApiResult<&dyn crate::ports::directory::Accounts> {
    s.accounts.as_deref().ok_or(ApiError::AccountsUnavailable)
}

fn account_error(e: AccountError) -> ApiError {
    match e {
        AccountError::Exists => ApiError::Validation(vec![FieldError::new(
            "email",
            "account_exists",
            "Alamat e-mail ini sudah dipakai akun lain (petugas kantor lain atau pemohon); gunakan alamat e-mail dinas yang lain.",
        )]),
        AccountError::NotFound => ApiError::NotFound,
        AccountError::Unavailable(m) => ApiError::Unavailable(format!("directory: {m}")),
    }
}

fn refused(e: ChangeRefused) -> ApiError {
    match e {
        ChangeRefused::OwnAccount => ApiError::ForbiddenOther(
            "Administrator tidak dapat mengubah akses akunnya sendiri; mintalah administrator lain.".into(),
        ),
        ChangeRefused::State(d) => ApiError::InvalidState(d),
        ChangeRefused::Invalid(f) => ApiError::Validation(f),
    }
}

/// Writes an administrator's change of `member` over their record at `expected`.
async fn record(s: &AppState, member: &StaffMember, expected: u64) -> ApiResult<()> {
    match s.store.put_staff(member, Some(expected)).await {
        Ok(()) => Ok(()),
        Err(crate::ports::StoreError::Conflict(_)) => Err(ApiError::ConcurrentUpdate),
        Err(e) => Err(e.into()),
    }
}

/// The member `sub` of `office` (another office's: 404).
async fn member_of(s: &AppState, office: &OfficeCode, sub: &str) -> ApiResult<StaffMember> {
    if sub.is_empty() || sub.len() > 128 {
        return Err(ApiError::NotFound);
    }
    s.store
        .staff_member(office, sub)
        .await?
        .ok_or(ApiError::NotFound)
}

fn admin_view(m: &StaffMember) -> Value {
    member_view(m, &[], true)
}

/// POST /office/staff — the office administrator creates a staff account (`name`, `email`,
/// `roles`, optional `reason`): the directory sends the invitation (Cognito: a temporary
/// password by e-mail), the person joins the roster as invited and becomes active when they
/// first open the console.
pub async fn invite(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<InviteInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (office, role) = admin_of(&caller)?;
    let roster_now = s.store.staff(&office).await?;
    let name = s.offices.of(&office).def.name.clone();
    let inv =
        roster::invitation(input, &office, &name, &roster_now).map_err(ApiError::Validation)?;
    let sub = accounts(&s)?.invite(&inv).await.map_err(account_error)?;
    let member = roster::invited(&inv, sub, caller.actor(role), s.clock.now());
    match s.store.put_staff(&member, None).await {
        Ok(()) => {}
        // The directory completed an earlier, interrupted invitation of a member recorded since.
        Err(crate::ports::StoreError::Conflict(_)) => {
            return Err(account_error(AccountError::Exists));
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(office = %office, roles = member.roles.len(), "staff account invited");
    Ok((StatusCode::CREATED, Json(admin_view(&member))))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolesInput {
    pub roles: Option<Vec<String>>,
    pub reason: Option<String>,
    /// The record's version as the administrator read it (`GET /office/staff`).
    pub version: Option<u64>,
}

/// What a change of an account starts from: the administrator's office and role, and the
/// member `sub` of that office at the version the administrator read.
async fn account_to_change(
    s: &AppState,
    caller: &Caller,
    sub: &str,
    version: Option<u64>,
) -> ApiResult<(OfficeCode, Role, StaffMember)> {
    let (office, role) = admin_of(caller)?;
    let m = member_of(s, &office, sub).await?;
    match version {
        None => Err(ApiError::Validation(vec![FieldError::required("version")])),
        Some(v) if v != m.version => Err(ApiError::VersionConflict {
            given: v,
            current: m.version,
        }),
        Some(_) => Ok((office, role, m)),
    }
}

/// POST /office/staff/{sub}/roles — gives a member exactly `roles` (with a `reason`); their
/// sessions from before end (they sign in again to work in the new roles).
pub async fn set_roles(
    State(s): State<AppState>,
    caller: Caller,
    Path(sub): Path<String>,
    JsonBody(input): JsonBody<RolesInput>,
) -> ApiResult<Json<Value>> {
    let (office, role, m) = account_to_change(&s, &caller, &sub, input.version).await?;
    let next = roster::change_roles(
        &m,
        input.roles.as_deref(),
        input.reason,
        caller.actor(role),
        s.clock.now(),
    )
    .map_err(refused)?;
    accounts(&s)?
        .set_roles(&office, &m.sub, &next.roles)
        .await
        .map_err(account_error)?;
    record(&s, &next, m.version).await?;
    tracing::info!(office = %office, roles = next.roles.len(), "staff roles changed");
    Ok(Json(admin_view(&next)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    pub reason: Option<String>,
    pub version: Option<u64>,
}

/// POST /office/staff/{sub}/deactivate — disables a member's account (with a `reason`): they
/// cannot sign in, their tokens are refused at once, the acting posts given to them end today;
/// the cases handed to them are counted so that a supervisor hands them on.
pub async fn deactivate(
    State(s): State<AppState>,
    caller: Caller,
    Path(sub): Path<String>,
    JsonBody(input): JsonBody<StatusInput>,
) -> ApiResult<Json<Value>> {
    let (office, role, m) = account_to_change(&s, &caller, &sub, input.version).await?;
    let now = s.clock.now();
    let next = roster::deactivate(&m, input.reason.clone(), caller.actor(role.clone()), now)
        .map_err(refused)?;
    accounts(&s)?
        .set_enabled(&office, &m.sub, false)
        .await
        .map_err(account_error)?;
    record(&s, &next, m.version).await?;
    // A disabled person stands in for nobody: their current and coming acting posts end.
    let today = wita_date(now);
    let mut ended = 0;
    for d in s.store.delegations(&office).await? {
        if d.to.sub == m.sub && !d.revoked() && d.ends_on >= today {
            let reason = Some("Akun petugas pengganti dinonaktifkan.".to_string());
            if let Ok(r) = delegation::revoke(&d, caller.actor(role.clone()), reason, now) {
                match s.store.put_delegation(&r, Some(d.version)).await {
                    Ok(()) => ended += 1,
                    Err(e) => {
                        tracing::warn!(error = %e, delegation = %d.id, "acting post of a disabled account not ended")
                    }
                }
            }
        }
    }
    let handed = waiting_cases(&s, &office)
        .await?
        .iter()
        .filter(|c| c.assignee().is_some_and(|a| a.to.sub == m.sub))
        .count();
    tracing::info!(office = %office, ended, handed, "staff account disabled");
    let mut v = admin_view(&next);
    v["ended_delegations"] = json!(ended);
    v["assigned_cases"] = json!(handed);
    Ok(Json(v))
}

/// POST /office/staff/{sub}/activate — lets a disabled member sign in again, in the roles they
/// had.
pub async fn activate(
    State(s): State<AppState>,
    caller: Caller,
    Path(sub): Path<String>,
    JsonBody(input): JsonBody<StatusInput>,
) -> ApiResult<Json<Value>> {
    let (office, role, m) = account_to_change(&s, &caller, &sub, input.version).await?;
    let next =
        roster::activate(&m, input.reason, caller.actor(role), s.clock.now()).map_err(refused)?;
    accounts(&s)?
        .set_enabled(&office, &m.sub, true)
        .await
        .map_err(account_error)?;
    record(&s, &next, m.version).await?;
    tracing::info!(office = %office, "staff account enabled again");
    Ok(Json(admin_view(&next)))
}

/// GET /office/delegations — every delegation of the office, with its state today.
pub async fn delegations(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let office = overseer_of(&caller)?;
    let today = wita_date(s.clock.now());
    let items: Vec<Value> = s
        .store
        .delegations(&office)
        .await?
        .iter()
        .rev()
        .map(|d| delegation_view(d, today))
        .collect();
    Ok(Json(json!({ "items": items, "count": items.len() })))
}

/// POST /office/delegations — the office administrator records an acting official: `role`,
/// `kind` (`plt`, `plh`), `from` and `to` (subjects of the roster), `starts_on`, `ends_on`,
/// `letter_number` (the designating letter), `reason`.
pub async fn grant(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(input): JsonBody<GrantInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (office, role) = admin_of(&caller)?;
    let staff = s.store.staff(&office).await?;
    let existing = s.store.delegations(&office).await?;
    // A disabled account stands in for nobody.
    let views: Vec<StaffView<'_>> = staff
        .iter()
        .filter(|m| !m.is_disabled())
        .map(|m| StaffView {
            sub: &m.sub,
            name: &m.name,
            roles: &m.roles,
        })
        .collect();
    let now = s.clock.now();
    let today = wita_date(now);
    let d = delegation::grant(
        input,
        &office,
        &views,
        &existing,
        caller.actor(role),
        today,
        now,
    )
    .map_err(ApiError::Validation)?;
    s.store.put_delegation(&d, None).await?;
    tracing::info!(delegation = %d.id, office = %office, role = %d.role, "acting official recorded");
    Ok((StatusCode::CREATED, Json(delegation_view(&d, today))))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeInput {
    pub reason: Option<String>,
}

/// POST /office/delegations/{id}/revoke — ends a delegation before its last day.
pub async fn revoke(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<RevokeInput>,
) -> ApiResult<Json<Value>> {
    let (office, role) = admin_of(&caller)?;
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let d = s
        .store
        .delegations(&office)
        .await?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or(ApiError::NotFound)?;
    let now = s.clock.now();
    let next = delegation::revoke(&d, caller.actor(role), input.reason, now)
        .map_err(|e| ApiError::InvalidState(e.detail))?;
    match s.store.put_delegation(&next, Some(d.version)).await {
        Ok(()) => {}
        Err(crate::ports::StoreError::Conflict(_)) => return Err(ApiError::ConcurrentUpdate),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(delegation = %d.id, office = %office, "acting official revoked");
    Ok(Json(delegation_view(&next, wita_date(now))))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    pub version: Option<u64>,
    /// The officer's subject (`GET /office/staff`).
    pub to: Option<String>,
    pub reason: Option<String>,
}

/// POST /cases/{id}/assign — hands a case waiting at a step to a named officer of the step's
/// role (their own role, or held today by delegation), with a reason.
pub async fn assign(
    State(s): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<AssignInput>,
) -> ApiResult<Json<Value>> {
    let case = load_visible(&s, &id, &caller).await?;
    if !caller.is_staff() {
        return Err(ApiError::ForbiddenOther(
            "Hanya petugas kantor yang dapat mengalihkan berkas kepada petugas lain.".into(),
        ));
    }
    let def = permit_of(&s, &case)?;
    let Some(version) = input.version else {
        return Err(ApiError::Validation(vec![FieldError::required("version")]));
    };
    let Some(to) = input.to.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
        return Err(ApiError::Validation(vec![FieldError::required("to")]));
    };
    let staff = s.store.staff(&case.office).await?;
    let Some(member) = staff.iter().find(|m| m.sub == to) else {
        return Err(ApiError::Validation(vec![FieldError::new(
            "to",
            "unknown_staff",
            "Petugas ini tidak terdaftar di kantor ini.",
        )]));
    };
    if member.is_disabled() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "to",
            "staff_disabled",
            "Akun petugas ini dinonaktifkan; pilih petugas lain.",
        )]));
    }
    let today = wita_date(s.clock.now());
    let delegations = s.store.delegations(&case.office).await?;
    let mut roles = member.roles.clone();
    roles.extend(
        delegation::acting_roles(&delegations, &member.sub, today)
            .into_iter()
            .map(|(r, _)| r),
    );
    let ch = crate::domain::assignment::assign(
        &case,
        def,
        &caller,
        Person {
            sub: member.sub.clone(),
            name: member.name.clone(),
        },
        &roles,
        input.reason,
        version,
        &s.ctx(&origin, &case),
    )?;
    let case = commit_and_complete(&s, Commit::from_change(ch)).await?;
    tracing::info!(case_id = %case.id, "case handed to a named officer");
    super::cases::full_view(&s, &case, &caller).await
}

/// A staff step of the office's permits (each step code once) and the cases waiting at it.
struct Waiting {
    code: String,
    title: String,
    role: Role,
    cases: Vec<crate::domain::case::Case>,
}

/// The cases waiting at each staff step of the office's permits (one read per step code).
async fn waiting_at_steps(s: &AppState, office_code: &OfficeCode) -> ApiResult<Vec<Waiting>> {
    let office = s.offices.of(office_code).clone();
    let mut out = vec![];
    let mut seen = std::collections::BTreeSet::new();
    for p in s
        .catalogue
        .iter()
        .filter(|p| office.offers(p.def.code.as_str()))
    {
        for st in p.def.steps.iter().filter(|st| st.is_staff()) {
            if !seen.insert(st.code.clone()) {
                continue;
            }
            let cases = s.store.cases_at_step(office_code, &st.code, 1000).await?;
            out.push(Waiting {
                code: st.code.to_string(),
                title: st.title.clone(),
                role: st.role.clone(),
                cases: cases
                    .into_iter()
                    .filter(|c| c.is_waiting_at(st.code.as_str()))
                    .collect(),
            });
        }
    }
    Ok(out)
}

/// Every case waiting at a staff step of the office.
async fn waiting_cases(
    s: &AppState,
    office: &OfficeCode,
) -> ApiResult<Vec<crate::domain::case::Case>> {
    Ok(waiting_at_steps(s, office)
        .await?
        .into_iter()
        .flat_map(|w| w.cases)
        .collect())
}

/// GET /office/workload — for each step of the office's permits, the cases waiting: those
/// handed to each officer, and those still in the role's shared queue, with the earliest due
/// date.
pub async fn workload(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    use std::collections::BTreeMap;
    let office_code = overseer_of(&caller)?;
    let office = s.offices.of(&office_code).clone();
    let mut steps = vec![];
    let mut per_officer: BTreeMap<String, (String, usize, Option<chrono::NaiveDate>)> =
        BTreeMap::new();
    for w in waiting_at_steps(&s, &office_code).await? {
        let unassigned = w.cases.iter().filter(|c| c.assignee().is_none()).count();
        for c in &w.cases {
            if let Some(a) = c.assignee() {
                let e = per_officer
                    .entry(a.to.sub.clone())
                    .or_insert_with(|| (a.to.name.clone(), 0, None));
                e.1 += 1;
                e.2 = match (e.2, c.step_due_on()) {
                    (Some(x), Some(y)) => Some(x.min(y)),
                    (x, y) => x.or(y),
                };
            }
        }
        steps.push(json!({
            "step": w.code,
            "title": w.title,
            "role": w.role,
            "role_label": w.role.label(),
            "waiting": w.cases.len(),
            "unassigned": unassigned,
            "earliest_due_on": w.cases.iter().filter_map(|c| c.step_due_on()).min(),
        }));
    }
    let officers: Vec<Value> = per_officer
        .into_iter()
        .map(|(sub, (name, n, due))| {
            json!({"sub": sub, "name": name, "assigned": n, "earliest_due_on": due})
        })
        .collect();
    Ok(Json(json!({
        "office": super::views::OfficeRef::of(&office),
        "steps": steps,
        "officers": officers,
    })))
}
