//! Staff decisions at the human steps (SOP g, i, j — `verify`; k, l — `recommend`; m, n, o, p,
//! r — `sign`): check role, state, version and segregation of duties, record the decision and
//! its audit event in one conditional write, then complete the waiting workflow task.

use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, RequestOrigin};
use super::views::case_view;
use super::{AppState, commit_and_complete, letters};
use crate::domain::actions::{self, Ctx, DecisionInput};
use crate::domain::case::SignedDocument;
use crate::domain::case::StoredFile;
use crate::domain::time::wita_date;
use crate::domain::{Caller, Case, CaseId, Step};
use crate::ports::store::{Commit, CounterClaim};
use axum::Json;
use axum::extract::{Path, State};
use axum::routing::{MethodRouter, post};
use chrono::Datelike;
use serde_json::Value;

/// The letter's documents a decision produces: every draft as a PDF (SOP m) and the signed
/// letter (SOP p). Static dispatch, so that only the function that serves those steps (`sign`)
/// links the PDF code and its fonts: `verify` and `recommend` stay small.
pub trait LetterFiles: Send + Sync + 'static {
    fn draft(
        s: &AppState,
        case: &Case,
        version: u32,
    ) -> impl Future<Output = ApiResult<StoredFile>> + Send;
    fn sign(
        s: &AppState,
        case: &Case,
    ) -> impl Future<Output = ApiResult<(StoredFile, SignedDocument)>> + Send;
}

/// The PDF letters (`api::letters`).
pub struct PdfLetters;

impl LetterFiles for PdfLetters {
    async fn draft(s: &AppState, case: &Case, version: u32) -> ApiResult<StoredFile> {
        letters::store_draft(s, case, version).await
    }
    async fn sign(s: &AppState, case: &Case) -> ApiResult<(StoredFile, SignedDocument)> {
        letters::sign_letter(s, case, &s.agency.head_position).await
    }
}

/// For functions whose steps produce no letter.
pub struct NoLetters;

impl LetterFiles for NoLetters {
    async fn draft(_: &AppState, _: &Case, _: u32) -> ApiResult<StoredFile> {
        Err(ApiError::Internal(
            "letter drafts are made by the sign function".into(),
        ))
    }
    async fn sign(_: &AppState, _: &Case) -> ApiResult<(StoredFile, SignedDocument)> {
        Err(ApiError::Internal(
            "letters are signed by the sign function".into(),
        ))
    }
}

/// The route of one step: `POST /cases/{id}/steps/<step>`.
pub fn route<L: LetterFiles>(step: Step) -> MethodRouter<AppState> {
    post(
        move |state: State<AppState>,
              path: Path<String>,
              caller: Caller,
              origin: RequestOrigin,
              body: JsonBody<DecisionInput>| {
            decide::<L>(step, state, path, caller, origin, body)
        },
    )
}

pub fn path(step: Step) -> String {
    format!("/cases/{{id}}/steps/{}", step.code())
}

/// The routes of a function's steps; `L` makes the letter's files (`PdfLetters` in `sign`,
/// `NoLetters` elsewhere).
pub fn routes<L: LetterFiles>(function: &'static str, steps: &[Step]) -> super::routes::Routes {
    debug_assert!(
        std::any::TypeId::of::<L>() != std::any::TypeId::of::<NoLetters>()
            || !steps
                .iter()
                .any(|s| matches!(s, Step::LetterDrafting | Step::HeadSignature)),
        "letter steps need PdfLetters"
    );
    steps
        .iter()
        .fold(super::routes::Routes::new(function), |r, s| {
            r.route(
                http::Method::POST,
                path(*s),
                super::routes::Access::SignedIn,
                route::<L>(*s),
            )
        })
}

async fn decide<L: LetterFiles>(
    step: Step,
    State(s): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(input): JsonBody<DecisionInput>,
) -> ApiResult<Json<Value>> {
    let id = CaseId::parse(&id).ok_or(ApiError::NotFound)?;
    // The signature claims the next letter number: read it with the case, in one round trip.
    let counter = (step == Step::HeadSignature)
        .then(|| format!("letter-{}", wita_date(s.clock.now()).year()));
    let mut input = Some(input);
    let mut parsed = None;
    let mut attempt = 0;
    let case = loop {
        attempt += 1;
        let (case, last_number) = match &counter {
            Some(name) => s.store.case_and_counter(id, name).await?,
            None => (s.store.case(id).await?, 0),
        };
        let case = case
            .filter(|c| caller.can_see(c))
            .ok_or(ApiError::NotFound)?;
        let d = match (&parsed, input.take()) {
            (Some(d), _) => Clone::clone(d),
            (None, Some(input)) => {
                actions::check_role(&case, &caller, step)?;
                let today = wita_date(s.clock.now());
                let d = actions::parse_decision(step, input, &s.catalog, today)?;
                parsed = Some(d.clone());
                d
            }
            (None, None) => return Err(ApiError::Internal("decision input lost".into())),
        };
        let actor = actions::authorize_decision(&case, &caller, step, d.version)?;
        let now = s.clock.now();
        let mut claim = None;
        let number = match (&counter, d.outcome) {
            (Some(name), "sign") => {
                let next = last_number + 1;
                claim = Some(CounterClaim {
                    name: name.clone(),
                    value: next,
                });
                Some(s.agency.letter_number(next, wita_date(now).year()))
            }
            _ => None,
        };
        let outcome = d.outcome;
        let mut ch = actions::decide(
            &case,
            actor,
            step,
            d,
            number,
            &Ctx {
                now,
                origin: &origin,
                calendar: &s.calendar,
            },
        )?;
        // SOP m: every draft version is a PDF; SOP p: the signed letter.
        let mut signed_doc = None;
        match (step, outcome) {
            (Step::LetterDrafting, _) => {
                let version = ch.case.letter.drafts.len() as u32;
                let file = L::draft(&s, &ch.case, version).await?;
                if let Some(draft) = ch.case.letter.drafts.last_mut() {
                    draft.file = Some(file);
                }
            }
            (Step::HeadSignature, "sign") => {
                let (file, doc) = L::sign(&s, &ch.case).await?;
                if let Some(signed) = ch.case.letter.signed.as_mut() {
                    signed.document_id = Some(doc.id);
                    signed.file = Some(file);
                }
                signed_doc = Some(doc);
            }
            _ => {}
        }
        let mut commit = Commit::from_change(ch);
        commit.counters.extend(claim);
        commit
            .signed_documents
            .extend(signed_doc.map(|d| (d, None)));
        match commit_and_complete(&s, commit).await {
            // Lost a race that was not about the caller's version (a counter, an automatic
            // event): read again and retry; a stale version then answers 409 from the check.
            Err(ApiError::ConcurrentUpdate) if attempt < 5 => continue,
            Err(e) => return Err(e),
            Ok(case) => {
                tracing::info!(case_id = %case.id, step = step.code(), outcome, "decision");
                break case;
            }
        }
    };
    serde_json::to_value(case_view(&case, &caller, None, &s))
        .map(Json)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn letter_numbers_follow_the_configured_pattern() {
        let mut a = crate::domain::notices::Agency::default();
        assert_eq!(a.letter_number(7, 2026), "503/0007/SPK-KK/DPMPTSP/2026");
        a.letter_number_pattern = "SPK/{year}/{seq}".into();
        assert_eq!(a.letter_number(12, 2027), "SPK/2027/12");
    }
}
