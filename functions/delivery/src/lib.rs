//! The `delivery` function: the delivery status of the applicants' notices.
//!
//! Two sources invoke it (`infra/template.yaml`):
//! - the SNS topic of the SES configuration set's event destination: each record's message is
//!   an SES event (bounce, complaint, delivery) of a notice e-mail, tagged with its case;
//! - a CloudWatch Logs subscription on SNS's SMS delivery status log groups
//!   (`sns/<region>/<account>/DirectPublishToPhoneNumber` and its `/Failure`): the payload is
//!   `awslogs.data`, gzipped JSON whose log events are the delivery records.
//!
//! Each event goes to `perizinan::deliveries::apply`. A store failure fails the invocation so
//! that the source delivers the batch again (applying an event twice changes nothing).

use base64::Engine;
use perizinan::Services;
use perizinan::deliveries::{Applied, apply};
use perizinan::domain::delivery::{DeliveryEvent, parse_ses_event, parse_sms_log};
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("not an SNS or CloudWatch Logs event")]
    UnknownEvent,
    #[error("CloudWatch Logs payload: {0}")]
    Logs(String),
    #[error("store: {0}")]
    Store(#[from] perizinan::ports::StoreError),
}

/// The delivery events in one invocation's payload; records that are not delivery events
/// (an SES send or open, a malformed log line) are skipped and counted.
pub fn events_of(payload: &Value) -> Result<(Vec<DeliveryEvent>, usize), DeliveryError> {
    let mut out = vec![];
    let mut skipped = 0;
    if let Some(records) = payload.get("Records").and_then(Value::as_array) {
        for r in records {
            let parsed = r
                .pointer("/Sns/Message")
                .and_then(Value::as_str)
                .and_then(|m| serde_json::from_str::<Value>(m).ok())
                .map(|m| parse_ses_event(&m));
            match parsed {
                Some(Ok(Some(ev))) => out.push(ev),
                _ => skipped += 1,
            }
        }
        return Ok((out, skipped));
    }
    if let Some(data) = payload.pointer("/awslogs/data").and_then(Value::as_str) {
        let gz = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|e| DeliveryError::Logs(format!("base64: {e}")))?;
        let json = gunzip(&gz)?;
        let doc: Value =
            serde_json::from_slice(&json).map_err(|e| DeliveryError::Logs(e.to_string()))?;
        // CloudWatch Logs sends a CONTROL_MESSAGE when it tests the subscription.
        if doc.get("messageType").and_then(Value::as_str) == Some("CONTROL_MESSAGE") {
            return Ok((out, 0));
        }
        for e in doc
            .get("logEvents")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let parsed = e
                .get("message")
                .and_then(Value::as_str)
                .and_then(|m| serde_json::from_str::<Value>(m).ok())
                .map(|m| parse_sms_log(&m));
            match parsed {
                Some(Ok(ev)) => out.push(ev),
                _ => skipped += 1,
            }
        }
        return Ok((out, skipped));
    }
    Err(DeliveryError::UnknownEvent)
}

/// RFC 1952: the member header (with its optional fields), then raw DEFLATE.
fn gunzip(gz: &[u8]) -> Result<Vec<u8>, DeliveryError> {
    let bad = |m: &str| DeliveryError::Logs(format!("gzip: {m}"));
    if gz.len() < 18 || gz[0] != 0x1f || gz[1] != 0x8b || gz[2] != 8 {
        return Err(bad("not a gzip member"));
    }
    let flags = gz[3];
    let mut at = 10;
    if flags & 0x04 != 0 {
        let xlen = usize::from(u16::from_le_bytes([gz[at], gz[at + 1]]));
        at += 2 + xlen;
    }
    for bit in [0x08, 0x10] {
        if flags & bit != 0 {
            let end = gz[at..]
                .iter()
                .position(|b| *b == 0)
                .ok_or_else(|| bad("unterminated header field"))?;
            at += end + 1;
        }
    }
    if flags & 0x02 != 0 {
        at += 2;
    }
    let body = gz.get(at..gz.len() - 8).ok_or_else(|| bad("truncated"))?;
    miniz_oxide::inflate::decompress_to_vec_with_limit(body, 16 << 20)
        .map_err(|e| bad(&format!("{e:?}")))
}

/// One invocation: every event applied; the counts of what each changed.
pub async fn handler(s: &Services, payload: &Value) -> Result<Value, DeliveryError> {
    let (events, skipped) = events_of(payload)?;
    let (mut recorded, mut unchanged, mut unknown) = (0, 0, 0);
    for ev in &events {
        match apply(s, ev).await? {
            Applied::Recorded { .. } => recorded += 1,
            Applied::Unchanged => unchanged += 1,
            Applied::Unknown => unknown += 1,
        }
    }
    tracing::info!(recorded, unchanged, unknown, skipped, "delivery events");
    Ok(json!({
        "recorded": recorded,
        "unchanged": unchanged,
        "unknown": unknown,
        "skipped": skipped,
    }))
}

/// `payload` as CloudWatch Logs delivers a subscription's batch (for tests and fixtures).
pub fn logs_payload(messages: &[Value]) -> Value {
    let doc = json!({
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": "sns/ap-southeast-3/123456789012/DirectPublishToPhoneNumber/Failure",
        "logStream": "stream",
        "subscriptionFilters": ["delivery"],
        "logEvents": messages.iter().enumerate().map(|(i, m)| json!({
            "id": i.to_string(), "timestamp": 0, "message": m.to_string()
        })).collect::<Vec<_>>(),
    });
    let raw = serde_json::to_vec(&doc).unwrap_or_default();
    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    gz.extend(miniz_oxide::deflate::compress_to_vec(&raw, 6));
    gz.extend(crc32(&raw).to_le_bytes());
    gz.extend((raw.len() as u32).to_le_bytes());
    json!({"awslogs": {"data": base64::engine::general_purpose::STANDARD.encode(gz)}})
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for b in data {
        c ^= u32::from(*b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// `ses_event` as the SNS topic of the configuration set delivers it.
pub fn sns_payload(ses_event: &Value) -> Value {
    json!({"Records": [{
        "EventSource": "aws:sns",
        "Sns": {"Type": "Notification", "Message": ses_event.to_string()}
    }]})
}

#[cfg(test)]
mod tests {
    use super::*;
    use perizinan::domain::delivery::{Channel, Outcome};

    #[test]
    fn sns_records_and_gzipped_log_batches_parse() {
        let ses = json!({"eventType": "Bounce", "bounce": {"bounceType": "Permanent"},
            "mail": {"messageId": "m-1"}});
        let (evs, skipped) = events_of(&sns_payload(&ses)).unwrap();
        assert_eq!((evs.len(), skipped), (1, 0));
        assert_eq!(evs[0].outcome, Outcome::HardBounce);
        let log = json!({"notification": {"messageId": "s-1"}, "delivery": {"destination": "+6281234567890",
            "providerResponse": "Phone is currently unreachable"}, "status": "FAILURE"});
        let (evs, skipped) = events_of(&logs_payload(&[log, json!("not a record")])).unwrap();
        assert_eq!((evs.len(), skipped), (1, 1));
        assert_eq!(
            (evs[0].channel, evs[0].outcome),
            (Channel::Sms, Outcome::Failed)
        );
        assert!(events_of(&json!({"detail-type": "x"})).is_err());
        assert!(events_of(&json!({"awslogs": {"data": "AAAA"}})).is_err());
        // The check value of the CRC-32 used by gzip (RFC 1952): "123456789" → 0xCBF43926.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}
