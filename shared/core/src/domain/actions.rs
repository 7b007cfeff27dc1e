//! What each action does to a case, without I/O: the handlers load, call one of these, and
//! commit the returned change (case + audit events) with a conditional write. What a step is —
//! its role, outcomes, fields, effects — comes from the permit's definition.

use super::calendar::Calendar;
use super::case::{
    Actor, AuditEvent, Bill, Case, CaseStatus, Decision, Details, DocumentRecord, DocumentStatus,
    EventDraft, FeeAssessment, Issuance, LetterDraft, Origin, Payment, PendingCompletion,
    Recommendation, RegistrationNumber, RevisionRequest, SignedLetter,
};
use super::identity::Caller;
use super::permit::form::{FormData, parse_value};
use super::permit::{Effect, FieldType, PermitDef, StepCode, StepDef, StepKind, Verdict};
use super::roles::Role;
use super::time::{format_date_id, wita_date};
use super::timeline::{StepRecord, StepSpan};
use super::validation::{self, Errors, FieldError};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};

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
    /// The applicant's clock (pemenuhan komitmen) has run out: the Indonesian explanation.
    #[error("the applicant's time has run out")]
    ApplicantTimeLapsed(String),
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
    let permit = case.permit_code.clone();
    let office = case.office.clone();
    let id = case.id;
    let span = case.timeline.last_mut().filter(|s| s.left_at.is_none())?;
    span.left_at = Some(now);
    span.outcome = Some(outcome.to_string());
    let decided_on = wita_date(now);
    let days = cal.working_days_between(wita_date(span.entered_at), decided_on);
    Some(StepRecord {
        case_id: id,
        permit,
        office,
        step: span.step.clone(),
        entered_at: span.entered_at,
        decided_at: now,
        outcome: outcome.to_string(),
        working_days: days.value,
        due_on: span.due_on,
        on_time: span.due_on.is_none_or(|due| decided_on <= due),
    })
}

pub(crate) fn begin(case: &Case, now: DateTime<Utc>) -> (Case, u64) {
    let mut next = case.clone();
    next.version += 1;
    next.updated_at = now;
    (next, case.version)
}

/// The applicant may change the form and the application's documents: in draft, and while the
/// case waits at one of the permit's revision steps.
pub fn is_editable(case: &Case, def: &PermitDef) -> bool {
    case.status == CaseStatus::Draft
        || case
            .waiting_at()
            .and_then(|s| def.step(s.as_str()))
            .is_some_and(|s| s.kind == StepKind::ApplicantRevision)
}

/// Whether the applicant may upload a document of `requirement` now: the application's
/// documents while it is editable, a step's documents (a payment slip) while the case waits at
/// that step.
pub fn accepts_upload(case: &Case, def: &PermitDef, requirement: &str) -> bool {
    let Some(r) = def.requirement(requirement) else {
        return false;
    };
    match &r.step {
        None => is_editable(case, def),
        Some(step) => case.is_waiting_at(step.as_str()),
    }
}

fn waiting_error(case: &Case, def: &PermitDef, step: &StepDef) -> DomainError {
    let detail = match (case.status, case.step.as_ref(), case.task_token.is_some()) {
        (CaseStatus::Draft, _, _) => "Permohonan masih berupa draf dan belum diajukan.".into(),
        (s, _, _) if s.is_final() => format!("Berkas sudah selesai diproses ({}).", s.label()),
        (_, Some(cur), true) => match def.step(cur.as_str()) {
            Some(d) => format!(
                "Berkas sedang menunggu tahap lain: {} ({}).",
                d.title,
                d.role.label()
            ),
            None => "Berkas sedang menunggu tahap lain.".into(),
        },
        (_, Some(cur), false) if *cur == step.code => {
            "Keputusan untuk tahap ini sudah dicatat dan sedang diproses.".into()
        }
        _ => format!(
            "Berkas tidak sedang menunggu tahap {} ({}).",
            step.title, step.sop
        ),
    };
    DomainError::InvalidState(detail)
}

/// The first checks of a decision, before its body is read: the case is visible to the caller
/// (else 404) and the caller holds the step's role (else 403).
pub fn check_role(
    case: &Case,
    def: &PermitDef,
    caller: &Caller,
    step: &StepDef,
) -> Result<(), DomainError> {
    if !caller.can_see(case, Some(def)) {
        return Err(DomainError::NotFound);
    }
    // A staff step is the case's office's staff's (a staff member who applied to another
    // office as an applicant sees their case there, and decides nothing of it).
    if !step.role.is_applicant() && caller.has(&step.role) && !caller.works_at(&case.office) {
        return Err(DomainError::NotFound);
    }
    let ok = if step.role.is_applicant() {
        case.owner == caller.sub
    } else {
        caller.has(&step.role)
    };
    if ok {
        Ok(())
    } else {
        Err(DomainError::Forbidden {
            required: step.role.clone(),
        })
    }
}

/// Checks that `caller` may decide `step` of `case` at `version`, in the order the API reports
/// problems: not visible (404), wrong role (403), wrong state (409), stale version (409),
/// segregation of duties (403).
pub fn authorize_decision(
    case: &Case,
    def: &PermitDef,
    caller: &Caller,
    step: &StepDef,
    version: u64,
) -> Result<Actor, DomainError> {
    check_role(case, def, caller, step)?;
    if !case.is_waiting_at(step.code.as_str()) {
        return Err(waiting_error(case, def, step));
    }
    // Fiktif positif: once deemed granted, only the recording of OSS's issuance is decided.
    let deemed_step = def.deemed_approval.as_ref().map(|d| &d.step);
    if case.status == CaseStatus::DeemedGranted && deemed_step != Some(&step.code) {
        return Err(DomainError::InvalidState(
            "Permohonan ini telah dianggap dikabulkan secara hukum (fiktif positif) karena batas waktu pemeriksaan terlampaui; tahap ini tidak dapat diputuskan lagi. Catat izin yang diterbitkan OSS pada tahap pencatatan.".into(),
        ));
    }
    if version != case.version {
        return Err(DomainError::VersionConflict {
            given: version,
            current: case.version,
        });
    }
    if step.is_staff()
        && let Some(last) = case.last_staff_actor()
        && last.sub == caller.sub
    {
        return Err(DomainError::Segregation);
    }
    // Handed to a named officer (`domain::assignment`): theirs alone to decide.
    if let Some(a) = case.assignee()
        && a.to.sub != caller.sub
    {
        return Err(DomainError::InvalidState(format!(
            "Berkas ini ditugaskan kepada {} pada tahap ini: hanya petugas tersebut yang memutuskannya, kecuali berkas dialihkan kembali.",
            a.to.name
        )));
    }
    Ok(caller.actor(step.role.clone()))
}

/// The body of a decision: `version`, `outcome`, `reason` and the step's fields by path.
#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
#[serde(transparent)]
pub struct DecisionInput(pub Map<String, Value>);

/// A parsed decision, ready to apply.
#[derive(Debug, Clone)]
pub struct ParsedDecision {
    pub version: u64,
    pub outcome: String,
    pub reason: Option<String>,
    /// The step's fields, by path.
    pub details: Details,
}

fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Validates a decision's body for `step` of `def`, reporting every problem at once: fields that
/// are not the step's, then version, outcome and reason, then the step's fields in order.
pub fn parse_decision(
    def: &PermitDef,
    step: &StepDef,
    input: DecisionInput,
    today: NaiveDate,
) -> Result<ParsedDecision, DomainError> {
    let mut e = Errors::default();
    let mut body = input.0;
    let version = body.remove("version");
    let outcome = body.remove("outcome");
    let reason = body.remove("reason");
    let others: Vec<&str> = def.all_decision_fields().collect();
    for (k, _) in body.iter() {
        if step.field(k).is_some() {
            continue;
        }
        if others.contains(&k.as_str()) {
            e.push(FieldError::new(
                k.clone(),
                "not_applicable",
                format!("Isian ini tidak berlaku untuk tahap {}.", step.title),
            ));
        } else {
            e.push(FieldError::new(
                k.clone(),
                "unknown_field",
                "Isian tidak dikenal.",
            ));
        }
    }
    let version = e.field("version", version.filter(|v| !v.is_null()), |v| {
        v.as_u64()
            .ok_or_else(|| FieldError::new("", "invalid_type", "Tipe data tidak sesuai."))
    });
    let outcome = e.field("outcome", outcome.filter(|v| !v.is_null()), |v| {
        let code = v.as_str().unwrap_or("");
        step.outcome(code).ok_or_else(|| {
            let allowed: Vec<&str> = step.outcomes.iter().map(|o| o.code.as_str()).collect();
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
    let reason = e.optional("reason", reason.filter(|v| !v.is_null()), |v| match v {
        Value::String(s) => validation::text(s, 3, 2000),
        _ => Err(FieldError::new(
            "",
            "invalid_type",
            "Tipe data tidak sesuai.",
        )),
    });
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
    let mut details = Details::default();
    let has_requirement = |c: &str| def.requirement(c).is_some();
    for f in &step.fields {
        let raw = body.get(&f.path).filter(|v| !v.is_null()).cloned();
        let applies = outcome.is_none_or(|o| f.applies_to(&o.code));
        match raw {
            Some(v) if !applies && !is_empty_value(&v) => {
                let labels: Vec<&str> = step
                    .outcomes
                    .iter()
                    .filter(|o| f.applies_to(&o.code))
                    .map(|o| o.label.as_str())
                    .collect();
                e.push(FieldError::new(
                    f.path.clone(),
                    "not_applicable",
                    format!(
                        "Isian ini hanya diisi untuk keputusan: {}.",
                        labels.join(", ")
                    ),
                ));
            }
            // An empty value for a field that does not apply is as good as none.
            Some(_) if !applies => {}
            Some(v) => match parse_value(f, v, today, &has_requirement) {
                Ok(v) => details.insert(&f.path, v),
                Err(mut err) => {
                    err.field = f.path.clone();
                    e.push(err);
                }
            },
            None if f.required && applies => e.push(FieldError::required(&f.path)),
            None => {}
        }
    }
    match (e.is_empty(), version, outcome) {
        (true, Some(version), Some(o)) => Ok(ParsedDecision {
            version,
            outcome: o.code.clone(),
            reason,
            details,
        }),
        _ => Err(DomainError::Validation(e.0)),
    }
}

/// What the handler claimed for a decision before applying it: numbers from gap-free counters,
/// the proof of a payment.
#[derive(Debug, Clone, Default)]
pub struct Claimed {
    /// The letter's number (an outcome with `sign_letter`).
    pub letter_number: Option<String>,
    /// The bill's number (`issue_bill`).
    pub bill_number: Option<String>,
    /// The uploaded proof a payment's verification refers to (`confirm_payment`).
    pub payment_document: Option<uuid::Uuid>,
}

fn date_of(d: &Details, field: &str) -> Option<NaiveDate> {
    d.str(field).and_then(|s| s.parse().ok())
}

/// Records a decision at `step` and applies its outcome's effects.
pub fn decide(
    case: &Case,
    def: &PermitDef,
    actor: Actor,
    step: &StepDef,
    d: ParsedDecision,
    claimed: &Claimed,
    ctx: &Ctx<'_>,
) -> Result<Change, DomainError> {
    let token = case
        .task_token
        .clone()
        .ok_or_else(|| waiting_error(case, def, step))?;
    let outcome = step
        .outcome(&d.outcome)
        .ok_or_else(|| DomainError::InvalidState(format!("unknown outcome {}", d.outcome)))?;
    let (mut next, expected_version) = begin(case, ctx.now);
    let mut details = d.details.clone();
    if outcome.positive && step.requests_revision() {
        next.revision = None;
    }
    for effect in &outcome.effects {
        match effect {
            Effect::RequestRevision => {
                let missing = step
                    .fields
                    .iter()
                    .find(|f| f.kind == FieldType::RequirementList)
                    .and_then(|f| d.details.get(&f.path))
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                next.revision = Some(RevisionRequest {
                    from_step: step.code.clone(),
                    missing,
                    reason: d.reason.clone().unwrap_or_default(),
                    at: ctx.now,
                });
            }
            Effect::Recommend {
                verdict,
                number_field,
                date_field,
            } => {
                next.recommendation = Some(Recommendation {
                    outcome: *verdict,
                    step: Some(step.code.clone()),
                    number: number_field
                        .as_deref()
                        .and_then(|f| d.details.str(f))
                        .map(str::to_string),
                    date: date_field.as_deref().and_then(|f| date_of(&d.details, f)),
                    reason: d.reason.clone(),
                    official: actor.clone(),
                });
            }
            Effect::DraftLetter { notes_field } => {
                let kind = next
                    .recommendation
                    .as_ref()
                    .map_or(Verdict::Grant, |r| r.outcome);
                let version = next.letter.drafts.len() as u32 + 1;
                let notes = notes_field
                    .as_deref()
                    .and_then(|f| d.details.str(f))
                    .map(str::to_string);
                next.letter.drafts.push(LetterDraft {
                    version,
                    kind,
                    drafted_by: actor.clone(),
                    drafted_at: ctx.now,
                    notes,
                    file: None,
                });
                details.insert("draft_version", version);
            }
            Effect::SignLetter => {
                let drafted = def.steps.iter().any(|s| {
                    s.outcomes
                        .iter()
                        .any(|o| o.has(|e| matches!(e, Effect::DraftLetter { .. })))
                });
                let (version, kind) = match next.current_draft() {
                    Some(dr) => (dr.version, dr.kind),
                    None if !drafted => (
                        0,
                        next.recommendation
                            .as_ref()
                            .map_or(Verdict::Grant, |r| r.outcome),
                    ),
                    None => {
                        return Err(DomainError::InvalidState(
                            "Belum ada draf surat untuk ditandatangani.".into(),
                        ));
                    }
                };
                let number = claimed.letter_number.clone().ok_or_else(|| {
                    DomainError::InvalidState("Nomor surat belum tersedia.".into())
                })?;
                next.letter.signed = Some(SignedLetter {
                    number: number.clone(),
                    version,
                    kind,
                    signer: actor.clone(),
                    signed_at: ctx.now,
                    document_id: None,
                    file: None,
                });
                details.insert("letter_number", number);
            }
            Effect::RecordIssuance {
                number_field,
                date_field,
            } => {
                if let (Some(number), Some(on)) =
                    (d.details.str(number_field), date_of(&d.details, date_field))
                {
                    next.issuance = Some(Issuance {
                        number: number.to_string(),
                        effective_on: on,
                        recorded_by: actor.clone(),
                        recorded_at: ctx.now,
                    });
                }
            }
            Effect::AssessFee {
                amount_field,
                basis_field,
            } => {
                let amount = d
                    .details
                    .get(amount_field)
                    .and_then(Value::as_i64)
                    .ok_or_else(|| {
                        DomainError::Validation(vec![FieldError::required(amount_field)])
                    })?;
                next.fee = Some(FeeAssessment {
                    amount,
                    basis: basis_field
                        .as_deref()
                        .and_then(|f| d.details.str(f))
                        .map(str::to_string),
                    step: step.code.clone(),
                    assessed_by: actor.clone(),
                    assessed_at: ctx.now,
                });
            }
            Effect::IssueBill => {
                let fee = next.fee.as_ref().ok_or_else(|| {
                    DomainError::InvalidState(
                        "Retribusi belum dihitung oleh instansi teknis.".into(),
                    )
                })?;
                let bill = def.bill.as_ref().ok_or_else(|| {
                    DomainError::InvalidState("Izin ini tidak menerbitkan SKRD.".into())
                })?;
                let number = claimed.bill_number.clone().ok_or_else(|| {
                    DomainError::InvalidState("Nomor SKRD belum tersedia.".into())
                })?;
                let today = wita_date(ctx.now);
                next.bill = Some(Bill {
                    number: number.clone(),
                    amount: fee.amount,
                    issued_at: ctx.now,
                    due_on: today
                        .checked_add_days(chrono::Days::new(u64::from(bill.due_days)))
                        .unwrap_or(today),
                    issued_by: actor.clone(),
                    file: None,
                });
                next.payment = None;
                details.insert("bill_number", number);
            }
            Effect::ConfirmPayment {
                reference_field,
                date_field,
            } => {
                next.payment = Some(Payment {
                    reference: reference_field
                        .as_deref()
                        .and_then(|f| d.details.str(f))
                        .map(str::to_string),
                    paid_on: date_field.as_deref().and_then(|f| date_of(&d.details, f)),
                    document_id: claimed.payment_document,
                    verified_by: actor.clone(),
                    verified_at: ctx.now,
                });
            }
        }
    }
    next.decisions.push(Decision {
        step: step.code.clone(),
        outcome: d.outcome.clone(),
        reason: d.reason.clone(),
        details,
        actor: actor.clone(),
        at: ctx.now,
    });
    let records: Vec<StepRecord> = close_span(&mut next, &d.outcome, ctx.now, ctx.calendar)
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
            step: Some(step.code.clone()),
            outcome: Some(d.outcome.clone()),
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

fn stored_after(docs: &[DocumentRecord], code: &str, after: Option<DateTime<Utc>>) -> bool {
    docs.iter().any(|d| {
        d.requirement == code
            && d.status == DocumentStatus::Stored
            && after.is_none_or(|t| d.stored_at.is_some_and(|s| s > t))
    })
}

/// The applicant's view of which required documents are still missing: the application's (for
/// its values: conditional requirements count when their condition holds), and in revision the
/// ones sent back and not uploaded again since.
pub fn missing_documents(case: &Case, def: &PermitDef, docs: &[DocumentRecord]) -> Vec<FieldError> {
    let mut out = vec![];
    for r in def.application_requirements() {
        if r.required_for(&case.application) && !stored_after(docs, &r.code, None) {
            out.push(FieldError::new(
                format!("documents.{}", r.code),
                "document_missing",
                format!("Dokumen belum diunggah: {}.", r.name),
            ));
        }
    }
    if let Some(rev) = &case.revision
        && is_editable(case, def)
        && case.status == CaseStatus::InProcess
    {
        for code in &rev.missing {
            let name = def
                .requirement(code)
                .map_or(code.as_str(), |r| r.name.as_str());
            if stored_after(docs, code, None) && !stored_after(docs, code, Some(rev.at)) {
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

/// The documents an upload step asks for that were not uploaded since the case entered it.
pub fn missing_step_documents(
    case: &Case,
    def: &PermitDef,
    step: &StepDef,
    docs: &[DocumentRecord],
) -> Vec<FieldError> {
    def.requirements
        .iter()
        .filter(|r| r.step.as_ref() == Some(&step.code) && r.required_for(&case.application))
        .filter(|r| !stored_after(docs, &r.code, case.step_entered_at))
        .map(|r| {
            FieldError::new(
                format!("documents.{}", r.code),
                "document_missing",
                format!("Dokumen belum diunggah: {}.", r.name),
            )
        })
        .collect()
}

/// Rechecks the permit's rules against the day of submission (a rule "six months before
/// submission" may have become true, or stopped being true, since the form was saved).
fn rule_problems(case: &Case, def: &PermitDef, on: NaiveDate) -> Vec<FieldError> {
    def.rules
        .iter()
        .filter_map(|r| super::permit::rules::check(r, &case.application, on).err())
        .collect()
}

/// Refuses an applicant's action once their clock (the permit's `clocks.applicant`, e.g. 30
/// working days of pemenuhan komitmen from the application in OSS, SOP huruf c and Waktu
/// Penyelesaian) has run out: the last day counts, the day after does not.
fn applicant_time_left(case: &Case, def: &PermitDef, ctx: &Ctx<'_>) -> Result<(), DomainError> {
    let dl = super::deadlines::deadlines(case, def, ctx.calendar, ctx.now);
    if dl.applicant.left_days >= 0 {
        return Ok(());
    }
    let start = super::deadlines::applicant_clock_start(case, def);
    // The day the clock reached its target (it runs now: the applicant holds the file).
    let ended = dl.applicant.due_on.unwrap_or_else(|| {
        ctx.calendar
            .add_working_days(start, def.clocks.applicant.days)
            .value
    });
    let from = match def.clocks.applicant.from.as_deref() {
        Some(_) => format!("sejak permohonan di OSS tanggal {}", format_date_id(start)),
        None => format!("sejak permohonan dibuat tanggal {}", format_date_id(start)),
    };
    Err(DomainError::ApplicantTimeLapsed(format!(
        "Batas waktu {} hari kerja untuk {} {from} telah berakhir pada {} (terpakai {} hari kerja). Permohonan ini tidak dapat diajukan lagi; silakan ajukan permohonan baru melalui OSS.",
        def.clocks.applicant.days,
        def.clocks.applicant.label.to_lowercase(),
        format_date_id(ended),
        dl.applicant.used_days,
    )))
}

/// SOP e/f → g: the applicant submits the draft. Checks every requirement and assigns the
/// registration number.
pub fn submit(
    case: &Case,
    def: &PermitDef,
    caller: &Caller,
    docs: &[DocumentRecord],
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
    let mut problems = missing_documents(case, def, docs);
    problems.extend(rule_problems(case, def, wita_date(ctx.now)));
    if !problems.is_empty() {
        return Err(DomainError::RequirementsIncomplete(problems));
    }
    applicant_time_left(case, def, ctx)?;
    let (mut next, expected_version) = begin(case, ctx.now);
    next.status = CaseStatus::InProcess;
    next.start_pending = true;
    next.registration_number = Some(registration);
    next.submitted_at = Some(ctx.now);
    let ev = AuditEvent::chain(
        &mut next,
        caller.actor(Role::applicant()),
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

/// The applicant completes the step the case waits at: a revision (`resubmitted`, after fixing
/// what was asked), an upload step (its documents uploaded since the step began), or the survey.
pub fn applicant_step(
    case: &Case,
    def: &PermitDef,
    caller: &Caller,
    step: &StepDef,
    docs: &[DocumentRecord],
    version: u64,
    ctx: &Ctx<'_>,
) -> Result<Change, DomainError> {
    let actor = authorize_decision(case, def, caller, step, version)?;
    if step.sla.clock == Some(super::permit::ClockKind::Applicant) {
        applicant_time_left(case, def, ctx)?;
    }
    let problems = match step.kind {
        StepKind::ApplicantRevision => missing_documents(case, def, docs),
        StepKind::ApplicantUpload => missing_step_documents(case, def, step, docs),
        StepKind::Survey | StepKind::Decision => vec![],
    };
    if !problems.is_empty() {
        return Err(DomainError::RequirementsIncomplete(problems));
    }
    if step.kind == StepKind::Survey && case.survey_answered {
        return Err(DomainError::InvalidState(
            "Survei untuk berkas ini sudah diisi.".into(),
        ));
    }
    let outcome = step
        .outcomes
        .first()
        .map(|o| o.code.clone())
        .ok_or_else(|| DomainError::InvalidState("step without outcome".into()))?;
    let mut change = decide(
        case,
        def,
        actor,
        step,
        ParsedDecision {
            version,
            outcome,
            reason: None,
            details: Details::default(),
        },
        &Claimed::default(),
        ctx,
    )?;
    if step.kind == StepKind::Survey {
        change.case.survey_answered = true;
    }
    Ok(change)
}

/// The applicant changes the form (in draft, or in revision).
pub fn update_application(
    case: &Case,
    def: &PermitDef,
    caller: &Caller,
    application: FormData,
    version: u64,
    ctx: &Ctx<'_>,
) -> Result<Change, DomainError> {
    if case.owner != caller.sub {
        return Err(DomainError::NotFound);
    }
    if !is_editable(case, def) {
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
        caller.actor(Role::applicant()),
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

/// The applicant's contact corrected (`changes`: form paths and their parsed values), by the
/// applicant or, after a call, by the front office acting as `role`. The trail names the fields
/// changed, never their values.
pub fn contact_corrected(
    case: &Case,
    caller: &Caller,
    role: Role,
    changes: &[(String, serde_json::Value)],
    version: u64,
    ctx: &Ctx<'_>,
) -> Result<Change, DomainError> {
    if version != case.version {
        return Err(DomainError::VersionConflict {
            given: version,
            current: case.version,
        });
    }
    let (mut next, expected_version) = begin(case, ctx.now);
    for (path, v) in changes {
        next.application.set(path, v.clone());
    }
    let fields: Vec<&str> = changes.iter().map(|(p, _)| p.as_str()).collect();
    let ev = AuditEvent::chain(
        &mut next,
        caller.actor(role),
        EventDraft {
            action: "contact.corrected",
            outcome: Some(fields.join(",")),
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
    def: &PermitDef,
    caller: &Caller,
    doc: &DocumentRecord,
    ctx: &Ctx<'_>,
) -> Result<Change, DomainError> {
    if !accepts_upload(case, def, &doc.requirement) {
        return Err(DomainError::InvalidState(
            "Dokumen hanya dapat diunggah saat draf, saat perbaikan berkas, atau pada tahap yang memintanya.".into(),
        ));
    }
    let (mut next, expected_version) = begin(case, ctx.now);
    let ev = AuditEvent::chain(
        &mut next,
        caller.actor(Role::applicant()),
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
    step: &StepCode,
    token: String,
    due_on: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<Entered, DomainError> {
    if case.step.as_ref() == Some(step) && case.task_token.as_deref() == Some(token.as_str()) {
        return Ok(Entered::AlreadyRecorded);
    }
    if !matches!(
        case.status,
        CaseStatus::InProcess | CaseStatus::DeemedGranted
    ) {
        return Err(DomainError::InvalidState(format!(
            "case is {}, cannot wait at {step}",
            case.status.code()
        )));
    }
    let (mut next, expected_version) = begin(case, now);
    next.start_pending = false;
    // Entering the same step again (after a timeout's escalation) continues the same stay.
    let same_stay = next.open_span().is_some_and(|s| &s.step == step);
    if !same_stay {
        if let Some(open) = next.timeline.last_mut().filter(|s| s.left_at.is_none()) {
            open.left_at = Some(now);
        }
        next.timeline.push(StepSpan {
            step: step.clone(),
            entered_at: now,
            due_on,
            left_at: None,
            outcome: None,
        });
        next.step_entered_at = Some(now);
        next.deadline_alert = None;
    }
    next.step = Some(step.clone());
    next.task_token = Some(token);
    next.pending_completion = None;
    let ev = AuditEvent::chain(
        &mut next,
        Actor::system(),
        EventDraft {
            action: "step.entered",
            step: Some(step.clone()),
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
/// `days` days: the personal fields of the application (those its permit marks `personal`) are
/// erased and the case is closed as lapsed (UU 27/2022 Pasal 43 ayat (1): personal data no
/// longer needed is erased; the draft was never filed with the agency, so it is not part of the
/// permit archive). The audit trail keeps what happened. `None` when the case is no longer a
/// draft (it moved on since it was listed).
pub fn expire_draft(case: &Case, def: &PermitDef, days: u32, now: DateTime<Utc>) -> Option<Change> {
    if case.status != CaseStatus::Draft {
        return None;
    }
    let (mut next, expected_version) = begin(case, now);
    next.status = CaseStatus::Lapsed;
    next.closed_at = Some(now);
    for f in def.fields().filter(|f| f.personal) {
        next.application.erase(&f.path);
    }
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
    pub const ALL: [Closing; 3] = [Closing::Issued, Closing::Refused, Closing::Lapsed];

    pub fn code(self) -> &'static str {
        match self {
            Closing::Issued => "issued",
            Closing::Refused => "refused",
            Closing::Lapsed => "lapsed",
        }
    }

    pub fn status(self) -> CaseStatus {
        match self {
            Closing::Issued => CaseStatus::Issued,
            Closing::Refused => CaseStatus::Refused,
            Closing::Lapsed => CaseStatus::Lapsed,
        }
    }

    /// The permit's notice that tells the applicant.
    pub fn notice(self) -> &'static str {
        match self {
            Closing::Issued => super::notices::ISSUED,
            Closing::Refused => super::notices::REFUSED,
            Closing::Lapsed => super::notices::LAPSED,
        }
    }
}

/// Closes the case; `None` when it is already closed the same way (a retried invocation).
pub fn close(case: &Case, how: Closing, now: DateTime<Utc>) -> Result<Option<Change>, DomainError> {
    if case.status == how.status() {
        return Ok(None);
    }
    let deemed_issued = case.status == CaseStatus::DeemedGranted && how == Closing::Issued;
    if case.status != CaseStatus::InProcess && !deemed_issued {
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

/// An automatic event on the trail (a notice sent, an escalation): the system as actor.
fn automatic(case: &Case, draft: EventDraft, now: DateTime<Utc>) -> Change {
    let (mut next, expected_version) = begin(case, now);
    let ev = AuditEvent::chain(&mut next, Actor::system(), draft, &Origin::default(), now);
    Change {
        case: next,
        expected_version,
        events: vec![ev],
        records: vec![],
    }
}

/// SOP h (and other automatic notices): the trail records that the notice went out.
pub fn notice_sent(case: &Case, notice: &str, now: DateTime<Utc>) -> Change {
    automatic(
        case,
        EventDraft {
            action: "notice.sent",
            outcome: Some(notice.to_string()),
            ..Default::default()
        },
        now,
    )
}

/// The overdue job found the current step near or past its deadline: the case is marked (once
/// a day) and the trail records it.
pub fn deadline_alerted(
    case: &Case,
    step: &StepCode,
    state: crate::domain::deadlines::DeadlineState,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Change {
    let action = if state == crate::domain::deadlines::DeadlineState::Overdue {
        "deadline.overdue"
    } else {
        "deadline.near_due"
    };
    let due = case.step_due_on().map(|d| d.to_string());
    let mut ch = automatic(
        case,
        EventDraft {
            action,
            step: Some(step.clone()),
            outcome: due,
            ..Default::default()
        },
        now,
    );
    ch.case.deadline_alert = Some(crate::domain::case::DeadlineAlert {
        on: today,
        step: step.clone(),
        state,
    });
    ch
}

/// Fiktif positif (`domain::deemed`): the stage's legal time ran out undecided; the case is
/// granted by law and waits for staff to record OSS's issuance. The callback token stays, so
/// that the overdue job can fail the waiting task (again, if a first attempt was lost).
pub fn deemed_granted(
    case: &Case,
    stage: &super::permit::DeemedStageDef,
    due_on: NaiveDate,
    now: DateTime<Utc>,
) -> Change {
    let mut ch = automatic(
        case,
        EventDraft {
            action: "case.deemed_granted",
            step: case.step.clone(),
            outcome: Some(format!("{}:{due_on}", stage.code)),
            ..Default::default()
        },
        now,
    );
    ch.case.status = CaseStatus::DeemedGranted;
    ch.case.deemed = Some(crate::domain::case::DeemedGrant {
        stage: stage.code.clone(),
        label: stage.label.clone(),
        due_on,
        at: now,
        step: case.step.clone().unwrap_or_else(|| StepCode::new("")),
    });
    ch
}

/// The fiktif positif warning went out for `stage` (once per stage).
pub fn deemed_warned(case: &Case, stage: &str, due_on: NaiveDate, now: DateTime<Utc>) -> Change {
    let mut ch = automatic(
        case,
        EventDraft {
            action: "deadline.deemed_warning",
            step: case.step.clone(),
            outcome: Some(format!("{stage}:{due_on}")),
            ..Default::default()
        },
        now,
    );
    ch.case.deemed_warned.push(stage.to_string());
    ch
}

/// Escalation: the step's callback timed out in the orchestrator; the trail records it.
pub fn escalated(case: &Case, step: &StepCode, now: DateTime<Utc>) -> Change {
    automatic(
        case,
        EventDraft {
            action: "step.escalated",
            step: Some(step.clone()),
            ..Default::default()
        },
        now,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::permit::tests_support::kantor_kas;

    fn caller(sub: &str, roles: &[&str]) -> Caller {
        Caller {
            sub: sub.into(),
            name: sub.into(),
            email: None,
            roles: roles.iter().map(|r| Role::new(*r)).collect(),
            office: Some(crate::domain::office::founding_code()),
            acting: vec![],
            issued_at: None,
        }
    }

    fn waiting_case(def: &PermitDef, step: &str) -> Case {
        let mut c = Case::new_draft(
            def.code.clone(),
            "applicant-1".into(),
            FormData::default(),
            Utc::now(),
        );
        c.status = CaseStatus::InProcess;
        c.step = Some(StepCode::new(step));
        c.task_token = Some("tok".into());
        c.version = 4;
        c
    }

    fn input(v: Value) -> DecisionInput {
        DecisionInput(v.as_object().unwrap().clone())
    }

    #[test]
    fn authorization_order() {
        let def = kantor_kas();
        let fo_step = def.step("front_office_verification").unwrap();
        let bo_step = def.step("back_office_validation").unwrap();
        let c = waiting_case(&def, "front_office_verification");
        let fo = caller("fo", &["front_office"]);
        let other_applicant = caller("applicant-2", &["applicant"]);
        let bo = caller("bo", &["back_office"]);
        assert_eq!(
            authorize_decision(&c, &def, &other_applicant, fo_step, 4),
            Err(DomainError::NotFound)
        );
        assert_eq!(
            authorize_decision(&c, &def, &bo, fo_step, 4),
            Err(DomainError::Forbidden {
                required: Role::new("front_office")
            })
        );
        assert!(matches!(
            authorize_decision(&c, &def, &bo, bo_step, 4),
            Err(DomainError::InvalidState(_))
        ));
        assert_eq!(
            authorize_decision(&c, &def, &fo, fo_step, 3),
            Err(DomainError::VersionConflict {
                given: 3,
                current: 4
            })
        );
        assert!(authorize_decision(&c, &def, &fo, fo_step, 4).is_ok());
    }

    #[test]
    fn one_person_may_not_decide_two_consecutive_steps() {
        let def = kantor_kas();
        let mut c = waiting_case(&def, "division_head_validation");
        let acting = caller("plt", &["section_head", "division_head"]);
        c.decisions.push(Decision {
            step: StepCode::new("section_head_validation"),
            outcome: "approve".into(),
            reason: None,
            details: Details::default(),
            actor: acting.actor(Role::new("section_head")),
            at: Utc::now(),
        });
        let step = def.step("division_head_validation").unwrap();
        assert_eq!(
            authorize_decision(&c, &def, &acting, step, 4),
            Err(DomainError::Segregation)
        );
        let kabid = caller("kabid", &["division_head"]);
        assert!(authorize_decision(&c, &def, &kabid, step, 4).is_ok());
    }

    #[test]
    fn decisions_are_validated_per_step() {
        let def = kantor_kas();
        let today: NaiveDate = "2026-11-26".parse().unwrap();
        let err = parse_decision(
            &def,
            def.step("front_office_verification").unwrap(),
            input(json!({"version": 1, "outcome": "incomplete",
                "missing": ["member_list", "nonsense"], "findings": "x"})),
            today,
        )
        .unwrap_err();
        let DomainError::Validation(errs) = err else {
            panic!()
        };
        let codes: Vec<_> = errs
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_ref()))
            .collect();
        assert_eq!(
            codes,
            [
                ("findings", "not_applicable"),
                ("reason", "reason_required"),
                ("missing", "unknown_requirement")
            ]
        );
        let ok = parse_decision(
            &def,
            def.step("recommendation").unwrap(),
            input(json!({"version": 1, "outcome": "grant",
                "recommendation_number": "500/123/DKUMP/2026",
                "recommendation_date": "2026-11-20"})),
            today,
        )
        .unwrap();
        assert_eq!(ok.outcome, "grant");
        assert_eq!(ok.details.str("recommendation_date"), Some("2026-11-20"));
        // A field of another outcome, and one no step has.
        let e = parse_decision(
            &def,
            def.step("front_office_verification").unwrap(),
            input(json!({"version": 1, "outcome": "complete", "missing": ["member_list"], "colour": 1})),
            today,
        )
        .unwrap_err();
        let DomainError::Validation(errs) = e else {
            panic!()
        };
        let codes: Vec<_> = errs
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_ref()))
            .collect();
        assert_eq!(
            codes,
            [("colour", "unknown_field"), ("missing", "not_applicable")]
        );
    }

    #[test]
    fn a_decision_hands_the_token_to_the_pending_completion() {
        let def = kantor_kas();
        let step = def.step("front_office_verification").unwrap();
        let c = waiting_case(&def, "front_office_verification");
        let fo = caller("fo", &["front_office"]);
        let actor = authorize_decision(&c, &def, &fo, step, 4).unwrap();
        let origin = Origin::default();
        let ch = decide(
            &c,
            &def,
            actor,
            step,
            ParsedDecision {
                version: 4,
                outcome: "complete".into(),
                reason: None,
                details: Details::default(),
            },
            &Claimed::default(),
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
