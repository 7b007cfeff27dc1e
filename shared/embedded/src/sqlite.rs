//! The embedded case store: one SQLite file (WAL), one row per case with its JSON, an
//! append-only audit table (triggers refuse UPDATE and DELETE), document metadata and counters.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use perizinan::domain::case::SignedDocument;
use perizinan::domain::complaints::{Complaint, ComplaintStatus};
use perizinan::domain::deadlines::StepRecord;
use perizinan::domain::delegation::Delegation;
use perizinan::domain::delivery::{Channel, NoticeDelivery};
use perizinan::domain::office::OfficeCode;
use perizinan::domain::roster::StaffMember;
use perizinan::domain::survey::SurveyResponse;
use perizinan::domain::{AuditEvent, Case, CaseId, DocumentRecord, RegistrationNumber, StepCode};
use perizinan::ports::guard::{
    Claim, IdempotencyRecord, IdempotencyState, IdempotencyStore, SecurityEvent, SecurityLog,
    StoredResponse,
};
use perizinan::ports::store::{
    AuditHead, AuditHeadPage, AuditLog, CaseStore, Commit, ComplaintCommit, ComplaintStore,
    DeliveryStore, LetterStore, Metered, OfficeStore, StoreError, queue_key, register_key,
};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// A SQLite connection shared by async code: every call runs on the blocking pool.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    pub fn open(path: &Path) -> rusqlite::Result<Self> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a commit is on disk before the API answers, so an acknowledged decision
        // survives a power loss too (NORMAL would only survive a crash of the process).
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    pub fn open_in_memory() -> rusqlite::Result<Self> {
        Ok(Self {
            conn: Arc::new(Mutex::new(Connection::open_in_memory()?)),
        })
    }

    /// Runs `f` with the connection on the blocking pool.
    pub async fn call<T, E>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: Send + 'static + From<JoinFailed>,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut c)
        })
        .await
        .map_err(|e| E::from(JoinFailed(e.to_string())))?
    }

    /// Runs `f` synchronously (start-up only).
    pub fn with<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> T {
        let mut c = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut c)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("blocking task failed: {0}")]
pub struct JoinFailed(pub String);

impl From<JoinFailed> for StoreError {
    fn from(e: JoinFailed) -> Self {
        StoreError::Unavailable(Box::new(e))
    }
}

fn sql_err(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, msg)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Conflict(msg.clone().unwrap_or_else(|| "constraint".into()))
        }
        _ => StoreError::Unavailable(Box::new(e)),
    }
}

/// Fixed-width UTC timestamps, so that text order is time order.
fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS cases (
    id TEXT PRIMARY KEY,
    registration_number TEXT UNIQUE,
    owner TEXT NOT NULL,
    status TEXT NOT NULL,
    step TEXT,
    step_entered_at TEXT,
    step_due_on TEXT,
    pending INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_by_owner ON cases(owner, id);
CREATE INDEX IF NOT EXISTS cases_by_step ON cases(step, step_due_on, step_entered_at) WHERE step IS NOT NULL;
CREATE INDEX IF NOT EXISTS cases_pending ON cases(pending) WHERE pending = 1;
CREATE INDEX IF NOT EXISTS cases_drafts ON cases(updated_at) WHERE status = 'draft';

CREATE TABLE IF NOT EXISTS audit_events (
    case_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    hash TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);
CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;

CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    requirement TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_by_case ON documents(case_id, requirement, version);
CREATE UNIQUE INDEX IF NOT EXISTS documents_version
    ON documents(case_id, requirement, version) WHERE status = 'stored';

CREATE TABLE IF NOT EXISTS surveys (
    case_id TEXT PRIMARY KEY,
    answered_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS surveys_by_time ON surveys(answered_at);

CREATE TABLE IF NOT EXISTS unique_keys (
    key TEXT PRIMARY KEY,
    case_id TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS step_log (
    decided_at TEXT NOT NULL,
    case_id TEXT NOT NULL,
    step TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (case_id, step, decided_at)
);
CREATE INDEX IF NOT EXISTS step_log_by_time ON step_log(decided_at);

CREATE TABLE IF NOT EXISTS complaints (
    id TEXT PRIMARY KEY,
    tracking_code TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    due_on TEXT,
    filed_at TEXT NOT NULL,
    pending INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS complaints_open ON complaints(status, due_on, filed_at);
CREATE INDEX IF NOT EXISTS complaints_by_filing ON complaints(filed_at);

CREATE TABLE IF NOT EXISTS signed_documents (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS deliveries (
    channel TEXT NOT NULL,
    message_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (channel, message_id)
);
CREATE INDEX IF NOT EXISTS deliveries_by_case ON deliveries(case_id, sent_at);

CREATE TABLE IF NOT EXISTS staff (
    office TEXT NOT NULL,
    sub TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (office, sub)
);

CREATE TABLE IF NOT EXISTS delegations (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS delegations_by_office ON delegations(office, id);

CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS number_reservations (
    counter TEXT NOT NULL,
    holder TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (counter, holder)
);

CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    state TEXT NOT NULL,
    lock_until TEXT,
    expires_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idempotency_expiry ON idempotency(expires_at);

CREATE TABLE IF NOT EXISTS security_events (
    at TEXT NOT NULL,
    id TEXT NOT NULL,
    retain_until TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (at, id)
);
CREATE TRIGGER IF NOT EXISTS security_events_no_update BEFORE UPDATE ON security_events
BEGIN SELECT RAISE(ABORT, 'security events are append-only'); END;
"#;

pub struct SqliteStore {
    db: Db,
    trips: std::sync::atomic::AtomicU64,
    items: Arc<std::sync::atomic::AtomicU64>,
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Db::open(path).map_err(sql_err)?;
        Self::init(db)
    }

    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Db::open_in_memory().map_err(sql_err)?)
    }

    fn init(db: Db) -> Result<Self, StoreError> {
        db.with(|c| c.execute_batch(SCHEMA)).map_err(sql_err)?;
        Ok(Self {
            db,
            trips: std::sync::atomic::AtomicU64::new(0),
            items: Arc::default(),
        })
    }

    fn trip(&self) {
        self.trips
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

fn status_code(s: perizinan::domain::DocumentStatus) -> &'static str {
    match s {
        perizinan::domain::DocumentStatus::Pending => "pending",
        perizinan::domain::DocumentStatus::Stored => "stored",
        perizinan::domain::DocumentStatus::Rejected => "rejected",
        perizinan::domain::DocumentStatus::Erased => "erased",
    }
}

fn upsert_document(tx: &rusqlite::Transaction<'_>, d: &DocumentRecord) -> Result<(), StoreError> {
    let data = serde_json::to_string(d).map_err(corrupt)?;
    tx.execute(
        "INSERT INTO documents (id, case_id, requirement, version, status, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET version = excluded.version, status = excluded.status,
             data = excluded.data",
        params![
            d.id.to_string(),
            d.case_id.to_string(),
            d.requirement,
            d.version,
            status_code(d.status),
            data
        ],
    )
    .map_err(sql_err)?;
    Ok(())
}

fn read_cases(
    c: &Connection,
    items: &std::sync::atomic::AtomicU64,
    sql: &str,
    p: impl rusqlite::Params,
) -> Result<Vec<Case>, StoreError> {
    read_rows(c, items, sql, p)
}

/// Rows of one `data` column, deserialised; counts the rows read.
fn read_rows<T: serde::de::DeserializeOwned>(
    c: &Connection,
    items: &std::sync::atomic::AtomicU64,
    sql: &str,
    p: impl rusqlite::Params,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = c.prepare_cached(sql).map_err(sql_err)?;
    let rows = stmt
        .query_map(p, |r| r.get::<_, String>(0))
        .map_err(sql_err)?;
    let mut out = vec![];
    for r in rows {
        out.push(serde_json::from_str(&r.map_err(sql_err)?).map_err(corrupt)?);
    }
    items.fetch_add(out.len() as u64, std::sync::atomic::Ordering::Relaxed);
    Ok(out)
}

impl Metered for SqliteStore {
    fn round_trips(&self) -> u64 {
        self.trips.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn items_read(&self) -> u64 {
        self.items.load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[async_trait]
impl AuditLog for SqliteStore {
    async fn audit_trail(&self, id: CaseId) -> Result<Vec<AuditEvent>, StoreError> {
        self.trip();
        self.db
            .call(move |c| {
                let mut stmt = c
                    .prepare_cached("SELECT data FROM audit_events WHERE case_id = ?1 ORDER BY seq")
                    .map_err(sql_err)?;
                let rows = stmt
                    .query_map(params![id.to_string()], |r| r.get::<_, String>(0))
                    .map_err(sql_err)?;
                let mut out = vec![];
                for r in rows {
                    out.push(serde_json::from_str(&r.map_err(sql_err)?).map_err(corrupt)?);
                }
                Ok(out)
            })
            .await
    }

    async fn audit_heads(
        &self,
        cursor: Option<String>,
        limit: usize,
    ) -> Result<AuditHeadPage, StoreError> {
        // Cursor: `case:<id>` or `complaint:<id>`, the last record of the previous page.
        let (table, after) = match cursor.as_deref().and_then(|c| c.split_once(':')) {
            Some(("complaint", id)) => ("complaint", id.to_string()),
            Some(("case", id)) => ("case", id.to_string()),
            None if cursor.is_none() => ("case", String::new()),
            _ => return Err(StoreError::Corrupt("bad audit cursor".into())),
        };
        self.trip();
        let items = self.items.clone();
        let limit = limit.max(1);
        let rows: Vec<(String, u64, String, Option<String>)> = self
            .db
            .call(move |c| {
                let sql = if table == "case" {
                    "SELECT id, json_extract(data, '$.audit_seq'), json_extract(data, '$.audit_head'),
                            json_extract(data, '$.audit_mac')
                     FROM cases WHERE id > ?1 ORDER BY id LIMIT ?2"
                } else {
                    "SELECT id, json_extract(data, '$.audit_seq'), json_extract(data, '$.audit_head'),
                            json_extract(data, '$.audit_mac')
                     FROM complaints WHERE id > ?1 ORDER BY id LIMIT ?2"
                };
                let mut stmt = c.prepare_cached(sql).map_err(sql_err)?;
                let rows = stmt
                    .query_map(params![after, limit as i64], |r| {
                        Ok((r.get(0)?, r.get::<_, i64>(1)? as u64, r.get(2)?, r.get(3)?))
                    })
                    .map_err(sql_err)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(sql_err)?;
                items.fetch_add(rows.len() as u64, std::sync::atomic::Ordering::Relaxed);
                Ok::<_, StoreError>(rows)
            })
            .await?;
        let kind: &'static str = if table == "case" { "case" } else { "complaint" };
        let mut heads = Vec::with_capacity(rows.len());
        for (id, seq, head, mac) in rows {
            let id =
                CaseId::parse(&id).ok_or_else(|| StoreError::Corrupt(format!("{kind} id {id}")))?;
            heads.push(AuditHead {
                kind,
                id,
                seq,
                head,
                mac,
            });
        }
        let next = match heads.last() {
            Some(h) if heads.len() == limit => Some(format!("{kind}:{}", h.id)),
            _ if kind == "case" => Some("complaint:".to_string()),
            _ => None,
        };
        Ok(AuditHeadPage { heads, next })
    }
}

#[async_trait]
impl CaseStore for SqliteStore {
    async fn cases_due_by(
        &self,
        office: &OfficeCode,
        step: &StepCode,
        cutoff: chrono::NaiveDate,
        limit: usize,
    ) -> Result<Vec<Case>, StoreError> {
        self.trip();
        let items = self.items.clone();
        let step = queue_key(office, step);
        self.db
            .call(move |c| {
                read_cases(
                    c,
                    &items,
                    "SELECT data FROM cases WHERE step = ?1 AND step_due_on <= ?2
                     ORDER BY step_due_on, step_entered_at, id LIMIT ?3",
                    params![step, cutoff.to_string(), limit as i64],
                )
            })
            .await
    }

    async fn step_records_between(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<StepRecord>, StoreError> {
        self.trip();
        self.db
            .call(move |c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT data FROM step_log WHERE decided_at >= ?1 AND decided_at < ?2
                         ORDER BY decided_at",
                    )
                    .map_err(sql_err)?;
                let rows = stmt
                    .query_map(params![ts(from), ts(to)], |r| r.get::<_, String>(0))
                    .map_err(sql_err)?;
                let mut out = vec![];
                for r in rows {
                    out.push(serde_json::from_str(&r.map_err(sql_err)?).map_err(corrupt)?);
                }
                Ok(out)
            })
            .await
    }

    async fn commit(&self, commit: Commit) -> Result<(), StoreError> {
        self.trip();
        self.db
            .call(move |c| {
                let tx = c.transaction().map_err(sql_err)?;
                let case = &commit.case;
                let data = serde_json::to_string(case).map_err(corrupt)?;
                let reg = case.registration_number.as_ref().map(|r| r.to_string());
                // The `step` column is the work queue's key: the office's (`queue_key`).
                let step = case.step.as_ref().map(|s| queue_key(&case.office, s));
                let entered = case.step_entered_at.map(ts);
                // Cases at a step without a deadline sort last in the deadline index.
                let due = case.step.as_ref().map(|_| {
                    case.step_due_on()
                        .map_or_else(|| "9999-12-31".to_string(), |d| d.to_string())
                });
                let pending = i64::from(case.needs_delivery());
                match commit.expected_version {
                    None => {
                        tx.execute(
                            "INSERT INTO cases (id, registration_number, owner, status, step,
                                step_entered_at, pending, version, updated_at, data, step_due_on)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                            params![
                                case.id.to_string(),
                                reg,
                                case.owner,
                                case.status.code(),
                                step,
                                entered,
                                pending,
                                case.version,
                                ts(case.updated_at),
                                data,
                                due
                            ],
                        )
                        .map_err(sql_err)?;
                    }
                    Some(v) => {
                        let n = tx
                            .execute(
                                "UPDATE cases SET registration_number = ?2, owner = ?3,
                                    status = ?4, step = ?5, step_entered_at = ?6, pending = ?7,
                                    version = ?8, updated_at = ?9, data = ?10, step_due_on = ?12
                                 WHERE id = ?1 AND version = ?11",
                                params![
                                    case.id.to_string(),
                                    reg,
                                    case.owner,
                                    case.status.code(),
                                    step,
                                    entered,
                                    pending,
                                    case.version,
                                    ts(case.updated_at),
                                    data,
                                    v,
                                    due
                                ],
                            )
                            .map_err(sql_err)?;
                        if n == 0 {
                            return Err(StoreError::Conflict(format!(
                                "case {} is no longer at version {v}",
                                case.id
                            )));
                        }
                    }
                }
                for e in &commit.events {
                    let d = serde_json::to_string(e).map_err(corrupt)?;
                    tx.execute(
                        "INSERT INTO audit_events (case_id, seq, at, hash, data)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![e.case_id.to_string(), e.seq, ts(e.at), e.hash, d],
                    )
                    .map_err(sql_err)?;
                }
                for d in &commit.documents {
                    upsert_document(&tx, d)?;
                }
                for sv in &commit.surveys {
                    let d = serde_json::to_string(sv).map_err(corrupt)?;
                    tx.execute(
                        "INSERT INTO surveys (case_id, answered_at, data) VALUES (?1, ?2, ?3)",
                        params![sv.case_id.to_string(), ts(sv.answered_at), d],
                    )
                    .map_err(sql_err)?;
                }
                for (doc, expected) in &commit.signed_documents {
                    let d = serde_json::to_string(doc).map_err(corrupt)?;
                    let n = match expected {
                        None => tx.execute(
                            "INSERT INTO signed_documents (id, case_id, version, data)
                             VALUES (?1, ?2, ?3, ?4)",
                            params![doc.id.to_string(), doc.case_id.to_string(), doc.version, d],
                        ),
                        Some(v) => tx.execute(
                            "UPDATE signed_documents SET version = ?2, data = ?3
                             WHERE id = ?1 AND version = ?4",
                            params![doc.id.to_string(), doc.version, d, v],
                        ),
                    }
                    .map_err(sql_err)?;
                    if n == 0 {
                        return Err(StoreError::Conflict(format!("signed document {} changed", doc.id)));
                    }
                }
                for r in &commit.step_records {
                    let d = serde_json::to_string(r).map_err(corrupt)?;
                    tx.execute(
                        "INSERT INTO step_log (decided_at, case_id, step, data) VALUES (?1, ?2, ?3, ?4)",
                        params![ts(r.decided_at), r.case_id.to_string(), r.step.as_str(), d],
                    )
                    .map_err(sql_err)?;
                }
                for key in &commit.unique {
                    tx.execute(
                        "INSERT INTO unique_keys (key, case_id) VALUES (?1, ?2)",
                        params![key, case.id.to_string()],
                    )
                    .map_err(sql_err)?;
                }
                for claim in &commit.counters {
                    let n = if claim.value == 1 {
                        tx.execute(
                            "INSERT INTO counters (name, value) VALUES (?1, 1)
                             ON CONFLICT(name) DO NOTHING",
                            params![claim.name],
                        )
                    } else {
                        tx.execute(
                            "UPDATE counters SET value = ?2 WHERE name = ?1 AND value = ?3",
                            params![claim.name, claim.value, claim.value - 1],
                        )
                    }
                    .map_err(sql_err)?;
                    if n == 0 {
                        return Err(StoreError::Conflict(format!(
                            "counter {} moved past {}",
                            claim.name,
                            claim.value - 1
                        )));
                    }
                }
                tx.commit().map_err(sql_err)
            })
            .await
    }

    async fn case(&self, id: CaseId) -> Result<Option<Case>, StoreError> {
        self.trip();
        let items = self.items.clone();
        self.db
            .call(move |c| {
                Ok(read_cases(
                    c,
                    &items,
                    "SELECT data FROM cases WHERE id = ?1",
                    params![id.to_string()],
                )?
                .pop())
            })
            .await
    }

    async fn case_by_registration(
        &self,
        number: &RegistrationNumber,
    ) -> Result<Option<Case>, StoreError> {
        self.trip();
        let items = self.items.clone();
        let n = number.to_string();
        self.db
            .call(move |c| {
                Ok(read_cases(
                    c,
                    &items,
                    "SELECT data FROM cases WHERE registration_number = ?1",
                    params![n],
                )?
                .pop())
            })
            .await
    }

    async fn cases_of_owner(&self, owner: &str) -> Result<Vec<Case>, StoreError> {
        self.trip();
        let items = self.items.clone();
        let o = owner.to_string();
        self.db
            .call(move |c| {
                read_cases(
                    c,
                    &items,
                    "SELECT data FROM cases WHERE owner = ?1 ORDER BY id DESC",
                    params![o],
                )
            })
            .await
    }

    async fn cases_at_step(
        &self,
        office: &OfficeCode,
        step: &StepCode,
        limit: usize,
    ) -> Result<Vec<Case>, StoreError> {
        self.trip();
        let items = self.items.clone();
        let step = queue_key(office, step);
        self.db
            .call(move |c| {
                read_cases(
                    c,
                    &items,
                    "SELECT data FROM cases WHERE step = ?1
                     ORDER BY step_due_on, step_entered_at, id LIMIT ?2",
                    params![step, limit as i64],
                )
            })
            .await
    }

    async fn cases_with_pending_completion(&self) -> Result<Vec<Case>, StoreError> {
        self.trip();
        let items = self.items.clone();
        self.db
            .call(move |c| read_cases(c, &items, "SELECT data FROM cases WHERE pending = 1", []))
            .await
    }

    async fn documents(&self, case: CaseId) -> Result<Vec<DocumentRecord>, StoreError> {
        self.trip();
        self.db
            .call(move |c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT data FROM documents WHERE case_id = ?1
                         ORDER BY requirement, version, id",
                    )
                    .map_err(sql_err)?;
                let rows = stmt
                    .query_map(params![case.to_string()], |r| r.get::<_, String>(0))
                    .map_err(sql_err)?;
                let mut out = vec![];
                for r in rows {
                    out.push(serde_json::from_str(&r.map_err(sql_err)?).map_err(corrupt)?);
                }
                Ok(out)
            })
            .await
    }

    async fn document(&self, case: CaseId, id: Uuid) -> Result<Option<DocumentRecord>, StoreError> {
        self.trip();
        self.db
            .call(move |c| {
                let data: Option<String> = c
                    .query_row(
                        "SELECT data FROM documents WHERE id = ?1 AND case_id = ?2",
                        params![id.to_string(), case.to_string()],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(sql_err)?;
                data.map(|d| serde_json::from_str(&d).map_err(corrupt))
                    .transpose()
            })
            .await
    }

    async fn put_pending_document(&self, doc: &DocumentRecord) -> Result<(), StoreError> {
        self.trip();
        let d = doc.clone();
        self.db
            .call(move |c| {
                let tx = c.transaction().map_err(sql_err)?;
                upsert_document(&tx, &d)?;
                tx.commit().map_err(sql_err)
            })
            .await
    }

    async fn surveys_between(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<SurveyResponse>, StoreError> {
        self.trip();
        self.db
            .call(move |c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT data FROM surveys WHERE answered_at >= ?1 AND answered_at < ?2
                         ORDER BY answered_at",
                    )
                    .map_err(sql_err)?;
                let rows = stmt
                    .query_map(params![ts(from), ts(to)], |r| r.get::<_, String>(0))
                    .map_err(sql_err)?;
                let mut out = vec![];
                for r in rows {
                    out.push(serde_json::from_str(&r.map_err(sql_err)?).map_err(corrupt)?);
                }
                Ok(out)
            })
            .await
    }

    async fn stale_drafts(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Case>, StoreError> {
        self.trip();
        let items = self.items.clone();
        self.db
            .call(move |c| {
                read_cases(
                    c,
                    &items,
                    "SELECT data FROM cases WHERE status = 'draft' AND updated_at < ?1
                     ORDER BY updated_at, id LIMIT ?2",
                    params![ts(before), limit as i64],
                )
            })
            .await
    }
}

#[async_trait]
impl ComplaintStore for SqliteStore {
    async fn commit_complaint(&self, commit: ComplaintCommit) -> Result<(), StoreError> {
        self.trip();
        self.db
            .call(move |c| {
                let tx = c.transaction().map_err(sql_err)?;
                let k = &commit.complaint;
                let data = serde_json::to_string(k).map_err(corrupt)?;
                // An open complaint's `status` is its office's register key (`register_key`).
                let status = match k.status {
                    ComplaintStatus::Open => register_key(&k.office),
                    ComplaintStatus::Closed => "closed".to_string(),
                };
                // The deadline index: the clock now running (completion, else the 60 days).
                let due = k.clock_due_on().map(|d| d.to_string());
                let pending = i64::from(k.pending_completion.is_some());
                match commit.expected_version {
                    None => {
                        tx.execute(
                            "INSERT INTO complaints (id, tracking_code, status, due_on, filed_at,
                                pending, version, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                            params![
                                k.id.to_string(),
                                k.tracking_code,
                                status,
                                due,
                                ts(k.filed_at),
                                pending,
                                k.version,
                                data
                            ],
                        )
                        .map_err(sql_err)?;
                    }
                    Some(v) => {
                        let n = tx
                            .execute(
                                "UPDATE complaints SET status = ?2, due_on = ?3, pending = ?4,
                                    version = ?5, data = ?6 WHERE id = ?1 AND version = ?7",
                                params![k.id.to_string(), status, due, pending, k.version, data, v],
                            )
                            .map_err(sql_err)?;
                        if n == 0 {
                            return Err(StoreError::Conflict(format!(
                                "complaint {} is no longer at version {v}",
                                k.id
                            )));
                        }
                    }
                }
                for e in &commit.events {
                    let d = serde_json::to_string(e).map_err(corrupt)?;
                    tx.execute(
                        "INSERT INTO audit_events (case_id, seq, at, hash, data)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![e.case_id.to_string(), e.seq, ts(e.at), e.hash, d],
                    )
                    .map_err(sql_err)?;
                }
                tx.commit().map_err(sql_err)
            })
            .await
    }

    async fn complaint(&self, id: CaseId) -> Result<Option<Complaint>, StoreError> {
        self.trip();
        let items = self.items.clone();
        self.db
            .call(move |c| {
                Ok(read_rows(
                    c,
                    &items,
                    "SELECT data FROM complaints WHERE id = ?1",
                    params![id.to_string()],
                )?
                .pop())
            })
            .await
    }

    async fn complaint_by_tracking(&self, code: &str) -> Result<Option<Complaint>, StoreError> {
        self.trip();
        let items = self.items.clone();
        let code = code.to_string();
        self.db
            .call(move |c| {
                Ok(read_rows(
                    c,
                    &items,
                    "SELECT data FROM complaints WHERE tracking_code = ?1",
                    params![code],
                )?
                .pop())
            })
            .await
    }

    async fn open_complaints(
        &self,
        office: &OfficeCode,
        limit: usize,
    ) -> Result<Vec<Complaint>, StoreError> {
        self.trip();
        let items = self.items.clone();
        let open = register_key(office);
        self.db
            .call(move |c| {
                read_rows(
                    c,
                    &items,
                    "SELECT data FROM complaints WHERE status = ?2
                     ORDER BY due_on IS NULL, due_on, filed_at LIMIT ?1",
                    params![limit as i64, open],
                )
            })
            .await
    }

    async fn open_complaints_page(
        &self,
        office: &OfficeCode,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Complaint>, StoreError> {
        self.trip();
        let items = self.items.clone();
        let after = after.unwrap_or("").to_string();
        let open = register_key(office);
        self.db
            .call(move |c| {
                // The key of `Complaint::register_key`: fixed-width due date and instant, so the
                // string order is the order of (due, filed, id).
                read_rows(
                    c,
                    &items,
                    "SELECT data FROM complaints WHERE status = ?3
                       AND (COALESCE(due_on, '9999-12-31') || '#' || filed_at || '#' || id) > ?1
                     ORDER BY COALESCE(due_on, '9999-12-31'), filed_at, id LIMIT ?2",
                    params![after, limit as i64, open],
                )
            })
            .await
    }

    async fn complaints_due_by(
        &self,
        office: &OfficeCode,
        cutoff: chrono::NaiveDate,
        limit: usize,
    ) -> Result<Vec<Complaint>, StoreError> {
        self.trip();
        let items = self.items.clone();
        let open = register_key(office);
        self.db
            .call(move |c| {
                read_rows(
                    c,
                    &items,
                    "SELECT data FROM complaints WHERE status = ?3 AND due_on <= ?1
                     ORDER BY due_on, filed_at LIMIT ?2",
                    params![cutoff.to_string(), limit as i64, open],
                )
            })
            .await
    }

    async fn complaints_filed_between(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Complaint>, StoreError> {
        self.trip();
        let items = self.items.clone();
        self.db
            .call(move |c| {
                read_rows(
                    c,
                    &items,
                    "SELECT data FROM complaints WHERE filed_at >= ?1 AND filed_at < ?2
                     ORDER BY filed_at",
                    params![ts(from), ts(to)],
                )
            })
            .await
    }

    async fn complaints_with_pending_completion(&self) -> Result<Vec<Complaint>, StoreError> {
        self.trip();
        let items = self.items.clone();
        self.db
            .call(move |c| {
                read_rows(
                    c,
                    &items,
                    "SELECT data FROM complaints WHERE pending = 1",
                    [],
                )
            })
            .await
    }

    async fn identified_closed_complaints(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Complaint>, StoreError> {
        self.trip();
        let items = self.items.clone();
        let mut closed: Vec<Complaint> = self
            .db
            .call(move |c| {
                read_rows(
                    c,
                    &items,
                    "SELECT data FROM complaints WHERE status = 'closed'
                       AND json_extract(data, '$.complainant') IS NOT NULL",
                    [],
                )
            })
            .await?;
        closed.retain(|c| c.closed_at.is_some_and(|t| t < before));
        closed.sort_by_key(|c| (c.closed_at, c.id));
        closed.truncate(limit);
        Ok(closed)
    }
}

#[async_trait]
impl DeliveryStore for SqliteStore {
    async fn put_deliveries(&self, deliveries: &[NoticeDelivery]) -> Result<(), StoreError> {
        self.trip();
        let rows = deliveries
            .iter()
            .map(|d| Ok((d.clone(), serde_json::to_string(d).map_err(corrupt)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.db
            .call(move |c| {
                let tx = c.transaction().map_err(sql_err)?;
                for (d, json) in &rows {
                    tx.execute(
                        "INSERT OR IGNORE INTO deliveries (channel, message_id, case_id, sent_at, data)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![
                            d.channel.code(),
                            d.message_id,
                            d.case_id.to_string(),
                            d.sent_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                            json
                        ],
                    )
                    .map_err(sql_err)?;
                }
                tx.commit().map_err(sql_err)
            })
            .await
    }

    async fn deliveries(&self, case: CaseId) -> Result<Vec<NoticeDelivery>, StoreError> {
        self.trip();
        let items = self.items.clone();
        self.db
            .call(move |c| {
                read_rows(
                    c,
                    &items,
                    "SELECT data FROM deliveries WHERE case_id = ?1 ORDER BY sent_at, message_id",
                    params![case.to_string()],
                )
            })
            .await
    }

    async fn delivery(
        &self,
        channel: Channel,
        message_id: &str,
    ) -> Result<Option<NoticeDelivery>, StoreError> {
        self.trip();
        let items = self.items.clone();
        let id = message_id.to_string();
        self.db
            .call(move |c| {
                Ok(read_rows(
                    c,
                    &items,
                    "SELECT data FROM deliveries WHERE channel = ?1 AND message_id = ?2",
                    params![channel.code(), id],
                )?
                .pop())
            })
            .await
    }

    async fn update_delivery(&self, d: &NoticeDelivery) -> Result<(), StoreError> {
        self.trip();
        let json = serde_json::to_string(d).map_err(corrupt)?;
        let (channel, id) = (d.channel, d.message_id.clone());
        self.db
            .call(move |c| {
                let n = c
                    .execute(
                        "UPDATE deliveries SET data = ?3 WHERE channel = ?1 AND message_id = ?2",
                        params![channel.code(), id, json],
                    )
                    .map_err(sql_err)?;
                if n == 0 {
                    return Err(StoreError::Conflict(format!("no delivery {id}")));
                }
                Ok(())
            })
            .await
    }
}

#[async_trait]
impl LetterStore for SqliteStore {
    async fn signed_document(&self, id: Uuid) -> Result<Option<SignedDocument>, StoreError> {
        self.trip();
        let items = self.items.clone();
        self.db
            .call(move |c| {
                Ok(read_rows(
                    c,
                    &items,
                    "SELECT data FROM signed_documents WHERE id = ?1",
                    params![id.to_string()],
                )?
                .pop())
            })
            .await
    }

    async fn reserve_number(&self, name: &str, holder: &str) -> Result<u64, StoreError> {
        self.trip();
        let (name, holder) = (name.to_string(), holder.to_string());
        self.db
            .call(move |c| {
                let tx = c.transaction().map_err(sql_err)?;
                let held: Option<i64> = tx
                    .query_row(
                        "SELECT value FROM number_reservations WHERE counter = ?1 AND holder = ?2",
                        params![name, holder],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(sql_err)?;
                if let Some(v) = held {
                    return Ok(v as u64);
                }
                let v: i64 = tx
                    .query_row(
                        "INSERT INTO counters (name, value) VALUES (?1, 1)
                         ON CONFLICT(name) DO UPDATE SET value = value + 1
                         RETURNING value",
                        params![name],
                        |r| r.get(0),
                    )
                    .map_err(sql_err)?;
                tx.execute(
                    "INSERT INTO number_reservations (counter, holder, value) VALUES (?1, ?2, ?3)",
                    params![name, holder, v],
                )
                .map_err(sql_err)?;
                tx.commit().map_err(sql_err)?;
                Ok(v as u64)
            })
            .await
    }

    async fn counter(&self, name: &str) -> Result<u64, StoreError> {
        self.trip();
        let n = name.to_string();
        self.db
            .call(move |c| {
                let v: Option<i64> = c
                    .query_row(
                        "SELECT value FROM counters WHERE name = ?1",
                        params![n],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(sql_err)?;
                Ok(v.unwrap_or(0) as u64)
            })
            .await
    }
}

fn idempotency_row(r: &IdempotencyRecord) -> Result<(String, Option<String>), StoreError> {
    let data = serde_json::to_string(r).map_err(corrupt)?;
    let lock = match &r.state {
        IdempotencyState::InProgress { lock_until } => Some(ts(*lock_until)),
        IdempotencyState::Completed { .. } => None,
    };
    Ok((data, lock))
}

#[async_trait]
impl IdempotencyStore for SqliteStore {
    async fn claim(
        &self,
        record: &IdempotencyRecord,
        now: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        self.trip();
        let (data, lock) = idempotency_row(record)?;
        let r = record.clone();
        self.db
            .call(move |c| {
                let tx = c
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .map_err(sql_err)?;
                let existing: Option<String> = tx
                    .query_row(
                        "SELECT data FROM idempotency WHERE key = ?1 AND expires_at > ?2
                           AND (state = 'completed' OR lock_until > ?2)",
                        params![r.key, ts(now)],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(sql_err)?;
                if let Some(d) = existing {
                    return Ok(Claim::Existing(serde_json::from_str(&d).map_err(corrupt)?));
                }
                tx.execute(
                    "INSERT OR REPLACE INTO idempotency (key, owner, state, lock_until, expires_at, data)
                     VALUES (?1, ?2, 'in_progress', ?3, ?4, ?5)",
                    params![r.key, r.owner.to_string(), lock, ts(r.expires_at), data],
                )
                .map_err(sql_err)?;
                tx.commit().map_err(sql_err)?;
                Ok(Claim::Acquired)
            })
            .await
    }

    async fn complete(
        &self,
        key: &str,
        owner: Uuid,
        response: &StoredResponse,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.trip();
        let key = key.to_string();
        let response = response.clone();
        self.db
            .call(move |c| {
                let tx = c
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .map_err(sql_err)?;
                let current: Option<String> = tx
                    .query_row(
                        "SELECT data FROM idempotency WHERE key = ?1 AND owner = ?2",
                        params![key, owner.to_string()],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(sql_err)?;
                let Some(current) = current else {
                    return Err(StoreError::Conflict(
                        "idempotency key no longer held".into(),
                    ));
                };
                let mut rec: IdempotencyRecord = serde_json::from_str(&current).map_err(corrupt)?;
                rec.state = IdempotencyState::Completed { response };
                rec.expires_at = expires_at;
                let (data, _) = idempotency_row(&rec)?;
                tx.execute(
                    "UPDATE idempotency SET state = 'completed', lock_until = NULL,
                         expires_at = ?2, data = ?3 WHERE key = ?1",
                    params![key, ts(expires_at), data],
                )
                .map_err(sql_err)?;
                tx.commit().map_err(sql_err)?;
                Ok(())
            })
            .await
    }

    async fn release(&self, key: &str, owner: Uuid) -> Result<(), StoreError> {
        self.trip();
        let key = key.to_string();
        self.db
            .call(move |c| {
                c.execute(
                    "DELETE FROM idempotency WHERE key = ?1 AND owner = ?2 AND state = 'in_progress'",
                    params![key, owner.to_string()],
                )
                .map_err(sql_err)?;
                Ok(())
            })
            .await
    }

    async fn idempotency_record(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        self.trip();
        let key = key.to_string();
        self.db
            .call(move |c| {
                let d: Option<String> = c
                    .query_row(
                        "SELECT data FROM idempotency WHERE key = ?1",
                        params![key],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(sql_err)?;
                d.map(|d| serde_json::from_str(&d).map_err(corrupt))
                    .transpose()
            })
            .await
    }

    async fn purge_expired_idempotency(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        self.trip();
        self.db
            .call(move |c| {
                c.execute(
                    "DELETE FROM idempotency WHERE expires_at <= ?1",
                    params![ts(now)],
                )
                .map(|n| n as u64)
                .map_err(sql_err)
            })
            .await
    }
}

#[async_trait]
impl SecurityLog for SqliteStore {
    async fn record_security_event(&self, event: &SecurityEvent) -> Result<(), StoreError> {
        self.trip();
        let data = serde_json::to_string(event).map_err(corrupt)?;
        let (at, id, until) = (ts(event.at), event.id.to_string(), ts(event.retain_until));
        self.db
            .call(move |c| {
                c.execute(
                    "INSERT INTO security_events (at, id, retain_until, data) VALUES (?1, ?2, ?3, ?4)",
                    params![at, id, until, data],
                )
                .map_err(sql_err)?;
                Ok(())
            })
            .await
    }

    async fn security_events(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<SecurityEvent>, StoreError> {
        self.trip();
        let items = self.items.clone();
        self.db
            .call(move |c| {
                read_rows(
                    c,
                    &items,
                    "SELECT data FROM security_events WHERE at >= ?1 AND at < ?2
                     ORDER BY at, id LIMIT ?3",
                    params![ts(from), ts(to), limit as i64],
                )
            })
            .await
    }

    async fn expire_security_events(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        self.trip();
        self.db
            .call(move |c| {
                c.execute(
                    "DELETE FROM security_events WHERE retain_until <= ?1",
                    params![ts(now)],
                )
                .map(|n| n as u64)
                .map_err(sql_err)
            })
            .await
    }
}

#[async_trait]
impl OfficeStore for SqliteStore {
    async fn staff(&self, office: &OfficeCode) -> Result<Vec<StaffMember>, StoreError> {
        self.trip();
        let items = self.items.clone();
        let office = office.to_string();
        self.db
            .call(move |c| {
                read_rows(
                    c,
                    &items,
                    "SELECT data FROM staff WHERE office = ?1 ORDER BY sub",
                    params![office],
                )
            })
            .await
    }

    async fn staff_member(
        &self,
        office: &OfficeCode,
        sub: &str,
    ) -> Result<Option<StaffMember>, StoreError> {
        self.trip();
        let items = self.items.clone();
        let (office, sub) = (office.to_string(), sub.to_string());
        self.db
            .call(move |c| {
                read_rows(
                    c,
                    &items,
                    "SELECT data FROM staff WHERE office = ?1 AND sub = ?2",
                    params![office, sub],
                )
                .map(|mut v: Vec<StaffMember>| v.pop())
            })
            .await
    }

    async fn put_staff(
        &self,
        member: &StaffMember,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        self.trip();
        let data = serde_json::to_string(member).map_err(corrupt)?;
        let (office, sub) = (member.office.to_string(), member.sub.clone());
        self.db
            .call(move |c| {
                let n = match expected_version {
                    None => c
                        .execute(
                            "INSERT INTO staff (office, sub, data) VALUES (?1, ?2, ?3)
                             ON CONFLICT(office, sub) DO NOTHING",
                            params![office, sub, data],
                        )
                        .map_err(sql_err)?,
                    // The version lives in the record (members from before it are at 0).
                    Some(v) => c
                        .execute(
                            "UPDATE staff SET data = ?3 WHERE office = ?1 AND sub = ?2
                             AND COALESCE(json_extract(data, '$.version'), 0) = ?4",
                            params![office, sub, data, v as i64],
                        )
                        .map_err(sql_err)?,
                };
                if n == 1 {
                    Ok(())
                } else {
                    Err(StoreError::Conflict(format!(
                        "staff member is no longer at version {expected_version:?}"
                    )))
                }
            })
            .await
    }

    async fn delegations(&self, office: &OfficeCode) -> Result<Vec<Delegation>, StoreError> {
        self.trip();
        let items = self.items.clone();
        let office = office.to_string();
        self.db
            .call(move |c| {
                read_rows(
                    c,
                    &items,
                    "SELECT data FROM delegations WHERE office = ?1 ORDER BY id",
                    params![office],
                )
            })
            .await
    }

    async fn put_delegation(
        &self,
        d: &Delegation,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        self.trip();
        let data = serde_json::to_string(d).map_err(corrupt)?;
        let (id, office, version) = (d.id.to_string(), d.office.to_string(), d.version);
        self.db
            .call(move |c| {
                let n = match expected_version {
                    None => c
                        .execute(
                            "INSERT INTO delegations (id, office, version, data) VALUES (?1, ?2, ?3, ?4)",
                            params![id, office, version, data],
                        )
                        .map_err(sql_err)?,
                    Some(v) => c
                        .execute(
                            "UPDATE delegations SET version = ?3, data = ?4
                             WHERE id = ?1 AND office = ?2 AND version = ?5",
                            params![id, office, version, data, v],
                        )
                        .map_err(sql_err)?,
                };
                if n == 1 {
                    Ok(())
                } else {
                    Err(StoreError::Conflict(format!(
                        "delegation {id} is no longer at version {expected_version:?}"
                    )))
                }
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn audit_events_cannot_be_changed_or_deleted() {
        let s = SqliteStore::in_memory().unwrap();
        s.db.with(|c| {
            c.execute(
                "INSERT INTO audit_events (case_id, seq, at, hash, data) VALUES ('c', 1, 't', 'h', '{}')",
                [],
            )
            .unwrap();
            let upd = c.execute("UPDATE audit_events SET data = 'x'", []);
            assert!(upd.unwrap_err().to_string().contains("append-only"));
            let del = c.execute("DELETE FROM audit_events", []);
            assert!(del.unwrap_err().to_string().contains("append-only"));
        });
    }
}
