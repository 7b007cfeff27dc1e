//! The service's rules, free of I/O: what an application is, who acts at which step, what each
//! action changes, what each notice says.

pub mod actions;
pub mod application;
pub mod calendar;
pub mod case;
pub mod complaints;
pub mod deadlines;
pub mod identity;
pub mod notices;
pub mod privacy;
pub mod requirements;
pub mod roles;
pub mod steps;
pub mod survey;
pub mod time;
pub mod validation;

pub use actions::DomainError;
pub use application::{Application, ApplicationInput, Nib};
pub use case::{
    Actor, AuditEvent, Case, CaseId, CaseStatus, DocumentRecord, DocumentStatus, Origin,
    RegistrationNumber,
};
pub use identity::Caller;
pub use requirements::{Catalog, FileKind};
pub use roles::Role;
pub use steps::Step;
