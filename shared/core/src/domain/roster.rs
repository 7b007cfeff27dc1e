//! An office's staff roster: who works there and in which roles, as the directory (Cognito's
//! groups and admin-only `custom:office` attribute; locally the demo users) last named them.
//! Staff are recorded when they open the console (`GET /me`), so the office's administrator
//! and its supervisors pick acting officials and assignees from people who exist, in the roles
//! they hold.

use super::office::OfficeCode;
use super::roles::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub office: OfficeCode,
    pub sub: String,
    /// The directory's name (`custom:staff_name`).
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The roles the directory gives them (not those held by delegation).
    pub roles: Vec<Role>,
    pub seen_at: DateTime<Utc>,
}

impl StaffMember {
    /// Whether this record says the same as `other` about the person (not when they were seen).
    pub fn same_as(&self, other: &StaffMember) -> bool {
        self.office == other.office
            && self.sub == other.sub
            && self.name == other.name
            && self.email == other.email
            && self.roles == other.roles
    }
}
