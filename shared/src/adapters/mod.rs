//! Adapters behind the ports. The embedded ones (SQLite, files, outbox) are the one-machine
//! default; the embedded orchestrator is [`crate::asl::executor::Executor`].

pub mod aws;
pub mod faults;
pub mod files;
pub mod outbox;
pub mod signer_local;
pub mod sqlite;
