//! The case store on DynamoDB: one table, items keyed `PK`/`SK`.
//!
//! | item | PK | SK | indexes |
//! |---|---|---|---|
//! | case | `CASE#<id>` | `CASE` | `ByStep` (`[<office>#]STEP#<step>`, `<due>#<entered>#<id>`) while at a step, (`DRAFTS`, `<updated>#<id>`) while a draft; `ByOwner` (`OWNER#<sub>`, `<id>`); `Pending` (`PENDING`, `<id>`) while a decision awaits delivery |
//! | audit event | `CASE#<id>` | `EVT#<seq, 10 digits>` | – |
//! | document | `CASE#<id>` | `DOC#<doc id>` | – |
//! | survey marker | `CASE#<id>` | `SURVEY` | – |
//! | survey | `SURVEYS#<yyyy-mm>` | `<answered at>#<case id>` | – |
//! | unique key | `UNIQUE#<key>` | `UNIQUE` | – |
//! | counter | `COUNTER#<name>` | `COUNTER` | – |
//! | number reserved for a holder (a case's letter number) | `RESERVED#<counter>#<holder>` | `RESERVED` | – |
//! | step stay (SLA report) | `STEPLOG#<yyyy-mm>` | `<decided at>#<case id>#<step>` | – |
//! | complaint | `COMPLAINT#<id>` | `COMPLAINT` | `ByStep` (`[<office>#]COMPLAINTS#OPEN`, `<due>#<filed>#<id>`) while open, (`COMPLAINTS#IDENTIFIED`, `<closed>#<id>`) while closed and naming its complainant; `ByOwner` (`COMPLAINTS#<yyyy-mm>`, `<filed>#<id>`); `Pending` (`PENDING_COMPLAINT`) |
//! | complaint audit event | `CASE#<complaint id>` | `EVT#<seq>` | – |
//! | signed document (verification record) | `SIGNED#<id>` | `DOC` | – |
//! | staff member (the office's roster) | `[<office>#]STAFF` | `<sub>` | – |
//! | delegation (acting official) | `[<office>#]DELEGATIONS` | `<id>` | – |
//! | notice sending (`domain::delivery`) | `MESSAGE#<channel>#<message id>` | `MESSAGE` | `ByOwner` (`NOTICES#<case id>`, `<sent at>#<message id>`) |
//! | idempotency record | `IDEM#<scoped key>` | `IDEM` | – (TTL `expires_at`) |
//! | security event (refused request) | `SECURITY#<yyyy-mm-dd>` | `<at>#<id>` | – (TTL `expires_at`) |
//!
//! A commit is one `TransactWriteItems`: the case `Put` is conditional on its version (or on not
//! existing), audit events on not existing (append-only), so a lost race or a replay cancels the
//! whole transaction and surfaces as [`StoreError::Conflict`], as on SQLite.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, Projection, ProjectionType, Put, ScalarAttributeType, TransactWriteItem, Update,
};
use chrono::{DateTime, Datelike, SecondsFormat, Utc};
use perizinan::domain::case::SignedDocument;
use perizinan::domain::complaints::{Complaint, ComplaintStatus};
use perizinan::domain::deadlines::StepRecord;
use perizinan::domain::delegation::Delegation;
use perizinan::domain::delivery::{Channel, NoticeDelivery};
use perizinan::domain::office::OfficeCode;
use perizinan::domain::roster::StaffMember;
use perizinan::domain::survey::SurveyResponse;
use perizinan::domain::{
    AuditEvent, Case, CaseId, CaseStatus, DocumentRecord, RegistrationNumber, StepCode,
};
use perizinan::ports::OfficeStore;
use perizinan::ports::guard::{
    Claim, IdempotencyRecord, IdempotencyState, IdempotencyStore, SecurityEvent, SecurityLog,
    StoredResponse,
};
use perizinan::ports::store::{
    AuditHead, AuditHeadPage, AuditLog, CaseStore, Commit, ComplaintCommit, ComplaintStore,
    DeliveryStore, LetterStore, Metered, StoreError, registration_key,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use uuid::Uuid;

type Item = HashMap<String, AttributeValue>;

pub const BY_STEP: &str = "ByStep";
pub const BY_OWNER: &str = "ByOwner";
pub const PENDING: &str = "Pending";
/// `ByStep` partitions of the retention job's lists.
const DRAFTS: &str = "DRAFTS";
const IDENTIFIED_COMPLAINTS: &str = "COMPLAINTS#IDENTIFIED";

pub struct DynamoStore {
    client: Client,
    table: String,
    trips: AtomicU64,
    items: AtomicU64,
    /// Read request units consumed, in halves (an eventually consistent 4 KB read is one half).
    read_halves: AtomicU64,
    write_units: AtomicU64,
}

// Request units as DynamoDB on-demand bills them, computed from item sizes (developer guide,
// "Item sizes and formats" and "Read/write capacity mode"): a read is one unit per 4 KB
// (strongly consistent; half for eventually consistent reads, which index queries are; twice in
// a transaction), summed over the items of a query page; a write is one unit per 1 KB of the
// item (twice in a transaction), plus one per 1 KB for each index entry the item has (indexes
// project all attributes). Moto answers a fixed 1.0 for ConsumedCapacity, so the adapter
// counts itself. Estimate limits: an update that moves an item out of an index (a delete of the
// index entry) is not counted; `UpdateItem`, `DeleteItem` and `ConditionCheck` count one unit
// (their items are under 1 KB).

const GSI_KEYS: [&str; 3] = ["GSI1PK", "GSI2PK", "GSI3PK"];

fn value_size(v: &AttributeValue) -> u64 {
    match v {
        AttributeValue::S(x) => x.len() as u64,
        // Numbers: about one byte per two significant digits, plus one.
        AttributeValue::N(x) => {
            (x.trim_start_matches('-').replace('.', "").len() as u64).div_ceil(2) + 1
        }
        AttributeValue::B(b) => b.as_ref().len() as u64,
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::L(l) => 3 + l.iter().map(|x| value_size(x) + 1).sum::<u64>(),
        AttributeValue::M(m) => {
            3 + m
                .iter()
                .map(|(k, x)| k.len() as u64 + value_size(x) + 1)
                .sum::<u64>()
        }
        AttributeValue::Ss(v) => v.iter().map(|x| x.len() as u64).sum(),
        _ => 0,
    }
}

/// An item's size as DynamoDB counts it: attribute names plus values.
pub fn item_size(item: &Item) -> u64 {
    item.iter()
        .map(|(k, v)| k.len() as u64 + value_size(v))
        .sum()
}

fn kb_units(bytes: u64) -> u64 {
    bytes.div_ceil(1024).max(1)
}

fn four_kb_units(bytes: u64) -> u64 {
    bytes.div_ceil(4096).max(1)
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn unavailable<E: std::error::Error + Send + Sync + 'static>(e: E) -> StoreError {
    StoreError::Unavailable(Box::new(e))
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// Records larger than this are stored deflated: DynamoDB bills writes per KB of the item and
/// of each index entry, and a case's JSON shrinks about fourfold (docs/performance.md).
const COMPRESS_ABOVE: usize = 512;

/// The `data` attribute: the record's JSON as a string, or deflated as binary when large.
fn data(v: &impl serde::Serialize) -> Result<AttributeValue, StoreError> {
    let json = serde_json::to_vec(v).map_err(corrupt)?;
    if json.len() <= COMPRESS_ABOVE {
        // Valid UTF-8: serde_json writes nothing else.
        return Ok(AttributeValue::S(
            String::from_utf8(json).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        ));
    }
    Ok(AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(
        miniz_oxide::deflate::compress_to_vec(&json, 6),
    )))
}

fn data_of<T: serde::de::DeserializeOwned>(item: &Item) -> Result<T, StoreError> {
    match item.get("data") {
        Some(AttributeValue::S(d)) => serde_json::from_str(d).map_err(corrupt),
        Some(AttributeValue::B(b)) => {
            let json = miniz_oxide::inflate::decompress_to_vec_with_limit(b.as_ref(), 64 << 20)
                .map_err(|e| StoreError::Corrupt(format!("data does not inflate: {e:?}")))?;
            serde_json::from_slice(&json).map_err(corrupt)
        }
        _ => Err(StoreError::Corrupt("item without data".into())),
    }
}

fn key(pk: String, sk: &str) -> Item {
    HashMap::from([("PK".to_string(), s(pk)), ("SK".to_string(), s(sk))])
}

fn case_pk(id: CaseId) -> String {
    format!("CASE#{id}")
}

/// An office's work queue and deadline index at `step`: `STEP#<step>` for the founding office,
/// `<office>#STEP#<step>` for another (`domain::office`: the office leads the key).
fn step_pk(office: &OfficeCode, step: &StepCode) -> String {
    office.scoped(&format!("STEP#{}", step.as_str()))
}

/// An office's complaint register: `COMPLAINTS#OPEN`, `<office>#COMPLAINTS#OPEN`.
fn open_complaints_pk(office: &OfficeCode) -> String {
    office.scoped("COMPLAINTS#OPEN")
}

fn case_item(case: &Case) -> Result<Item, StoreError> {
    let mut item = key(case_pk(case.id), "CASE");
    item.insert("data".into(), data(case)?);
    item.insert("version".into(), n(case.version));
    item.insert("status".into(), s(case.status.code()));
    item.insert("office".into(), s(case.office.as_str()));
    item.insert("GSI2PK".into(), s(format!("OWNER#{}", case.owner)));
    item.insert("GSI2SK".into(), s(case.id.to_string()));
    if let Some(step) = &case.step {
        // The deadline index: by step, earliest due first; no deadline sorts last.
        let entered = case.step_entered_at.map(ts).unwrap_or_default();
        let due = case
            .step_due_on()
            .map_or_else(|| "9999-12-31".to_string(), |d| d.to_string());
        item.insert("GSI1PK".into(), s(step_pk(&case.office, step)));
        item.insert("GSI1SK".into(), s(format!("{due}#{entered}#{}", case.id)));
    } else if case.status == CaseStatus::Draft {
        // The retention job's list: drafts by last change.
        item.insert("GSI1PK".into(), s(DRAFTS));
        item.insert(
            "GSI1SK".into(),
            s(format!("{}#{}", ts(case.updated_at), case.id)),
        );
    }
    if case.needs_delivery() {
        item.insert("GSI3PK".into(), s("PENDING"));
        item.insert("GSI3SK".into(), s(case.id.to_string()));
    }
    if let Some(r) = &case.registration_number {
        item.insert("registration_number".into(), s(r.to_string()));
    }
    Ok(item)
}

/// Midnight UTC of the first day of the next month.
fn next_month(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let (y, m) = if t.month() == 12 {
        (t.year() + 1, 1)
    } else {
        (t.year(), t.month() + 1)
    };
    chrono::NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

fn complaint_pk(id: CaseId) -> String {
    format!("COMPLAINT#{id}")
}

fn complaint_item(c: &Complaint) -> Result<Item, StoreError> {
    let mut item = key(complaint_pk(c.id), "COMPLAINT");
    item.insert("data".into(), data(c)?);
    item.insert("version".into(), n(c.version));
    item.insert("office".into(), s(c.office.as_str()));
    // The register and the complaints' deadline index: open ones, earliest due first.
    if c.status == ComplaintStatus::Open {
        // The clock now running: the last day to complete it while incomplete, else the 60 days.
        let due = c
            .clock_due_on()
            .map_or_else(|| "9999-12-31".to_string(), |d| d.to_string());
        item.insert("GSI1PK".into(), s(open_complaints_pk(&c.office)));
        item.insert(
            "GSI1SK".into(),
            s(format!("{due}#{}#{}", ts(c.filed_at), c.id)),
        );
    }
    // The retention job's list: closed complaints that still name their complainant.
    if let (ComplaintStatus::Closed, Some(closed), Some(_)) =
        (c.status, c.closed_at, &c.complainant)
    {
        item.insert("GSI1PK".into(), s(IDENTIFIED_COMPLAINTS));
        item.insert("GSI1SK".into(), s(format!("{}#{}", ts(closed), c.id)));
    }
    // The reports: by month of filing.
    item.insert("GSI2PK".into(), s(month_key("COMPLAINTS", c.filed_at)));
    item.insert("GSI2SK".into(), s(format!("{}#{}", ts(c.filed_at), c.id)));
    if c.pending_completion.is_some() {
        item.insert("GSI3PK".into(), s("PENDING_COMPLAINT"));
        item.insert("GSI3SK".into(), s(c.id.to_string()));
    }
    Ok(item)
}

fn put(table: &str, item: Item, condition: Option<&str>) -> Result<TransactWriteItem, StoreError> {
    let p = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .set_condition_expression(condition.map(str::to_string))
        .build()
        .map_err(unavailable)?;
    Ok(TransactWriteItem::builder().put(p).build())
}

fn month_key(prefix: &str, t: DateTime<Utc>) -> String {
    format!("{prefix}#{:04}-{:02}", t.year(), t.month())
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            trips: AtomicU64::new(0),
            items: AtomicU64::new(0),
            read_halves: AtomicU64::new(0),
            write_units: AtomicU64::new(0),
        }
    }

    fn trip(&self) {
        self.trips.fetch_add(1, Ordering::Relaxed);
    }

    /// Meters a read of `bytes`: `halves_per_unit` is 1 (eventually consistent), 2 (strongly
    /// consistent) or 4 (transactional).
    fn meter_read(&self, bytes: u64, halves_per_unit: u64) {
        self.read_halves
            .fetch_add(four_kb_units(bytes) * halves_per_unit, Ordering::Relaxed);
    }

    /// Meters a write of `item` (`factor` 2 in a transaction) with its index entries.
    fn meter_put(&self, item: &Item, factor: u64) {
        let units = kb_units(item_size(item));
        let indexed = GSI_KEYS.iter().filter(|k| item.contains_key(**k)).count() as u64;
        self.write_units
            .fetch_add(units * factor + units * indexed, Ordering::Relaxed);
    }

    fn meter_small_write(&self, factor: u64) {
        self.write_units.fetch_add(factor, Ordering::Relaxed);
    }

    fn meter_transaction(&self, items: &[TransactWriteItem]) {
        for i in items {
            match i.put() {
                Some(p) => self.meter_put(p.item(), 2),
                None => self.meter_small_write(2),
            }
        }
    }

    /// Creates the table with its indexes (development and tests; in AWS the SAM template
    /// does it). Does nothing if it exists.
    pub async fn ensure_table(client: &Client, table: &str) -> Result<(), StoreError> {
        if client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .is_ok()
        {
            return Ok(());
        }
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(unavailable)
        };
        let key = |name: &str, t: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(t)
                .build()
                .map_err(unavailable)
        };
        let gsi = |name: &str, pk: &str, sk: &str| -> Result<GlobalSecondaryIndex, StoreError> {
            GlobalSecondaryIndex::builder()
                .index_name(name)
                .key_schema(key(pk, KeyType::Hash)?)
                .key_schema(key(sk, KeyType::Range)?)
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .map_err(unavailable)
        };
        let mut req = client
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key("PK", KeyType::Hash)?)
            .key_schema(key("SK", KeyType::Range)?)
            .global_secondary_indexes(gsi(BY_STEP, "GSI1PK", "GSI1SK")?)
            .global_secondary_indexes(gsi(BY_OWNER, "GSI2PK", "GSI2SK")?)
            .global_secondary_indexes(gsi(PENDING, "GSI3PK", "GSI3SK")?);
        for a in [
            "PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK",
        ] {
            req = req.attribute_definitions(attr(a)?);
        }
        req.send().await.map_err(unavailable)?;
        Ok(())
    }

    /// Bulk-loads cases (no audit events, no conditions): migrations from an earlier system,
    /// and test fixtures. 25 items per `BatchWriteItem`, unprocessed items retried.
    pub async fn import_cases(&self, cases: &[Case]) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
        for chunk in cases.chunks(25) {
            let mut requests = vec![];
            for c in chunk {
                let put = PutRequest::builder()
                    .set_item(Some(case_item(c)?))
                    .build()
                    .map_err(unavailable)?;
                requests.push(WriteRequest::builder().put_request(put).build());
            }
            let mut pending = Some(HashMap::from([(self.table.clone(), requests)]));
            for attempt in 0.. {
                let Some(items) = pending.take().filter(|m| !m.is_empty()) else {
                    break;
                };
                if attempt > 8 {
                    return Err(StoreError::Unavailable(Box::new(std::io::Error::other(
                        "unprocessed items after retries",
                    ))));
                }
                self.trip();
                let out = self
                    .client
                    .batch_write_item()
                    .set_request_items(Some(items))
                    .send()
                    .await
                    .map_err(unavailable)?;
                pending = out.unprocessed_items;
                if pending.as_ref().is_some_and(|m| !m.is_empty()) {
                    tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
                }
            }
        }
        Ok(())
    }

    async fn get(&self, pk: String, sk: &str) -> Result<Option<Item>, StoreError> {
        self.trip();
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        self.meter_read(out.item.as_ref().map_or(0, item_size), 2);
        if out.item.is_some() {
            self.items.fetch_add(1, Ordering::Relaxed);
        }
        Ok(out.item)
    }

    /// Runs a query to the end, one round trip per page.
    async fn query_all(
        &self,
        index: Option<&str>,
        condition: &str,
        values: Vec<(&str, AttributeValue)>,
        limit: Option<usize>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut out = vec![];
        let mut start: Option<Item> = None;
        loop {
            self.trip();
            let mut q = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(condition)
                .set_exclusive_start_key(start.take());
            for (k, v) in &values {
                q = q.expression_attribute_values(*k, v.clone());
            }
            match index {
                Some(i) => q = q.index_name(i),
                None => q = q.consistent_read(true),
            }
            if let Some(l) = limit {
                q = q.limit((l - out.len()).min(1000) as i32);
            }
            let page = q.send().await.map_err(unavailable)?;
            self.items
                .fetch_add(page.scanned_count.max(0) as u64, Ordering::Relaxed);
            let bytes = page.items().iter().map(item_size).sum();
            self.meter_read(bytes, if index.is_some() { 1 } else { 2 });
            out.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(k) if limit.is_none_or(|l| out.len() < l) => start = Some(k),
                _ => break,
            }
        }
        Ok(out)
    }

    /// Records of a retention partition of `ByStep` (sort key `<time>#<id>`) older than
    /// `before`, oldest first.
    async fn retention_list<T: serde::de::DeserializeOwned>(
        &self,
        partition: &str,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<T>, StoreError> {
        let items = self
            .query_all(
                Some(BY_STEP),
                "GSI1PK = :pk AND GSI1SK < :cut",
                vec![(":pk", s(partition)), (":cut", s(ts(before)))],
                Some(limit),
            )
            .await?;
        Self::parse_all(&items)
    }

    fn parse_all<T: serde::de::DeserializeOwned>(items: &[Item]) -> Result<Vec<T>, StoreError> {
        items.iter().map(data_of).collect()
    }

    /// Items of monthly partitions `<prefix>#yyyy-mm` whose sort key lies in `[from, to]`.
    async fn by_month<T: serde::de::DeserializeOwned>(
        &self,
        prefix: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<T>, StoreError> {
        let mut out = vec![];
        let mut month = from;
        while month < to {
            let items = self
                .query_all(
                    None,
                    "PK = :pk AND SK BETWEEN :a AND :b",
                    vec![
                        (
                            ":pk",
                            s(format!("{prefix}#{:04}-{:02}", month.year(), month.month())),
                        ),
                        (":a", s(ts(from))),
                        (":b", s(ts(to))),
                    ],
                    None,
                )
                .await?;
            out.extend(Self::parse_all::<T>(&items)?);
            month = next_month(month).unwrap_or(to);
        }
        Ok(out)
    }
}

fn is_conflict(e: &SdkError<TransactWriteItemsError>) -> bool {
    match e.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(t)) => {
            t.cancellation_reasons().iter().any(|r| {
                matches!(
                    r.code(),
                    Some("ConditionalCheckFailed" | "TransactionConflict")
                )
            })
        }
        _ => false,
    }
}

impl Metered for DynamoStore {
    fn request_units(&self) -> Option<perizinan::ports::store::RequestUnits> {
        Some(perizinan::ports::store::RequestUnits {
            read: self.read_halves.load(Ordering::Relaxed) as f64 / 2.0,
            write: self.write_units.load(Ordering::Relaxed) as f64,
        })
    }

    fn round_trips(&self) -> u64 {
        self.trips.load(Ordering::Relaxed)
    }

    fn items_read(&self) -> u64 {
        self.items.load(Ordering::Relaxed)
    }
}

#[async_trait]
impl AuditLog for DynamoStore {
    async fn audit_trail(&self, id: CaseId) -> Result<Vec<AuditEvent>, StoreError> {
        let items = self
            .query_all(
                None,
                "PK = :pk AND begins_with(SK, :p)",
                vec![(":pk", s(case_pk(id))), (":p", s("EVT#"))],
                None,
            )
            .await?;
        Self::parse_all(&items)
    }

    /// A `Scan` of the table for the case and complaint items (the cursor is the last
    /// evaluated key as JSON).
    async fn audit_heads(
        &self,
        cursor: Option<String>,
        limit: usize,
    ) -> Result<AuditHeadPage, StoreError> {
        let start: Option<Item> = match cursor {
            None => None,
            Some(c) => {
                let keys: HashMap<String, String> = serde_json::from_str(&c)
                    .map_err(|_| StoreError::Corrupt("bad audit cursor".into()))?;
                Some(keys.into_iter().map(|(k, v)| (k, s(v))).collect())
            }
        };
        self.trip();
        let page = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression("SK = :c OR SK = :k")
            .expression_attribute_values(":c", s("CASE"))
            .expression_attribute_values(":k", s("COMPLAINT"))
            .consistent_read(true)
            .limit(limit.clamp(1, 1000) as i32)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(unavailable)?;
        self.items
            .fetch_add(page.scanned_count.max(0) as u64, Ordering::Relaxed);
        let mut heads = vec![];
        for item in page.items.unwrap_or_default() {
            #[derive(serde::Deserialize)]
            struct Head {
                id: CaseId,
                audit_seq: u64,
                audit_head: String,
                #[serde(default)]
                audit_mac: Option<String>,
            }
            let h: Head = data_of(&item)?;
            let kind = match item.get("SK") {
                Some(AttributeValue::S(k)) if k == "CASE" => "case",
                _ => "complaint",
            };
            heads.push(AuditHead {
                kind,
                id: h.id,
                seq: h.audit_seq,
                head: h.audit_head,
                mac: h.audit_mac,
            });
        }
        let next = match page.last_evaluated_key {
            Some(k) => {
                let keys: HashMap<String, String> = k
                    .into_iter()
                    .filter_map(|(name, v)| match v {
                        AttributeValue::S(v) => Some((name, v)),
                        _ => None,
                    })
                    .collect();
                Some(serde_json::to_string(&keys).map_err(corrupt)?)
            }
            None => None,
        };
        Ok(AuditHeadPage { heads, next })
    }
}

#[async_trait]
impl CaseStore for DynamoStore {
    async fn commit(&self, commit: Commit) -> Result<(), StoreError> {
        let t = self.table.as_str();
        let case = &commit.case;
        let mut items = vec![];
        let item = case_item(case)?;
        match commit.expected_version {
            None => items.push(put(t, item, Some("attribute_not_exists(PK)"))?),
            Some(v) => {
                let p = Put::builder()
                    .table_name(t)
                    .set_item(Some(item))
                    .condition_expression("#v = :v")
                    .expression_attribute_names("#v", "version")
                    .expression_attribute_values(":v", n(v))
                    .build()
                    .map_err(unavailable)?;
                items.push(TransactWriteItem::builder().put(p).build());
            }
        }
        for e in &commit.events {
            let mut it = key(case_pk(e.case_id), &format!("EVT#{:010}", e.seq));
            it.insert("data".into(), data(e)?);
            items.push(put(t, it, Some("attribute_not_exists(PK)"))?);
        }
        for d in &commit.documents {
            let mut it = key(case_pk(d.case_id), &format!("DOC#{}", d.id));
            it.insert("data".into(), data(d)?);
            items.push(put(t, it, None)?);
        }
        for sv in &commit.surveys {
            items.push(put(
                t,
                key(case_pk(sv.case_id), "SURVEY"),
                Some("attribute_not_exists(PK)"),
            )?);
            let mut it = key(
                month_key("SURVEYS", sv.answered_at),
                &format!("{}#{}", ts(sv.answered_at), sv.case_id),
            );
            it.insert("data".into(), data(sv)?);
            items.push(put(t, it, None)?);
        }
        for (doc, expected) in &commit.signed_documents {
            let mut it = key(format!("SIGNED#{}", doc.id), "DOC");
            it.insert("data".into(), data(doc)?);
            it.insert("version".into(), n(doc.version));
            match expected {
                None => items.push(put(t, it, Some("attribute_not_exists(PK)"))?),
                Some(v) => {
                    let p = Put::builder()
                        .table_name(t)
                        .set_item(Some(it))
                        .condition_expression("#v = :v")
                        .expression_attribute_names("#v", "version")
                        .expression_attribute_values(":v", n(*v))
                        .build()
                        .map_err(unavailable)?;
                    items.push(TransactWriteItem::builder().put(p).build());
                }
            }
        }
        for r in &commit.step_records {
            let mut it = key(
                month_key("STEPLOG", r.decided_at),
                &format!("{}#{}#{}", ts(r.decided_at), r.case_id, r.step.as_str()),
            );
            it.insert("data".into(), data(r)?);
            items.push(put(t, it, None)?);
        }
        for u in &commit.unique {
            let mut it = key(format!("UNIQUE#{u}"), "UNIQUE");
            it.insert("case_id".into(), s(case.id.to_string()));
            items.push(put(t, it, Some("attribute_not_exists(PK)"))?);
        }
        for c in &commit.counters {
            items.push(counter_claim(t, &c.name, c.value)?);
        }
        self.trip();
        self.meter_transaction(&items);
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_conflict(&e) => Err(StoreError::Conflict(format!(
                "case {} changed or a key was taken",
                case.id
            ))),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn case(&self, id: CaseId) -> Result<Option<Case>, StoreError> {
        self.get(case_pk(id), "CASE")
            .await?
            .map(|i| data_of(&i))
            .transpose()
    }

    async fn case_by_registration(
        &self,
        number: &RegistrationNumber,
    ) -> Result<Option<Case>, StoreError> {
        let Some(item) = self
            .get(format!("UNIQUE#{}", registration_key(number)), "UNIQUE")
            .await?
        else {
            return Ok(None);
        };
        let id = match item.get("case_id") {
            Some(AttributeValue::S(v)) => CaseId::parse(v).ok_or_else(|| corrupt("case id"))?,
            _ => return Err(corrupt("unique key without case id")),
        };
        self.case(id).await
    }

    async fn cases_of_owner(&self, owner: &str) -> Result<Vec<Case>, StoreError> {
        let items = self
            .query_all(
                Some(BY_OWNER),
                "GSI2PK = :pk",
                vec![(":pk", s(format!("OWNER#{owner}")))],
                None,
            )
            .await?;
        let mut cases: Vec<Case> = Self::parse_all(&items)?;
        cases.sort_by_key(|c| std::cmp::Reverse(c.id));
        Ok(cases)
    }

    async fn cases_at_step(
        &self,
        office: &OfficeCode,
        step: &StepCode,
        limit: usize,
    ) -> Result<Vec<Case>, StoreError> {
        let items = self
            .query_all(
                Some(BY_STEP),
                "GSI1PK = :pk",
                vec![(":pk", s(step_pk(office, step)))],
                Some(limit),
            )
            .await?;
        Self::parse_all(&items)
    }

    async fn cases_with_pending_completion(&self) -> Result<Vec<Case>, StoreError> {
        let items = self
            .query_all(
                Some(PENDING),
                "GSI3PK = :pk",
                vec![(":pk", s("PENDING"))],
                None,
            )
            .await?;
        Self::parse_all(&items)
    }

    async fn documents(&self, case: CaseId) -> Result<Vec<DocumentRecord>, StoreError> {
        let items = self
            .query_all(
                None,
                "PK = :pk AND begins_with(SK, :p)",
                vec![(":pk", s(case_pk(case))), (":p", s("DOC#"))],
                None,
            )
            .await?;
        let mut docs: Vec<DocumentRecord> = Self::parse_all(&items)?;
        docs.sort_by(|a, b| {
            (a.requirement.as_str(), a.version, a.id).cmp(&(
                b.requirement.as_str(),
                b.version,
                b.id,
            ))
        });
        Ok(docs)
    }

    async fn document(&self, case: CaseId, id: Uuid) -> Result<Option<DocumentRecord>, StoreError> {
        self.get(case_pk(case), &format!("DOC#{id}"))
            .await?
            .map(|i| data_of(&i))
            .transpose()
    }

    async fn put_pending_document(&self, doc: &DocumentRecord) -> Result<(), StoreError> {
        let mut it = key(case_pk(doc.case_id), &format!("DOC#{}", doc.id));
        it.insert("data".into(), data(doc)?);
        self.trip();
        self.meter_put(&it, 1);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(it))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn surveys_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<SurveyResponse>, StoreError> {
        let mut out: Vec<SurveyResponse> = self.by_month("SURVEYS", from, to).await?;
        out.retain(|s| s.answered_at >= from && s.answered_at < to);
        Ok(out)
    }

    async fn step_records_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<StepRecord>, StoreError> {
        let mut out: Vec<StepRecord> = self.by_month("STEPLOG", from, to).await?;
        out.retain(|r| r.decided_at >= from && r.decided_at < to);
        Ok(out)
    }

    async fn cases_due_by(
        &self,
        office: &OfficeCode,
        step: &StepCode,
        cutoff: chrono::NaiveDate,
        limit: usize,
    ) -> Result<Vec<Case>, StoreError> {
        let items = self
            .query_all(
                Some(BY_STEP),
                "GSI1PK = :pk AND GSI1SK <= :cut",
                vec![
                    (":pk", s(step_pk(office, step))),
                    // '~' sorts after every character of the rest of the key.
                    (":cut", s(format!("{cutoff}~"))),
                ],
                Some(limit),
            )
            .await?;
        Self::parse_all(&items)
    }

    async fn stale_drafts(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Case>, StoreError> {
        self.retention_list(DRAFTS, before, limit).await
    }
}

#[async_trait]
impl ComplaintStore for DynamoStore {
    async fn commit_complaint(&self, commit: ComplaintCommit) -> Result<(), StoreError> {
        let t = self.table.as_str();
        let c = &commit.complaint;
        let mut items = vec![];
        let item = complaint_item(c)?;
        match commit.expected_version {
            None => {
                items.push(put(t, item, Some("attribute_not_exists(PK)"))?);
                let mut u = key(format!("UNIQUE#complaint:{}", c.tracking_code), "UNIQUE");
                u.insert("case_id".into(), s(c.id.to_string()));
                items.push(put(t, u, Some("attribute_not_exists(PK)"))?);
            }
            Some(v) => {
                let p = Put::builder()
                    .table_name(t)
                    .set_item(Some(item))
                    .condition_expression("#v = :v")
                    .expression_attribute_names("#v", "version")
                    .expression_attribute_values(":v", n(v))
                    .build()
                    .map_err(unavailable)?;
                items.push(TransactWriteItem::builder().put(p).build());
            }
        }
        for e in &commit.events {
            let mut it = key(case_pk(e.case_id), &format!("EVT#{:010}", e.seq));
            it.insert("data".into(), data(e)?);
            items.push(put(t, it, Some("attribute_not_exists(PK)"))?);
        }
        self.trip();
        self.meter_transaction(&items);
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_conflict(&e) => Err(StoreError::Conflict(format!(
                "complaint {} changed or its code was taken",
                c.id
            ))),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn complaint(&self, id: CaseId) -> Result<Option<Complaint>, StoreError> {
        self.get(complaint_pk(id), "COMPLAINT")
            .await?
            .map(|i| data_of(&i))
            .transpose()
    }

    async fn complaint_by_tracking(&self, code: &str) -> Result<Option<Complaint>, StoreError> {
        let Some(item) = self
            .get(format!("UNIQUE#complaint:{code}"), "UNIQUE")
            .await?
        else {
            return Ok(None);
        };
        let id = match item.get("case_id") {
            Some(AttributeValue::S(v)) => {
                CaseId::parse(v).ok_or_else(|| corrupt("complaint id"))?
            }
            _ => return Err(corrupt("unique key without id")),
        };
        self.complaint(id).await
    }

    async fn open_complaints(
        &self,
        office: &OfficeCode,
        limit: usize,
    ) -> Result<Vec<Complaint>, StoreError> {
        let items = self
            .query_all(
                Some(BY_STEP),
                "GSI1PK = :pk",
                vec![(":pk", s(open_complaints_pk(office)))],
                Some(limit),
            )
            .await?;
        Self::parse_all(&items)
    }

    async fn open_complaints_page(
        &self,
        office: &OfficeCode,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Complaint>, StoreError> {
        // `GSI1SK` is `Complaint::register_key`: the page starts after the previous one's last.
        let items = match after {
            None => {
                self.query_all(
                    Some(BY_STEP),
                    "GSI1PK = :pk",
                    vec![(":pk", s(open_complaints_pk(office)))],
                    Some(limit),
                )
                .await?
            }
            Some(a) => {
                self.query_all(
                    Some(BY_STEP),
                    "GSI1PK = :pk AND GSI1SK > :after",
                    vec![(":pk", s(open_complaints_pk(office))), (":after", s(a))],
                    Some(limit),
                )
                .await?
            }
        };
        Self::parse_all(&items)
    }

    async fn complaints_due_by(
        &self,
        office: &OfficeCode,
        cutoff: chrono::NaiveDate,
        limit: usize,
    ) -> Result<Vec<Complaint>, StoreError> {
        let items = self
            .query_all(
                Some(BY_STEP),
                "GSI1PK = :pk AND GSI1SK <= :cut",
                vec![
                    (":pk", s(open_complaints_pk(office))),
                    (":cut", s(format!("{cutoff}~"))),
                ],
                Some(limit),
            )
            .await?;
        Self::parse_all(&items)
    }

    async fn complaints_filed_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Complaint>, StoreError> {
        let mut out: Vec<Complaint> = vec![];
        let mut month = from;
        while month < to {
            let items = self
                .query_all(
                    Some(BY_OWNER),
                    "GSI2PK = :pk AND GSI2SK BETWEEN :a AND :b",
                    vec![
                        (":pk", s(month_key("COMPLAINTS", month))),
                        (":a", s(ts(from))),
                        (":b", s(ts(to))),
                    ],
                    None,
                )
                .await?;
            out.extend(Self::parse_all::<Complaint>(&items)?);
            month = next_month(month).unwrap_or(to);
        }
        out.retain(|c| c.filed_at >= from && c.filed_at < to);
        Ok(out)
    }

    async fn complaints_with_pending_completion(&self) -> Result<Vec<Complaint>, StoreError> {
        let items = self
            .query_all(
                Some(PENDING),
                "GSI3PK = :pk",
                vec![(":pk", s("PENDING_COMPLAINT"))],
                None,
            )
            .await?;
        Self::parse_all(&items)
    }

    async fn identified_closed_complaints(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Complaint>, StoreError> {
        self.retention_list(IDENTIFIED_COMPLAINTS, before, limit)
            .await
    }
}

fn delivery_pk(channel: Channel, message_id: &str) -> String {
    format!("MESSAGE#{}#{message_id}", channel.code())
}

impl DynamoStore {
    async fn put_delivery(&self, d: &NoticeDelivery, must_exist: bool) -> Result<bool, StoreError> {
        let mut item = key(delivery_pk(d.channel, &d.message_id), "MESSAGE");
        item.insert("data".into(), data(d)?);
        item.insert("GSI2PK".into(), s(format!("NOTICES#{}", d.case_id)));
        item.insert(
            "GSI2SK".into(),
            s(format!("{}#{}", ts(d.sent_at), d.message_id)),
        );
        self.trip();
        self.meter_put(&item, 1);
        let condition = if must_exist {
            "attribute_exists(PK)"
        } else {
            "attribute_not_exists(PK)"
        };
        match self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if condition_failed(&e) => Ok(false),
            Err(e) => Err(unavailable(e)),
        }
    }
}

#[async_trait]
impl DeliveryStore for DynamoStore {
    async fn put_deliveries(&self, deliveries: &[NoticeDelivery]) -> Result<(), StoreError> {
        for d in deliveries {
            // An existing record (a retried notice) stays as it is.
            self.put_delivery(d, false).await?;
        }
        Ok(())
    }

    async fn deliveries(&self, case: CaseId) -> Result<Vec<NoticeDelivery>, StoreError> {
        let items = self
            .query_all(
                Some(BY_OWNER),
                "GSI2PK = :pk",
                vec![(":pk", s(format!("NOTICES#{case}")))],
                None,
            )
            .await?;
        Self::parse_all(&items)
    }

    async fn delivery(
        &self,
        channel: Channel,
        message_id: &str,
    ) -> Result<Option<NoticeDelivery>, StoreError> {
        self.get(delivery_pk(channel, message_id), "MESSAGE")
            .await?
            .map(|i| data_of(&i))
            .transpose()
    }

    async fn update_delivery(&self, d: &NoticeDelivery) -> Result<(), StoreError> {
        if self.put_delivery(d, true).await? {
            Ok(())
        } else {
            Err(StoreError::Conflict(format!(
                "no delivery {}",
                d.message_id
            )))
        }
    }
}

#[async_trait]
impl LetterStore for DynamoStore {
    async fn reserve_number(&self, name: &str, holder: &str) -> Result<u64, StoreError> {
        let t = self.table.as_str();
        let reserved = format!("RESERVED#{name}#{holder}");
        // Read the reservation, else claim the counter's next value and record the reservation
        // in one transaction; a lost race (the counter moved, or another attempt for the same
        // holder reserved first) reads again.
        for _ in 0..10 {
            if let Some(item) = self.get(reserved.clone(), "RESERVED").await? {
                return counter_value(Some(&item));
            }
            let next = counter_value(
                self.get(format!("COUNTER#{name}"), "COUNTER")
                    .await?
                    .as_ref(),
            )? + 1;
            let mut it = key(reserved.clone(), "RESERVED");
            it.insert("value".into(), n(next));
            let items = vec![
                counter_claim(t, name, next)?,
                put(t, it, Some("attribute_not_exists(PK)"))?,
            ];
            self.trip();
            self.meter_transaction(&items);
            match self
                .client
                .transact_write_items()
                .set_transact_items(Some(items))
                .send()
                .await
            {
                Ok(_) => return Ok(next),
                Err(e) if is_conflict(&e) => continue,
                Err(e) => return Err(unavailable(e)),
            }
        }
        Err(StoreError::Conflict(format!("counter {name} is contended")))
    }

    async fn counter(&self, name: &str) -> Result<u64, StoreError> {
        counter_value(
            self.get(format!("COUNTER#{name}"), "COUNTER")
                .await?
                .as_ref(),
        )
    }

    async fn signed_document(&self, id: Uuid) -> Result<Option<SignedDocument>, StoreError> {
        self.get(format!("SIGNED#{id}"), "DOC")
            .await?
            .map(|i| data_of(&i))
            .transpose()
    }
}

/// Moves counter `name` from `value - 1` (absent counts as 0) to `value`, or cancels the
/// transaction.
fn counter_claim(t: &str, name: &str, value: u64) -> Result<TransactWriteItem, StoreError> {
    let k = key(format!("COUNTER#{name}"), "COUNTER");
    if value == 1 {
        let mut it = k;
        it.insert("value".into(), n(1));
        return put(t, it, Some("attribute_not_exists(PK)"));
    }
    let u = Update::builder()
        .table_name(t)
        .set_key(Some(k))
        .update_expression("SET #v = :new")
        .condition_expression("#v = :prev")
        .expression_attribute_names("#v", "value")
        .expression_attribute_values(":new", n(value))
        .expression_attribute_values(":prev", n(value - 1))
        .build()
        .map_err(unavailable)?;
    Ok(TransactWriteItem::builder().update(u).build())
}

fn counter_value(item: Option<&Item>) -> Result<u64, StoreError> {
    match item {
        None => Ok(0),
        Some(item) => match item.get("value") {
            Some(AttributeValue::N(v)) => v.parse().map_err(corrupt),
            _ => Err(corrupt("counter without value")),
        },
    }
}

// Idempotency records: `IDEM#<key>` / `IDEM`, with `owner`, `state`, `lock_until` (epoch
// milliseconds) and `expires_at` (epoch seconds, the table's TTL attribute). Expired items may
// linger until TTL deletes them, so every condition also compares `expires_at` itself.

fn idem_item(r: &IdempotencyRecord) -> Result<Item, StoreError> {
    let mut item = key(format!("IDEM#{}", r.key), "IDEM");
    item.insert("data".into(), data(r)?);
    item.insert("owner".into(), s(r.owner.to_string()));
    item.insert(
        "expires_at".into(),
        n(r.expires_at.timestamp().max(0) as u64),
    );
    match &r.state {
        IdempotencyState::InProgress { lock_until } => {
            item.insert("state".into(), s("in_progress"));
            item.insert(
                "lock_until".into(),
                n(lock_until.timestamp_millis().max(0) as u64),
            );
        }
        IdempotencyState::Completed { .. } => {
            item.insert("state".into(), s("completed"));
        }
    }
    Ok(item)
}

fn condition_failed<E>(e: &SdkError<E>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    e.as_service_error()
        .and_then(|s| s.code())
        .is_some_and(|c| c == "ConditionalCheckFailedException")
}

#[async_trait]
impl IdempotencyStore for DynamoStore {
    async fn claim(
        &self,
        record: &IdempotencyRecord,
        now: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let item = idem_item(record)?;
        // A claim that loses to a record which then expires before it can be read tries again.
        for _ in 0..3 {
            self.trip();
            self.meter_put(&item, 1);
            let put = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item.clone()))
                .condition_expression(
                    "attribute_not_exists(PK) OR expires_at <= :now_s \
                     OR (#state = :in_progress AND lock_until <= :now_ms)",
                )
                .expression_attribute_names("#state", "state")
                .expression_attribute_values(":now_s", n(now.timestamp().max(0) as u64))
                .expression_attribute_values(":now_ms", n(now.timestamp_millis().max(0) as u64))
                .expression_attribute_values(":in_progress", s("in_progress"))
                .send()
                .await;
            match put {
                Ok(_) => return Ok(Claim::Acquired),
                Err(e) if condition_failed(&e) => {
                    if let Some(existing) = self.idempotency_record(&record.key).await? {
                        return Ok(Claim::Existing(existing));
                    }
                }
                Err(e) => return Err(unavailable(e)),
            }
        }
        Err(StoreError::Conflict(
            "idempotency record changed while claiming".into(),
        ))
    }

    async fn complete(
        &self,
        key: &str,
        owner: Uuid,
        response: &StoredResponse,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let Some(mut rec) = self.idempotency_record(key).await? else {
            return Err(StoreError::Conflict(
                "idempotency key no longer held".into(),
            ));
        };
        rec.state = IdempotencyState::Completed {
            response: response.clone(),
        };
        rec.expires_at = expires_at;
        let item = idem_item(&rec)?;
        self.trip();
        self.meter_put(&item, 1);
        match self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("#owner = :owner")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":owner", s(owner.to_string()))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if condition_failed(&e) => Err(StoreError::Conflict(
                "idempotency key no longer held".into(),
            )),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn release(&self, key: &str, owner: Uuid) -> Result<(), StoreError> {
        self.trip();
        self.meter_small_write(1);
        match self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(self::key(format!("IDEM#{key}"), "IDEM")))
            .condition_expression("#owner = :owner AND #state = :in_progress")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":owner", s(owner.to_string()))
            .expression_attribute_values(":in_progress", s("in_progress"))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            // Someone else holds it now: theirs to keep.
            Err(e) if condition_failed(&e) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn idempotency_record(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        self.get(format!("IDEM#{key}"), "IDEM")
            .await?
            .map(|i| data_of(&i))
            .transpose()
    }

    async fn purge_expired_idempotency(&self, _now: DateTime<Utc>) -> Result<u64, StoreError> {
        // The table's TTL on `expires_at` deletes them.
        Ok(0)
    }
}

// Security events: `SECURITY#<yyyy-mm-dd>` / `<at>#<id>`, expiring by TTL at `retain_until`.

/// The longest period one security log query covers (one partition per day).
const SECURITY_QUERY_MAX_DAYS: i64 = 366;

#[async_trait]
impl SecurityLog for DynamoStore {
    async fn record_security_event(&self, event: &SecurityEvent) -> Result<(), StoreError> {
        let mut item = key(
            format!("SECURITY#{}", event.at.date_naive()),
            &format!("{}#{}", ts(event.at), event.id),
        );
        item.insert("data".into(), data(event)?);
        item.insert(
            "expires_at".into(),
            n(event.retain_until.timestamp().max(0) as u64),
        );
        self.trip();
        self.meter_put(&item, 1);
        match self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if condition_failed(&e) => {
                Err(StoreError::Conflict("security event exists".into()))
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn security_events(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<SecurityEvent>, StoreError> {
        let mut out = vec![];
        let mut day = from.date_naive();
        let last = to
            .date_naive()
            .min(day + chrono::Duration::days(SECURITY_QUERY_MAX_DAYS));
        while day <= last && out.len() < limit {
            let items = self
                .query_all(
                    None,
                    "PK = :pk AND SK BETWEEN :from AND :to",
                    vec![
                        (":pk", s(format!("SECURITY#{day}"))),
                        (":from", s(ts(from))),
                        (":to", s(format!("{}#", ts(to)))),
                    ],
                    Some(limit - out.len()),
                )
                .await?;
            let events: Vec<SecurityEvent> = Self::parse_all(&items)?;
            out.extend(events.into_iter().filter(|e| e.at >= from && e.at < to));
            day += chrono::Duration::days(1);
        }
        out.truncate(limit);
        Ok(out)
    }

    async fn expire_security_events(&self, _now: DateTime<Utc>) -> Result<u64, StoreError> {
        // The table's TTL on `expires_at` deletes them.
        Ok(0)
    }
}

/// An office's staff roster: `STAFF` (founding office) or `<office>#STAFF`, one item per member.
fn staff_pk(office: &OfficeCode) -> String {
    office.scoped("STAFF")
}

/// An office's delegations: `DELEGATIONS` or `<office>#DELEGATIONS`, one item per delegation.
fn delegations_pk(office: &OfficeCode) -> String {
    office.scoped("DELEGATIONS")
}

#[async_trait]
impl OfficeStore for DynamoStore {
    async fn staff(&self, office: &OfficeCode) -> Result<Vec<StaffMember>, StoreError> {
        let items = self
            .query_all(None, "PK = :pk", vec![(":pk", s(staff_pk(office)))], None)
            .await?;
        Self::parse_all(&items)
    }

    async fn staff_member(
        &self,
        office: &OfficeCode,
        sub: &str,
    ) -> Result<Option<StaffMember>, StoreError> {
        self.get(staff_pk(office), sub)
            .await?
            .as_ref()
            .map(data_of)
            .transpose()
    }

    async fn put_staff(
        &self,
        member: &StaffMember,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        let mut item = key(staff_pk(&member.office), &member.sub);
        item.insert("data".into(), data(member)?);
        item.insert("version".into(), n(member.version));
        self.trip();
        self.meter_put(&item, 1);
        let mut req = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        req = match expected_version {
            None => req.condition_expression("attribute_not_exists(PK)"),
            // Members recorded before versions have no `version` attribute: they are at 0.
            Some(0) => req.condition_expression(
                "attribute_exists(PK) AND (attribute_not_exists(version) OR version = :v)",
            ),
            Some(_) => req.condition_expression("version = :v"),
        };
        if let Some(v) = expected_version {
            req = req.expression_attribute_values(":v", n(v));
        }
        match req.send().await {
            Ok(_) => Ok(()),
            Err(e) if condition_failed(&e) => Err(StoreError::Conflict(format!(
                "staff member is no longer at version {expected_version:?}"
            ))),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn delegations(&self, office: &OfficeCode) -> Result<Vec<Delegation>, StoreError> {
        let items = self
            .query_all(
                None,
                "PK = :pk",
                vec![(":pk", s(delegations_pk(office)))],
                None,
            )
            .await?;
        Self::parse_all(&items)
    }

    async fn put_delegation(
        &self,
        d: &Delegation,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        let mut item = key(delegations_pk(&d.office), &d.id.to_string());
        item.insert("data".into(), data(d)?);
        item.insert("version".into(), n(d.version));
        self.trip();
        self.meter_put(&item, 1);
        let mut req = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        req = match expected_version {
            None => req.condition_expression("attribute_not_exists(PK)"),
            Some(v) => req
                .condition_expression("version = :v")
                .expression_attribute_values(":v", n(v)),
        };
        match req.send().await {
            Ok(_) => Ok(()),
            Err(e) if condition_failed(&e) => Err(StoreError::Conflict(format!(
                "delegation {} is no longer at version {expected_version:?}",
                d.id
            ))),
            Err(e) => Err(unavailable(e)),
        }
    }
}
