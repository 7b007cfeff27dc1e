//! Storage for the request guards: idempotency records (so that a retried action acts once) and
//! the security log (refused requests: who, what, when).

use crate::domain::Role;
use crate::ports::store::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The first response to an idempotent request, replayed to every retry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResponse {
    pub status: u16,
    /// The headers that describe the body (`content-type`, `location`).
    pub headers: Vec<(String, String)>,
    #[serde(with = "base64_bytes")]
    pub body: Vec<u8>,
}

mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(b))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum IdempotencyState {
    /// An execution holds the key until `lock_until`.
    InProgress {
        lock_until: DateTime<Utc>,
    },
    Completed {
        response: StoredResponse,
    },
}

/// One idempotency key's record. `key` is already scoped to the caller (see the guard).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    pub key: String,
    /// SHA-256 of method, path and body: a key reused for a different request is refused.
    pub fingerprint: String,
    /// Who holds the in-progress lock; completing or releasing needs it.
    pub owner: Uuid,
    #[serde(flatten)]
    pub state: IdempotencyState,
    /// After this the record is gone (DynamoDB TTL; deleted by the retention job on SQLite)
    /// and the key may be used again.
    pub expires_at: DateTime<Utc>,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// No live record: the caller now holds the key and executes the request.
    Acquired,
    /// A live record (in progress or completed).
    Existing(IdempotencyRecord),
}

#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Writes `record` (in progress) unless a live record holds the key: a record is live
    /// until `expires_at`, and an in-progress one only until its `lock_until` (a crashed
    /// execution does not block the key for ever). Atomic: of concurrent claims, one acquires.
    async fn claim(
        &self,
        record: &IdempotencyRecord,
        now: DateTime<Utc>,
    ) -> Result<Claim, StoreError>;
    /// Stores the response, if `owner` still holds the key (else `Conflict`).
    async fn complete(
        &self,
        key: &str,
        owner: Uuid,
        response: &StoredResponse,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Deletes the record, if `owner` still holds it (the request changed nothing, so a retry
    /// may run again).
    async fn release(&self, key: &str, owner: Uuid) -> Result<(), StoreError>;
    async fn idempotency_record(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError>;
    /// Deletes records expired before `now`; returns how many. (DynamoDB's TTL does this by
    /// itself, so its adapter deletes nothing here.)
    async fn purge_expired_idempotency(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// A refused request (401 or 403).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEvent {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// The caller's subject (a pseudonymous id), `None` when not signed in.
    pub sub: Option<String>,
    pub roles: Vec<Role>,
    /// The staff caller's office (`None`: anonymous, an applicant): each office's heads read
    /// their own staff's refusals and those of no office.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office: Option<crate::domain::office::OfficeCode>,
    pub method: String,
    /// The route template, e.g. `/cases/{id}/steps/head_signature`.
    pub route: String,
    /// The path called, e.g. `/cases/0193…/steps/head_signature`.
    pub path: String,
    pub status: u16,
    /// The problem's machine-readable code (`unauthenticated`, `forbidden_role`, …).
    pub code: String,
    pub request_id: Option<String>,
    pub source_ip: Option<String>,
    /// The retention schedule: the event is deleted after this.
    pub retain_until: DateTime<Utc>,
}

#[async_trait]
pub trait SecurityLog: Send + Sync {
    /// Appends an event (append-only: there is no call that changes or deletes one, apart from
    /// the retention job's expiry).
    async fn record_security_event(&self, event: &SecurityEvent) -> Result<(), StoreError>;
    /// Events with `from <= at < to`, oldest first, at most `limit`.
    async fn security_events(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<SecurityEvent>, StoreError>;
    /// The retention schedule: deletes events whose `retain_until` has passed; returns how
    /// many. (DynamoDB expires them by TTL, so its adapter deletes nothing here.)
    async fn expire_security_events(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
}
