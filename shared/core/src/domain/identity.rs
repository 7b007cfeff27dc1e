//! The caller of an action, as the gateway's verified claims describe them.

use super::case::{Actor, Case, CaseStatus};
use super::roles::{Capability, Role};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    /// Subject id from the verified token (Cognito `sub`).
    pub sub: String,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    pub roles: Vec<Role>,
}

impl Caller {
    pub fn has(&self, role: &Role) -> bool {
        self.roles.contains(role)
    }

    pub fn is_applicant(&self) -> bool {
        self.roles.iter().any(Role::is_applicant)
    }

    pub fn is_staff(&self) -> bool {
        self.roles.iter().any(|r| r.is_staff())
    }

    /// The caller's first role holding `cap` (the office's processes outside permits).
    pub fn role_with(&self, cap: Capability) -> Option<Role> {
        self.roles.iter().find(|r| r.can(cap)).cloned()
    }

    pub fn can(&self, cap: Capability) -> bool {
        self.role_with(cap).is_some()
    }

    pub fn actor(&self, role: Role) -> Actor {
        Actor {
            sub: self.sub.clone(),
            name: self.name.clone(),
            role: Some(role),
        }
    }

    /// Object-level access: an applicant sees only their own cases; staff see every submitted
    /// case (a draft is the applicant's alone).
    pub fn can_see(&self, case: &Case) -> bool {
        case.owner == self.sub || (self.is_staff() && case.status != CaseStatus::Draft)
    }
}
