//! Staff decisions at the human steps (SOP g, i, j — `verify`; k, l — `recommend`; m, n, o, p,
//! r — `sign`): check role, state, version and segregation of duties, record the decision and
//! its audit event in one conditional write, then complete the waiting workflow task.

use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, RequestOrigin};
use super::views::case_view;
use super::{AppState, commit_and_complete, load_visible, with_retries};
use crate::domain::actions::{self, Ctx, DecisionInput};
use crate::domain::time::wita_date;
use crate::domain::{Caller, Step};
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
    let case = load_visible(&s, &id, &caller).await?;
    actions::check_role(&case, &caller, step)?;
    let today = wita_date(s.clock.now());
    let parsed = actions::parse_decision(step, input, &s.catalog, today)?;
    let case = with_retries(|| async {
        let case = s.store.case(case.id).await?.ok_or(ApiError::NotFound)?;
        let actor = actions::authorize_decision(&case, &caller, step, parsed.version)?;
        let now = s.clock.now();
        let mut claim = None;
        let number = if step == Step::HeadSignature && parsed.outcome == "sign" {
            let year = wita_date(now).year();
            let name = format!("letter-{year}");
            let next = s.store.counter(&name).await? + 1;
            claim = Some(CounterClaim { name, value: next });
            Some(letter_number(next, year))
        } else {
            None
        };
        let ch = actions::decide(&case, actor, step, parsed.clone(), number, &Ctx { now, origin: &origin })?;
        let mut commit = Commit::from_change(ch);
        commit.counters.extend(claim);
        tracing::info!(case_id = %case.id, step = step.code(), outcome = parsed.outcome, "decision");
        commit_and_complete(&s, commit).await
    })
    .await?;
    let docs = s.store.documents(case.id).await?;
    serde_json::to_value(case_view(&case, &caller, Some(&docs), &s.catalog))
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
