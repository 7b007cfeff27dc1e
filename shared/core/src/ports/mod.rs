//! Ports: one small trait per capability. Each has an embedded adapter (the one-machine
//! default, also what `cargo run` uses) and an AWS adapter.

pub mod clock;
pub mod directory;
pub mod documents;
pub mod guard;
pub mod letters;
pub mod mailer;
pub mod orchestrator;
pub mod signer;
pub mod sms;
pub mod store;
pub mod task;

pub use clock::{Clock, SystemClock};
pub use directory::Directory;
pub use documents::{DocumentError, DocumentStore, ObjectHead, UploadTicket};
pub use guard::{IdempotencyStore, SecurityLog};
pub use letters::{LetterRenderer, LetterSealer, SealVerifier};
pub use mailer::{Accepted, Email, MailError, Mailer};
pub use orchestrator::{Completion, Orchestrator, OrchestratorError};
pub use signer::{SignError, Signer};
pub use sms::{Sms, SmsError, SmsSender};
pub use store::{
    AuditLog, CaseStore, Commit, ComplaintCommit, ComplaintStore, CounterClaim, DeliveryStore,
    LetterStore, Metered, OfficeStore, StoreError,
};
pub use task::{TaskError, TaskFunction};

/// Everything one database holds, one port per concern: cases, complaints, numbers and signed
/// documents, audit trails, idempotency records, the security log. Each adapter (SQLite,
/// DynamoDB, and the fault layer over either) implements them all, and the contract suites run
/// on both.
pub trait Store:
    CaseStore
    + ComplaintStore
    + LetterStore
    + DeliveryStore
    + OfficeStore
    + IdempotencyStore
    + SecurityLog
{
}

impl<
    T: CaseStore
        + ComplaintStore
        + LetterStore
        + DeliveryStore
        + OfficeStore
        + IdempotencyStore
        + SecurityLog
        + ?Sized,
> Store for T
{
}
