//! Sending text messages (SMS) to applicants: SNS in AWS (the region's SMS service), the
//! runner's outbox locally.

use crate::domain::values::Mobile;
pub use crate::ports::mailer::Accepted;
use async_trait::async_trait;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    pub to: Mobile,
    /// The text, already made to fit (`domain::sms::fit`).
    pub body: String,
    /// The same key is one message where the adapter can tell (the outbox can; SNS cannot).
    pub idempotency_key: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// The service refused this message (an opted-out number, a text over its limits): sending
    /// it again will not help.
    #[error("text message refused: {0}")]
    Refused(String),
    #[error("text message service unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

#[async_trait]
pub trait SmsSender: Send + Sync {
    async fn send(&self, sms: &Sms) -> Result<Accepted, SmsError>;

    /// Brings the service's account-wide settings (a monthly spend limit, the default sender,
    /// delivery status logging) to the deployment's values; `true` when something changed.
    /// Adapters without such settings (the outbox) have nothing to do.
    async fn ensure_account_settings(&self) -> Result<bool, SmsError> {
        Ok(false)
    }
}
