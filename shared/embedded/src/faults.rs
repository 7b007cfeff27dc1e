//! Fault injection: wrappers that make any port fail a chosen share of its calls, to prove
//! that nothing is lost or done twice when the database, the file store, the mailer, the
//! orchestrator, the signer or the workflow's task function misbehave.
//!
//! Off unless configured (`PD_FAULT_RATE`, see [`FaultPlan::from_settings`]). Three kinds of fault,
//! drawn from a seeded generator so that a run can be repeated:
//!
//! - **error**: the call fails before it reaches the service (nothing happened);
//! - **throttle**: the service refuses the call for now (nothing happened);
//! - **timeout**: the call *is carried out* but its answer is lost, so the caller sees a failure
//!   for something that did happen — the hard case for idempotency.

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use perizinan::domain::case::SignedDocument;
use perizinan::domain::complaints::Complaint;
use perizinan::domain::deadlines::StepRecord;
use perizinan::domain::delivery::{Channel, NoticeDelivery};
use perizinan::domain::office::OfficeCode;
use perizinan::domain::survey::SurveyResponse;
use perizinan::domain::{AuditEvent, Case, CaseId, DocumentRecord, RegistrationNumber, StepCode};
use perizinan::ports::documents::{DocumentError, DocumentStore, ObjectHead, UploadTicket};
use perizinan::ports::guard::{
    Claim, IdempotencyRecord, IdempotencyStore, SecurityEvent, SecurityLog, StoredResponse,
};
use perizinan::ports::mailer::{Accepted, Email, MailError, Mailer};
use perizinan::ports::orchestrator::{Completion, Orchestrator, OrchestratorError};
use perizinan::ports::signer::{SignError, Signer};
use perizinan::ports::sms::{Sms, SmsError, SmsSender};
use perizinan::ports::store::{
    AuditLog, CaseStore, Commit, ComplaintCommit, ComplaintStore, DeliveryStore, LetterStore,
    Metered, StoreError,
};
use perizinan::services::Ports;
use perizinan::settings::FaultSettings;
use serde_json::Value;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fault {
    Error,
    Throttle,
    Timeout,
}

/// The injected failure, as the error source callers see.
#[derive(Debug, thiserror::Error)]
#[error("injected {kind:?} in {port}.{op}")]
pub struct Injected {
    pub port: &'static str,
    pub op: &'static str,
    pub kind: Fault,
}

/// Which ports fail, how often, and from which seed.
pub struct FaultPlan {
    rate: f64,
    ports: Vec<String>,
    state: Mutex<u64>,
    calls: AtomicU64,
    /// Calls per `port.op` (the benchmark's meter: S3 requests, SES messages, KMS signatures,
    /// Step Functions calls of one case).
    by_op: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    injected: Mutex<BTreeMap<(&'static str, Fault), u64>>,
}

impl FaultPlan {
    /// `rate` in [0, 1]; `ports` empty means every port.
    pub fn new(rate: f64, seed: u64, ports: Vec<String>) -> Self {
        Self {
            rate: rate.clamp(0.0, 1.0),
            ports,
            state: Mutex::new(seed ^ 0x9E37_79B9_7F4A_7C15),
            calls: AtomicU64::new(0),
            by_op: Mutex::new(BTreeMap::new()),
            injected: Mutex::new(BTreeMap::new()),
        }
    }

    /// The plan of `settings` (`PD_FAULT_RATE`, e.g. `0.1`; unset or 0 = off; `PD_FAULT_SEED`,
    /// default 1; `PD_FAULT_PORTS`, comma-separated of `store`, `documents`,
    /// `signed_documents`, `mailer`, `orchestrator`, `signer`, `task`; default all).
    /// `PD_PORT_METER=1` without a rate wraps the ports only to count their calls (nothing
    /// fails).
    pub fn from_settings(settings: &FaultSettings) -> Option<Arc<Self>> {
        if settings.rate > 0.0 {
            Some(Arc::new(Self::new(
                settings.rate,
                settings.seed,
                settings.ports.clone(),
            )))
        } else if settings.port_meter {
            Some(Arc::new(Self::new(0.0, 1, vec![])))
        } else {
            None
        }
    }

    pub fn covers(&self, port: &str) -> bool {
        self.ports.is_empty() || self.ports.iter().any(|p| p == port)
    }

    /// splitmix64: small, fast, and the same sequence for the same seed.
    fn next(&self) -> u64 {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        *s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Whether this call fails, and how.
    pub fn draw(&self, port: &'static str, op: &'static str) -> Option<Fault> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        *self
            .by_op
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry((port, op))
            .or_default() += 1;
        if self.rate == 0.0 {
            return None;
        }
        let x = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        if x >= self.rate {
            return None;
        }
        let kind = match self.next() % 3 {
            0 => Fault::Error,
            1 => Fault::Throttle,
            _ => Fault::Timeout,
        };
        *self
            .injected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry((port, kind))
            .or_default() += 1;
        Some(kind)
    }

    /// Calls seen by the wrappers so far.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Calls so far per `port.op`.
    pub fn calls_by_op(&self) -> BTreeMap<String, u64> {
        self.by_op
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|((port, op), n)| (format!("{port}.{op}"), *n))
            .collect()
    }

    /// Faults injected so far, per port and kind.
    pub fn injected(&self) -> BTreeMap<String, u64> {
        self.injected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|((port, kind), n)| (format!("{port}.{kind:?}").to_lowercase(), *n))
            .collect()
    }

    /// Runs `call` under the plan: an error or throttle fails it before it starts; a timeout
    /// lets it finish and then fails it (after a short delay, as a timeout would).
    pub async fn run<T, E>(
        &self,
        port: &'static str,
        op: &'static str,
        call: impl Future<Output = Result<T, E>>,
        wrap: impl FnOnce(Injected) -> E,
    ) -> Result<T, E> {
        match self.draw(port, op) {
            None => call.await,
            Some(kind @ (Fault::Error | Fault::Throttle)) => Err(wrap(Injected { port, op, kind })),
            Some(Fault::Timeout) => {
                let _ = call.await;
                tokio::time::sleep(Duration::from_millis(5)).await;
                Err(wrap(Injected {
                    port,
                    op,
                    kind: Fault::Timeout,
                }))
            }
        }
    }
}

/// A port wrapped by a plan.
pub struct Faulty<T: ?Sized> {
    inner: Arc<T>,
    plan: Arc<FaultPlan>,
    port: &'static str,
}

impl<T: ?Sized> Faulty<T> {
    pub fn new(inner: Arc<T>, plan: Arc<FaultPlan>, port: &'static str) -> Self {
        Self { inner, plan, port }
    }
}

fn store_err(e: Injected) -> StoreError {
    StoreError::Unavailable(Box::new(e))
}

fn doc_err(e: Injected) -> DocumentError {
    DocumentError::Unavailable(Box::new(e))
}

macro_rules! store_call {
    ($self:ident, $op:literal, $call:expr) => {
        $self.plan.run($self.port, $op, $call, store_err).await
    };
}

impl<T: perizinan::ports::Store + ?Sized> Metered for Faulty<T> {
    fn round_trips(&self) -> u64 {
        self.inner.round_trips()
    }
    fn items_read(&self) -> u64 {
        self.inner.items_read()
    }
    fn request_units(&self) -> Option<perizinan::ports::store::RequestUnits> {
        self.inner.request_units()
    }
}

#[async_trait]
impl<T: perizinan::ports::Store + ?Sized> AuditLog for Faulty<T> {
    async fn audit_trail(&self, id: CaseId) -> Result<Vec<AuditEvent>, StoreError> {
        store_call!(self, "audit_trail", self.inner.audit_trail(id))
    }
    async fn audit_heads(
        &self,
        cursor: Option<String>,
        limit: usize,
    ) -> Result<perizinan::ports::store::AuditHeadPage, StoreError> {
        store_call!(self, "audit_heads", self.inner.audit_heads(cursor, limit))
    }
}

#[async_trait]
impl<T: perizinan::ports::Store + ?Sized> CaseStore for Faulty<T> {
    async fn commit(&self, commit: Commit) -> Result<(), StoreError> {
        store_call!(self, "commit", self.inner.commit(commit))
    }
    async fn case(&self, id: CaseId) -> Result<Option<Case>, StoreError> {
        store_call!(self, "case", self.inner.case(id))
    }
    async fn case_by_registration(
        &self,
        number: &RegistrationNumber,
    ) -> Result<Option<Case>, StoreError> {
        store_call!(
            self,
            "case_by_registration",
            self.inner.case_by_registration(number)
        )
    }
    async fn cases_of_owner(&self, owner: &str) -> Result<Vec<Case>, StoreError> {
        store_call!(self, "cases_of_owner", self.inner.cases_of_owner(owner))
    }
    async fn cases_at_step(
        &self,
        office: &OfficeCode,
        step: &StepCode,
        limit: usize,
    ) -> Result<Vec<Case>, StoreError> {
        store_call!(
            self,
            "cases_at_step",
            self.inner.cases_at_step(office, step, limit)
        )
    }
    async fn cases_due_by(
        &self,
        office: &OfficeCode,
        step: &StepCode,
        cutoff: chrono::NaiveDate,
        limit: usize,
    ) -> Result<Vec<Case>, StoreError> {
        store_call!(
            self,
            "cases_due_by",
            self.inner.cases_due_by(office, step, cutoff, limit)
        )
    }
    async fn step_records_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<StepRecord>, StoreError> {
        store_call!(
            self,
            "step_records_between",
            self.inner.step_records_between(from, to)
        )
    }
    async fn cases_with_pending_completion(&self) -> Result<Vec<Case>, StoreError> {
        store_call!(
            self,
            "cases_with_pending_completion",
            self.inner.cases_with_pending_completion()
        )
    }
    async fn documents(&self, case: CaseId) -> Result<Vec<DocumentRecord>, StoreError> {
        store_call!(self, "documents", self.inner.documents(case))
    }
    async fn document(&self, case: CaseId, id: Uuid) -> Result<Option<DocumentRecord>, StoreError> {
        store_call!(self, "document", self.inner.document(case, id))
    }
    async fn put_pending_document(&self, doc: &DocumentRecord) -> Result<(), StoreError> {
        store_call!(
            self,
            "put_pending_document",
            self.inner.put_pending_document(doc)
        )
    }
    async fn surveys_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<SurveyResponse>, StoreError> {
        store_call!(
            self,
            "surveys_between",
            self.inner.surveys_between(from, to)
        )
    }
    async fn stale_drafts(
        &self,
        before: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<Case>, StoreError> {
        store_call!(self, "stale_drafts", self.inner.stale_drafts(before, limit))
    }
}

#[async_trait]
impl<T: perizinan::ports::Store + ?Sized> ComplaintStore for Faulty<T> {
    async fn commit_complaint(&self, commit: ComplaintCommit) -> Result<(), StoreError> {
        store_call!(
            self,
            "commit_complaint",
            self.inner.commit_complaint(commit)
        )
    }
    async fn complaint(&self, id: CaseId) -> Result<Option<Complaint>, StoreError> {
        store_call!(self, "complaint", self.inner.complaint(id))
    }
    async fn complaint_by_tracking(&self, code: &str) -> Result<Option<Complaint>, StoreError> {
        store_call!(
            self,
            "complaint_by_tracking",
            self.inner.complaint_by_tracking(code)
        )
    }
    async fn open_complaints(
        &self,
        office: &OfficeCode,
        limit: usize,
    ) -> Result<Vec<Complaint>, StoreError> {
        store_call!(
            self,
            "open_complaints",
            self.inner.open_complaints(office, limit)
        )
    }
    async fn complaints_due_by(
        &self,
        office: &OfficeCode,
        cutoff: chrono::NaiveDate,
        limit: usize,
    ) -> Result<Vec<Complaint>, StoreError> {
        store_call!(
            self,
            "complaints_due_by",
            self.inner.complaints_due_by(office, cutoff, limit)
        )
    }
    async fn complaints_filed_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Complaint>, StoreError> {
        store_call!(
            self,
            "complaints_filed_between",
            self.inner.complaints_filed_between(from, to)
        )
    }
    async fn complaints_with_pending_completion(&self) -> Result<Vec<Complaint>, StoreError> {
        store_call!(
            self,
            "complaints_with_pending_completion",
            self.inner.complaints_with_pending_completion()
        )
    }
    async fn identified_closed_complaints(
        &self,
        before: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<Complaint>, StoreError> {
        store_call!(
            self,
            "identified_closed_complaints",
            self.inner.identified_closed_complaints(before, limit)
        )
    }
}

#[async_trait]
impl<T: perizinan::ports::Store + ?Sized> LetterStore for Faulty<T> {
    async fn counter(&self, name: &str) -> Result<u64, StoreError> {
        store_call!(self, "counter", self.inner.counter(name))
    }
    async fn reserve_number(&self, name: &str, holder: &str) -> Result<u64, StoreError> {
        store_call!(
            self,
            "reserve_number",
            self.inner.reserve_number(name, holder)
        )
    }
    async fn signed_document(&self, id: Uuid) -> Result<Option<SignedDocument>, StoreError> {
        store_call!(self, "signed_document", self.inner.signed_document(id))
    }
}

#[async_trait]
impl<T: perizinan::ports::Store + ?Sized> DeliveryStore for Faulty<T> {
    async fn put_deliveries(&self, d: &[NoticeDelivery]) -> Result<(), StoreError> {
        store_call!(self, "put_deliveries", self.inner.put_deliveries(d))
    }
    async fn deliveries(&self, case: CaseId) -> Result<Vec<NoticeDelivery>, StoreError> {
        store_call!(self, "deliveries", self.inner.deliveries(case))
    }
    async fn delivery(
        &self,
        channel: Channel,
        message_id: &str,
    ) -> Result<Option<NoticeDelivery>, StoreError> {
        store_call!(self, "delivery", self.inner.delivery(channel, message_id))
    }
    async fn update_delivery(&self, d: &NoticeDelivery) -> Result<(), StoreError> {
        store_call!(self, "update_delivery", self.inner.update_delivery(d))
    }
}

#[async_trait]
impl<T: perizinan::ports::Store + ?Sized> perizinan::ports::OfficeStore for Faulty<T> {
    async fn staff(
        &self,
        office: &OfficeCode,
    ) -> Result<Vec<perizinan::domain::roster::StaffMember>, StoreError> {
        store_call!(self, "staff", self.inner.staff(office))
    }
    async fn staff_member(
        &self,
        office: &OfficeCode,
        sub: &str,
    ) -> Result<Option<perizinan::domain::roster::StaffMember>, StoreError> {
        store_call!(self, "staff_member", self.inner.staff_member(office, sub))
    }
    async fn put_staff(
        &self,
        member: &perizinan::domain::roster::StaffMember,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        store_call!(
            self,
            "put_staff",
            self.inner.put_staff(member, expected_version)
        )
    }
    async fn delegations(
        &self,
        office: &OfficeCode,
    ) -> Result<Vec<perizinan::domain::delegation::Delegation>, StoreError> {
        store_call!(self, "delegations", self.inner.delegations(office))
    }
    async fn put_delegation(
        &self,
        d: &perizinan::domain::delegation::Delegation,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        store_call!(
            self,
            "put_delegation",
            self.inner.put_delegation(d, expected_version)
        )
    }
}

#[async_trait]
impl<T: perizinan::ports::Store + ?Sized> IdempotencyStore for Faulty<T> {
    async fn claim(
        &self,
        record: &IdempotencyRecord,
        now: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        store_call!(self, "claim", self.inner.claim(record, now))
    }
    async fn complete(
        &self,
        key: &str,
        owner: Uuid,
        response: &StoredResponse,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        store_call!(
            self,
            "complete",
            self.inner.complete(key, owner, response, expires_at)
        )
    }
    async fn release(&self, key: &str, owner: Uuid) -> Result<(), StoreError> {
        store_call!(self, "release", self.inner.release(key, owner))
    }
    async fn idempotency_record(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        store_call!(
            self,
            "idempotency_record",
            self.inner.idempotency_record(key)
        )
    }
    async fn purge_expired_idempotency(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        store_call!(
            self,
            "purge_expired_idempotency",
            self.inner.purge_expired_idempotency(now)
        )
    }
}

#[async_trait]
impl<T: perizinan::ports::Store + ?Sized> SecurityLog for Faulty<T> {
    async fn record_security_event(&self, event: &SecurityEvent) -> Result<(), StoreError> {
        store_call!(
            self,
            "record_security_event",
            self.inner.record_security_event(event)
        )
    }
    async fn security_events(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<SecurityEvent>, StoreError> {
        store_call!(
            self,
            "security_events",
            self.inner.security_events(from, to, limit)
        )
    }
    async fn expire_security_events(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        store_call!(
            self,
            "expire_security_events",
            self.inner.expire_security_events(now)
        )
    }
}

#[async_trait]
impl<T: DocumentStore + ?Sized> DocumentStore for Faulty<T> {
    async fn presign_upload(
        &self,
        key: &str,
        media_type: &str,
        max_bytes: u64,
        ttl: Duration,
    ) -> Result<UploadTicket, DocumentError> {
        self.plan
            .run(
                self.port,
                "presign_upload",
                self.inner.presign_upload(key, media_type, max_bytes, ttl),
                doc_err,
            )
            .await
    }
    async fn presign_download(
        &self,
        key: &str,
        file_name: &str,
        media_type: &str,
        ttl: Duration,
    ) -> Result<String, DocumentError> {
        self.plan
            .run(
                self.port,
                "presign_download",
                self.inner.presign_download(key, file_name, media_type, ttl),
                doc_err,
            )
            .await
    }
    async fn head(&self, key: &str) -> Result<Option<ObjectHead>, DocumentError> {
        self.plan
            .run(self.port, "head", self.inner.head(key), doc_err)
            .await
    }
    async fn get(&self, key: &str) -> Result<Bytes, DocumentError> {
        self.plan
            .run(self.port, "get", self.inner.get(key), doc_err)
            .await
    }
    async fn put(&self, key: &str, bytes: Bytes, media_type: &str) -> Result<(), DocumentError> {
        self.plan
            .run(
                self.port,
                "put",
                self.inner.put(key, bytes, media_type),
                doc_err,
            )
            .await
    }
    async fn put_new(
        &self,
        key: &str,
        bytes: Bytes,
        media_type: &str,
    ) -> Result<(), DocumentError> {
        self.plan
            .run(
                self.port,
                "put_new",
                self.inner.put_new(key, bytes, media_type),
                doc_err,
            )
            .await
    }
    async fn delete(&self, key: &str) -> Result<(), DocumentError> {
        self.plan
            .run(self.port, "delete", self.inner.delete(key), doc_err)
            .await
    }
    async fn expire_arrivals(
        &self,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, DocumentError> {
        self.plan
            .run(
                self.port,
                "expire_arrivals",
                self.inner.expire_arrivals(before),
                doc_err,
            )
            .await
    }
    async fn scan_status(
        &self,
        key: &str,
    ) -> Result<perizinan::ports::documents::ScanStatus, DocumentError> {
        self.plan
            .run(
                self.port,
                "scan_status",
                self.inner.scan_status(key),
                doc_err,
            )
            .await
    }
}

#[async_trait]
impl<T: Mailer + ?Sized> Mailer for Faulty<T> {
    async fn send(&self, email: &Email) -> Result<Accepted, MailError> {
        self.plan
            .run(self.port, "send", self.inner.send(email), |e| {
                MailError::Unavailable(Box::new(e))
            })
            .await
    }
}

#[async_trait]
impl<T: SmsSender + ?Sized> SmsSender for Faulty<T> {
    async fn send(&self, sms: &Sms) -> Result<Accepted, SmsError> {
        self.plan
            .run(self.port, "send", self.inner.send(sms), |e| {
                SmsError::Unavailable(Box::new(e))
            })
            .await
    }
    async fn ensure_account_settings(&self) -> Result<bool, SmsError> {
        self.inner.ensure_account_settings().await
    }
}

#[async_trait]
impl<T: Orchestrator + ?Sized> Orchestrator for Faulty<T> {
    async fn start(
        &self,
        machine: &str,
        name: &str,
        input: Value,
    ) -> Result<(), OrchestratorError> {
        self.plan
            .run(
                self.port,
                "start",
                self.inner.start(machine, name, input),
                |e| OrchestratorError::Unavailable(Box::new(e)),
            )
            .await
    }
    async fn complete(&self, token: &str, output: Value) -> Result<Completion, OrchestratorError> {
        self.plan
            .run(
                self.port,
                "complete",
                self.inner.complete(token, output),
                |e| OrchestratorError::Unavailable(Box::new(e)),
            )
            .await
    }
    async fn fail(
        &self,
        token: &str,
        error: &str,
        cause: &str,
    ) -> Result<Completion, OrchestratorError> {
        self.plan
            .run(
                self.port,
                "fail",
                self.inner.fail(token, error, cause),
                |e| OrchestratorError::Unavailable(Box::new(e)),
            )
            .await
    }
    fn completes_synchronously(&self) -> bool {
        self.inner.completes_synchronously()
    }
    async fn redrive_failed(&self) -> Result<usize, OrchestratorError> {
        self.plan
            .run(
                self.port,
                "redrive_failed",
                self.inner.redrive_failed(),
                |e| OrchestratorError::Unavailable(Box::new(e)),
            )
            .await
    }
}

#[async_trait]
impl<T: Signer + ?Sized> Signer for Faulty<T> {
    fn key_id(&self) -> &str {
        self.inner.key_id()
    }
    async fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>, SignError> {
        self.plan
            .run(
                self.port,
                "sign_digest",
                self.inner.sign_digest(digest),
                |e| SignError::Unavailable(Box::new(e)),
            )
            .await
    }
    async fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        self.plan
            .run(
                self.port,
                "sign_message",
                self.inner.sign_message(message),
                |e| SignError::Unavailable(Box::new(e)),
            )
            .await
    }
    async fn public_key_der(&self) -> Result<Vec<u8>, SignError> {
        self.plan
            .run(
                self.port,
                "public_key_der",
                self.inner.public_key_der(),
                |e| SignError::Unavailable(Box::new(e)),
            )
            .await
    }
}

/// `ports` wrapped by `plan` where it covers them.
pub fn inject(ports: Ports, plan: &Arc<FaultPlan>) -> Ports {
    if plan.rate > 0.0 {
        tracing::warn!(
            rate = plan.rate,
            ports = ?plan.ports,
            "FAULT INJECTION IS ON: a share of port calls will fail on purpose"
        );
    } else {
        tracing::info!("port meter on: calls are counted, none fails");
    }
    fn wrap<T: ?Sized>(x: Arc<T>, plan: &Arc<FaultPlan>, port: &'static str) -> Option<Faulty<T>> {
        plan.covers(port)
            .then(|| Faulty::new(x, plan.clone(), port))
    }
    Ports {
        store: match wrap(ports.store.clone(), plan, "store") {
            Some(f) => Arc::new(f),
            None => ports.store,
        },
        documents: match wrap(ports.documents.clone(), plan, "documents") {
            Some(f) => Arc::new(f),
            None => ports.documents,
        },
        signed_documents: match wrap(ports.signed_documents.clone(), plan, "signed_documents") {
            Some(f) => Arc::new(f),
            None => ports.signed_documents,
        },
        mailer: match wrap(ports.mailer.clone(), plan, "mailer") {
            Some(f) => Arc::new(f),
            None => ports.mailer,
        },
        sms: match wrap(ports.sms.clone(), plan, "sms") {
            Some(f) => Arc::new(f),
            None => ports.sms,
        },
        orchestrator: match wrap(ports.orchestrator.clone(), plan, "orchestrator") {
            Some(f) => Arc::new(f),
            None => ports.orchestrator,
        },
        complaint_orchestrator: match wrap(
            ports.complaint_orchestrator.clone(),
            plan,
            "orchestrator",
        ) {
            Some(f) => Arc::new(f),
            None => ports.complaint_orchestrator,
        },
        signer: match wrap(ports.signer.clone(), plan, "signer") {
            Some(f) => Arc::new(f),
            None => ports.signer,
        },
    }
}

/// The workflow's task function under `plan` (port `task`): an error or throttle fails the
/// invocation before it runs, a timeout runs it and loses its answer; either way the state
/// machine sees `Transient` and retries, as it would a failed Lambda invocation.
pub fn task(
    f: Arc<dyn perizinan::ports::TaskFunction>,
    plan: Arc<FaultPlan>,
) -> Arc<dyn perizinan::ports::TaskFunction> {
    if !plan.covers("task") {
        return f;
    }
    Arc::new(FaultyTask { inner: f, plan })
}

struct FaultyTask {
    inner: Arc<dyn perizinan::ports::TaskFunction>,
    plan: Arc<FaultPlan>,
}

#[async_trait]
impl perizinan::ports::TaskFunction for FaultyTask {
    async fn invoke(
        &self,
        payload: serde_json::Value,
    ) -> Result<serde_json::Value, perizinan::ports::TaskError> {
        use perizinan::ports::TaskError;
        match self.plan.draw("task", "invoke") {
            None => self.inner.invoke(payload).await,
            Some(kind @ (Fault::Error | Fault::Throttle)) => Err(TaskError::Transient(format!(
                "injected {kind:?} before the task ran"
            ))),
            Some(Fault::Timeout) => {
                let _ = self.inner.invoke(payload).await;
                Err(TaskError::Transient(
                    "injected timeout: the task ran, its answer was lost".into(),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_of_faults_follows_the_rate_and_the_seed() {
        let plan = FaultPlan::new(0.1, 7, vec![]);
        let n = 100_000;
        let failed = (0..n)
            .filter(|_| plan.draw("store", "case").is_some())
            .count();
        let share = failed as f64 / n as f64;
        assert!((0.09..0.11).contains(&share), "share {share}");
        let kinds = plan.injected();
        assert_eq!(kinds.len(), 3, "{kinds:?}");
        // The same seed draws the same sequence.
        let a = FaultPlan::new(0.5, 42, vec![]);
        let b = FaultPlan::new(0.5, 42, vec![]);
        let sa: Vec<_> = (0..1000).map(|_| a.draw("x", "y")).collect();
        let sb: Vec<_> = (0..1000).map(|_| b.draw("x", "y")).collect();
        assert_eq!(sa, sb);
    }

    #[tokio::test]
    async fn a_timeout_carries_the_call_out_and_reports_failure() {
        let plan = FaultPlan::new(1.0, 3, vec![]);
        let done = Arc::new(AtomicU64::new(0));
        let mut seen = BTreeMap::new();
        for _ in 0..60 {
            let d = done.clone();
            let before = d.load(Ordering::Relaxed);
            let r: Result<(), StoreError> = plan
                .run(
                    "store",
                    "commit",
                    async move {
                        d.fetch_add(1, Ordering::Relaxed);
                        Ok(())
                    },
                    store_err,
                )
                .await;
            let ran = done.load(Ordering::Relaxed) > before;
            let StoreError::Unavailable(src) = r.unwrap_err() else {
                panic!("unavailable expected")
            };
            let kind = src.downcast_ref::<Injected>().unwrap().kind;
            // Errors and throttling never reach the service; timeouts always do.
            assert_eq!(ran, kind == Fault::Timeout, "{kind:?}");
            *seen.entry(kind).or_insert(0) += 1;
        }
        assert_eq!(seen.len(), 3);
    }
}
