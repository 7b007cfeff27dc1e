//! The service's rules, free of I/O: what a permit is (as data), what an application is, what
//! each action changes, what each notice says.

pub mod actions;
pub mod assignment;
pub mod calendar;
pub mod case;
pub mod complaints;
pub mod deadlines;
pub mod deemed;
pub mod delegation;
pub mod delivery;
pub mod documents;
pub mod emblem;
pub mod facts;
pub mod identity;
pub mod migrate;
pub mod notices;
pub mod office;
pub mod officials;
pub mod permit;
pub mod privacy;
pub mod requirements;
pub mod roles;
pub mod roster;
pub mod sms;
pub mod survey;
pub mod time;
pub mod timeline;
pub mod validation;
pub mod values;

pub use actions::DomainError;
pub use case::{
    Actor, AuditEvent, Case, CaseId, CaseStatus, DocumentRecord, DocumentStatus, Origin,
    RegistrationNumber,
};
pub use identity::Caller;
pub use permit::{PermitCode, PermitDef, StepCode, StepDef};
pub use requirements::FileKind;
pub use roles::Role;
pub use values::Nib;
