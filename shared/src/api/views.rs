//! What the API shows of a case: everything a person needs, never the task token.

use crate::domain::actions::authorize_decision;
use crate::domain::case::{
    Case, Decision, DocumentRecord, DocumentStatus, Letter, Permit, Recommendation, RevisionRequest,
};
use crate::domain::deadlines::{Deadlines, StepClock, StepSpan, deadlines};
use crate::domain::requirements::Catalog;
use crate::domain::{Application, Caller, Role, Step};
use crate::services::Services;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Serialize)]
pub struct Coded {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Serialize)]
pub struct StepView {
    pub code: &'static str,
    pub sop: &'static str,
    pub title: &'static str,
    pub role: &'static str,
    pub role_label: &'static str,
    /// Whether the step waits for its decision (false while the decision is being processed).
    pub awaiting_decision: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    pub outcomes: Vec<OutcomeView>,
}

#[derive(Serialize)]
pub struct OutcomeView {
    pub code: &'static str,
    pub label: &'static str,
    pub reason_required: bool,
}

#[derive(Serialize)]
pub struct RequirementView {
    pub code: String,
    pub name: String,
    pub required: bool,
    pub kinds: Vec<&'static str>,
    pub max_bytes: u64,
    /// Latest confirmed upload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<DocumentView>,
}

#[derive(Serialize, Clone)]
pub struct DocumentView {
    pub id: uuid::Uuid,
    pub requirement: String,
    pub version: u32,
    pub file_name: String,
    pub media_type: String,
    pub status: DocumentStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stored_at: Option<DateTime<Utc>>,
}

impl From<&DocumentRecord> for DocumentView {
    fn from(d: &DocumentRecord) -> Self {
        Self {
            id: d.id,
            requirement: d.requirement.clone(),
            version: d.version,
            file_name: d.file_name.clone(),
            media_type: d.media_type.clone(),
            status: d.status,
            size: d.size,
            sha256: d.sha256.clone(),
            created_at: d.created_at,
            stored_at: d.stored_at,
        }
    }
}

#[derive(Serialize)]
pub struct CaseView<'a> {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
    pub status: Coded,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<StepView>,
    pub version: u64,
    pub application: &'a Application,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<&'a RevisionRequest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<&'a Recommendation>,
    pub letter: &'a Letter,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permit: Option<&'a Permit>,
    pub survey_answered: bool,
    pub decisions: &'a [Decision],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirements: Option<Vec<RequirementView>>,
    /// The applicant's and the agency's clocks, and the current step's deadline.
    pub deadlines: Deadlines,
    /// Every stay at a step, with its deadline.
    pub timeline: &'a [StepSpan],
    /// What the caller may do now: `edit`, `upload`, `submit`, or a step code to decide.
    pub actions: Vec<String>,
}

fn step_view(case: &Case) -> Option<StepView> {
    let s = case.step?;
    Some(StepView {
        code: s.code(),
        sop: s.sop(),
        title: s.title(),
        role: s.role().code(),
        role_label: s.role().label(),
        awaiting_decision: case.waiting_at() == Some(s),
        since: case.step_entered_at,
        outcomes: s
            .outcomes()
            .iter()
            .map(|o| OutcomeView {
                code: o.code,
                label: o.label,
                reason_required: o.reason_required,
            })
            .collect(),
    })
}

/// The actions `caller` may take on `case` now.
pub fn actions_for(case: &Case, caller: &Caller) -> Vec<String> {
    let mut out = vec![];
    if case.owner == caller.sub && case.is_editable() {
        out.extend(["edit", "upload"].map(String::from));
        if case.status == crate::domain::CaseStatus::Draft {
            out.push("submit".into());
        }
    }
    if let Some(step) = case.waiting_at()
        && authorize_decision(case, caller, step, case.version).is_ok()
    {
        let code = match step {
            Step::ApplicantRevision => "submit",
            s => s.code(),
        };
        if !out.iter().any(|a| a == code) {
            out.push(code.to_string());
        }
    }
    out
}

pub fn case_view<'a>(
    case: &'a Case,
    caller: &Caller,
    docs: Option<&[DocumentRecord]>,
    s: &Services,
) -> CaseView<'a> {
    let catalog: &Catalog = &s.catalog;
    let requirements = docs.map(|docs| {
        catalog
            .requirements
            .iter()
            .map(|r| RequirementView {
                code: r.code.clone(),
                name: r.name.clone(),
                required: r.required,
                kinds: r.kinds.iter().map(|k| k.extension()).collect(),
                max_bytes: r.max_bytes,
                document: docs
                    .iter()
                    .filter(|d| d.requirement == r.code && d.status == DocumentStatus::Stored)
                    .max_by_key(|d| d.version)
                    .map(DocumentView::from),
            })
            .collect()
    });
    CaseView {
        id: case.id.to_string(),
        registration_number: case.registration_number.as_ref().map(|r| r.to_string()),
        status: Coded {
            code: case.status.code(),
            label: case.status_label(),
        },
        step: step_view(case),
        version: case.version,
        application: &case.application,
        created_at: case.created_at,
        updated_at: case.updated_at,
        submitted_at: case.submitted_at,
        closed_at: case.closed_at,
        revision: case.revision.as_ref(),
        recommendation: case.recommendation.as_ref(),
        letter: &case.letter,
        permit: case.permit.as_ref(),
        survey_answered: case.survey_answered,
        decisions: &case.decisions,
        requirements,
        deadlines: deadlines(case, &s.calendar, &s.sla, s.clock.now()),
        timeline: &case.timeline,
        actions: actions_for(case, caller),
    }
}

/// A row of a list or work queue.
#[derive(Serialize)]
pub struct CaseSummary {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
    pub cooperative_name: String,
    pub status: Coded,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<StepView>,
    pub version: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The current step's deadline (for sorting and marking a work queue).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<StepClock>,
    pub actions: Vec<String>,
}

pub fn summary(case: &Case, caller: &Caller, s: &Services) -> CaseSummary {
    let dl = deadlines(case, &s.calendar, &s.sla, s.clock.now());
    CaseSummary {
        deadline: dl.step,
        id: case.id.to_string(),
        registration_number: case.registration_number.as_ref().map(|r| r.to_string()),
        cooperative_name: case.application.cooperative_name.clone(),
        status: Coded {
            code: case.status.code(),
            label: case.status_label(),
        },
        step: step_view(case),
        version: case.version,
        created_at: case.created_at,
        updated_at: case.updated_at,
        actions: actions_for(case, caller),
    }
}

/// The public tracking view: where a registration number stands, without personal data.
#[derive(Serialize)]
pub struct TrackView {
    pub registration_number: String,
    pub status: Coded,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<TrackStep>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Serialize)]
pub struct TrackStep {
    pub sop: &'static str,
    pub title: &'static str,
    pub role_label: &'static str,
}

pub fn track_view(case: &Case) -> Option<TrackView> {
    Some(TrackView {
        registration_number: case.registration_number.as_ref()?.to_string(),
        status: Coded {
            code: case.status.code(),
            label: case.status_label(),
        },
        step: case.step.map(|s| TrackStep {
            sop: s.sop(),
            title: s.title(),
            role_label: s.role().label(),
        }),
        submitted_at: case.submitted_at,
        updated_at: case.updated_at,
    })
}

/// Roles shown to a user (the console's menu).
pub fn role_views(roles: &[Role]) -> Vec<Coded> {
    roles
        .iter()
        .map(|r| Coded {
            code: r.code(),
            label: r.label(),
        })
        .collect()
}
