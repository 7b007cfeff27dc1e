//! Who receives a role's notices.

use crate::domain::Role;
use async_trait::async_trait;

#[async_trait]
pub trait Directory: Send + Sync {
    /// E-mail addresses that receive the notices of `role` (a unit mailbox or its members).
    async fn addresses(&self, role: &Role) -> Vec<String>;
}

/// A fixed role → addresses table (from configuration, or the local demo users).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaticDirectory {
    pub entries: Vec<(Role, String)>,
}

#[async_trait]
impl Directory for StaticDirectory {
    async fn addresses(&self, role: &Role) -> Vec<String> {
        self.entries
            .iter()
            .filter(|(r, _)| r == role)
            .map(|(_, a)| a.clone())
            .collect()
    }
}
