//! What the API shows of a case: everything a person needs, never the task token. Labels, step
//! titles and form definitions come from the case's permit.

use crate::domain::actions::{authorize_decision, is_editable};
use crate::domain::case::{
    Bill, Case, Decision, DocumentRecord, DocumentStatus, FeeAssessment, Issuance, Letter, Payment,
    Recommendation, RevisionRequest,
};
use crate::domain::deadlines::{Deadlines, StepClock, StepSpan, deadlines};
use crate::domain::permit::form::FormData;
use crate::domain::permit::{FieldDef, PermitDef, StepDef, StepKind};
use crate::domain::{Caller, Role};
use crate::services::Services;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Serialize)]
pub struct Coded {
    pub code: String,
    pub label: String,
}

/// Which permit a case is of.
#[derive(Serialize)]
pub struct PermitRef {
    pub code: String,
    pub name: String,
    pub short_name: String,
}

impl PermitRef {
    pub fn of(def: &PermitDef) -> Self {
        Self {
            code: def.code.to_string(),
            name: def.name.clone(),
            short_name: def.short_name.clone(),
        }
    }
}

#[derive(Serialize)]
pub struct StepView<'a> {
    pub code: &'a str,
    pub sop: &'a str,
    pub title: &'a str,
    pub kind: StepKind,
    pub role: &'a str,
    pub role_label: String,
    /// Whether the step waits for its decision (false while the decision is being processed).
    pub awaiting_decision: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    pub outcomes: Vec<OutcomeView<'a>>,
    /// The decision's fields (the console renders its form from them).
    pub fields: &'a [FieldDef],
}

#[derive(Serialize)]
pub struct OutcomeView<'a> {
    pub code: &'a str,
    pub label: &'a str,
    pub positive: bool,
    pub reason_required: bool,
}

#[derive(Serialize)]
pub struct RequirementView {
    pub code: String,
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Required for this application (a conditional requirement, by its values).
    pub required: bool,
    /// Uploaded at this step rather than with the application.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
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
    pub permit: PermitRef,
    /// The office applied to.
    pub office: OfficeRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
    pub status: Coded,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<StepView<'a>>,
    pub version: u64,
    pub application: &'a FormData,
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
    /// The permit as issued in the national system (e.g. OSS), once recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuance: Option<&'a Issuance>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee: Option<&'a FeeAssessment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bill: Option<&'a Bill>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment: Option<&'a Payment>,
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

fn step_view<'a>(case: &Case, def: &'a PermitDef) -> Option<StepView<'a>> {
    let s: &StepDef = def.step(case.step.as_ref()?.as_str())?;
    Some(StepView {
        code: s.code.as_str(),
        sop: &s.sop,
        title: &s.title,
        kind: s.kind,
        role: s.role.code(),
        role_label: s.role.label(),
        awaiting_decision: case.is_waiting_at(s.code.as_str()),
        since: case.step_entered_at,
        outcomes: s
            .outcomes
            .iter()
            .map(|o| OutcomeView {
                code: &o.code,
                label: &o.label,
                positive: o.positive,
                reason_required: o.reason_required,
            })
            .collect(),
        fields: &s.fields,
    })
}

/// The actions `caller` may take on `case` now.
pub fn actions_for(case: &Case, def: &PermitDef, caller: &Caller) -> Vec<String> {
    let mut out = vec![];
    if case.owner == caller.sub && is_editable(case, def) {
        out.extend(["edit", "upload"].map(String::from));
        if case.status == crate::domain::CaseStatus::Draft {
            out.push("submit".into());
        }
    }
    if let Some(step) = case.waiting_at().and_then(|st| def.step(st.as_str()))
        && authorize_decision(case, def, caller, step, case.version).is_ok()
    {
        let code = match step.kind {
            StepKind::ApplicantRevision => "submit".to_string(),
            StepKind::ApplicantUpload => {
                if !out.iter().any(|a| a == "upload") {
                    out.push("upload".into());
                }
                step.code.to_string()
            }
            _ => step.code.to_string(),
        };
        if !out.contains(&code) {
            out.push(code);
        }
    }
    out
}

pub fn status(case: &Case) -> Coded {
    Coded {
        code: case.status.code().into(),
        label: case.status_label().into(),
    }
}

pub fn requirement_views(
    case: &Case,
    def: &PermitDef,
    docs: &[DocumentRecord],
) -> Vec<RequirementView> {
    def.requirements
        .iter()
        .map(|r| RequirementView {
            code: r.code.clone(),
            name: r.name.clone(),
            description: r.description.clone(),
            required: r.required_for(&case.application),
            step: r.step.as_ref().map(|s| s.to_string()),
            kinds: r.kinds.iter().map(|k| k.extension()).collect(),
            max_bytes: r.max_bytes,
            document: docs
                .iter()
                .filter(|d| d.requirement == r.code && d.status == DocumentStatus::Stored)
                .max_by_key(|d| d.version)
                .map(DocumentView::from),
        })
        .collect()
}

pub fn case_view<'a>(
    case: &'a Case,
    def: &'a PermitDef,
    caller: &Caller,
    docs: Option<&[DocumentRecord]>,
    s: &Services,
) -> CaseView<'a> {
    CaseView {
        id: case.id.to_string(),
        permit: PermitRef::of(def),
        office: OfficeRef::of(s.office_of(case)),
        registration_number: case.registration_number.as_ref().map(|r| r.to_string()),
        status: status(case),
        step: step_view(case, def),
        version: case.version,
        application: &case.application,
        created_at: case.created_at,
        updated_at: case.updated_at,
        submitted_at: case.submitted_at,
        closed_at: case.closed_at,
        revision: case.revision.as_ref(),
        recommendation: case.recommendation.as_ref(),
        letter: &case.letter,
        issuance: case.issuance.as_ref(),
        fee: case.fee.as_ref(),
        bill: case.bill.as_ref(),
        payment: case.payment.as_ref(),
        survey_answered: case.survey_answered,
        decisions: &case.decisions,
        requirements: docs.map(|docs| requirement_views(case, def, docs)),
        deadlines: deadlines(case, def, s.calendar_of(case), s.clock.now()),
        timeline: &case.timeline,
        actions: actions_for(case, def, caller),
    }
}

/// The applicant's own view of their case: what was decided, by which role and official, and
/// why — not the staff's account ids (`sub`) nor the letter's internal drafts and their notes
/// (the signed letter is theirs).
pub fn for_applicant(v: &mut serde_json::Value) {
    fn strip_subs(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(o) => {
                // An actor: `sub` beside `name`.
                if o.contains_key("sub") && o.contains_key("name") {
                    o.remove("sub");
                }
                o.values_mut().for_each(strip_subs);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip_subs),
            _ => {}
        }
    }
    if let Some(letter) = v
        .get_mut("letter")
        .and_then(serde_json::Value::as_object_mut)
    {
        letter.remove("drafts");
    }
    strip_subs(v);
}

/// A row of a list or work queue.
#[derive(Serialize)]
pub struct CaseSummary<'a> {
    pub id: String,
    pub permit: PermitRef,
    pub office: OfficeRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
    /// Who the permit is for (the permit's `holder` field).
    pub holder: String,
    pub status: Coded,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<StepView<'a>>,
    pub version: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The current step's deadline (for sorting and marking a work queue).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<StepClock>,
    pub actions: Vec<String>,
}

pub fn summary<'a>(case: &Case, caller: &Caller, s: &'a Services) -> Option<CaseSummary<'a>> {
    let def = s.permit_of(case)?;
    let dl = deadlines(case, def, s.calendar_of(case), s.clock.now());
    Some(CaseSummary {
        deadline: dl.step,
        id: case.id.to_string(),
        permit: PermitRef::of(def),
        office: OfficeRef::of(s.office_of(case)),
        registration_number: case.registration_number.as_ref().map(|r| r.to_string()),
        holder: def.holder_of(&case.application),
        status: status(case),
        step: step_view(case, def),
        version: case.version,
        created_at: case.created_at,
        updated_at: case.updated_at,
        actions: actions_for(case, def, caller),
    })
}

/// The public tracking view: where a registration number stands, without personal data.
/// An office as a case names it (`GET /offices` has the rest).
#[derive(Debug, Clone, Serialize)]
pub struct OfficeRef {
    pub code: String,
    pub name: String,
}

impl OfficeRef {
    pub fn of(o: &crate::domain::office::Office) -> Self {
        Self {
            code: o.code().to_string(),
            name: o.def.name.clone(),
        }
    }
}

#[derive(Serialize)]
pub struct TrackView {
    pub registration_number: String,
    pub permit: PermitRef,
    /// Which office has the case (tracking works across offices: public facts only).
    pub office: OfficeRef,
    pub status: Coded,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<TrackStep>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Serialize)]
pub struct TrackStep {
    pub sop: String,
    pub title: String,
    pub role_label: String,
}

pub fn track_view(case: &Case, s: &Services) -> Option<TrackView> {
    let def = s.permit_of(case)?;
    Some(TrackView {
        registration_number: case.registration_number.as_ref()?.to_string(),
        permit: PermitRef::of(def),
        office: OfficeRef::of(s.office_of(case)),
        status: status(case),
        step: case
            .step
            .as_ref()
            .and_then(|st| def.step(st.as_str()))
            .map(|st| TrackStep {
                sop: st.sop.clone(),
                title: st.title.clone(),
                role_label: st.role.label(),
            }),
        submitted_at: case.submitted_at,
        updated_at: case.updated_at,
    })
}

/// An audit event as the API shows it: the stored event, with the acting role's title beside its
/// code (`actor.role_label`).
pub fn event_json(e: &crate::domain::case::AuditEvent) -> serde_json::Value {
    let mut v = serde_json::to_value(e).unwrap_or(serde_json::Value::Null);
    if let Some(role) = &e.actor.role {
        v["actor"]["role_label"] = serde_json::Value::String(role.label());
    }
    v
}

/// What `roles` may do outside the permits' steps (their capabilities in `infra/roles.json`),
/// each once, in the order the roles give them.
pub fn capabilities(roles: &[Role]) -> Vec<crate::domain::roles::Capability> {
    let mut out = vec![];
    for r in roles {
        if let Some(d) = crate::domain::roles::Roles::current().get(r.code()) {
            for c in &d.capabilities {
                if !out.contains(c) {
                    out.push(*c);
                }
            }
        }
    }
    out
}

/// Roles shown to a user (the console's menu).
pub fn role_views(roles: &[Role]) -> Vec<Coded> {
    roles
        .iter()
        .map(|r| Coded {
            code: r.code().to_string(),
            label: r.label(),
        })
        .collect()
}
