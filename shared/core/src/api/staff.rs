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
use crate::domain::roster::StaffMember;
use crate::domain::time::wita_date;
use crate::domain::validation::FieldError;
use crate::ports::store::Commit;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

/// Records `member` in their office's roster unless it says so already (a failure is logged:
/// the roster is brought up to date on the member's next visit).
pub async fn join_roster(s: &crate::services::Services, member: StaffMember) {
    let known = s
        .store
        .staff(&member.office)
        .await
        .ok()
        .and_then(|all| all.into_iter().find(|m| m.sub == member.sub));
    if !known.is_some_and(|k| k.same_as(&member))
        && let Err(e) = s.store.put_staff(&member).await
    {
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

fn member_view(m: &StaffMember, delegated: &[(Role, &Delegation)]) -> Value {
    json!({
        "sub": m.sub,
        "name": m.name,
        "roles": super::views::role_views(&m.roles),
        "acting": delegated.iter().map(|(r, d)| json!({
            "role": r,
            "role_label": r.label(),
            "designation": d.prefix(),
            "for": d.from.name,
            "ends_on": d.ends_on,
        })).collect::<Vec<_>>(),
        "seen_at": m.seen_at,
    })
}

fn delegation_view(d: &Delegation, today: chrono::NaiveDate) -> Value {
    let mut v = serde_json::to_value(d).unwrap_or(Value::Null);
    v["role_label"] = json!(d.role.label());
    v["designation"] = json!(d.prefix());
    v["state"] = json!(d.state_on(today));
    v
}

/// GET /office/staff — the office's roster (any of its staff: whom to hand a case to), with
/// the roles each holds today by delegation.
pub async fn roster(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    if !caller.is_staff() {
        return Err(ApiError::ForbiddenOther(
            "Daftar petugas hanya untuk petugas kantor.".into(),
        ));
    }
    let office = ApiError::office_of(&caller)?;
    let staff = s.store.staff(&office).await?;
    let delegations = s.store.delegations(&office).await?;
    let today = wita_date(s.clock.now());
    let items: Vec<Value> = staff
        .iter()
        .map(|m| {
            let acting: Vec<(Role, &Delegation)> = delegations
                .iter()
                .filter(|d| d.to.sub == m.sub && d.active_on(today))
                .map(|d| (d.role.clone(), d))
                .collect();
            member_view(m, &acting)
        })
        .collect();
    Ok(Json(json!({ "items": items, "count": items.len() })))
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
    let views: Vec<StaffView<'_>> = staff
        .iter()
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
            let cases = s.store.cases_at_step(&office_code, &st.code, 1000).await?;
            let waiting: Vec<_> = cases
                .iter()
                .filter(|c| c.is_waiting_at(st.code.as_str()))
                .collect();
            let unassigned = waiting.iter().filter(|c| c.assignee().is_none()).count();
            for c in &waiting {
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
                "step": st.code,
                "title": st.title,
                "role": st.role,
                "role_label": st.role.label(),
                "waiting": waiting.len(),
                "unassigned": unassigned,
                "earliest_due_on": waiting.iter().filter_map(|c| c.step_due_on()).min(),
            }));
        }
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
