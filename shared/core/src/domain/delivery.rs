//! Whether the applicant's notices arrived: each sending recorded on the case (channel, address,
//! the service's message id), the delivery events the mail and SMS services report back (SES
//! event publishing; SNS SMS delivery status logs; the runner's outbox simulates them), and what
//! a failure changes: a hard bounce or a complaint suppresses that e-mail address on the case, an
//! SMS that could not be delivered is marked, and either flags the case in the console ("e-mail
//! pemohon tidak terkirim") so that staff can call the applicant and correct the contact.
//!
//! Sources: SES event publishing record format (Amazon SES Developer Guide, "Contents of event
//! data that Amazon SES publishes to Amazon SNS": `eventType` `Bounce`/`Complaint`/`Delivery`,
//! `mail.messageId`, `mail.tags`, `bounce.bounceType` `Permanent`/`Transient`/`Undetermined`,
//! `bounce.bouncedRecipients[].emailAddress`); SNS SMS delivery status logs (Amazon SNS
//! Developer Guide, "Viewing Amazon CloudWatch metrics and logs for SMS deliveries":
//! `notification.messageId`, `delivery.destination`, `delivery.providerResponse`, `status`
//! `SUCCESS`/`FAILURE`).

use super::actions::{Change, begin};
use super::case::{Actor, AuditEvent, Case, CaseId, EventDraft, Origin};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Handed to the service; nothing heard back yet.
    Sent,
    Delivered,
    /// A soft bounce (mailbox full, server down): the service retried and gave up this time.
    Deferred,
    /// A hard bounce: the address does not exist. Suppressed on this case.
    Bounced,
    /// The recipient marked the message as spam. Suppressed on this case.
    Complained,
    /// An SMS the carrier could not deliver.
    Failed,
}

impl DeliveryStatus {
    /// The applicant did not get it (what flags the case).
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            DeliveryStatus::Bounced | DeliveryStatus::Complained | DeliveryStatus::Failed
        )
    }
}

/// One notice sent to the applicant on one channel. Kept beside the case (the store's
/// delivery records), not in it: a sending or a receipt never moves the case's version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeDelivery {
    pub case_id: CaseId,
    pub channel: Channel,
    /// The service's message id (SES, SNS; the outbox's), what delivery events name. A message
    /// the service refused has an id of its own (`refused-…`).
    pub message_id: String,
    /// The notice's code (`file_complete`).
    pub notice: String,
    /// The address or number it went to.
    pub to: String,
    pub status: DeliveryStatus,
    pub sent_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    /// What the service said (a bounce's diagnostic, the carrier's response).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// SMS parts billed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segments: Option<usize>,
    /// The key the notice was sent under (a resend after a correction takes a new one).
    #[serde(default)]
    pub key: String,
}

/// The address `to` on `channel` no longer receives notices of the case whose sendings are
/// `ds`: it bounced hard or its owner complained (e-mail only: an SMS that failed may reach a
/// phone that was off). A corrected contact is a new address and is not suppressed.
pub fn is_suppressed(ds: &[NoticeDelivery], channel: Channel, to: &str) -> bool {
    channel == Channel::Email
        && ds.iter().any(|d| {
            d.channel == channel
                && d.to.eq_ignore_ascii_case(to)
                && matches!(
                    d.status,
                    DeliveryStatus::Bounced | DeliveryStatus::Complained
                )
        })
}

/// The latest sending on `channel` to the current address `to`, when it did not arrive: what
/// the console flags, and what a correction sends again.
pub fn undelivered<'a>(
    ds: &'a [NoticeDelivery],
    channel: Channel,
    to: Option<&str>,
) -> Option<&'a NoticeDelivery> {
    let to = to?;
    ds.iter()
        .filter(|d| d.channel == channel && d.to.eq_ignore_ascii_case(to))
        .max_by_key(|d| d.sent_at)
        .filter(|d| d.status.is_problem())
}

/// What a delivery event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    SoftBounce,
    HardBounce,
    Complaint,
    Failed,
}

impl Outcome {
    fn status(self) -> DeliveryStatus {
        match self {
            Outcome::Delivered => DeliveryStatus::Delivered,
            Outcome::SoftBounce => DeliveryStatus::Deferred,
            Outcome::HardBounce => DeliveryStatus::Bounced,
            Outcome::Complaint => DeliveryStatus::Complained,
            Outcome::Failed => DeliveryStatus::Failed,
        }
    }
}

/// A delivery event, as the services report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryEvent {
    pub channel: Channel,
    pub message_id: String,
    /// The case the message was sent for, where the event carries it (SES message tags).
    pub case_id: Option<CaseId>,
    pub outcome: Outcome,
    pub detail: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("delivery event: {0}")]
pub struct EventError(pub String);

fn text(v: &Value, path: &[&str]) -> Option<String> {
    let mut at = v;
    for p in path {
        at = at.get(p)?;
    }
    at.as_str().map(str::to_string)
}

/// An SES event publishing record (the JSON SES publishes to the SNS topic of its
/// configuration set). `None` for event types that change nothing here (send, open, click…).
pub fn parse_ses_event(v: &Value) -> Result<Option<DeliveryEvent>, EventError> {
    let kind = text(v, &["eventType"])
        .or_else(|| text(v, &["notificationType"]))
        .ok_or_else(|| EventError("no eventType".into()))?;
    let message_id =
        text(v, &["mail", "messageId"]).ok_or_else(|| EventError("no mail.messageId".into()))?;
    let case_id = v
        .pointer("/mail/tags/case_id/0")
        .and_then(Value::as_str)
        .and_then(CaseId::parse);
    let (outcome, detail) = match kind.as_str() {
        "Delivery" => (Outcome::Delivered, None),
        "Bounce" => {
            let hard = text(v, &["bounce", "bounceType"]).as_deref() == Some("Permanent");
            let detail = v
                .pointer("/bounce/bouncedRecipients/0/diagnosticCode")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| text(v, &["bounce", "bounceSubType"]));
            let outcome = if hard {
                Outcome::HardBounce
            } else {
                Outcome::SoftBounce
            };
            (outcome, detail)
        }
        "Complaint" => (
            Outcome::Complaint,
            text(v, &["complaint", "complaintFeedbackType"]),
        ),
        _ => return Ok(None),
    };
    Ok(Some(DeliveryEvent {
        channel: Channel::Email,
        message_id,
        case_id,
        outcome,
        detail,
    }))
}

/// One SNS SMS delivery status log record (CloudWatch Logs group
/// `sns/<region>/<account>/DirectPublishToPhoneNumber[/Failure]`).
pub fn parse_sms_log(v: &Value) -> Result<DeliveryEvent, EventError> {
    let message_id = text(v, &["notification", "messageId"])
        .ok_or_else(|| EventError("no notification.messageId".into()))?;
    let outcome = match text(v, &["status"]).as_deref() {
        Some("SUCCESS") => Outcome::Delivered,
        Some("FAILURE") => Outcome::Failed,
        other => return Err(EventError(format!("status {other:?}"))),
    };
    Ok(DeliveryEvent {
        channel: Channel::Sms,
        message_id,
        case_id: None,
        outcome,
        detail: text(v, &["delivery", "providerResponse"]),
    })
}

/// The sending after `ev`; `None` when it already knows (events arrive at least once, and a
/// later "delivered" never hides a bounce: SES may report both for one message).
pub fn update(
    d: &NoticeDelivery,
    ev: &DeliveryEvent,
    now: DateTime<Utc>,
) -> Option<NoticeDelivery> {
    let status = ev.outcome.status();
    if d.status == status || (d.status.is_problem() && status == DeliveryStatus::Delivered) {
        return None;
    }
    let mut next = d.clone();
    next.status = status;
    next.updated_at = Some(now);
    next.detail = ev.detail.as_ref().map(|s| s.chars().take(300).collect());
    Some(next)
}

/// The trail's record of a notice that did not arrive (a bounce, a complaint, a failed SMS,
/// a deferral): the system as actor, the channel and notice as outcome.
pub fn undelivered_event(case: &Case, d: &NoticeDelivery, now: DateTime<Utc>) -> Change {
    let action = match d.status {
        DeliveryStatus::Bounced => "notice.bounced",
        DeliveryStatus::Complained => "notice.complained",
        DeliveryStatus::Deferred => "notice.deferred",
        _ => "notice.undelivered",
    };
    let (mut next, expected_version) = begin(case, now);
    let ev = AuditEvent::chain(
        &mut next,
        Actor::system(),
        EventDraft {
            action,
            outcome: Some(format!("{}:{}", d.channel.code(), d.notice)),
            ..Default::default()
        },
        &Origin::default(),
        now,
    );
    Change {
        case: next,
        expected_version,
        events: vec![ev],
        records: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ses_bounce_complaint_and_delivery_records_parse() {
        let id = CaseId::new();
        let bounce = json!({
            "eventType": "Bounce",
            "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
                "bouncedRecipients": [{"emailAddress": "salah@ksp.test", "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]},
            "mail": {"messageId": "0100018c-abc", "tags": {"case_id": [id.to_string()], "notice": ["file_complete"]}}
        });
        let ev = parse_ses_event(&bounce).unwrap().unwrap();
        assert_eq!(ev.outcome, Outcome::HardBounce);
        assert_eq!(ev.case_id, Some(id));
        assert_eq!(ev.detail.as_deref(), Some("smtp; 550 5.1.1 user unknown"));
        let soft = json!({"eventType": "Bounce", "bounce": {"bounceType": "Transient"}, "mail": {"messageId": "m"}});
        assert_eq!(
            parse_ses_event(&soft).unwrap().unwrap().outcome,
            Outcome::SoftBounce
        );
        let complaint = json!({"eventType": "Complaint", "complaint": {"complaintFeedbackType": "abuse"}, "mail": {"messageId": "m"}});
        assert_eq!(
            parse_ses_event(&complaint).unwrap().unwrap().outcome,
            Outcome::Complaint
        );
        let open = json!({"eventType": "Open", "mail": {"messageId": "m"}});
        assert_eq!(parse_ses_event(&open).unwrap(), None);
        assert!(parse_ses_event(&json!({"mail": {}})).is_err());
    }

    fn sent(channel: Channel, id: &str, to: &str, at: i64) -> NoticeDelivery {
        NoticeDelivery {
            case_id: CaseId::new(),
            channel,
            message_id: id.into(),
            notice: "file_complete".into(),
            to: to.into(),
            status: DeliveryStatus::Sent,
            sent_at: DateTime::from_timestamp(at, 0).unwrap(),
            updated_at: None,
            detail: None,
            segments: None,
            key: "k".into(),
        }
    }

    fn event(channel: Channel, id: &str, outcome: Outcome) -> DeliveryEvent {
        DeliveryEvent {
            channel,
            message_id: id.into(),
            case_id: None,
            outcome,
            detail: Some("550 5.1.1".into()),
        }
    }

    #[test]
    fn a_hard_bounce_suppresses_the_address_and_a_late_delivery_does_not_hide_it() {
        let now = Utc::now();
        let d = sent(Channel::Email, "m1", "Salah@KSP.test", 100);
        let bounced = update(&d, &event(Channel::Email, "m1", Outcome::HardBounce), now).unwrap();
        assert_eq!(bounced.status, DeliveryStatus::Bounced);
        assert_eq!(
            update(
                &bounced,
                &event(Channel::Email, "m1", Outcome::HardBounce),
                now
            ),
            None
        );
        assert_eq!(
            update(
                &bounced,
                &event(Channel::Email, "m1", Outcome::Delivered),
                now
            ),
            None
        );
        let ds = vec![bounced.clone()];
        assert!(
            is_suppressed(&ds, Channel::Email, "salah@ksp.test"),
            "case-insensitive"
        );
        assert!(
            !is_suppressed(&ds, Channel::Email, "benar@ksp.test"),
            "a corrected address"
        );
        assert_eq!(
            undelivered(&ds, Channel::Email, Some("salah@ksp.test")),
            Some(&bounced)
        );
        // A soft bounce is recorded but suppresses nothing and flags nothing.
        let soft = update(&d, &event(Channel::Email, "m1", Outcome::SoftBounce), now).unwrap();
        assert!(!is_suppressed(
            std::slice::from_ref(&soft),
            Channel::Email,
            "salah@ksp.test"
        ));
        assert_eq!(
            undelivered(&[soft], Channel::Email, Some("salah@ksp.test")),
            None
        );
        // An SMS that failed flags the case but does not suppress the number; a later one that
        // arrived clears the flag.
        let failed = update(
            &sent(Channel::Sms, "s1", "+6281234567890", 100),
            &event(Channel::Sms, "s1", Outcome::Failed),
            now,
        )
        .unwrap();
        assert!(!is_suppressed(
            std::slice::from_ref(&failed),
            Channel::Sms,
            "+6281234567890"
        ));
        let mut later = sent(Channel::Sms, "s2", "+6281234567890", 200);
        assert!(
            undelivered(
                std::slice::from_ref(&failed),
                Channel::Sms,
                Some("+6281234567890")
            )
            .is_some()
        );
        later.status = DeliveryStatus::Delivered;
        assert_eq!(
            undelivered(&[failed, later], Channel::Sms, Some("+6281234567890")),
            None
        );
    }

    #[test]
    fn sns_sms_delivery_logs_parse() {
        // The documented shape of a failure record.
        let failure = json!({
            "notification": {"messageId": "1077257a-92f3-5ca3-bc97-6a915b310625", "timestamp": "2016-06-28 00:40:34.559"},
            "delivery": {"mnc": 0, "destination": "+6281234567890", "priceInUSD": 0.0, "smsType": "Transactional",
                "mcc": 0, "providerResponse": "Unknown error attempting to reach phone", "dwellTimeMs": 1420},
            "status": "FAILURE"
        });
        let ev = parse_sms_log(&failure).unwrap();
        assert_eq!((ev.channel, ev.outcome), (Channel::Sms, Outcome::Failed));
        assert_eq!(
            ev.detail.as_deref(),
            Some("Unknown error attempting to reach phone")
        );
        assert!(parse_sms_log(&json!({"notification": {"messageId": "x"}})).is_err());
    }
}
