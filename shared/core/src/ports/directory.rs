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

/// Why the directory did not do what the administrator asked.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Another account signs in with this address (another office's, or an applicant's).
    #[error("an account with this address exists")]
    Exists,
    /// No account of this office has this subject.
    #[error("no such account")]
    NotFound,
    #[error("directory unavailable: {0}")]
    Unavailable(String),
}

/// The directory's administration of staff accounts (Cognito's admin API in AWS, the runner's
/// own accounts locally), used by the office administrator's routes. Every call names the
/// office: an account of another office is [`AccountError::NotFound`] here, whatever the
/// roster says.
#[async_trait]
pub trait Accounts: Send + Sync {
    /// Creates the account (the invitation's name, address, office and roles) and sends the
    /// person its invitation; returns the account's subject. A retry after a partial failure
    /// (the account exists, of the same office) completes it.
    async fn invite(
        &self,
        invitation: &crate::domain::roster::Invitation,
    ) -> Result<String, AccountError>;
    /// Makes the account's staff roles exactly `roles` (groups that are no staff role stay).
    async fn set_roles(
        &self,
        office: &OfficeCode,
        sub: &str,
        roles: &[Role],
    ) -> Result<(), AccountError>;
    /// Lets the account sign in again, or disables it and signs it out everywhere.
    async fn set_enabled(
        &self,
        office: &OfficeCode,
        sub: &str,
        enabled: bool,
    ) -> Result<(), AccountError>;
}
