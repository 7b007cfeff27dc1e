//! Sending e-mail.

use async_trait::async_trait;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Email {
    pub to: Vec<String>,
    pub subject: String,
    /// Plain-text body (UTF-8).
    pub body: String,
    /// The same key is one message: a retried send of it is not delivered twice where the
    /// adapter can tell (the outbox can; SES cannot).
    pub idempotency_key: String,
    /// Name and value pairs the mail service reports back with the message's delivery events
    /// (SES message tags: the case and the notice; never personal data).
    pub tags: Vec<(String, String)>,
}

/// What the service calls the message it accepted (what its delivery events name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub message_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail could not be built: {0}")]
    Invalid(String),
    #[error("mail service unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, email: &Email) -> Result<Accepted, MailError>;
}
