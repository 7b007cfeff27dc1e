//! Delivery events applied: what the `delivery` function (SES events through SNS, SNS SMS
//! delivery logs through CloudWatch Logs) and the runner's outbox report about a notice sent to
//! an applicant. The sending's record takes the new status; a notice that did not arrive is
//! written on the case's audit trail, and the console shows the flag (`undelivered`).

use crate::domain::delivery::{self, Channel, DeliveryEvent, NoticeDelivery};
use crate::ports::store::{Commit, StoreError};
use crate::retry::{Attempt, on_conflict};
use crate::services::Services;

/// What an event changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum Applied {
    /// No sending with that id (another deployment's message, or one older than the records).
    Unknown,
    /// The record knew it already (events arrive at least once).
    Unchanged,
    Recorded {
        status: delivery::DeliveryStatus,
    },
}

/// Applies one event.
pub async fn apply(s: &Services, ev: &DeliveryEvent) -> Result<Applied, StoreError> {
    let Some(d) = s.store.delivery(ev.channel, &ev.message_id).await? else {
        tracing::info!(
            channel = ev.channel.code(),
            "delivery event for an unknown message"
        );
        return Ok(Applied::Unknown);
    };
    if let Some(case) = ev.case_id
        && case != d.case_id
    {
        tracing::warn!(case_id = %d.case_id, "delivery event names another case; ignored");
        return Ok(Applied::Unknown);
    }
    let now = s.clock.now();
    let Some(next) = delivery::update(&d, ev, now) else {
        return Ok(Applied::Unchanged);
    };
    s.store.update_delivery(&next).await?;
    if next.status.is_problem() || next.status == delivery::DeliveryStatus::Deferred {
        trail(s, &next).await?;
    }
    tracing::info!(
        case_id = %next.case_id,
        channel = next.channel.code(),
        notice = %next.notice,
        status = ?next.status,
        "delivery status recorded"
    );
    Ok(Applied::Recorded {
        status: next.status,
    })
}

async fn trail(s: &Services, d: &NoticeDelivery) -> Result<(), StoreError> {
    on_conflict(
        || StoreError::Conflict("the case kept changing".into()),
        |_| async move {
            let Some(case) = s.store.case(d.case_id).await.map_err(Attempt::Failed)? else {
                return Ok(());
            };
            let ch = delivery::undelivered_event(&case, d, s.clock.now());
            s.store
                .commit_checked(Commit::from_change(ch))
                .await
                .map_err(|e| match e {
                    StoreError::Conflict(_) => Attempt::Lost,
                    other => Attempt::Failed(other),
                })
        },
    )
    .await
}

/// What the console shows of a case's notices: each sending, and the channels whose latest
/// sending to the current address or number did not arrive.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct NoticeReport {
    pub deliveries: Vec<NoticeDelivery>,
    /// `email`, `sms`: the applicant did not get the latest notice by that channel.
    pub undelivered: Vec<Channel>,
}

/// The report of `case`'s notices (a store failure reads as none: the case view still works).
pub async fn report(s: &Services, case: &crate::domain::Case) -> NoticeReport {
    let deliveries = match s.store.deliveries(case.id).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(case_id = %case.id, error = %e, "sendings not read");
            return NoticeReport::default();
        }
    };
    let mut undelivered = vec![];
    if let Some(def) = s.permit_of(case) {
        let c = crate::domain::notices::ApplicantContact::of(case, def);
        let mobile = c.mobile.as_ref().map(|m| m.as_str());
        if delivery::undelivered(&deliveries, Channel::Email, c.email.as_deref()).is_some() {
            undelivered.push(Channel::Email);
        }
        if delivery::undelivered(&deliveries, Channel::Sms, mobile).is_some() {
            undelivered.push(Channel::Sms);
        }
    }
    NoticeReport {
        deliveries,
        undelivered,
    }
}
