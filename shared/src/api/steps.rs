//! Staff decisions at the human steps (SOP g, i, j — `verify`; k, l — `recommend`; m, n, o, p,
//! r — `sign`): check role, state, version and segregation of duties, record the decision and
//! its audit event in one conditional write, then complete the waiting workflow task.

use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, RequestOrigin};
use super::views::case_view;
use super::{AppState, commit_and_complete};
use crate::domain::actions::{self, Ctx, DecisionInput};
use crate::domain::time::wita_date;
use crate::domain::{Caller, CaseId, Step};
use crate::ports::store::{Commit, CounterClaim};
use axum::Json;
use axum::extract::{Path, State};
use axum::routing::{MethodRouter, post};
use chrono::Datelike;
use serde_json::Value;

/// Number of a signed letter: `503/0001/SPK-KK/DPMPTSP/2026` — 503 is the archive
/// classification of licensing (perizinan) in the regional archive classification, then a
/// sequence per year without gaps, the letter's kind, the agency and the year.
pub fn letter_number(seq: u64, year: i32) -> String {
    format!("503/{seq:04}/SPK-KK/DPMPTSP/{year}")
}

/// The route of one step: `POST /cases/{id}/steps/<step>`.
pub fn route(step: Step) -> MethodRouter<AppState> {
    post(
        move |state: State<AppState>,
              path: Path<String>,
              caller: Caller,
              origin: RequestOrigin,
              body: JsonBody<DecisionInput>| {
            decide(step, state, path, caller, origin, body)
        },
    )
}

pub fn path(step: Step) -> String {
    format!("/cases/{{id}}/steps/{}", step.code())
}

async fn decide(
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
                Some(letter_number(next, wita_date(now).year()))
            }
            _ => None,
        };
        let outcome = d.outcome;
        let ch = actions::decide(
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
        let mut commit = Commit::from_change(ch);
        commit.counters.extend(claim);
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
    fn letter_numbers() {
        assert_eq!(
            super::letter_number(7, 2026),
            "503/0007/SPK-KK/DPMPTSP/2026"
        );
    }
}
