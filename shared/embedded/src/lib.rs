//! The embedded adapters, the one-machine default: SQLite for cases, files for documents, an
//! outbox for mail, the embedded executor of the ASL, a local signing key, and the fault layer
//! the tests put in front of any adapter. `system` wires them into a deployment's services.

pub mod accounts;
pub mod executor;
pub mod faults;
pub mod files;
pub mod outbox;
pub mod signer_local;
pub mod sqlite;
pub mod system;

pub use system::*;
