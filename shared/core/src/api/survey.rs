//! SOP q: the applicant fills the satisfaction survey (the `survey` function).

use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, RequestOrigin};
use super::views::case_view;
use super::{AppState, commit_and_complete, load_visible, permit_of};
use crate::domain::Caller;
use crate::domain::actions;
use crate::domain::permit::StepKind;
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

/// POST /cases/{id}/survey — one response per case, at the permit's survey step (SOP q of the
/// seed); it cannot be changed later.
pub async fn answer(
    State(s): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    JsonBody(input): JsonBody<SurveyInput>,
) -> ApiResult<Json<Value>> {
    let case = load_visible(&s, &id, &caller).await?;
    let def = permit_of(&s, &case)?;
    let step = def
        .steps
        .iter()
        .find(|st| st.kind == StepKind::Survey)
        .ok_or_else(|| {
            ApiError::InvalidState(format!(
                "{} tidak memiliki tahap survei kepuasan masyarakat.",
                def.short_name
            ))
        })?;
    actions::check_role(&case, def, &caller, step)?;
    let now = s.clock.now();
    let (version, mut response) = input
        .parse(case.id, def.code.clone(), now)
        .map_err(ApiError::Validation)?;
    response.office = case.office.clone();
    let ch = actions::applicant_step(
        &case,
        def,
        &caller,
        step,
        &[],
        version,
        &s.ctx(&origin, &case),
    )?;
    let mut commit = Commit::from_change(ch);
    commit.surveys.push(response);
    let case = commit_and_complete(&s, commit).await?;
    tracing::info!(case_id = %case.id, "survey answered");
    serde_json::to_value(case_view(&case, def, &caller, None, &s))
        .map(Json)
        .map_err(|e| ApiError::Internal(e.to_string()))
}
