//! Adapters behind the ports. The embedded ones (SQLite, files, outbox, the executor of the
//! ASL) are the one-machine default; the AWS ones are under `aws`.

pub mod aws;
pub mod executor;
pub mod faults;
pub mod files;
pub mod outbox;
pub mod signer_local;
pub mod sqlite;
