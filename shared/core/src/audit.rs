//! Verification of every audit trail in a store (`perizinan audit-verify`).
//!
//! Each case and complaint carries the sequence number and hash of the last event of its trail
//! (`audit_seq`, `audit_head`), written in the same transaction as the event. The trail itself
//! is a hash chain (`domain::case::verify_chain`). This walks every record and checks that:
//! - the trail's sequence has no gap, every event's hash matches its content and links to the
//!   previous one (an edited, removed or inserted event breaks the chain);
//! - the trail ends where the record says it ends (a removed last event, or events appended
//!   outside a commit, break this).
//!
//! The run's digest (SHA-256 over every record's kind, id, sequence and head, in id order)
//! can be recorded outside the system (e.g. in the agency's daily log): a later run over the
//! same records gives the same digest, so rewriting a whole trail and its record together —
//! which the chain alone cannot reveal — changes the digest.

use crate::domain::case::{GENESIS_HASH, verify_chain};
use crate::ports::store::{AuditHead, StoreError};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Records read per page of the walk.
const PAGE: usize = 200;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditFailure {
    pub kind: &'static str,
    pub id: String,
    pub problem: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub cases: usize,
    pub complaints: usize,
    pub events: u64,
    pub failures: Vec<AuditFailure>,
    /// SHA-256 over `kind id seq head` lines of every record, in id order.
    pub digest: String,
}

impl AuditReport {
    pub fn ok(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Checks one record's trail against its head.
pub async fn verify_one(
    store: &dyn crate::ports::Store,
    head: &AuditHead,
) -> Result<Option<String>, StoreError> {
    let events = store.audit_trail(head.id).await?;
    if let Err(e) = verify_chain(&events) {
        return Ok(Some(e));
    }
    let (seq, last) = events
        .last()
        .map_or((0, GENESIS_HASH), |e| (e.seq, e.hash.as_str()));
    if seq != head.seq {
        return Ok(Some(format!(
            "the record states {} events, the trail has {seq}",
            head.seq
        )));
    }
    if last != head.head {
        return Ok(Some(
            "the trail's last hash differs from the record's".into(),
        ));
    }
    Ok(None)
}

/// Walks every case and complaint of the store. `progress` is called after each page with the
/// records checked so far.
pub async fn verify_all(
    store: &dyn crate::ports::Store,
    mut progress: impl FnMut(usize),
) -> Result<AuditReport, StoreError> {
    let mut heads: Vec<AuditHead> = vec![];
    let mut failures = vec![];
    let mut cursor = None;
    loop {
        let page = store.audit_heads(cursor, PAGE).await?;
        for h in &page.heads {
            if let Some(problem) = verify_one(store, h).await? {
                failures.push(AuditFailure {
                    kind: h.kind,
                    id: h.id.to_string(),
                    problem,
                });
            }
        }
        heads.extend(page.heads);
        progress(heads.len());
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    heads.sort_by(|a, b| (a.kind, a.id).cmp(&(b.kind, b.id)));
    let mut digest = Sha256::new();
    for h in &heads {
        digest.update(format!("{} {} {} {}\n", h.kind, h.id, h.seq, h.head));
    }
    Ok(AuditReport {
        cases: heads.iter().filter(|h| h.kind == "case").count(),
        complaints: heads.iter().filter(|h| h.kind == "complaint").count(),
        events: heads.iter().map(|h| h.seq).sum(),
        failures,
        digest: hex::encode(digest.finalize()),
    })
}
