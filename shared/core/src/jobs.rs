//! Scheduled jobs: the daily overdue run (EventBridge Scheduler at 07:00 WITA in AWS; a timer and
//! an on-demand endpoint in the local runner).

use crate::domain::actions;
use crate::domain::deadlines::DeadlineState;
use crate::domain::notices::Notice;
use crate::domain::permit::{StepCode, StepKind};
use crate::domain::time::wita_date;
use crate::domain::{CaseId, CaseStatus};
use crate::ports::store::{Commit, StoreError};
use crate::services::{Recipient, Services};
use chrono::NaiveDate;
use serde::Serialize;

/// Most cases one run handles per step (a backlog larger than this is handled on the next run).
const PER_STEP_LIMIT: usize = 1000;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Alert {
    pub case_id: CaseId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
    pub step: StepCode,
    pub state: DeadlineState,
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, Serialize)]
pub struct OverdueRun {
    pub date: NaiveDate,
    /// Deadlines on or before this date were looked at (today plus the "near due" margin).
    pub cutoff: NaiveDate,
    /// Cases the deadline index returned (what the job read).
    pub examined: usize,
    pub items_read: u64,
    pub alerts: Vec<Alert>,
    /// Cases already alerted today (a second run sends nothing new).
    pub already_alerted: usize,
    pub notices_sent: usize,
    /// Complaints near (within 5 days) or past their 60 days, alerted today.
    pub complaint_alerts: Vec<String>,
    /// Incomplete complaints not completed by their last day: their wait ended (`expired`), the
    /// workflow closes them as `closed_incomplete` (tracking codes).
    pub complaints_expired: Vec<String>,
    /// Decisions re-sent to the orchestrator (stored but undelivered).
    pub redelivered: usize,
    /// Workflows restarted after a transient failure outlasted their retries.
    pub redriven: usize,
    /// Queue digests e-mailed to staff roles (with `StaffNotices::Daily`; once a day each).
    pub queue_digests: usize,
    /// What the retention schedule removed on this run.
    pub retention: RetentionRun,
    /// The jobs of this run that failed (the others ran): the next run tries them again.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<JobFailure>,
    /// Fiktif positif: cases deemed granted on this run (`domain::deemed`).
    pub deemed_granted: Vec<Alert>,
    /// Fiktif positif warnings sent on this run (once per case and stage).
    pub deemed_warnings: Vec<Alert>,
    /// The day's anchor of the audit chains in the write-once store (`None`: already written
    /// today, or the job failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_anchor: Option<AnchorWritten>,
    /// The SMS service's account settings (spend limit, sender, delivery logs) were brought to
    /// the stack's values on this run.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sms_settings_applied: bool,
}

/// What the day's audit anchor holds.
#[derive(Debug, Clone, Serialize)]
pub struct AnchorWritten {
    pub key: String,
    pub digest: String,
    pub heads: usize,
}

/// Writes the day's anchor (every record's audit head) once, write-once: a second run the
/// same day finds it there and leaves it (`crate::audit`).
pub async fn write_audit_anchor(s: &Services) -> Result<Option<AnchorWritten>, StoreError> {
    let now = s.clock.now();
    let today = wita_date(now);
    let key = crate::audit::anchor_key(today);
    let anchor = crate::audit::anchor(s.store.as_ref(), today, now).await?;
    let bytes = serde_json::to_vec(&anchor).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    match s
        .signed_documents
        .put_new(&key, bytes.into(), "application/json")
        .await
    {
        Ok(()) => {
            tracing::info!(%key, heads = anchor.heads.len(), digest = %anchor.digest, "audit anchor written");
            Ok(Some(AnchorWritten {
                key,
                digest: anchor.digest,
                heads: anchor.heads.len(),
            }))
        }
        Err(crate::ports::DocumentError::Exists) => Ok(None),
        Err(e) => Err(StoreError::Unavailable(Box::new(e))),
    }
}

/// A job of the overdue run that failed.
#[derive(Debug, Clone, Serialize)]
pub struct JobFailure {
    pub job: &'static str,
    pub error: String,
}

/// The morning queue digest (`StaffNotices::Daily`): one e-mail per staff role listing the
/// cases waiting at its steps, earliest deadline first. Once a day per role: an idempotency
/// record `queue-digest/<date>/<role>` marks it sent, so a second run that day sends nothing.
async fn send_queue_digests(s: &Services, today: NaiveDate) -> Result<usize, StoreError> {
    use crate::ports::guard::{Claim, IdempotencyRecord, IdempotencyState, StoredResponse};
    use crate::ports::mailer::Email;
    type Queue = (
        crate::domain::office::OfficeCode,
        crate::domain::Role,
        Vec<(String, crate::domain::Case)>,
    );
    // Per office and role: each office's staff hear of their own queues.
    let mut by_role: std::collections::BTreeMap<String, Queue> = Default::default();
    let codes = staff_step_codes(s);
    for (office, code) in office_steps(s, &codes) {
        for case in s
            .store
            .cases_at_step(&office, &code, PER_STEP_LIMIT)
            .await?
        {
            let Some(step) = s.permit_of(&case).and_then(|d| d.step(code.as_str())) else {
                continue;
            };
            if case.status == CaseStatus::InProcess && case.is_waiting_at(code.as_str()) {
                let title = format!(
                    "{}: {}",
                    s.permit_of(&case).map_or("", |d| d.short_name.as_str()),
                    step.title
                );
                by_role
                    .entry(office.scoped(step.role.code()))
                    .or_insert_with(|| (office.clone(), step.role.clone(), vec![]))
                    .2
                    .push((title, case));
            }
        }
    }
    let mut sent = 0;
    for (office, role, items) in by_role.into_values() {
        let to = s.directory.addresses(&office, &role).await;
        if to.is_empty() {
            continue;
        }
        let now = s.clock.now();
        let key = format!("queue-digest/{today}/{}", office.scoped(role.code()));
        let owner = uuid::Uuid::new_v4();
        let record = IdempotencyRecord {
            key: key.clone(),
            fingerprint: "queue-digest".into(),
            owner,
            state: IdempotencyState::InProgress {
                lock_until: now + chrono::Duration::minutes(10),
            },
            expires_at: now + chrono::Duration::days(2),
        };
        if let Claim::Existing(_) = s.idempotency.claim(&record, now).await? {
            continue;
        }
        let entries: Vec<crate::domain::notices::DigestEntry> = items
            .iter()
            .map(|(title, case)| crate::domain::notices::DigestEntry {
                reference: case
                    .registration_number
                    .as_ref()
                    .map_or_else(|| case.id.to_string(), |r| r.to_string()),
                holder: s
                    .permit_of(case)
                    .map_or_else(|| "-".to_string(), |d| d.holder_of(&case.application)),
                title: title.clone(),
                due_on: case.step_due_on(),
            })
            .collect();
        let msg = crate::domain::notices::queue_digest(&role, &entries, today, &s.portal_url);
        let email = Email {
            to,
            subject: msg.subject,
            body: msg.body,
            idempotency_key: key.clone(),
            tags: vec![],
        };
        match s.mailer.send(&email).await {
            Ok(_) => {
                let done = StoredResponse {
                    status: 200,
                    headers: vec![],
                    body: vec![],
                };
                s.idempotency
                    .complete(&key, owner, &done, now + chrono::Duration::days(2))
                    .await?;
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(role = role.code(), error = %e, "queue digest not sent; the next run tries again");
                s.idempotency.release(&key, owner).await?;
            }
        }
    }
    Ok(sent)
}

/// Every step code of the catalogue whose step is a staff decision (in some permit).
/// Each office with each of `steps` that a permit it offers has: the index queries of a run.
fn office_steps(
    s: &Services,
    steps: &[StepCode],
) -> Vec<(crate::domain::office::OfficeCode, StepCode)> {
    let mut out = vec![];
    for office in s.offices.iter() {
        for st in steps {
            let offered = s
                .catalogue
                .iter()
                .any(|p| office.offers(p.def.code.as_str()) && p.def.step(st.as_str()).is_some());
            if offered {
                out.push((office.code().clone(), st.clone()));
            }
        }
    }
    out
}

fn staff_step_codes(s: &Services) -> Vec<StepCode> {
    let mut out: Vec<StepCode> = vec![];
    for p in s.catalogue.iter() {
        for st in p.def.steps.iter().filter(|st| st.is_staff()) {
            if !out.contains(&st.code) {
                out.push(st.code.clone());
            }
        }
    }
    out
}

/// Every step code with a deadline worth alerting on (all but the voluntary survey).
fn deadline_step_codes(s: &Services) -> Vec<StepCode> {
    let mut out: Vec<StepCode> = vec![];
    for p in s.catalogue.iter() {
        for st in p.def.steps.iter().filter(|st| st.kind != StepKind::Survey) {
            if !out.contains(&st.code) {
                out.push(st.code.clone());
            }
        }
    }
    out
}

/// Most records one retention run handles per kind.
const RETENTION_LIMIT: usize = 500;

/// One run of the retention schedule (`infra/config/retention.json`, `domain::privacy`).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct RetentionRun {
    /// Drafts never submitted, untouched for `abandoned_draft_days`: closed, personal fields
    /// erased.
    pub drafts_expired: usize,
    /// Their uploaded files, deleted from the document store.
    pub files_deleted: usize,
    /// Files whose deletion failed (kept in the log by case id; deleted by a later run).
    pub files_failed: usize,
    /// Closed complaints whose complainant identity was erased.
    pub complaint_identities_erased: usize,
    /// Uploads that arrived more than a day ago and were never confirmed, deleted.
    pub arrivals_expired: u64,
    /// Refused-request records past their `retain_until` (DynamoDB: expired by TTL instead).
    pub security_events_expired: u64,
    /// Idempotency records past their expiry (DynamoDB: TTL).
    pub idempotency_records_purged: u64,
}

/// Applies the retention schedule: erases abandoned drafts (and deletes their files),
/// complainants' identities after the period, and expired operational records. Every erasure
/// is a versioned commit with its own audit event, so a draft the applicant touches meanwhile
/// is left alone (the conflict is skipped) and a second run changes nothing.
pub async fn run_retention(s: &Services) -> Result<RetentionRun, StoreError> {
    use crate::domain::DocumentStatus;
    use crate::domain::values::ERASED;
    let now = s.clock.now();
    let policy = s.retention.clone();
    let mut run = RetentionRun::default();
    let before = now - chrono::Duration::days(i64::from(policy.abandoned_draft_days));
    for case in s.store.stale_drafts(before, RETENTION_LIMIT).await? {
        let Some(def) = s.permit_of(&case) else {
            continue;
        };
        let Some(change) = actions::expire_draft(&case, def, policy.abandoned_draft_days, now)
        else {
            continue;
        };
        let docs = s.store.documents(case.id).await?;
        let mut commit = Commit::from_change(change);
        commit.documents = docs
            .iter()
            .filter(|d| d.status != DocumentStatus::Erased)
            .map(|d| {
                let mut d = d.clone();
                d.status = DocumentStatus::Erased;
                d.file_name = ERASED.to_string();
                d
            })
            .collect();
        match s.store.commit_checked(commit).await {
            Ok(()) => run.drafts_expired += 1,
            // Changed since it was listed (the applicant came back): not abandoned.
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e),
        }
        for d in docs
            .iter()
            .filter(|d| matches!(d.status, DocumentStatus::Stored | DocumentStatus::Pending))
        {
            // The confirmed copy and what arrived at the upload URL, every version of each.
            let arrived = crate::api::documents::incoming_key(case.id, d.id);
            let both = if arrived == d.key {
                s.documents.delete(&d.key).await
            } else {
                match s.documents.delete(&arrived).await {
                    Ok(()) => s.documents.delete(&d.key).await,
                    Err(e) => Err(e),
                }
            };
            match both {
                Ok(()) => run.files_deleted += 1,
                Err(e) => {
                    run.files_failed += 1;
                    tracing::warn!(case_id = %case.id, error = %e, "retention: file not deleted");
                }
            }
        }
    }
    let closed_before = now - chrono::Duration::days(i64::from(policy.complaint_identity_days));
    for c in s
        .store
        .identified_closed_complaints(closed_before, RETENTION_LIMIT)
        .await?
    {
        let Some(change) =
            crate::domain::complaints::erase_identity(&c, policy.complaint_identity_days, now)
        else {
            continue;
        };
        match s
            .store
            .commit_complaint_checked(crate::ports::ComplaintCommit::from_change(change))
            .await
        {
            Ok(()) => run.complaint_identities_erased += 1,
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e),
        }
    }
    // Bytes sent to an upload URL and never confirmed (S3: the bucket's lifecycle rule on
    // `incoming/` does this, and the call is a no-op).
    match s
        .documents
        .expire_arrivals(now - chrono::Duration::days(1))
        .await
    {
        Ok(n) => run.arrivals_expired = n,
        Err(e) => tracing::warn!(error = %e, "retention: arrivals not expired"),
    }
    run.security_events_expired = s.security_log.expire_security_events(now).await?;
    run.idempotency_records_purged = s.idempotency.purge_expired_idempotency(now).await?;
    tracing::info!(
        drafts = run.drafts_expired,
        files = run.files_deleted,
        complaints = run.complaint_identities_erased,
        security_events = run.security_events_expired,
        idempotency = run.idempotency_records_purged,
        "retention run finished"
    );
    Ok(run)
}

/// A complaint is "near" its 60 days this many calendar days before.
pub const COMPLAINT_NEAR_DAYS: u64 = 5;

/// Working days between today and `due` in `cal` (negative once it has passed).
fn days_left(cal: &crate::domain::calendar::Calendar, today: NaiveDate, due: NaiveDate) -> i64 {
    if due >= today {
        i64::from(cal.working_days_between(today, due).value)
    } else {
        -i64::from(cal.working_days_between(due, today).value)
    }
}

/// Finds the cases near or past their step's deadline through the deadline index, marks each
/// once a day with an audit event, and e-mails the waiting role and its supervisor (the
/// applicant, for a revision). Then re-sends decisions that never reached the orchestrator.
pub async fn run_overdue(s: &Services) -> OverdueRun {
    let now = s.clock.now();
    let today = wita_date(now);
    // Near due, or within a fiktif positif warning (step deadlines are capped by their stage's
    // date, so the deadline index finds those cases too).
    let near_max = s
        .catalogue
        .iter()
        .map(|p| {
            let warn = p.def.deemed_approval.as_ref().map_or(0, |d| d.warn_days);
            p.def.near_due_days.max(warn)
        })
        .max()
        .unwrap_or(1);
    // The latest of the offices' cutoffs (a regional day off moves its office's further): each
    // case's state is then counted in its own office's calendar.
    let mut cutoff = today;
    for office in s.offices.iter() {
        let c = office.calendar.add_working_days(today, near_max);
        if !c.unknown_years.is_empty() {
            tracing::warn!(office = %office.code(), years = ?c.unknown_years, "overdue run counted without holiday data");
        }
        cutoff = cutoff.max(c.value);
    }
    let read_before = s.store.items_read();
    let mut run = OverdueRun {
        date: today,
        cutoff,
        examined: 0,
        items_read: 0,
        alerts: vec![],
        already_alerted: 0,
        notices_sent: 0,
        complaint_alerts: vec![],
        complaints_expired: vec![],
        redelivered: 0,
        redriven: 0,
        queue_digests: 0,
        retention: RetentionRun::default(),
        failed: vec![],
        deemed_granted: vec![],
        deemed_warnings: vec![],
        audit_anchor: None,
        sms_settings_applied: false,
    };
    let mut failed: Vec<(&'static str, StoreError)> = vec![];
    // The SMS account settings the stack asks for (SNS keeps them per account and region, out
    // of CloudFormation's reach): checked each morning, written only when they differ.
    match s.sms.ensure_account_settings().await {
        Ok(changed) => run.sms_settings_applied = changed,
        Err(e) => failed.push(("sms_settings", StoreError::Unavailable(Box::new(e)))),
    }
    // Each job runs whatever happened to the one before: one failing does not skip the rest.
    if let Err(e) = case_deadline_alerts(s, &mut run, cutoff).await {
        failed.push(("case_deadlines", e));
    }
    if let Err(e) = complaint_deadline_alerts(s, &mut run).await {
        failed.push(("complaint_deadlines", e));
    }
    run.items_read = s.store.items_read() - read_before;
    match crate::flows::sweep(s).await {
        Ok((redelivered, redriven)) => (run.redelivered, run.redriven) = (redelivered, redriven),
        Err(e) => failed.push(("redelivery", e)),
    }
    if s.staff_notices == crate::services::StaffNotices::Daily {
        match send_queue_digests(s, today).await {
            Ok(n) => run.queue_digests = n,
            Err(e) => failed.push(("queue_digests", e)),
        }
    }
    match run_retention(s).await {
        Ok(r) => run.retention = r,
        Err(e) => failed.push(("retention", e)),
    }
    // Last, so that the anchor holds the heads this run's own changes left.
    match write_audit_anchor(s).await {
        Ok(a) => run.audit_anchor = a,
        Err(e) => failed.push(("audit_anchor", e)),
    }
    for (job, e) in &failed {
        tracing::warn!(job, error = %e, "overdue run: job failed");
    }
    run.failed = failed
        .into_iter()
        .map(|(job, e)| JobFailure {
            job,
            error: e.to_string(),
        })
        .collect();
    tracing::info!(
        date = %today,
        examined = run.examined,
        alerts = run.alerts.len(),
        notices = run.notices_sent,
        failed = run.failed.len(),
        "overdue run finished"
    );
    run
}

/// Deadline alerts of cases due by `cutoff` (once a day per case and step).
async fn case_deadline_alerts(
    s: &Services,
    run: &mut OverdueRun,
    cutoff: NaiveDate,
) -> Result<(), StoreError> {
    let now = s.clock.now();
    let today = run.date;
    let steps = deadline_step_codes(s);
    for (office, step) in office_steps(s, &steps) {
        let cases = s
            .store
            .cases_due_by(&office, &step, cutoff, PER_STEP_LIMIT)
            .await?;
        run.examined += cases.len();
        for case in cases {
            if case.step.as_ref() != Some(&step) {
                continue;
            }
            let Some(def) = s.permit_of(&case) else {
                continue;
            };
            let case = match deemed(s, run, case, def).await? {
                Some(c) => c,
                None => continue,
            };
            // A deemed case is alerted at its recording step like any other step.
            let recording = def.deemed_approval.as_ref().is_some_and(|d| d.step == step);
            if case.status != CaseStatus::InProcess
                && !(case.status == CaseStatus::DeemedGranted && recording)
            {
                continue;
            }
            let Some(step_def) = def.step(step.as_str()) else {
                continue;
            };
            if step_def.kind == StepKind::Survey {
                continue;
            }
            let Some(due) = case.step_due_on() else {
                continue;
            };
            let left = days_left(s.calendar_of(&case), today, due);
            let state = if left < 0 {
                DeadlineState::Overdue
            } else if left <= i64::from(def.near_due_days) {
                DeadlineState::NearDue
            } else {
                continue;
            };
            if case
                .deadline_alert
                .as_ref()
                .is_some_and(|a| a.on == today && a.step == step)
            {
                run.already_alerted += 1;
                continue;
            }
            let role = step_def.role.clone();
            let staff = step_def.is_staff();
            let change = actions::deadline_alerted(&case, &step, state, today, now);
            let marked = change.case.clone();
            match s.store.commit_checked(Commit::from_change(change)).await {
                Ok(()) => {}
                // The case moved meanwhile; the next run looks at it again.
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
            let notice = Notice::Deadline {
                step: step.clone(),
                state,
                due_on: due,
            };
            let key = format!("deadline/{today}/{step}");
            let mut recipients = vec![];
            if staff {
                if let Some(sup) = role.supervisor() {
                    recipients.push(Recipient::Role(role));
                    recipients.push(Recipient::Role(sup));
                } else {
                    recipients.push(Recipient::Role(role));
                }
            } else {
                recipients.push(Recipient::Applicant);
            }
            for (i, r) in recipients.into_iter().enumerate() {
                match s.notify(&notice, &marked, r, &format!("{key}/{i}")).await {
                    Ok(()) => run.notices_sent += 1,
                    Err(e) => {
                        tracing::warn!(case_id = %marked.id, error = %e, "deadline notice not sent")
                    }
                }
            }
            tracing::info!(case_id = %marked.id, step = %step, state = ?state, "deadline alert");
            run.alerts.push(Alert {
                case_id: marked.id,
                registration_number: marked.registration_number.as_ref().map(|r| r.to_string()),
                step: step.clone(),
                state,
                due_on: due,
            });
        }
    }
    Ok(())
}

/// Fiktif positif on one case the deadline index returned: a stage whose legal time ran out
/// makes the case deemed granted (once: the status is committed with the case's version before
/// anything is sent), tells the applicant and the staff, and fails the waiting task so that the
/// workflow goes to the recording step; a failure lost before it reached the orchestrator is
/// sent again on the next run. A stage within its warning days warns the staff once. Returns
/// the case for the ordinary deadline alert, or `None` when there is nothing more to do.
async fn deemed(
    s: &Services,
    run: &mut OverdueRun,
    case: crate::domain::Case,
    def: &crate::domain::permit::PermitDef,
) -> Result<Option<crate::domain::Case>, StoreError> {
    use crate::domain::deemed;
    let Some(da) = &def.deemed_approval else {
        return Ok(Some(case));
    };
    let now = s.clock.now();
    let today = run.date;
    let stage = case.waiting_at().and_then(|st| da.stage_of(st.as_str()));
    if case.status == CaseStatus::DeemedGranted {
        if stage.is_some() {
            fail_deemed(s, &case).await;
            return Ok(None);
        }
        return Ok(Some(case));
    }
    if let Some((stage, due)) = deemed::lapsed(&case, def, s.calendar_of(&case), now) {
        let change = actions::deemed_granted(&case, stage, due, now);
        let marked = change.case.clone();
        match s.store.commit_checked(Commit::from_change(change)).await {
            Ok(()) => {}
            // A decision landed meanwhile: the office decided in time after all.
            Err(StoreError::Conflict(_)) => return Ok(None),
            Err(e) => return Err(e),
        }
        tracing::info!(case_id = %marked.id, stage = %stage.code, "case deemed granted (fiktif positif)");
        let key = format!("deemed/{}", stage.code);
        if def.notices.contains_key(deemed::APPLICANT_NOTICE) {
            match s
                .notify(
                    &Notice::permit(deemed::APPLICANT_NOTICE),
                    &marked,
                    Recipient::Applicant,
                    &key,
                )
                .await
            {
                Ok(()) => run.notices_sent += 1,
                Err(e) => {
                    tracing::warn!(case_id = %marked.id, error = %e, "deemed notice not sent")
                }
            }
        }
        let notice = Notice::DeemedGranted {
            stage: stage.code.clone(),
            due_on: due,
        };
        run.notices_sent += notify_deemed_staff(s, &marked, def, &notice, &key).await;
        run.deemed_granted
            .push(alert_of(&marked, DeadlineState::Overdue, due));
        fail_deemed(s, &marked).await;
        return Ok(None);
    }
    let mut unknown = std::collections::BTreeSet::new();
    let warn = deemed::clocks(&case, def, s.calendar_of(&case), now, &mut unknown)
        .into_iter()
        .find(|c| {
            c.running
                && c.state == DeadlineState::NearDue
                && !case.deemed_warned.contains(&c.stage)
                && stage.is_some_and(|st| st.code == c.stage)
        });
    let Some(w) = warn else {
        return Ok(Some(case));
    };
    let Some(due) = w.due_on else {
        return Ok(Some(case));
    };
    let change = actions::deemed_warned(&case, &w.stage, due, now);
    let marked = change.case.clone();
    match s.store.commit_checked(Commit::from_change(change)).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => return Ok(None),
        Err(e) => return Err(e),
    }
    let notice = Notice::DeemedWarning {
        stage: w.stage.clone(),
        due_on: due,
    };
    let key = format!("deemed-warning/{}/{today}", w.stage);
    run.notices_sent += notify_deemed_staff(s, &marked, def, &notice, &key).await;
    run.deemed_warnings
        .push(alert_of(&marked, DeadlineState::NearDue, due));
    Ok(Some(marked))
}

fn alert_of(case: &crate::domain::Case, state: DeadlineState, due_on: NaiveDate) -> Alert {
    Alert {
        case_id: case.id,
        registration_number: case.registration_number.as_ref().map(|r| r.to_string()),
        step: case.step.clone().unwrap_or_else(|| StepCode::new("")),
        state,
        due_on,
    }
}

/// The waiting role, its supervisor and the official who signs the permit's letters (the
/// agency's head), each once. Returns how many notices went out.
async fn notify_deemed_staff(
    s: &Services,
    case: &crate::domain::Case,
    def: &crate::domain::permit::PermitDef,
    notice: &Notice,
    key: &str,
) -> usize {
    let mut roles = vec![];
    if let Some(st) = case.step.as_ref().and_then(|c| def.step(c.as_str())) {
        roles.push(st.role.clone());
        if let Some(sup) = st.role.supervisor() {
            roles.push(sup);
        }
    }
    roles.extend(def.signer_roles());
    let mut seen = vec![];
    let mut sent = 0;
    for r in roles {
        if seen.contains(&r) {
            continue;
        }
        seen.push(r.clone());
        let k = format!("{key}/{r}");
        match s.notify(notice, case, Recipient::Role(r), &k).await {
            Ok(()) => sent += 1,
            Err(e) => {
                tracing::warn!(case_id = %case.id, error = %e, "fiktif positif notice not sent")
            }
        }
    }
    sent
}

/// Fails the waiting task of a deemed case with [`crate::domain::deemed::DEEMED_ERROR`]; a
/// task already closed is fine (the workflow moved on), an unreachable orchestrator is tried
/// again on the next run.
async fn fail_deemed(s: &Services, case: &crate::domain::Case) {
    let Some(token) = &case.task_token else {
        return;
    };
    match s
        .orchestrator
        .fail(
            token,
            crate::domain::deemed::DEEMED_ERROR,
            "fiktif positif: the stage's legal time ran out undecided",
        )
        .await
    {
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(case_id = %case.id, error = %e, "deemed task failure not delivered; the next run sends it again")
        }
    }
}

/// Alerts of complaints near or past their 60 days (once a day each).
async fn complaint_deadline_alerts(s: &Services, run: &mut OverdueRun) -> Result<(), StoreError> {
    let now = s.clock.now();
    let today = run.date;
    let complaint_cutoff = today
        .checked_add_days(chrono::Days::new(COMPLAINT_NEAR_DAYS))
        .unwrap_or(today);
    let mut due = vec![];
    for office in s.offices.iter() {
        due.extend(
            s.store
                .complaints_due_by(office.code(), complaint_cutoff, PER_STEP_LIMIT)
                .await?,
        );
    }
    for c in due {
        run.examined += 1;
        if c.step == Some(crate::domain::complaints::ComplaintStep::Completion) {
            expire_completion(s, run, &c, today).await?;
            continue;
        }
        let Some(due) = c.due_on else { continue };
        if c.deadline_alert_on == Some(today) {
            run.already_alerted += 1;
            continue;
        }
        let overdue = today > due;
        let change = crate::domain::complaints::deadline_alerted(&c, today, overdue, now);
        let marked = change.complaint.clone();
        match s
            .store
            .commit_complaint_checked(crate::ports::ComplaintCommit::from_change(change))
            .await
        {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e),
        }
        let notice = crate::domain::complaints::ComplaintNotice::Late { overdue };
        for r in crate::domain::complaints::escalation_roles() {
            let key = format!("deadline/{today}/{}", r.code());
            match s
                .notify_complaint(
                    &notice,
                    &marked,
                    crate::services::ComplaintRecipient::Role(r),
                    &key,
                )
                .await
            {
                Ok(()) => run.notices_sent += 1,
                Err(e) => {
                    tracing::warn!(complaint_id = %marked.id, error = %e, "deadline notice not sent")
                }
            }
        }
        run.complaint_alerts.push(marked.tracking_code.clone());
    }
    Ok(())
}

/// An incomplete complaint past its last day to be completed: its wait ends as `expired` (the
/// workflow then closes it as `closed_incomplete` and tells the complainant). Stored first, then
/// delivered; a delivery that fails is re-sent by the redelivery sweep.
async fn expire_completion(
    s: &Services,
    run: &mut OverdueRun,
    c: &crate::domain::complaints::Complaint,
    today: NaiveDate,
) -> Result<(), StoreError> {
    let now = s.clock.now();
    let Some(change) = crate::domain::complaints::expire_completion(c, today, now) else {
        return Ok(());
    };
    let pending = change.complaint.pending_completion.clone();
    match s
        .store
        .commit_complaint_checked(crate::ports::ComplaintCommit::from_change(change))
        .await
    {
        Ok(()) => {}
        // Completed meanwhile (or moved on): the next run looks at it again.
        Err(StoreError::Conflict(_)) => return Ok(()),
        Err(e) => return Err(e),
    }
    if let Some(p) = pending
        && let Err(e) = s.complaint_orchestrator.complete(&p.token, p.output).await
    {
        tracing::warn!(complaint_id = %c.id, error = %e, "completion expiry stored; delivery deferred to recovery");
    }
    tracing::info!(complaint_id = %c.id, "incomplete complaint not completed in time");
    run.complaints_expired.push(c.tracking_code.clone());
    Ok(())
}
