//! The caller of an action, as the gateway's verified claims describe them.

use super::case::{Actor, Case, CaseStatus};
use super::roles::Role;
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
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_staff(&self) -> bool {
        self.roles.iter().any(|r| r.is_staff())
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
