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
//!
//! Two more locks (security review, issue 17 finding 13):
//! - **Keyed heads.** Every record's head carries an HMAC-SHA256 under the installation's
//!   audit key (`PD_AUDIT_KEY` from Secrets Manager in the stack; derived from the data
//!   directory's secret locally), written in the same commit. A function role, or anyone else,
//!   that can write the table but does not hold the key cannot rewrite a trail and set a
//!   matching head. Records older than the keyed heads have none; they are counted, and the
//!   anchors cover them.
//! - **Daily anchors.** The morning job writes every record's head ([`Anchor`]) to the write-once
//!   (Object Lock) store, `anchors/<date>.json`; `audit-verify --anchor FILE` then checks that
//!   every anchored event is still in its trail with the anchored hash: history before an
//!   anchor cannot be rewritten, truncated or removed without it showing, key or no key.

use crate::domain::case::{CaseId, GENESIS_HASH, verify_chain};
use crate::ports::store::{AuditHead, StoreError};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::OnceLock;

static KEY: OnceLock<Vec<u8>> = OnceLock::new();

/// Sets the process's audit key (once, at start: the functions from `PD_AUDIT_KEY`, the
/// runner from its data directory). Later calls are ignored.
pub fn set_key(key: Vec<u8>) {
    let _ = KEY.set(key);
}

/// The process's audit key, if one was set.
pub fn key() -> Option<&'static [u8]> {
    KEY.get().map(Vec::as_slice)
}

/// HMAC-SHA256 (hex) of `kind id seq head` under `key`.
pub fn head_mac(key: &[u8], kind: &str, id: CaseId, seq: u64, head: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(format!("{kind} {id} {seq} {head}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a head's MAC in constant time. `None` when the record has none.
pub fn mac_valid(key: &[u8], h: &AuditHead) -> Option<bool> {
    let given = hex::decode(h.mac.as_deref()?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(format!("{} {} {} {}", h.kind, h.id, h.seq, h.head).as_bytes());
    Some(mac.verify_slice(&given).is_ok())
}

/// One day's anchor: every record's head at the time of writing.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Anchor {
    pub date: chrono::NaiveDate,
    pub at: chrono::DateTime<chrono::Utc>,
    /// The digest `audit-verify` prints, over the same heads.
    pub digest: String,
    pub heads: Vec<AnchoredHead>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AnchoredHead {
    pub kind: String,
    pub id: CaseId,
    pub seq: u64,
    pub head: String,
}

/// The key of a day's anchor in the write-once store.
pub fn anchor_key(date: chrono::NaiveDate) -> String {
    format!("anchors/{date}.json")
}

/// Every head of the store (paged), sorted by kind and id.
pub async fn all_heads(store: &dyn crate::ports::Store) -> Result<Vec<AuditHead>, StoreError> {
    let mut heads: Vec<AuditHead> = vec![];
    let mut cursor = None;
    loop {
        let page = store.audit_heads(cursor, PAGE).await?;
        heads.extend(page.heads);
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    heads.sort_by(|a, b| (a.kind, a.id).cmp(&(b.kind, b.id)));
    Ok(heads)
}

fn digest_of(heads: &[AuditHead]) -> String {
    let mut digest = Sha256::new();
    for h in heads {
        digest.update(format!("{} {} {} {}\n", h.kind, h.id, h.seq, h.head));
    }
    hex::encode(digest.finalize())
}

/// Today's anchor of `store`.
pub async fn anchor(
    store: &dyn crate::ports::Store,
    date: chrono::NaiveDate,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Anchor, StoreError> {
    let heads = all_heads(store).await?;
    Ok(Anchor {
        date,
        at,
        digest: digest_of(&heads),
        heads: heads
            .iter()
            .map(|h| AnchoredHead {
                kind: h.kind.to_string(),
                id: h.id,
                seq: h.seq,
                head: h.head.clone(),
            })
            .collect(),
    })
}

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
    /// Records whose head has a MAC that was checked (a key was given).
    pub keyed: usize,
    /// Records without a MAC (written before keyed heads, or without a key).
    pub unkeyed: usize,
    /// Anchored heads checked against the trails (with `--anchor`).
    pub anchored: usize,
}

impl AuditReport {
    pub fn ok(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Checks one record's trail against its head (and the head's MAC under `key`, and the
/// anchored head, where given).
pub async fn verify_one(
    store: &dyn crate::ports::Store,
    head: &AuditHead,
    key: Option<&[u8]>,
    anchored: Option<&AnchoredHead>,
) -> Result<Option<String>, StoreError> {
    let events = store.audit_trail(head.id).await?;
    Ok(check_trail(&events, head, key, anchored))
}

/// [`verify_one`] over a trail already read.
pub fn check_trail(
    events: &[crate::domain::AuditEvent],
    head: &AuditHead,
    key: Option<&[u8]>,
    anchored: Option<&AnchoredHead>,
) -> Option<String> {
    if let Err(e) = verify_chain(events) {
        return Some(e);
    }
    let (seq, last) = events
        .last()
        .map_or((0, GENESIS_HASH), |e| (e.seq, e.hash.as_str()));
    if seq != head.seq {
        return Some(format!(
            "the record states {} events, the trail has {seq}",
            head.seq
        ));
    }
    if last != head.head {
        return Some("the trail's last hash differs from the record's".into());
    }
    if let Some(k) = key
        && mac_valid(k, head) == Some(false)
    {
        return Some(
            "the head's MAC does not match (the head was not written with the audit key)".into(),
        );
    }
    if let Some(a) = anchored {
        match events.iter().find(|e| e.seq == a.seq) {
            None => {
                return Some(format!(
                    "the trail ends before anchored event {} (truncated)",
                    a.seq
                ));
            }
            Some(e) if e.hash != a.head => {
                return Some(format!(
                    "event {} differs from the anchored one (history rewritten)",
                    a.seq
                ));
            }
            Some(_) => {}
        }
    }
    None
}

/// Walks every case and complaint of the store. `progress` is called after each page with the
/// records checked so far. With `key`, heads' MACs are checked; with `anchor`, every anchored
/// event must still be in its trail and every anchored record still in the store.
pub async fn verify_all(
    store: &dyn crate::ports::Store,
    key: Option<&[u8]>,
    anchor: Option<&Anchor>,
    mut progress: impl FnMut(usize),
) -> Result<AuditReport, StoreError> {
    let anchored: HashMap<(String, CaseId), &AnchoredHead> = anchor
        .map(|a| {
            a.heads
                .iter()
                .map(|h| ((h.kind.clone(), h.id), h))
                .collect()
        })
        .unwrap_or_default();
    let mut heads: Vec<AuditHead> = vec![];
    let mut failures = vec![];
    let (mut keyed, mut unkeyed, mut anchored_seen) = (0, 0, 0);
    let mut cursor = None;
    loop {
        let page = store.audit_heads(cursor, PAGE).await?;
        for h in &page.heads {
            let a = anchored.get(&(h.kind.to_string(), h.id)).copied();
            anchored_seen += usize::from(a.is_some());
            match (key, &h.mac) {
                (Some(_), Some(_)) => keyed += 1,
                _ => unkeyed += 1,
            }
            if let Some(problem) = verify_one(store, h, key, a).await? {
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
    if anchored_seen < anchored.len() {
        let present: std::collections::HashSet<(&str, CaseId)> =
            heads.iter().map(|h| (h.kind, h.id)).collect();
        for a in anchor.map(|a| a.heads.as_slice()).unwrap_or_default() {
            if !present.contains(&(a.kind.as_str(), a.id)) {
                failures.push(AuditFailure {
                    kind: if a.kind == "case" {
                        "case"
                    } else {
                        "complaint"
                    },
                    id: a.id.to_string(),
                    problem: "anchored, but no longer in the store (removed)".into(),
                });
            }
        }
    }
    heads.sort_by(|a, b| (a.kind, a.id).cmp(&(b.kind, b.id)));
    Ok(AuditReport {
        cases: heads.iter().filter(|h| h.kind == "case").count(),
        complaints: heads.iter().filter(|h| h.kind == "complaint").count(),
        events: heads.iter().map(|h| h.seq).sum(),
        failures,
        digest: digest_of(&heads),
        keyed,
        unkeyed,
        anchored: anchored_seen,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_mac_needs_the_key() {
        let id = CaseId::parse("0192f0c8-3b5a-7cc1-9a55-6d0b8f0e1a2b").unwrap();
        let k = b"installation key";
        let mut h = AuditHead {
            kind: "case",
            id,
            seq: 3,
            head: "ab".repeat(32),
            mac: None,
        };
        assert_eq!(mac_valid(k, &h), None);
        h.mac = Some(head_mac(k, "case", id, 3, &h.head));
        assert_eq!(mac_valid(k, &h), Some(true));
        // A head set by someone without the key: another head, or the same MAC on an earlier
        // sequence, or a MAC under another key.
        let forged = AuditHead {
            seq: 2,
            ..h.clone()
        };
        assert_eq!(mac_valid(k, &forged), Some(false));
        assert_eq!(mac_valid(b"another key", &h), Some(false));
        h.mac = Some(head_mac(b"another key", "case", id, 3, &h.head));
        assert_eq!(mac_valid(k, &h), Some(false));
    }
}
