//! What each action does to a case, without I/O: the handlers load, call one of these, and
//! commit the returned change (case + audit events) with a conditional write.

use super::application::{Application, check_branch_activity};
use super::calendar::Calendar;
use super::case::{
    Actor, AuditEvent, Case, CaseStatus, Decision, Details, DocumentRecord, DocumentStatus,
    EventDraft, LetterDraft, LetterKind, Origin, PendingCompletion, Permit, Recommendation,
    RegistrationNumber, RevisionRequest, SignedLetter,
};
use super::deadlines::{StepRecord, StepSpan};
use super::identity::Caller;
use super::requirements::Catalog;
use super::roles::Role;
use super::steps::Step;
use super::time::wita_date;
use super::validation::{self, Errors, FieldError};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DomainError {
    /// The case does not exist or the caller may not know it exists.
    #[error("case not found")]
    NotFound,
    #[error("role {required} required")]
    Forbidden { required: Role },
    /// The same person decided the previous staff step of this case.
    #[error("segregation of duties")]
    Segregation,
    #[error("invalid state: {0}")]
    InvalidState(String),
    #[error("stale version {given}, current {current}")]
    VersionConflict { given: u64, current: u64 },
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("requirements incomplete")]
    RequirementsIncomplete(Vec<FieldError>),
}

/// A change to commit: the new case (its version raised by one) and its audit events.
#[derive(Debug, Clone)]
pub struct Change {
    pub case: Case,
    pub expected_version: u64,
    pub events: Vec<AuditEvent>,
    /// Stays at a step that ended with this change (for the SLA report).
    pub records: Vec<StepRecord>,
}

/// Context of one action.
pub struct Ctx<'a> {
    pub now: DateTime<Utc>,
    pub origin: &'a Origin,
    pub calendar: &'a Calendar,
}

/// Ends the open stay at a step (if any) and returns its record.
fn close_span(
    case: &mut Case,
    outcome: &str,
    now: DateTime<Utc>,
    cal: &Calendar,
) -> Option<StepRecord> {
    let span = case.timeline.last_mut().filter(|s| s.left_at.is_none())?;
    span.left_at = Some(now);
    span.outcome = Some(outcome.to_string());
    let decided_on = wita_date(now);
    let days = cal.working_days_between(wita_date(span.entered_at), decided_on);
    Some(StepRecord {
        case_id: case.id,
        step: span.step,
        entered_at: span.entered_at,
        decided_at: now,
        outcome: outcome.to_string(),
        working_days: days.value,
        due_on: span.due_on,
        on_time: span.due_on.is_none_or(|due| decided_on <= due),
    })
}

fn begin(case: &Case, now: DateTime<Utc>) -> (Case, u64) {
    let mut next = case.clone();
    next.version += 1;
    next.updated_at = now;
    (next, case.version)
}

fn waiting_error(case: &Case, step: Step) -> DomainError {
    let detail = match (case.status, case.step, case.task_token.is_some()) {
        (CaseStatus::Draft, _, _) => "Permohonan masih berupa draf dan belum diajukan.".into(),
        (s, _, _) if s.is_final() => format!("Berkas sudah selesai diproses ({}).", s.label()),
        (_, Some(cur), true) => format!(
            "Berkas sedang menunggu tahap lain: {} ({}).",
            cur.title(),
            cur.role().label()
        ),
        (_, Some(cur), false) if cur == step => {
            "Keputusan untuk tahap ini sudah dicatat dan sedang diproses.".into()
        }
        _ => format!(
            "Berkas tidak sedang menunggu tahap {} ({}).",
            step.title(),
            step.sop()
        ),
    };
    DomainError::InvalidState(detail)
}

/// The first checks of a decision, before its body is read: the case is visible to the caller
/// (else 404) and the caller holds the step's role (else 403).
pub fn check_role(case: &Case, caller: &Caller, step: Step) -> Result<(), DomainError> {
    if !caller.can_see(case) {
        return Err(DomainError::NotFound);
    }
    let role = step.role();
    let ok = if role == Role::Applicant {
        case.owner == caller.sub
    } else {
        caller.has(role)
    };
    if ok {
        Ok(())
    } else {
        Err(DomainError::Forbidden { required: role })
    }
}

/// Checks that `caller` may decide `step` of `case` at `version`, in the order the API reports
/// problems: not visible (404), wrong role (403), wrong state (409), stale version (409),
/// segregation of duties (403).
pub fn authorize_decision(
    case: &Case,
    caller: &Caller,
    step: Step,
    version: u64,
) -> Result<Actor, DomainError> {
    check_role(case, caller, step)?;
    let role = step.role();
    if case.waiting_at() != Some(step) {
        return Err(waiting_error(case, step));
    }
    if version != case.version {
        return Err(DomainError::VersionConflict {
            given: version,
            current: case.version,
        });
    }
    if step.is_staff_step()
        && let Some(last) = case.last_staff_actor()
        && last.sub == caller.sub
    {
        return Err(DomainError::Segregation);
    }
    Ok(caller.actor(role))
}

/// The body of a staff decision. Which fields apply depends on the step.
#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    pub version: Option<u64>,
    pub outcome: Option<String>,
    pub reason: Option<String>,
    /// g, i: requirement codes the applicant must upload again.
    pub missing: Option<Vec<String>>,
    /// k: the technical team's findings.
    pub findings: Option<String>,
    /// k: date of the site visit, if one was made.
    pub site_visit_on: Option<String>,
    /// l: number and date of Dinas Koperasi's recommendation letter.
    pub recommendation_number: Option<String>,
    pub recommendation_date: Option<String>,
    /// m: notes on the draft.
    pub notes: Option<String>,
    /// r: the permit's number in OSS and the date it became effective.
    pub oss_permit_number: Option<String>,
    pub effective_on: Option<String>,
}

impl DecisionInput {
    fn present_fields(&self) -> Vec<&'static str> {
        let mut v = vec![];
        if self.missing.is_some() {
            v.push("missing");
        }
        if self.findings.is_some() {
            v.push("findings");
        }
        if self.site_visit_on.is_some() {
            v.push("site_visit_on");
        }
        if self.recommendation_number.is_some() {
            v.push("recommendation_number");
        }
        if self.recommendation_date.is_some() {
            v.push("recommendation_date");
        }
        if self.notes.is_some() {
            v.push("notes");
        }
        if self.oss_permit_number.is_some() {
            v.push("oss_permit_number");
        }
        if self.effective_on.is_some() {
            v.push("effective_on");
        }
        v
    }
}

fn step_fields(step: Step) -> &'static [&'static str] {
    match step {
        Step::FrontOfficeVerification | Step::BackOfficeValidation => &["missing"],
        Step::TechnicalVerification => &["findings", "site_visit_on"],
        Step::Recommendation => &["recommendation_number", "recommendation_date"],
        Step::LetterDrafting => &["notes"],
        Step::Effectuation => &["oss_permit_number", "effective_on"],
        _ => &[],
    }
}

fn not_after(today: NaiveDate) -> impl Fn(String) -> Result<NaiveDate, FieldError> {
    move |raw| {
        let d = validation::date(raw)?;
        if d > today {
            Err(FieldError::new(
                "",
                "future_date",
                "Tanggal tidak boleh setelah hari ini.",
            ))
        } else {
            Ok(d)
        }
    }
}

/// A parsed decision, ready to apply.
#[derive(Debug, Clone)]
pub struct ParsedDecision {
    pub version: u64,
    pub outcome: &'static str,
    pub reason: Option<String>,
    pub details: Details,
    pub notes: Option<String>,
}

/// Validates a decision's body for `step`; `catalog` names the requirement codes.
pub fn parse_decision(
    step: Step,
    input: DecisionInput,
    catalog: &Catalog,
    today: NaiveDate,
) -> Result<ParsedDecision, DomainError> {
    let mut e = Errors::default();
    let allowed = step_fields(step);
    for f in input.present_fields() {
        if !allowed.contains(&f) {
            e.push(FieldError::new(
                f,
                "not_applicable",
                format!("Isian ini tidak berlaku untuk tahap {}.", step.title()),
            ));
        }
    }
    let version = e.field("version", input.version, Ok);
    let outcome = e.field("outcome", input.outcome, |o| {
        step.outcome(&o).ok_or_else(|| {
            let allowed: Vec<&str> = step.outcomes().iter().map(|o| o.code).collect();
            FieldError::new(
                "",
                "unknown_outcome",
                format!(
                    "Pilihan keputusan tidak dikenal; gunakan: {}.",
                    allowed.join(", ")
                ),
            )
        })
    });
    let reason = e.optional("reason", input.reason, |r| validation::text(r, 3, 2000));
    if let Some(o) = outcome
        && o.reason_required
        && reason.is_none()
        && !e.0.iter().any(|x| x.field == "reason")
    {
        e.push(FieldError::new(
            "reason",
            "reason_required",
            "Alasan wajib diisi untuk keputusan ini.",
        ));
    }
    let mut details = Details::None;
    let mut notes = None;
    match step {
        Step::FrontOfficeVerification | Step::BackOfficeValidation => {
            let negative = outcome.is_some_and(|o| o.reason_required);
            let missing = e.optional("missing", input.missing, |list| {
                let mut out: Vec<String> = vec![];
                for code in list {
                    if catalog.get(&code).is_none() {
                        return Err(FieldError::new(
                            "",
                            "unknown_requirement",
                            format!("Jenis persyaratan tidak dikenal: {code}."),
                        ));
                    }
                    if !out.contains(&code) {
                        out.push(code);
                    }
                }
                Ok(out)
            });
            if negative {
                details = Details::Revision {
                    missing: missing.unwrap_or_default(),
                };
            } else if missing.is_some_and(|m| !m.is_empty()) {
                e.push(FieldError::new(
                    "missing",
                    "not_applicable",
                    "Daftar kekurangan hanya diisi bila berkas dikembalikan.",
                ));
            }
        }
        Step::TechnicalVerification => {
            let findings = e.field("findings", input.findings, |r| validation::text(r, 3, 4000));
            let site = e.optional("site_visit_on", input.site_visit_on, not_after(today));
            if let Some(findings) = findings {
                details = Details::Technical {
                    findings,
                    site_visit_on: site,
                };
            }
        }
        Step::Recommendation => {
            let number = e.field("recommendation_number", input.recommendation_number, |r| {
                validation::text(r, 3, 100)
            });
            let date = e.field(
                "recommendation_date",
                input.recommendation_date,
                not_after(today),
            );
            if let (Some(number), Some(date)) = (number, date) {
                details = Details::Recommendation { number, date };
            }
        }
        Step::LetterDrafting => {
            notes = e.optional("notes", input.notes, |r| validation::text(r, 1, 2000));
        }
        Step::Effectuation => {
            let number = e.field("oss_permit_number", input.oss_permit_number, |r| {
                validation::text(r, 3, 100)
            });
            let on = e.field("effective_on", input.effective_on, not_after(today));
            if let (Some(oss_permit_number), Some(effective_on)) = (number, on) {
                details = Details::Effectuation {
                    oss_permit_number,
                    effective_on,
                };
            }
        }
        _ => {}
    }
    match (e.is_empty(), version, outcome) {
        (true, Some(version), Some(o)) => Ok(ParsedDecision {
            version,
            outcome: o.code,
            reason,
            details,
            notes,
        }),
        _ => Err(DomainError::Validation(e.0)),
    }
}

/// Records a staff decision at `step` (SOP g, i, j, k, l, m, n, o, p, r). `letter_number` is
/// the number claimed for the letter when the head of agency signs (p).
pub fn decide(
    case: &Case,
    actor: Actor,
    step: Step,
    d: ParsedDecision,
    letter_number: Option<String>,
    ctx: &Ctx<'_>,
) -> Result<Change, DomainError> {
    let token = case
        .task_token
        .clone()
        .ok_or_else(|| waiting_error(case, step))?;
    let (mut next, expected_version) = begin(case, ctx.now);
    let mut details = d.details.clone();
    match (step, d.outcome) {
        (Step::FrontOfficeVerification, "incomplete") | (Step::BackOfficeValidation, "invalid") => {
            let missing = match &d.details {
                Details::Revision { missing } => missing.clone(),
                _ => vec![],
            };
            next.revision = Some(RevisionRequest {
                from_step: step,
                missing,
                reason: d.reason.clone().unwrap_or_default(),
                at: ctx.now,
            });
        }
        (Step::FrontOfficeVerification, "complete") => next.revision = None,
        (Step::Recommendation, outcome) => {
            let Details::Recommendation { number, date } = &d.details else {
                return Err(DomainError::Validation(vec![FieldError::required(
                    "recommendation_number",
                )]));
            };
            next.recommendation = Some(Recommendation {
                outcome: if outcome == "grant" {
                    LetterKind::Grant
                } else {
                    LetterKind::Refusal
                },
                number: number.clone(),
                date: *date,
                reason: d.reason.clone(),
                official: actor.clone(),
            });
        }
        (Step::LetterDrafting, _) => {
            let kind = next
                .recommendation
                .as_ref()
                .map(|r| r.outcome)
                .ok_or_else(|| {
                    DomainError::InvalidState("Rekomendasi Dinas Koperasi belum ada.".into())
                })?;
            let version = next.letter.drafts.len() as u32 + 1;
            next.letter.drafts.push(LetterDraft {
                version,
                kind,
                drafted_by: actor.clone(),
                drafted_at: ctx.now,
                notes: d.notes.clone(),
                file: None,
            });
            details = Details::Draft { version };
        }
        (Step::HeadSignature, "sign") => {
            let draft = next.current_draft().cloned().ok_or_else(|| {
                DomainError::InvalidState("Belum ada draf surat untuk ditandatangani.".into())
            })?;
            let number = letter_number
                .ok_or_else(|| DomainError::InvalidState("Nomor surat belum tersedia.".into()))?;
            next.letter.signed = Some(SignedLetter {
                number: number.clone(),
                version: draft.version,
                kind: draft.kind,
                signer: actor.clone(),
                signed_at: ctx.now,
                document_id: None,
                file: None,
            });
            details = Details::Signature {
                letter_number: number,
            };
        }
        (Step::Effectuation, _) => {
            if let Details::Effectuation {
                oss_permit_number,
                effective_on,
            } = &d.details
            {
                next.permit = Some(Permit {
                    oss_permit_number: oss_permit_number.clone(),
                    effective_on: *effective_on,
                    recorded_by: actor.clone(),
                    recorded_at: ctx.now,
                });
            }
        }
        _ => {}
    }
    next.decisions.push(Decision {
        step,
        outcome: d.outcome.to_string(),
        reason: d.reason.clone(),
        details,
        actor: actor.clone(),
        at: ctx.now,
    });
    let records: Vec<StepRecord> = close_span(&mut next, d.outcome, ctx.now, ctx.calendar)
        .into_iter()
        .collect();
    next.deadline_alert = None;
    next.task_token = None;
    next.pending_completion = Some(PendingCompletion {
        token,
        output: json!({ "outcome": d.outcome }),
    });
    let ev = AuditEvent::chain(
        &mut next,
        actor,
        EventDraft {
            action: "step.decided",
            step: Some(step),
            outcome: Some(d.outcome.to_string()),
            reason: d.reason,
        },
        ctx.origin,
        ctx.now,
    );
    Ok(Change {
        case: next,
        expected_version,
        events: vec![ev],
        records,
    })
}

/// The applicant's view of which required documents are still missing (or, in revision, not
/// uploaded again since the file was sent back).
pub fn missing_documents(
    case: &Case,
    docs: &[DocumentRecord],
    catalog: &Catalog,
) -> Vec<FieldError> {
    let stored = |code: &str, after: Option<DateTime<Utc>>| {
        docs.iter().any(|d| {
            d.requirement == code
                && d.status == DocumentStatus::Stored
                && after.is_none_or(|t| d.stored_at.is_some_and(|s| s > t))
        })
    };
    let mut out = vec![];
    for r in catalog.required() {
        if !stored(&r.code, None) {
            out.push(FieldError::new(
                format!("documents.{}", r.code),
                "document_missing",
                format!("Dokumen belum diunggah: {}.", r.name),
            ));
        }
    }
    if let Some(rev) = &case.revision
        && case.waiting_at() == Some(Step::ApplicantRevision)
    {
        for code in &rev.missing {
            let name = catalog.get(code).map_or(code.as_str(), |r| r.name.as_str());
            if stored(code, None) && !stored(code, Some(rev.at)) {
                out.push(FieldError::new(
                    format!("documents.{code}"),
                    "document_not_revised",
                    format!("Dokumen harus diunggah ulang setelah berkas dikembalikan: {name}."),
                ));
            }
        }
    }
    out
}

/// SOP e/f → g: the applicant submits the draft. Checks every requirement and assigns the
/// registration number.
pub fn submit(
    case: &Case,
    caller: &Caller,
    docs: &[DocumentRecord],
    catalog: &Catalog,
    registration: RegistrationNumber,
    ctx: &Ctx<'_>,
) -> Result<Change, DomainError> {
    if case.owner != caller.sub {
        return Err(DomainError::NotFound);
    }
    if case.status != CaseStatus::Draft {
        return Err(DomainError::InvalidState(
            "Permohonan ini sudah diajukan.".into(),
        ));
    }
    let mut problems = missing_documents(case, docs, catalog);
    if let Err(e) = check_branch_activity(
        case.application.branch.business_started_on,
        wita_date(ctx.now),
    ) {
        problems.push(e);
    }
    if !problems.is_empty() {
        return Err(DomainError::RequirementsIncomplete(problems));
    }
    let (mut next, expected_version) = begin(case, ctx.now);
    next.status = CaseStatus::InProcess;
    next.start_pending = true;
    next.registration_number = Some(registration);
    next.submitted_at = Some(ctx.now);
    let ev = AuditEvent::chain(
        &mut next,
        caller.actor(Role::Applicant),
        EventDraft {
            action: "case.submitted",
            ..Default::default()
        },
        ctx.origin,
        ctx.now,
    );
    Ok(Change {
        case: next,
        expected_version,
        events: vec![ev],
        records: vec![],
    })
}

/// Revision loop: the applicant resubmits after fixing what g or i asked for.
pub fn resubmit(
    case: &Case,
    caller: &Caller,
    docs: &[DocumentRecord],
    catalog: &Catalog,
    version: u64,
    ctx: &Ctx<'_>,
) -> Result<Change, DomainError> {
    let actor = authorize_decision(case, caller, Step::ApplicantRevision, version)?;
    let problems = missing_documents(case, docs, catalog);
    if !problems.is_empty() {
        return Err(DomainError::RequirementsIncomplete(problems));
    }
    decide(
        case,
        actor,
        Step::ApplicantRevision,
        ParsedDecision {
            version,
            outcome: "resubmitted",
            reason: None,
            details: Details::None,
            notes: None,
        },
        None,
        ctx,
    )
}

/// SOP q: the applicant answers the satisfaction survey (once per case).
pub fn answer_survey(
    case: &Case,
    caller: &Caller,
    version: u64,
    ctx: &Ctx<'_>,
) -> Result<Change, DomainError> {
    let actor = authorize_decision(case, caller, Step::Survey, version)?;
    if case.survey_answered {
        return Err(DomainError::InvalidState(
            "Survei untuk berkas ini sudah diisi.".into(),
        ));
    }
    let mut change = decide(
        case,
        actor,
        Step::Survey,
        ParsedDecision {
            version,
            outcome: "answered",
            reason: None,
            details: Details::None,
            notes: None,
        },
        None,
        ctx,
    )?;
    change.case.survey_answered = true;
    Ok(change)
}

/// The applicant changes the form (in draft, or in revision).
pub fn update_application(
    case: &Case,
    caller: &Caller,
    application: Application,
    version: u64,
    ctx: &Ctx<'_>,
) -> Result<Change, DomainError> {
    if case.owner != caller.sub {
        return Err(DomainError::NotFound);
    }
    if !case.is_editable() {
        return Err(DomainError::InvalidState(
            "Data permohonan hanya dapat diubah saat draf atau saat perbaikan berkas.".into(),
        ));
    }
    if version != case.version {
        return Err(DomainError::VersionConflict {
            given: version,
            current: case.version,
        });
    }
    let (mut next, expected_version) = begin(case, ctx.now);
    next.application = application;
    let ev = AuditEvent::chain(
        &mut next,
        caller.actor(Role::Applicant),
        EventDraft {
            action: "application.updated",
            ..Default::default()
        },
        ctx.origin,
        ctx.now,
    );
    Ok(Change {
        case: next,
        expected_version,
        events: vec![ev],
        records: vec![],
    })
}

/// The uploaded bytes were checked: record the document on the case's trail.
pub fn document_stored(
    case: &Case,
    caller: &Caller,
    doc: &DocumentRecord,
    ctx: &Ctx<'_>,
) -> Result<Change, DomainError> {
    if !case.is_editable() {
        return Err(DomainError::InvalidState(
            "Dokumen hanya dapat diunggah saat draf atau saat perbaikan berkas.".into(),
        ));
    }
    let (mut next, expected_version) = begin(case, ctx.now);
    let ev = AuditEvent::chain(
        &mut next,
        caller.actor(Role::Applicant),
        EventDraft {
            action: "document.stored",
            outcome: Some(format!("{} v{}", doc.requirement, doc.version)),
            ..Default::default()
        },
        ctx.origin,
        ctx.now,
    );
    Ok(Change {
        case: next,
        expected_version,
        events: vec![ev],
        records: vec![],
    })
}

/// What the workflow's task function does when the state machine enters a human step.
pub enum Entered {
    /// Recorded now: commit it, then send the step's notices.
    Changed(Box<Change>),
    /// The same token was recorded before (a retried invocation): nothing to do.
    AlreadyRecorded,
}

pub fn enter_step(
    case: &Case,
    step: Step,
    token: String,
    due_on: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<Entered, DomainError> {
    if case.step == Some(step) && case.task_token.as_deref() == Some(token.as_str()) {
        return Ok(Entered::AlreadyRecorded);
    }
    if case.status != CaseStatus::InProcess {
        return Err(DomainError::InvalidState(format!(
            "case is {}, cannot wait at {step}",
            case.status.code()
        )));
    }
    let (mut next, expected_version) = begin(case, now);
    next.start_pending = false;
    // Entering the same step again (after a timeout's escalation) continues the same stay.
    let same_stay = next.open_span().is_some_and(|s| s.step == step);
    if !same_stay {
        if let Some(open) = next.timeline.last_mut().filter(|s| s.left_at.is_none()) {
            open.left_at = Some(now);
        }
        next.timeline.push(StepSpan {
            step,
            entered_at: now,
            due_on,
            left_at: None,
            outcome: None,
        });
        next.step_entered_at = Some(now);
        next.deadline_alert = None;
    }
    next.step = Some(step);
    next.task_token = Some(token);
    next.pending_completion = None;
    let ev = AuditEvent::chain(
        &mut next,
        Actor::system(),
        EventDraft {
            action: "step.entered",
            step: Some(step),
            ..Default::default()
        },
        &Origin::default(),
        now,
    );
    Ok(Entered::Changed(Box::new(Change {
        case: next,
        expected_version,
        events: vec![ev],
        records: vec![],
    })))
}

/// The retention schedule closes a draft that was never submitted and left untouched for
/// `days` days: the personal fields of the application are erased and the case is closed as
/// lapsed (UU 27/2022 Pasal 43 ayat (1): personal data no longer needed is erased; the draft was
/// never filed with the agency, so it is not part of the permit archive). The audit trail keeps
/// what happened. `None` when the case is no longer a draft (it moved on since it was listed).
pub fn expire_draft(case: &Case, days: u32, now: DateTime<Utc>) -> Option<Change> {
    if case.status != CaseStatus::Draft {
        return None;
    }
    let (mut next, expected_version) = begin(case, now);
    next.status = CaseStatus::Lapsed;
    next.closed_at = Some(now);
    next.application.contact.email = super::application::Email::erased();
    next.application.contact.phone = super::application::Phone::erased();
    next.application.cash_office.head_name = super::application::ERASED.to_string();
    let ev = AuditEvent::chain(
        &mut next,
        Actor::system(),
        EventDraft {
            action: "draft.expired",
            outcome: Some("personal_data_erased".into()),
            reason: Some(format!(
                "Draf tidak diajukan dan tidak diubah selama {days} hari; data pribadi dan \
                 dokumen unggahan dihapus sesuai jadwal retensi (UU 27/2022 Pasal 43)."
            )),
            ..Default::default()
        },
        &Origin::default(),
        now,
    );
    Some(Change {
        case: next,
        expected_version,
        events: vec![ev],
        records: vec![],
    })
}

/// The workflow's final states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Closing {
    Issued,
    Refused,
    Lapsed,
}

impl Closing {
    pub fn status(self) -> CaseStatus {
        match self {
            Closing::Issued => CaseStatus::Issued,
            Closing::Refused => CaseStatus::Refused,
            Closing::Lapsed => CaseStatus::Lapsed,
        }
    }
}

/// Closes the case; `None` when it is already closed the same way (a retried invocation).
pub fn close(case: &Case, how: Closing, now: DateTime<Utc>) -> Result<Option<Change>, DomainError> {
    if case.status == how.status() {
        return Ok(None);
    }
    if case.status != CaseStatus::InProcess {
        return Err(DomainError::InvalidState(format!(
            "case is {}, cannot close as {}",
            case.status.code(),
            how.status().code()
        )));
    }
    let (mut next, expected_version) = begin(case, now);
    next.status = how.status();
    if let Some(open) = next.timeline.last_mut().filter(|s| s.left_at.is_none()) {
        open.left_at = Some(now);
        open.outcome = Some(how.status().code().to_string());
    }
    next.step = None;
    next.task_token = None;
    next.step_entered_at = None;
    next.pending_completion = None;
    next.closed_at = Some(now);
    let ev = AuditEvent::chain(
        &mut next,
        Actor::system(),
        EventDraft {
            action: "case.closed",
            outcome: Some(how.status().code().to_string()),
            ..Default::default()
        },
        &Origin::default(),
        now,
    );
    Ok(Some(Change {
        case: next,
        expected_version,
        events: vec![ev],
        records: vec![],
    }))
}

/// SOP h (and other automatic notices): the trail records that the notice went out.
pub fn notice_sent(case: &Case, notice: &str, now: DateTime<Utc>) -> Change {
    let (mut next, expected_version) = begin(case, now);
    let ev = AuditEvent::chain(
        &mut next,
        Actor::system(),
        EventDraft {
            action: "notice.sent",
            outcome: Some(notice.to_string()),
            ..Default::default()
        },
        &Origin::default(),
        now,
    );
    Change {
        case: next,
        expected_version,
        events: vec![ev],
        records: vec![],
    }
}

/// The overdue job found the current step near or past its deadline: the case is marked (once
/// a day) and the trail records it.
pub fn deadline_alerted(
    case: &Case,
    step: Step,
    state: crate::domain::deadlines::DeadlineState,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Change {
    let (mut next, expected_version) = begin(case, now);
    next.deadline_alert = Some(crate::domain::case::DeadlineAlert {
        on: today,
        step,
        state,
    });
    let action = if state == crate::domain::deadlines::DeadlineState::Overdue {
        "deadline.overdue"
    } else {
        "deadline.near_due"
    };
    let due = next.step_due_on().map(|d| d.to_string());
    let ev = AuditEvent::chain(
        &mut next,
        Actor::system(),
        EventDraft {
            action,
            step: Some(step),
            outcome: due,
            ..Default::default()
        },
        &Origin::default(),
        now,
    );
    Change {
        case: next,
        expected_version,
        events: vec![ev],
        records: vec![],
    }
}

/// Escalation: the step's callback timed out in the orchestrator; the trail records it.
pub fn escalated(case: &Case, step: Step, now: DateTime<Utc>) -> Change {
    let (mut next, expected_version) = begin(case, now);
    let ev = AuditEvent::chain(
        &mut next,
        Actor::system(),
        EventDraft {
            action: "step.escalated",
            step: Some(step),
            ..Default::default()
        },
        &Origin::default(),
        now,
    );
    Change {
        case: next,
        expected_version,
        events: vec![ev],
        records: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::application::tests::sample_input;

    fn caller(sub: &str, roles: &[Role]) -> Caller {
        Caller {
            sub: sub.into(),
            name: sub.into(),
            email: None,
            roles: roles.to_vec(),
        }
    }

    fn waiting_case(step: Step) -> Case {
        let today: NaiveDate = "2026-11-26".parse().unwrap();
        let app = sample_input(today).parse(today).unwrap();
        let mut c = Case::new_draft("applicant-1".into(), app, Utc::now());
        c.status = CaseStatus::InProcess;
        c.step = Some(step);
        c.task_token = Some("tok".into());
        c.version = 4;
        c
    }

    #[test]
    fn authorization_order() {
        let c = waiting_case(Step::FrontOfficeVerification);
        let fo = caller("fo", &[Role::FrontOffice]);
        let other_applicant = caller("applicant-2", &[Role::Applicant]);
        let bo = caller("bo", &[Role::BackOffice]);
        assert_eq!(
            authorize_decision(&c, &other_applicant, Step::FrontOfficeVerification, 4),
            Err(DomainError::NotFound)
        );
        assert_eq!(
            authorize_decision(&c, &bo, Step::FrontOfficeVerification, 4),
            Err(DomainError::Forbidden {
                required: Role::FrontOffice
            })
        );
        assert!(matches!(
            authorize_decision(&c, &bo, Step::BackOfficeValidation, 4),
            Err(DomainError::InvalidState(_))
        ));
        assert_eq!(
            authorize_decision(&c, &fo, Step::FrontOfficeVerification, 3),
            Err(DomainError::VersionConflict {
                given: 3,
                current: 4
            })
        );
        assert!(authorize_decision(&c, &fo, Step::FrontOfficeVerification, 4).is_ok());
    }

    #[test]
    fn one_person_may_not_decide_two_consecutive_steps() {
        let mut c = waiting_case(Step::DivisionHeadValidation);
        let acting = caller("plt", &[Role::SectionHead, Role::DivisionHead]);
        c.decisions.push(Decision {
            step: Step::SectionHeadValidation,
            outcome: "approve".into(),
            reason: None,
            details: Details::None,
            actor: acting.actor(Role::SectionHead),
            at: Utc::now(),
        });
        assert_eq!(
            authorize_decision(&c, &acting, Step::DivisionHeadValidation, 4),
            Err(DomainError::Segregation)
        );
        let kabid = caller("kabid", &[Role::DivisionHead]);
        assert!(authorize_decision(&c, &kabid, Step::DivisionHeadValidation, 4).is_ok());
    }

    #[test]
    fn decisions_are_validated_per_step() {
        let cat = Catalog::default_catalog();
        let today: NaiveDate = "2026-11-26".parse().unwrap();
        let err = parse_decision(
            Step::FrontOfficeVerification,
            DecisionInput {
                version: Some(1),
                outcome: Some("incomplete".into()),
                missing: Some(vec!["member_list".into(), "nonsense".into()]),
                findings: Some("x".into()),
                ..Default::default()
            },
            &cat,
            today,
        )
        .unwrap_err();
        let DomainError::Validation(errs) = err else {
            panic!()
        };
        let codes: Vec<_> = errs.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            codes,
            [
                ("findings", "not_applicable"),
                ("reason", "reason_required"),
                ("missing", "unknown_requirement")
            ]
        );
        let ok = parse_decision(
            Step::Recommendation,
            DecisionInput {
                version: Some(1),
                outcome: Some("grant".into()),
                recommendation_number: Some("500/123/DKUMP/2026".into()),
                recommendation_date: Some("2026-11-20".into()),
                ..Default::default()
            },
            &cat,
            today,
        )
        .unwrap();
        assert_eq!(ok.outcome, "grant");
    }

    #[test]
    fn a_decision_hands_the_token_to_the_pending_completion() {
        let c = waiting_case(Step::FrontOfficeVerification);
        let fo = caller("fo", &[Role::FrontOffice]);
        let actor = authorize_decision(&c, &fo, Step::FrontOfficeVerification, 4).unwrap();
        let origin = Origin::default();
        let ch = decide(
            &c,
            actor,
            Step::FrontOfficeVerification,
            ParsedDecision {
                version: 4,
                outcome: "complete",
                reason: None,
                details: Details::None,
                notes: None,
            },
            None,
            &Ctx {
                now: Utc::now(),
                origin: &origin,
                calendar: &crate::domain::calendar::Calendar::shipped(),
            },
        )
        .unwrap();
        assert_eq!(ch.expected_version, 4);
        assert_eq!(ch.case.version, 5);
        assert_eq!(ch.case.task_token, None);
        let p = ch.case.pending_completion.unwrap();
        assert_eq!(p.token, "tok");
        assert_eq!(p.output, json!({"outcome": "complete"}));
        assert_eq!(ch.events[0].action, "step.decided");
    }
}
