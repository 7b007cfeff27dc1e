//! SOP q: the applicant fills the satisfaction survey (the `survey` function).

use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, RequestOrigin};
use super::views::case_view;
use super::{AppState, commit_and_complete, load_visible};
use crate::domain::Caller;
use crate::domain::Step;
use crate::domain::actions::{self, Ctx};
use crate::domain::survey::{EDUCATIONS, ELEMENTS, OCCUPATIONS, SEXES, SurveyInput};
use crate::ports::store::Commit;
use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

/// GET /survey/questions — the nine elements with the regulation's answer wording.
pub async fn questions() -> Json<Value> {
    let elements: Vec<Value> = ELEMENTS
        .iter()
        .map(|e| {
            json!({
                "code": e.code,
                "name": e.name,
                "question": e.question,
                "answers": e.answers.iter().enumerate()
                    .map(|(i, a)| json!({"score": i + 1, "label": a}))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    Json(json!({
        "source": "Peraturan Menteri PANRB Nomor 14 Tahun 2017",
        "elements": elements,
        "profile": {"sex": SEXES, "education": EDUCATIONS, "occupation": OCCUPATIONS},
    }))
}

/// POST /cases/{id}/survey — one response per case, at step q; it cannot be changed later.
pub async fn answer(
    State(s): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(input): JsonBody<SurveyInput>,
) -> ApiResult<Json<Value>> {
    let case = load_visible(&s, &id, &caller).await?;
    actions::check_role(&case, &caller, Step::Survey)?;
    let now = s.clock.now();
    let (version, response) = input.parse(case.id, now).map_err(ApiError::Validation)?;
    let ch = actions::answer_survey(
        &case,
        &caller,
        version,
        &Ctx {
            now,
            origin: &origin,
            calendar: &s.calendar,
        },
    )?;
    let mut commit = Commit::from_change(ch);
    commit.surveys.push(response);
    let case = commit_and_complete(&s, commit).await?;
    tracing::info!(case_id = %case.id, "survey answered");
    serde_json::to_value(case_view(&case, &caller, None, &s))
        .map(Json)
        .map_err(|e| ApiError::Internal(e.to_string()))
}
