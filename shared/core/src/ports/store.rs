//! The case store: cases, their append-only audit trail, document metadata and counters.

use crate::domain::case::SignedDocument;
use crate::domain::complaints::Complaint;
use crate::domain::deadlines::StepRecord;
use crate::domain::delegation::Delegation;
use crate::domain::office::OfficeCode;
use crate::domain::roster::StaffMember;
use crate::domain::survey::SurveyResponse;
use crate::domain::{AuditEvent, Case, CaseId, DocumentRecord, RegistrationNumber, StepCode};
use async_trait::async_trait;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A conditional write lost: stale version, duplicate key or a counter that moved.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("store unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A stored record could not be read back.
    #[error("corrupt record: {0}")]
    Corrupt(String),
}

/// Claims the next value of a gap-free counter (registration and letter numbers): the commit
/// succeeds only if the counter is at `value - 1` (absent counts as 0), and leaves it at `value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterClaim {
    pub name: String,
    pub value: u64,
}

/// One atomic change: all of it is stored, or none of it.
#[derive(Debug, Clone)]
pub struct Commit {
    pub case: Case,
    /// `None` creates the case (it must not exist); `Some(v)` replaces it only if it is still at
    /// version `v`.
    pub expected_version: Option<u64>,
    pub events: Vec<AuditEvent>,
    /// Document records to insert or replace.
    pub documents: Vec<DocumentRecord>,
    pub counters: Vec<CounterClaim>,
    /// Survey responses to insert (one per case: a second one is a conflict).
    pub surveys: Vec<SurveyResponse>,
    /// Keys that must be new (e.g. `registration:KK-2026-000123`): the commit fails if one was
    /// claimed before; each key then points to this case.
    pub unique: Vec<String>,
    /// Stays at a step that ended (the SLA report's data).
    pub step_records: Vec<StepRecord>,
    /// Signed documents to insert (`None`) or to replace at a version (`Some(v)`).
    pub signed_documents: Vec<(SignedDocument, Option<u64>)>,
}

/// A record with an audit trail (a case or a complaint) and the head of its chain as the
/// record itself states it: what the audit verification compares each trail with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    /// `case` or `complaint`.
    pub kind: &'static str,
    pub id: CaseId,
    pub seq: u64,
    pub head: String,
    /// The head's keyed MAC, where the record has one.
    pub mac: Option<String>,
}

/// One page of [`AuditHead`]s and the cursor of the next page (`None` after the last).
#[derive(Debug, Clone, Default)]
pub struct AuditHeadPage {
    pub heads: Vec<AuditHead>,
    pub next: Option<String>,
}

/// DynamoDB request units consumed (on-demand billing units).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct RequestUnits {
    pub read: f64,
    pub write: f64,
}

/// The index key of an office's work queue at `step` (`front_office_verification`; for an
/// office other than the founding one `pematangsiantar#front_office_verification`:
/// `domain::office`).
pub fn queue_key(office: &OfficeCode, step: &StepCode) -> String {
    office.scoped(step.as_str())
}

/// The index key of an office's open complaints (`open`; `pematangsiantar#open`).
pub fn register_key(office: &OfficeCode) -> String {
    office.scoped("open")
}

/// The unique key of a registration number.
pub fn registration_key(n: &RegistrationNumber) -> String {
    format!("registration:{n}")
}

impl Commit {
    pub fn from_change(change: crate::domain::actions::Change) -> Self {
        Self {
            case: change.case,
            expected_version: Some(change.expected_version),
            events: change.events,
            documents: vec![],
            counters: vec![],
            surveys: vec![],
            unique: vec![],
            step_records: change.records,
            signed_documents: vec![],
        }
    }

    /// A commit that creates `case`.
    pub fn insert(case: Case, events: Vec<AuditEvent>) -> Self {
        Self {
            case,
            expected_version: None,
            events,
            documents: vec![],
            counters: vec![],
            surveys: vec![],
            unique: vec![],
            step_records: vec![],
            signed_documents: vec![],
        }
    }
}

/// One atomic change of a complaint (its record and audit events).
#[derive(Debug, Clone)]
pub struct ComplaintCommit {
    pub complaint: Complaint,
    /// `None` creates it (with its tracking code, which must be new).
    pub expected_version: Option<u64>,
    pub events: Vec<AuditEvent>,
}

impl ComplaintCommit {
    pub fn from_change(c: crate::domain::complaints::ComplaintChange) -> Self {
        Self {
            complaint: c.complaint,
            expected_version: Some(c.expected_version),
            events: c.events,
        }
    }
}

/// What a store reports of its own use (the benchmark's and the tests' figures).
pub trait Metered: Send + Sync {
    /// Requests sent to the underlying database so far (each API call or transaction is one).
    fn round_trips(&self) -> u64;
    /// Case items (rows) read so far by queries and gets.
    fn items_read(&self) -> u64;
    /// Request units consumed so far, for stores billed per request (DynamoDB).
    fn request_units(&self) -> Option<RequestUnits> {
        None
    }
}

/// The append-only audit trails of cases and complaints.
#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn audit_trail(&self, id: CaseId) -> Result<Vec<AuditEvent>, StoreError>;
    /// Every case and complaint with the head of its audit chain, a page at a time (`cursor`
    /// from the previous page). A full scan: for the audit verification command only.
    async fn audit_heads(
        &self,
        cursor: Option<String>,
        limit: usize,
    ) -> Result<AuditHeadPage, StoreError>;
}

/// Cases: their records, documents, work queues and deadline index, step stays and surveys.
#[async_trait]
pub trait CaseStore: AuditLog + Metered {
    async fn commit(&self, commit: Commit) -> Result<(), StoreError>;
    async fn case(&self, id: CaseId) -> Result<Option<Case>, StoreError>;
    async fn case_by_registration(
        &self,
        number: &RegistrationNumber,
    ) -> Result<Option<Case>, StoreError>;
    /// An applicant's cases, newest first.
    async fn cases_of_owner(&self, owner: &str) -> Result<Vec<Case>, StoreError>;
    /// The work queue of a step at an office: its cases at `step`, earliest deadline first (then
    /// longest waiting). The index key is [`queue_key`]: a queue never holds another office's.
    async fn cases_at_step(
        &self,
        office: &OfficeCode,
        step: &StepCode,
        limit: usize,
    ) -> Result<Vec<Case>, StoreError>;
    /// An office's cases at `step` whose step deadline is on or before `cutoff` (the deadline
    /// index: a query, never a scan of all cases).
    async fn cases_due_by(
        &self,
        office: &OfficeCode,
        step: &StepCode,
        cutoff: chrono::NaiveDate,
        limit: usize,
    ) -> Result<Vec<Case>, StoreError>;
    /// Step stays decided in `[from, to)`.
    async fn step_records_between(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<StepRecord>, StoreError>;
    /// Cases with a decision recorded but perhaps not delivered to the orchestrator.
    async fn cases_with_pending_completion(&self) -> Result<Vec<Case>, StoreError>;
    async fn documents(&self, case: CaseId) -> Result<Vec<DocumentRecord>, StoreError>;
    async fn document(&self, case: CaseId, id: Uuid) -> Result<Option<DocumentRecord>, StoreError>;
    /// Records an upload that has not been confirmed yet (no case change, no audit event).
    async fn put_pending_document(&self, doc: &DocumentRecord) -> Result<(), StoreError>;
    /// Survey responses answered in `[from, to)`.
    async fn surveys_between(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<SurveyResponse>, StoreError>;
    /// Drafts (never submitted) last changed before `before`, oldest first: the retention
    /// job's work list (an index, not a scan).
    async fn stale_drafts(
        &self,
        before: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<Case>, StoreError>;

    /// [`commit`](Self::commit), and when its answer is lost (`Unavailable`: a timeout, a
    /// dropped connection) reads back whether it landed: the newest event's hash is unique to
    /// this commit, so finding it in the trail means the change is stored. Callers then answer
    /// success instead of an error for something that happened.
    async fn commit_checked(&self, commit: Commit) -> Result<(), StoreError> {
        let id = commit.case.id;
        let head = commit.events.last().map(|e| e.hash.clone());
        match self.commit(commit).await {
            Err(StoreError::Unavailable(e)) => match head {
                Some(h) => landed(self.audit_trail(id).await, &h, e),
                None => Err(StoreError::Unavailable(e)),
            },
            other => other,
        }
    }
}

/// Complaints (pengaduan): their records, register and deadline index.
#[async_trait]
pub trait ComplaintStore: AuditLog {
    async fn commit_complaint(&self, commit: ComplaintCommit) -> Result<(), StoreError>;
    async fn complaint(&self, id: CaseId) -> Result<Option<Complaint>, StoreError>;
    async fn complaint_by_tracking(&self, code: &str) -> Result<Option<Complaint>, StoreError>;
    /// An office's open complaints, earliest deadline first (the register's work list and the
    /// deadline index of complaints; index key [`register_key`]).
    async fn open_complaints(
        &self,
        office: &OfficeCode,
        limit: usize,
    ) -> Result<Vec<Complaint>, StoreError>;
    /// A page of the register: open complaints in the order of
    /// [`Complaint::register_key`] whose key is greater than `after` (the previous page's last),
    /// at most `limit`. The default reads every open complaint; the adapters query their index.
    async fn open_complaints_page(
        &self,
        office: &OfficeCode,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Complaint>, StoreError> {
        let mut all: Vec<(String, Complaint)> = self
            .open_complaints(office, usize::MAX)
            .await?
            .into_iter()
            .map(|c| (c.register_key(), c))
            .filter(|(k, _)| after.is_none_or(|a| k.as_str() > a))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(all.into_iter().take(limit).map(|(_, c)| c).collect())
    }
    /// An office's open complaints due on or before `cutoff`.
    async fn complaints_due_by(
        &self,
        office: &OfficeCode,
        cutoff: chrono::NaiveDate,
        limit: usize,
    ) -> Result<Vec<Complaint>, StoreError>;
    /// Complaints filed in `[from, to)`.
    async fn complaints_filed_between(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Complaint>, StoreError>;
    async fn complaints_with_pending_completion(&self) -> Result<Vec<Complaint>, StoreError>;
    /// Closed complaints that still hold the complainant's identity and were closed before
    /// `before`, oldest first.
    async fn identified_closed_complaints(
        &self,
        before: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<Complaint>, StoreError>;

    /// [`commit_complaint`](Self::commit_complaint) with the same read-back as
    /// [`commit_checked`](Self::commit_checked).
    async fn commit_complaint_checked(&self, commit: ComplaintCommit) -> Result<(), StoreError> {
        let id = commit.complaint.id;
        let head = commit.events.last().map(|e| e.hash.clone());
        match self.commit_complaint(commit).await {
            Err(StoreError::Unavailable(e)) => match head {
                Some(h) => landed(self.audit_trail(id).await, &h, e),
                None => Err(StoreError::Unavailable(e)),
            },
            other => other,
        }
    }
}

/// Numbers (gap-free counters, numbers reserved for a case) and the public records of signed
/// documents.
#[async_trait]
pub trait LetterStore: Send + Sync {
    /// Current value of a counter (0 when it was never claimed).
    async fn counter(&self, name: &str) -> Result<u64, StoreError>;
    /// Reserves the next value of counter `name` for `holder` (a letter number for a case):
    /// the first call takes the next value and records it against `holder` in one atomic
    /// write; every later call for the same holder returns that value. A case takes its
    /// letter number as it enters the signing step (claimed in that commit); a case that entered
    /// it before numbers were reserved takes one here, before its letter is made, so that
    /// retries and lost races reuse it instead of taking another.
    async fn reserve_number(&self, name: &str, holder: &str) -> Result<u64, StoreError>;
    /// The public record of a signed document.
    async fn signed_document(&self, id: Uuid) -> Result<Option<SignedDocument>, StoreError>;
}

/// Whether the event with `hash` is in `trail`: `Ok` if so, the original error if it is not
/// (or the trail cannot be read either).
fn landed(
    trail: Result<Vec<AuditEvent>, StoreError>,
    hash: &str,
    original: Box<dyn std::error::Error + Send + Sync>,
) -> Result<(), StoreError> {
    match trail {
        Ok(events) if events.iter().any(|e| e.hash == hash) => {
            tracing::info!("commit answer lost, but the commit is stored");
            Ok(())
        }
        _ => Err(StoreError::Unavailable(original)),
    }
}

/// The applicant's notices as sent and as delivered (`domain::delivery`), beside the cases.
#[async_trait]
pub trait DeliveryStore: Send + Sync {
    /// Records sendings; one whose channel and message id are recorded already is left as it
    /// is (a retried notice).
    async fn put_deliveries(
        &self,
        deliveries: &[crate::domain::delivery::NoticeDelivery],
    ) -> Result<(), StoreError>;
    /// A case's sendings, oldest first.
    async fn deliveries(
        &self,
        case: CaseId,
    ) -> Result<Vec<crate::domain::delivery::NoticeDelivery>, StoreError>;
    /// The sending a delivery event names.
    async fn delivery(
        &self,
        channel: crate::domain::delivery::Channel,
        message_id: &str,
    ) -> Result<Option<crate::domain::delivery::NoticeDelivery>, StoreError>;
    /// Replaces a recorded sending (same channel and message id) with its new status.
    async fn update_delivery(
        &self,
        delivery: &crate::domain::delivery::NoticeDelivery,
    ) -> Result<(), StoreError>;
}

/// Each office's staff roster and its acting officials (`domain::delegation`), kept beside the
/// cases under the office's own keys.
#[async_trait]
pub trait OfficeStore: Send + Sync {
    /// The office's staff as the directory last named them (each member's latest record).
    async fn staff(&self, office: &OfficeCode) -> Result<Vec<StaffMember>, StoreError>;
    /// One member's record (a consistent read: the API checks each staff request against it).
    async fn staff_member(
        &self,
        office: &OfficeCode,
        sub: &str,
    ) -> Result<Option<StaffMember>, StoreError>;
    /// Records a staff member: a new one (`None`: they must not be recorded yet) or in place of
    /// their record at version `Some(v)` (records from before versions are at 0); otherwise
    /// [`StoreError::Conflict`]. The caller sets `member.version` (the next one).
    async fn put_staff(
        &self,
        member: &StaffMember,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError>;
    /// The office's delegations, oldest first.
    async fn delegations(&self, office: &OfficeCode) -> Result<Vec<Delegation>, StoreError>;
    /// Inserts a delegation (`None`: it must not exist) or replaces it at version `Some(v)`;
    /// otherwise [`StoreError::Conflict`].
    async fn put_delegation(
        &self,
        delegation: &Delegation,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError>;
}
