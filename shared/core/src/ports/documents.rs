//! Storing uploaded and generated documents.

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// How the client sends the bytes: a presigned S3 POST (form fields + file), or a local signed
/// PUT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UploadTicket {
    pub method: String,
    pub url: String,
    /// Form fields to send before the file (POST), empty for PUT.
    pub fields: BTreeMap<String, String>,
    /// Headers the client must send (e.g. Content-Type for PUT).
    pub headers: BTreeMap<String, String>,
    pub max_bytes: u64,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectHead {
    pub size: u64,
}

/// What the malware scanner said about an object. In AWS, GuardDuty Malware Protection for S3
/// tags each new object `GuardDutyMalwareScanStatus` = `NO_THREATS_FOUND`, `THREATS_FOUND`,
/// `UNSUPPORTED`, `ACCESS_DENIED` or `FAILED`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanStatus {
    /// No verdict yet (or no scanner: the embedded file store).
    NotScanned,
    Clean,
    Threats,
    /// The scanner could not judge the object (`UNSUPPORTED`, `ACCESS_DENIED`, `FAILED`).
    Inconclusive(String),
}

/// The tag GuardDuty Malware Protection for S3 writes.
pub const SCAN_TAG: &str = "GuardDutyMalwareScanStatus";

impl ScanStatus {
    pub fn from_tag(value: Option<&str>) -> Self {
        match value {
            None => ScanStatus::NotScanned,
            Some("NO_THREATS_FOUND") => ScanStatus::Clean,
            Some("THREATS_FOUND") => ScanStatus::Threats,
            Some(other) => ScanStatus::Inconclusive(other.to_string()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("object not found")]
    NotFound,
    #[error("object exists and may not be overwritten")]
    Exists,
    #[error("document store unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

#[async_trait]
pub trait DocumentStore: Send + Sync {
    async fn presign_upload(
        &self,
        key: &str,
        media_type: &str,
        max_bytes: u64,
        ttl: Duration,
    ) -> Result<UploadTicket, DocumentError>;
    /// A short-lived URL that downloads the object as an attachment named `file_name`.
    async fn presign_download(
        &self,
        key: &str,
        file_name: &str,
        media_type: &str,
        ttl: Duration,
    ) -> Result<String, DocumentError>;
    async fn head(&self, key: &str) -> Result<Option<ObjectHead>, DocumentError>;
    async fn get(&self, key: &str) -> Result<Bytes, DocumentError>;
    async fn put(&self, key: &str, bytes: Bytes, media_type: &str) -> Result<(), DocumentError>;
    /// Stores an object that must never be overwritten (signed documents): fails with
    /// [`DocumentError::Exists`] if the key is taken.
    async fn put_new(&self, key: &str, bytes: Bytes, media_type: &str)
    -> Result<(), DocumentError>;
    /// Erases the object: every version of it, so that nothing of an erased file stays.
    async fn delete(&self, key: &str) -> Result<(), DocumentError>;
    /// Deletes bytes that arrived at an upload URL (`incoming/`) before `before` and were
    /// never confirmed. Returns how many. Stores whose own lifecycle expires them (the S3
    /// bucket's rule on `incoming/`) have nothing to do.
    async fn expire_arrivals(&self, before: DateTime<Utc>) -> Result<u64, DocumentError> {
        let _ = before;
        Ok(0)
    }
    /// The malware scanner's verdict on the object.
    async fn scan_status(&self, key: &str) -> Result<ScanStatus, DocumentError>;
}
