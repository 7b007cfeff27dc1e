//! Staff accounts in the Cognito user pool (the office administrator's routes): an account is
//! created with `AdminCreateUser` (Cognito e-mails the invitation with a temporary password,
//! the pool's Indonesian `InviteMessageTemplate`), its roles are the pool's groups, it is
//! disabled with `AdminDisableUser` and signed out everywhere (`AdminUserGlobalSignOut`: its
//! refresh tokens stop working; the API refuses its remaining ID tokens by the roster).
//!
//! An account is found by its subject with `ListUsers` (`sub = "…"`, the documented filter) and
//! belongs to an office by its admin-only `custom:office` attribute: an account of another office
//! is "not found" whatever the roster says.

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, DeliveryMediumType, UserType};
use perizinan::auth::{OFFICE_CLAIM, STAFF_NAME_CLAIM};
use perizinan::domain::Role;
use perizinan::domain::office::OfficeCode;
use perizinan::domain::roster::Invitation;
use perizinan::ports::directory::{AccountError, Accounts};

pub struct CognitoAccounts {
    client: Client,
    pool: String,
}

impl CognitoAccounts {
    pub fn new(client: Client, user_pool_id: impl Into<String>) -> Self {
        Self {
            client,
            pool: user_pool_id.into(),
        }
    }

    /// The account with subject `sub`, if it is `office`'s: its Cognito user name.
    async fn username_of(&self, office: &OfficeCode, sub: &str) -> Result<String, AccountError> {
        // The filter's value is quoted; a subject is a UUID (the roster's), never a quote.
        if sub.contains(['"', '\\']) {
            return Err(AccountError::NotFound);
        }
        let out = self
            .client
            .list_users()
            .user_pool_id(&self.pool)
            .filter(format!("sub = \"{sub}\""))
            .limit(1)
            .send()
            .await
            .map_err(unavailable)?;
        let user = out.users().first().ok_or(AccountError::NotFound)?;
        if attribute(user.attributes(), OFFICE_CLAIM) != Some(office.as_str()) {
            return Err(AccountError::NotFound);
        }
        user.username()
            .map(str::to_string)
            .ok_or(AccountError::NotFound)
    }

    /// The groups of `username` that are staff roles.
    async fn staff_groups(&self, username: &str) -> Result<Vec<String>, AccountError> {
        let mut groups = vec![];
        let mut next: Option<String> = None;
        loop {
            let out = self
                .client
                .admin_list_groups_for_user()
                .user_pool_id(&self.pool)
                .username(username)
                .limit(60)
                .set_next_token(next.take())
                .send()
                .await
                .map_err(unavailable)?;
            groups.extend(
                out.groups()
                    .iter()
                    .filter_map(|g| g.group_name())
                    .filter(|g| Role::known(g).is_some_and(|r| r.is_staff()))
                    .map(str::to_string),
            );
            match out.next_token() {
                Some(t) if !t.is_empty() => next = Some(t.to_string()),
                _ => return Ok(groups),
            }
        }
    }

    async fn make_roles(&self, username: &str, roles: &[Role]) -> Result<(), AccountError> {
        let have = self.staff_groups(username).await?;
        for r in roles.iter().filter(|r| !have.iter().any(|h| h == r.code())) {
            self.client
                .admin_add_user_to_group()
                .user_pool_id(&self.pool)
                .username(username)
                .group_name(r.code())
                .send()
                .await
                .map_err(unavailable)?;
        }
        for h in have
            .iter()
            .filter(|h| !roles.iter().any(|r| r.code() == *h))
        {
            self.client
                .admin_remove_user_from_group()
                .user_pool_id(&self.pool)
                .username(username)
                .group_name(h)
                .send()
                .await
                .map_err(unavailable)?;
        }
        Ok(())
    }
}

fn attribute<'a>(attrs: &'a [AttributeType], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|a| a.name() == name)
        .and_then(|a| a.value())
}

fn attr(name: &str, value: &str) -> Result<AttributeType, AccountError> {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .map_err(|e| AccountError::Unavailable(e.to_string()))
}

fn unavailable<E: std::error::Error + 'static>(e: E) -> AccountError {
    // The SDK's error with its source chain (the service's code and message), no request data.
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    AccountError::Unavailable(msg)
}

fn sub_of(user: Option<&UserType>) -> Option<String> {
    user.and_then(|u| attribute(u.attributes(), "sub"))
        .map(str::to_string)
}

#[async_trait]
impl Accounts for CognitoAccounts {
    async fn invite(&self, inv: &Invitation) -> Result<String, AccountError> {
        let created = self
            .client
            .admin_create_user()
            .user_pool_id(&self.pool)
            .username(&inv.email)
            .user_attributes(attr("email", &inv.email)?)
            .user_attributes(attr("email_verified", "true")?)
            .user_attributes(attr("name", &inv.name)?)
            .user_attributes(attr(STAFF_NAME_CLAIM, &inv.name)?)
            .user_attributes(attr(OFFICE_CLAIM, inv.office.as_str())?)
            .desired_delivery_mediums(DeliveryMediumType::Email)
            .send()
            .await;
        let (username, sub) = match created {
            Ok(out) => {
                let user = out.user();
                let username = user
                    .and_then(|u| u.username())
                    .unwrap_or(&inv.email)
                    .to_string();
                let sub = sub_of(user).ok_or_else(|| {
                    AccountError::Unavailable("AdminCreateUser returned no sub".into())
                })?;
                (username, sub)
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_username_exists_exception()) =>
            {
                // An earlier invitation to this office stopped before its roles: complete it.
                // Anyone else's account (an applicant's, another office's) is not taken over.
                let user = self
                    .client
                    .admin_get_user()
                    .user_pool_id(&self.pool)
                    .username(&inv.email)
                    .send()
                    .await
                    .map_err(unavailable)?;
                if attribute(user.user_attributes(), OFFICE_CLAIM) != Some(inv.office.as_str()) {
                    return Err(AccountError::Exists);
                }
                let sub = attribute(user.user_attributes(), "sub")
                    .ok_or(AccountError::Exists)?
                    .to_string();
                (user.username().to_string(), sub)
            }
            Err(e) => return Err(unavailable(e)),
        };
        self.make_roles(&username, &inv.roles).await?;
        Ok(sub)
    }

    async fn set_roles(
        &self,
        office: &OfficeCode,
        sub: &str,
        roles: &[Role],
    ) -> Result<(), AccountError> {
        let username = self.username_of(office, sub).await?;
        self.make_roles(&username, roles).await
    }

    async fn set_enabled(
        &self,
        office: &OfficeCode,
        sub: &str,
        enabled: bool,
    ) -> Result<(), AccountError> {
        let username = self.username_of(office, sub).await?;
        if enabled {
            self.client
                .admin_enable_user()
                .user_pool_id(&self.pool)
                .username(&username)
                .send()
                .await
                .map_err(unavailable)?;
        } else {
            self.client
                .admin_disable_user()
                .user_pool_id(&self.pool)
                .username(&username)
                .send()
                .await
                .map_err(unavailable)?;
            self.client
                .admin_user_global_sign_out()
                .user_pool_id(&self.pool)
                .username(&username)
                .send()
                .await
                .map_err(unavailable)?;
        }
        Ok(())
    }
}
