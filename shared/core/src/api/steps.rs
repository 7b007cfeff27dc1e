//! Decisions at a permit's human steps, one route per step code (`POST /cases/{id}/steps/<step>`)
//! in the function the permit's data names (`verify`, `recommend`, `sign` for staff decisions,
//! `upload` for the applicant's upload steps): check role, state, version and segregation of
//! duties, apply the outcome's effects, record the decision and its audit event in one
//! conditional write, then complete the waiting workflow task. A decision is authorized and
//! parsed once; the read-check-write after that is retried on a lost race
//! ([`crate::retry::on_conflict`]), and what it makes that cannot be undone — a letter number,
//! the signed letter in the write-once store — is keyed by the case, so that a retry or a lost
//! race reuses it and leaves nothing behind.

use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, RequestOrigin};
use super::views::case_view;
use super::{AppState, commit_and_complete, letters, permit_of, visible_case};
use crate::catalogue::Catalogue;
use crate::domain::actions::{self, Claimed, DecisionInput, ParsedDecision};
use crate::domain::case::SignedDocument;
use crate::domain::permit::{Effect, Function, PermitDef, StepCode, StepDef, StepKind};
use crate::domain::time::wita_date;
use crate::domain::validation::FieldError;
use crate::domain::{Caller, Case, CaseId, DocumentStatus};
use crate::ports::store::Commit;
use crate::retry::{self, Attempt};
use axum::Json;
use axum::extract::{Path, State};
use axum::routing::{MethodRouter, post};
use chrono::Datelike;
use serde_json::Value;

/// The route of one step: `POST /cases/{id}/steps/<step>`.
pub fn route(step: StepCode) -> MethodRouter<AppState> {
    post(
        move |state: State<AppState>,
              path: Path<String>,
              caller: Caller,
              origin: RequestOrigin,
              body: JsonBody<DecisionInput>| {
            decide(step.clone(), state, path, caller, origin, body)
        },
    )
}

pub fn path(step: &StepCode) -> String {
    format!("/cases/{{id}}/steps/{step}")
}

/// The routes of the steps the catalogue gives `function`.
pub fn routes(function: Function, catalogue: &Catalogue) -> super::routes::Routes {
    let steps: Vec<StepCode> = catalogue
        .step_functions()
        .into_iter()
        .filter(|(code, f)| {
            *f == function
                && catalogue.iter().any(|p| {
                    p.def.step(code.as_str()).is_some_and(|s| {
                        matches!(s.kind, StepKind::Decision | StepKind::ApplicantUpload)
                    })
                })
        })
        .map(|(code, _)| code)
        .collect();
    steps
        .into_iter()
        .fold(super::routes::Routes::new(function.name()), |r, s| {
            r.route(
                http::Method::POST,
                path(&s),
                super::routes::Access::SignedIn,
                route(s),
            )
        })
}

async fn decide(
    code: StepCode,
    State(s): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(input): JsonBody<DecisionInput>,
) -> ApiResult<Json<Value>> {
    let id = CaseId::parse(&id).ok_or(ApiError::NotFound)?;
    let (s, code, caller, origin) = (&s, &code, &caller, &origin);
    // Authorize and parse once, against the case as it is now.
    let first = visible_case(s, id, caller).await?;
    let def = permit_of(s, &first)?;
    let Some(step) = def.step(code.as_str()) else {
        return Err(not_in_permit(&s.catalogue, &first, caller, code, def));
    };
    let first = &first;
    let read = |n: u32| async move {
        if n == 1 {
            Ok(first.clone())
        } else {
            visible_case(s, id, caller).await
        }
    };
    let case = if step.kind == StepKind::ApplicantUpload {
        let version = input
            .0
            .get("version")
            .and_then(Value::as_u64)
            .ok_or_else(|| ApiError::Validation(vec![FieldError::required("version")]))?;
        let case = retry::on_conflict(
            || ApiError::ConcurrentUpdate,
            |n| async move {
                let case = read(n).await?;
                let (def, step) = step_of(s, &case, code)?;
                let docs = s.store.documents(id).await?;
                let ch = actions::applicant_step(
                    &case,
                    def,
                    caller,
                    step,
                    &docs,
                    version,
                    &s.ctx(origin, &case),
                )?;
                Ok(commit_and_complete(s, Commit::from_change(ch)).await?)
            },
        )
        .await?;
        tracing::info!(case_id = %case.id, step = %code, "applicant step completed");
        case
    } else {
        actions::check_role(first, def, caller, step)?;
        let d = actions::parse_decision(def, step, input, wita_date(s.clock.now()))?;
        let case = retry::on_conflict(
            || ApiError::ConcurrentUpdate,
            |n| {
                let d = &d;
                async move { decision(s, code, read(n).await?, caller, origin, d).await }
            },
        )
        .await?;
        tracing::info!(case_id = %case.id, step = %code, outcome = %d.outcome, "decision");
        case
    };
    view(s, &case, caller)
}

fn step_of<'a>(
    s: &'a AppState,
    case: &Case,
    code: &StepCode,
) -> ApiResult<(&'a PermitDef, &'a StepDef)> {
    let def = permit_of(s, case)?;
    let step = def.step(code.as_str()).ok_or_else(|| {
        ApiError::InvalidState(format!("Tahap ini tidak ada pada {}.", def.short_name))
    })?;
    Ok((def, step))
}

/// One attempt at a staff decision on `case` as just read: the version and segregation of
/// duties, the numbers reserved, the documents made, one conditional commit. A lost race (the
/// case or a counter moved) is retried by the caller with a fresh read; what cannot be undone
/// is keyed by what it is, so that the retry reuses it: the letter number is reserved for the
/// case, the signed letter is stored once under that number.
async fn decision(
    s: &AppState,
    code: &StepCode,
    case: Case,
    caller: &Caller,
    origin: &crate::domain::Origin,
    d: &ParsedDecision,
) -> Result<Case, Attempt<ApiError>> {
    let (def, step) = step_of(s, &case, code)?;
    let actor = actions::authorize_decision(&case, def, caller, step, d.version)?;
    let outcome = step
        .outcome(&d.outcome)
        .ok_or_else(|| ApiError::Internal("parsed outcome unknown".into()))?;
    let claimed = claim(s, &case, def, &outcome.effects).await?;
    let mut ch = actions::decide(
        &case,
        def,
        actor,
        step,
        d.clone(),
        &claimed,
        &s.ctx(origin, &case),
    )?;
    let made = make_documents(s, &mut ch, def, &outcome.effects).await?;
    let mut commit = Commit::from_change(ch);
    commit
        .signed_documents
        .extend(made.signed.clone().map(|d| (d, None)));
    match commit_and_complete(s, commit).await {
        Ok(case) => Ok(case),
        Err(ApiError::ConcurrentUpdate) => {
            // Not stored: the drafts and bills of this attempt go (the retry makes its own).
            for key in &made.replaceable {
                if let Err(e) = s.documents.delete(key).await {
                    tracing::warn!(error = %e, "file of a lost attempt not deleted");
                }
            }
            Err(Attempt::Lost)
        }
        Err(e) => Err(Attempt::Failed(e)),
    }
}

/// The numbers and references an outcome's effects need, before anything is made: a letter's
/// and a bill's number reserved for the case (the same number on every retry: taken when the
/// case entered the step, or here for a case that entered it before numbers were reserved),
/// the proof of a payment.
async fn claim(
    s: &AppState,
    case: &Case,
    def: &PermitDef,
    effects: &[Effect],
) -> ApiResult<Claimed> {
    let year = wita_date(s.clock.now()).year();
    let holder = case.id.to_string();
    let mut claimed = Claimed::default();
    for e in effects {
        match e {
            Effect::SignLetter => {
                let n = &def.letters.number;
                let office = s.office_of(case);
                let v = reserved(s, case, &office.counter(&n.counter_name(year)), &holder).await?;
                claimed.letter_number = Some(n.format(v, year));
            }
            Effect::IssueBill => {
                if let Some(b) = &def.bill {
                    let counter = s.office_of(case).counter(&b.number.counter_name(year));
                    let v = reserved(s, case, &counter, &holder).await?;
                    claimed.bill_number = Some(b.number.format(v, year));
                }
            }
            Effect::ConfirmPayment { .. } => {
                let docs = s.store.documents(case.id).await?;
                claimed.payment_document = docs
                    .iter()
                    .filter(|d| {
                        d.status == DocumentStatus::Stored
                            && def
                                .requirement(&d.requirement)
                                .is_some_and(|r| r.step.is_some())
                    })
                    .max_by_key(|d| d.stored_at)
                    .map(|d| d.id);
            }
            _ => {}
        }
    }
    Ok(claimed)
}

async fn reserved(s: &AppState, case: &Case, counter: &str, holder: &str) -> ApiResult<u64> {
    match case.reserved_numbers.get(counter) {
        Some(v) => Ok(*v),
        None => Ok(s.store.reserve_number(counter, holder).await?),
    }
}

/// What an attempt made: the signed letter's public record, and the files that may be
/// replaced (drafts, bills) should the attempt not be stored.
#[derive(Default)]
struct Made {
    signed: Option<SignedDocument>,
    replaceable: Vec<String>,
}

async fn make_documents(
    s: &AppState,
    ch: &mut actions::Change,
    def: &PermitDef,
    effects: &[Effect],
) -> ApiResult<Made> {
    let mut made = Made::default();
    for e in effects {
        match e {
            Effect::DraftLetter { .. } => {
                let version = ch.case.letter.drafts.len() as u32;
                let file = letters::store_draft(s, &ch.case, def, version).await?;
                made.replaceable.push(file.key.clone());
                if let Some(draft) = ch.case.letter.drafts.last_mut() {
                    draft.file = Some(file);
                }
            }
            Effect::SignLetter => {
                // An acting official signs as "Plt."/"Plh." of the post (`domain::officials`).
                // Held by delegation: "Plt."/"Plh." of the post (`domain::delegation`).
                let agency = s.agency_of(&ch.case);
                let signed = ch.case.letter.signed.as_ref();
                let position = match signed.and_then(|l| l.signer.acting.as_ref()) {
                    Some(a) => format!("{} {}", a.kind.prefix(), agency.head_position),
                    None => signed
                        .and_then(|l| agency.official(&l.signer.name))
                        .map_or_else(
                            || agency.head_position.clone(),
                            |o| o.position(&agency.head_position),
                        ),
                };
                let (file, doc) = letters::sign_letter(s, &ch.case, def, &position).await?;
                if let Some(signed) = ch.case.letter.signed.as_mut() {
                    signed.document_id = Some(doc.id);
                    signed.file = Some(file);
                }
                made.signed = Some(doc);
            }
            Effect::IssueBill => {
                let file = letters::store_bill(s, &ch.case, def).await?;
                made.replaceable.push(file.key.clone());
                if let Some(b) = ch.case.bill.as_mut() {
                    b.file = Some(file);
                }
            }
            _ => {}
        }
    }
    Ok(made)
}

/// A step route called on a case whose permit has no such step: refused as the route's role
/// would be (403 to whoever holds none of the roles that decide this step code in any permit),
/// else a 409 saying so.
fn not_in_permit(
    catalogue: &Catalogue,
    case: &Case,
    caller: &Caller,
    code: &StepCode,
    def: &PermitDef,
) -> ApiError {
    let roles: Vec<&crate::domain::Role> = catalogue
        .iter()
        .filter_map(|p| p.def.step(code.as_str()))
        .map(|st| &st.role)
        .collect();
    let allowed = roles.iter().any(|r| {
        if r.is_applicant() {
            case.owner == caller.sub
        } else {
            caller.has(r)
        }
    });
    match roles.first() {
        Some(r) if !allowed => ApiError::Forbidden((*r).clone()),
        _ => ApiError::InvalidState(format!("Tahap ini tidak ada pada {}.", def.short_name)),
    }
}

fn view(s: &AppState, case: &Case, caller: &Caller) -> ApiResult<Json<Value>> {
    let def = permit_of(s, case)?;
    serde_json::to_value(case_view(case, def, caller, None, s))
        .map(Json)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use crate::domain::permit::tests_support::kantor_kas;

    #[test]
    fn letter_numbers_follow_the_permit_pattern() {
        let mut n = kantor_kas().letters.number;
        assert_eq!(n.format(7, 2026), "503/0007/SPK-KK/DPMPTSP/2026");
        assert_eq!(n.counter_name(2026), "letter-2026");
        n.pattern = "SPK/{year}/{seq}".into();
        assert_eq!(n.format(12, 2027), "SPK/2027/12");
    }
}
