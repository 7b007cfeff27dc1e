//! Who receives a role's notices.

use crate::domain::Role;
use crate::domain::office::OfficeCode;
use async_trait::async_trait;

#[async_trait]
pub trait Directory: Send + Sync {
    /// E-mail addresses that receive the notices of `role` at `office` (a unit mailbox or its
    /// members): an office's staff hear of their own office's cases only.
    async fn addresses(&self, office: &OfficeCode, role: &Role) -> Vec<String>;
}

/// A fixed (office, role) → addresses table (from configuration, or the local demo users).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaticDirectory {
    pub entries: Vec<(OfficeCode, Role, String)>,
}

#[async_trait]
impl Directory for StaticDirectory {
    async fn addresses(&self, office: &OfficeCode, role: &Role) -> Vec<String> {
        self.entries
            .iter()
            .filter(|(o, r, _)| o == office && r == role)
            .map(|(_, _, a)| a.clone())
            .collect()
    }
}
