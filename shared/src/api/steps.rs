//! Decisions at a permit's human steps, one route per step code (`POST /cases/{id}/steps/<step>`)
//! in the function the permit's data names (`verify`, `recommend`, `sign` for staff decisions,
//! `upload` for the applicant's upload steps): check role, state, version and segregation of
//! duties, apply the outcome's effects, record the decision and its audit event in one
//! conditional write, then complete the waiting workflow task.

use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, RequestOrigin};
use super::views::case_view;
use super::{AppState, commit_and_complete, letters, permit_of};
use crate::catalogue::Catalogue;
use crate::domain::actions::{self, Claimed, DecisionInput};
use crate::domain::case::{SignedDocument, StoredFile};
use crate::domain::permit::{Effect, Function, PermitDef, StepCode, StepKind};
use crate::domain::time::wita_date;
use crate::domain::validation::FieldError;
use crate::domain::{Caller, Case, CaseId, DocumentStatus};
use crate::ports::store::{Commit, CounterClaim};
use axum::Json;
use axum::extract::{Path, State};
use axum::routing::{MethodRouter, post};
use chrono::Datelike;
use serde_json::Value;

/// The documents a decision produces: every draft of the letter as a PDF (`draft_letter`), the
/// signed letter (`sign_letter`) and the bill (`issue_bill`). Static dispatch, so that only the
/// function that serves those steps (`sign`) links the PDF code and its fonts: `verify` and
/// `recommend` stay small.
pub trait LetterFiles: Send + Sync + 'static {
    fn draft(
        s: &AppState,
        case: &Case,
        def: &PermitDef,
        version: u32,
    ) -> impl Future<Output = ApiResult<StoredFile>> + Send;
    fn sign(
        s: &AppState,
        case: &Case,
        def: &PermitDef,
    ) -> impl Future<Output = ApiResult<(StoredFile, SignedDocument)>> + Send;
    fn bill(
        s: &AppState,
        case: &Case,
        def: &PermitDef,
    ) -> impl Future<Output = ApiResult<StoredFile>> + Send;
}

/// The PDF letters and bills (`api::letters`).
pub struct PdfLetters;

impl LetterFiles for PdfLetters {
    async fn draft(
        s: &AppState,
        case: &Case,
        def: &PermitDef,
        version: u32,
    ) -> ApiResult<StoredFile> {
        letters::store_draft(s, case, def, version).await
    }
    async fn sign(
        s: &AppState,
        case: &Case,
        def: &PermitDef,
    ) -> ApiResult<(StoredFile, SignedDocument)> {
        letters::sign_letter(s, case, def, &s.agency.head_position).await
    }
    async fn bill(s: &AppState, case: &Case, def: &PermitDef) -> ApiResult<StoredFile> {
        letters::store_bill(s, case, def).await
    }
}

/// For functions whose steps produce no document (the catalogue refuses a document effect on a
/// step of theirs when it loads).
pub struct NoLetters;

impl LetterFiles for NoLetters {
    async fn draft(_: &AppState, _: &Case, _: &PermitDef, _: u32) -> ApiResult<StoredFile> {
        Err(ApiError::Internal(
            "letter drafts are made by the sign function".into(),
        ))
    }
    async fn sign(
        _: &AppState,
        _: &Case,
        _: &PermitDef,
    ) -> ApiResult<(StoredFile, SignedDocument)> {
        Err(ApiError::Internal(
            "letters are signed by the sign function".into(),
        ))
    }
    async fn bill(_: &AppState, _: &Case, _: &PermitDef) -> ApiResult<StoredFile> {
        Err(ApiError::Internal(
            "bills are made by the sign function".into(),
        ))
    }
}

/// The route of one step: `POST /cases/{id}/steps/<step>`.
pub fn route<L: LetterFiles>(step: StepCode) -> MethodRouter<AppState> {
    post(
        move |state: State<AppState>,
              path: Path<String>,
              caller: Caller,
              origin: RequestOrigin,
              body: JsonBody<DecisionInput>| {
            decide::<L>(step.clone(), state, path, caller, origin, body)
        },
    )
}

pub fn path(step: &StepCode) -> String {
    format!("/cases/{{id}}/steps/{step}")
}

/// The routes of the steps the catalogue gives `function`; `L` makes the documents
/// (`PdfLetters` in `sign`, `NoLetters` elsewhere).
pub fn routes<L: LetterFiles>(function: Function, catalogue: &Catalogue) -> super::routes::Routes {
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
                route::<L>(s),
            )
        })
}

/// The counters an outcome of `step` may claim in any permit (read with the case, in one
/// round trip): letter numbers and bill numbers of `year`.
fn counters(catalogue: &Catalogue, step: &StepCode, year: i32) -> Vec<String> {
    let mut out = vec![];
    for p in catalogue.iter() {
        let Some(s) = p.def.step(step.as_str()) else {
            continue;
        };
        for o in &s.outcomes {
            for e in &o.effects {
                let name = match e {
                    Effect::SignLetter => Some(p.def.letters.number.counter_name(year)),
                    Effect::IssueBill => p.def.bill.as_ref().map(|b| b.number.counter_name(year)),
                    _ => None,
                };
                if let Some(n) = name
                    && !out.contains(&n)
                {
                    out.push(n);
                }
            }
        }
    }
    out
}

async fn decide<L: LetterFiles>(
    code: StepCode,
    State(s): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(input): JsonBody<DecisionInput>,
) -> ApiResult<Json<Value>> {
    let id = CaseId::parse(&id).ok_or(ApiError::NotFound)?;
    let year = wita_date(s.clock.now()).year();
    let names = counters(&s.catalogue, &code, year);
    let mut input = Some(input);
    let mut parsed = None;
    let mut attempt = 0;
    let case = loop {
        attempt += 1;
        let (case, values) = if names.is_empty() {
            (s.store.case(id).await?, vec![])
        } else {
            s.store.case_and_counters(id, &names).await?
        };
        let case = case
            .filter(|c| caller.can_see(c))
            .ok_or(ApiError::NotFound)?;
        let def = permit_of(&s, &case)?;
        let Some(step) = def.step(code.as_str()) else {
            return Err(not_in_permit(&s.catalogue, &case, &caller, &code, def));
        };
        if step.kind == StepKind::ApplicantUpload {
            let body = input.take().unwrap_or_default();
            let version = body
                .0
                .get("version")
                .and_then(Value::as_u64)
                .ok_or_else(|| ApiError::Validation(vec![FieldError::required("version")]))?;
            let docs = s.store.documents(id).await?;
            let ch = actions::applicant_step(
                &case,
                def,
                &caller,
                step,
                &docs,
                version,
                &s.ctx(&origin),
            )?;
            let case = commit_and_complete(&s, Commit::from_change(ch)).await?;
            tracing::info!(case_id = %case.id, step = %code, "applicant step completed");
            return view(&s, &case, &caller);
        }
        let d = match (&parsed, input.take()) {
            (Some(d), _) => Clone::clone(d),
            (None, Some(input)) => {
                actions::check_role(&case, &caller, step)?;
                let today = wita_date(s.clock.now());
                let d = actions::parse_decision(def, step, input, today)?;
                parsed = Some(d.clone());
                d
            }
            (None, None) => return Err(ApiError::Internal("decision input lost".into())),
        };
        let actor = actions::authorize_decision(&case, def, &caller, step, d.version)?;
        let outcome = step
            .outcome(&d.outcome)
            .ok_or_else(|| ApiError::Internal("parsed outcome unknown".into()))?;
        let mut claimed = Claimed::default();
        let mut claims = vec![];
        let next_of = |counter: &str| {
            names
                .iter()
                .position(|n| n == counter)
                .and_then(|i| values.get(i))
                .map_or(1, |v| v + 1)
        };
        for e in &outcome.effects {
            match e {
                Effect::SignLetter => {
                    let name = def.letters.number.counter_name(year);
                    let next = next_of(&name);
                    claimed.letter_number = Some(def.letters.number.format(next, year));
                    claims.push(CounterClaim { name, value: next });
                }
                Effect::IssueBill => {
                    if let Some(b) = &def.bill {
                        let name = b.number.counter_name(year);
                        let next = next_of(&name);
                        claimed.bill_number = Some(b.number.format(next, year));
                        claims.push(CounterClaim { name, value: next });
                    }
                }
                Effect::ConfirmPayment { .. } => {
                    let docs = s.store.documents(id).await?;
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
        let effects = outcome.effects.clone();
        let mut ch = actions::decide(&case, def, actor, step, d, &claimed, &s.ctx(&origin))?;
        let mut signed_doc = None;
        for e in &effects {
            match e {
                Effect::DraftLetter { .. } => {
                    let version = ch.case.letter.drafts.len() as u32;
                    let file = L::draft(&s, &ch.case, def, version).await?;
                    if let Some(draft) = ch.case.letter.drafts.last_mut() {
                        draft.file = Some(file);
                    }
                }
                Effect::SignLetter => {
                    let (file, doc) = L::sign(&s, &ch.case, def).await?;
                    if let Some(signed) = ch.case.letter.signed.as_mut() {
                        signed.document_id = Some(doc.id);
                        signed.file = Some(file);
                    }
                    signed_doc = Some(doc);
                }
                Effect::IssueBill => {
                    let file = L::bill(&s, &ch.case, def).await?;
                    if let Some(b) = ch.case.bill.as_mut() {
                        b.file = Some(file);
                    }
                }
                _ => {}
            }
        }
        let outcome_code = outcome.code.clone();
        let mut commit = Commit::from_change(ch);
        commit.counters.extend(claims);
        commit
            .signed_documents
            .extend(signed_doc.map(|d| (d, None)));
        match commit_and_complete(&s, commit).await {
            // Lost a race that was not about the caller's version (a counter, an automatic
            // event): read again and retry; a stale version then answers 409 from the check.
            Err(ApiError::ConcurrentUpdate) if attempt < 5 => continue,
            Err(e) => return Err(e),
            Ok(case) => {
                tracing::info!(case_id = %case.id, step = %code, outcome = %outcome_code, "decision");
                break case;
            }
        }
    };
    view(&s, &case, &caller)
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
