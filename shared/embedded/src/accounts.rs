//! The runner's directory of accounts (in place of Cognito): the demo users of
//! `local/demo-users.json` and the staff the office administrators invite, kept in
//! `<data>/accounts.json`. The dev login signs in as any enabled account; an account's roles are
//! what its token carries, as Cognito's groups are. Invitations go to the outbox (Cognito
//! e-mails its own, with a temporary password). The accounts are also the runner's
//! [`Directory`]: each office role's notices go to its enabled members.

use async_trait::async_trait;
use perizinan::domain::Role;
use perizinan::domain::office::OfficeCode;
use perizinan::domain::roster::Invitation;
use perizinan::ports::directory::{AccountError, Accounts, Directory};
use perizinan::ports::mailer::{Email, Mailer};
use perizinan::settings::BootError;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalAccount {
    /// The dev login's name (a demo user's short name; an invited member's address).
    pub username: String,
    pub name: String,
    pub email: String,
    pub roles: Vec<Role>,
    /// A staff member's office (`infra/offices/<code>`); applicants have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office: Option<OfficeCode>,
    /// The subject (an invited member's is random; a demo user's `local-<username>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
}

impl LocalAccount {
    /// A stable subject id, so that a user's cases survive restarts.
    pub fn sub(&self) -> String {
        self.sub
            .clone()
            .unwrap_or_else(|| format!("local-{}", self.username))
    }
}

pub struct LocalAccounts {
    path: PathBuf,
    accounts: Mutex<Vec<LocalAccount>>,
    mailer: Arc<dyn Mailer>,
    console_url: String,
}

fn io(e: impl std::fmt::Display) -> AccountError {
    AccountError::Unavailable(format!("accounts file: {e}"))
}

impl LocalAccounts {
    /// The accounts of `path`, with every account of `seed` it does not have yet (a new demo
    /// user appears after an upgrade; an administrator's changes to the others stay).
    pub fn open(
        path: PathBuf,
        seed: Vec<LocalAccount>,
        mailer: Arc<dyn Mailer>,
        portal_url: &str,
    ) -> Result<Self, BootError> {
        let mut accounts: Vec<LocalAccount> = match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b)
                .map_err(|e| BootError(format!("{}: {e}", path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => vec![],
            Err(e) => return Err(BootError(format!("{}: {e}", path.display()))),
        };
        for s in seed {
            if !accounts.iter().any(|a| a.username == s.username) {
                accounts.push(s);
            }
        }
        let this = Self {
            path,
            accounts: Mutex::new(vec![]),
            mailer,
            console_url: format!("{}/console/", portal_url.trim_end_matches('/')),
        };
        this.save(&accounts).map_err(|e| BootError(e.to_string()))?;
        *this.accounts.lock().expect("accounts lock") = accounts;
        Ok(this)
    }

    pub fn list(&self) -> Vec<LocalAccount> {
        self.accounts.lock().expect("accounts lock").clone()
    }

    pub fn find(&self, username: &str) -> Option<LocalAccount> {
        self.list().into_iter().find(|a| a.username == username)
    }

    /// Writes the accounts (a temporary file renamed over the old: never half a file).
    fn save(&self, accounts: &[LocalAccount]) -> Result<(), AccountError> {
        let tmp = self.path.with_extension("json.tmp");
        let json = serde_json::to_vec_pretty(accounts).map_err(io)?;
        std::fs::write(&tmp, json).map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(io)
    }

    /// Changes the account `sub` of `office` with `f`, and saves.
    fn change(
        &self,
        office: &OfficeCode,
        sub: &str,
        f: impl FnOnce(&mut LocalAccount),
    ) -> Result<(), AccountError> {
        let mut all = self.accounts.lock().expect("accounts lock");
        let mut next = all.clone();
        let a = next
            .iter_mut()
            .find(|a| a.sub() == sub && a.office.as_ref() == Some(office))
            .ok_or(AccountError::NotFound)?;
        f(a);
        self.save(&next)?;
        *all = next;
        Ok(())
    }

    fn invitation_mail(&self, inv: &Invitation) -> Email {
        let roles: Vec<String> = inv.roles.iter().map(|r| r.label()).collect();
        Email {
            to: vec![inv.email.clone()],
            subject: format!(
                "Undangan akun petugas Perizinan Digital — {}",
                inv.office_name
            ),
            body: format!(
                "Yth. {name},\n\n\
                 Administrator {office} telah membuatkan akun petugas Perizinan Digital untuk Anda \
                 dengan peran: {roles}.\n\n\
                 Masuk ke konsol petugas: {url}\n\
                 Nama pengguna: {email}\n\n\
                 Pada sistem yang berjalan di satu mesin (runner lokal) Anda masuk melalui daftar \
                 pengguna demo; pada layanan yang dipasang Anda menerima kata sandi sementara \
                 dalam e-mail tersendiri dan diminta menggantinya serta memasang aplikasi \
                 autentikator saat pertama masuk.\n\n\
                 Bila Anda tidak merasa bekerja di {office}, abaikan e-mail ini dan beri tahu \
                 kantor tersebut.\n",
                name = inv.name,
                office = inv.office_name,
                roles = roles.join(", "),
                url = self.console_url,
                email = inv.email,
            ),
            idempotency_key: format!("invite/{}/{}", inv.office, inv.email),
            tags: vec![("notice".into(), "staff_invitation".into())],
        }
    }
}

#[async_trait]
impl Accounts for LocalAccounts {
    async fn invite(&self, inv: &Invitation) -> Result<String, AccountError> {
        let sub = {
            let mut all = self.accounts.lock().expect("accounts lock");
            let existing = all
                .iter()
                .find(|a| a.email.eq_ignore_ascii_case(&inv.email) || a.username == inv.email);
            match existing {
                // An earlier invitation to this office that stopped before the roster: complete it.
                Some(a) if a.office.as_ref() == Some(&inv.office) => {
                    let sub = a.sub();
                    let mut next = all.clone();
                    if let Some(a) = next.iter_mut().find(|a| a.sub() == sub) {
                        a.roles = inv.roles.clone();
                    }
                    self.save(&next)?;
                    *all = next;
                    sub
                }
                Some(_) => return Err(AccountError::Exists),
                None => {
                    let sub = format!("local-{}", uuid::Uuid::new_v4());
                    let mut next = all.clone();
                    next.push(LocalAccount {
                        username: inv.email.clone(),
                        name: inv.name.clone(),
                        email: inv.email.clone(),
                        roles: inv.roles.clone(),
                        office: Some(inv.office.clone()),
                        sub: Some(sub.clone()),
                        disabled: false,
                    });
                    self.save(&next)?;
                    *all = next;
                    sub
                }
            }
        };
        self.mailer
            .send(&self.invitation_mail(inv))
            .await
            .map_err(|e| AccountError::Unavailable(format!("invitation mail: {e}")))?;
        Ok(sub)
    }

    async fn set_roles(
        &self,
        office: &OfficeCode,
        sub: &str,
        roles: &[Role],
    ) -> Result<(), AccountError> {
        self.change(office, sub, |a| {
            // Groups that are no staff role stay (as in Cognito).
            a.roles.retain(|r| !r.is_staff());
            a.roles.extend(roles.iter().cloned());
            a.roles.sort();
            a.roles.dedup();
        })
    }

    async fn set_enabled(
        &self,
        office: &OfficeCode,
        sub: &str,
        enabled: bool,
    ) -> Result<(), AccountError> {
        self.change(office, sub, |a| a.disabled = !enabled)
    }
}

#[async_trait]
impl Directory for LocalAccounts {
    async fn addresses(&self, office: &OfficeCode, role: &Role) -> Vec<String> {
        self.list()
            .into_iter()
            .filter(|a| !a.disabled && a.office.as_ref() == Some(office) && a.roles.contains(role))
            .map(|a| a.email)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perizinan::ports::mailer::{Accepted, MailError};

    #[derive(Default)]
    struct Sent(Mutex<Vec<Email>>);

    #[async_trait]
    impl Mailer for Sent {
        async fn send(&self, email: &Email) -> Result<Accepted, MailError> {
            self.0.lock().unwrap().push(email.clone());
            Ok(Accepted {
                message_id: "m".into(),
            })
        }
    }

    fn bontang() -> OfficeCode {
        OfficeCode::parse("bontang").unwrap()
    }

    fn invitation(email: &str, office: &OfficeCode) -> Invitation {
        Invitation {
            office: office.clone(),
            office_name: "DPMPTSP Kota Bontang".into(),
            name: "Eko Prasetyo".into(),
            email: email.into(),
            roles: vec![Role::new("front_office")],
            reason: None,
        }
    }

    #[tokio::test]
    async fn invited_accounts_persist_sign_in_and_hear_their_roles_notices() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("accounts.json");
        let sent = Arc::new(Sent::default());
        let seed = vec![LocalAccount {
            username: "fo".into(),
            name: "Andi Pratama".into(),
            email: "frontoffice@dpmptsp-bontang.test".into(),
            roles: vec![Role::new("front_office")],
            office: Some(bontang()),
            sub: None,
            disabled: false,
        }];
        let accounts =
            LocalAccounts::open(path.clone(), seed.clone(), sent.clone(), "http://x/").unwrap();
        let sub = accounts
            .invite(&invitation("eko@dpmptsp-bontang.test", &bontang()))
            .await
            .unwrap();
        assert!(sub.starts_with("local-"));
        let mail = sent.0.lock().unwrap()[0].clone();
        assert_eq!(mail.to, vec!["eko@dpmptsp-bontang.test".to_string()]);
        assert!(mail.body.contains("Petugas Front Office"));
        assert!(mail.body.contains("http://x/console/"));
        // Both front-office members hear the role's notices; a disabled one does not.
        assert_eq!(
            accounts
                .addresses(&bontang(), &Role::new("front_office"))
                .await
                .len(),
            2
        );
        accounts.set_enabled(&bontang(), &sub, false).await.unwrap();
        assert_eq!(
            accounts
                .addresses(&bontang(), &Role::new("front_office"))
                .await,
            vec!["frontoffice@dpmptsp-bontang.test".to_string()]
        );
        // Another office's account is not found; an address in use elsewhere is refused.
        let pms = OfficeCode::parse("pematangsiantar").unwrap();
        assert!(matches!(
            accounts.set_enabled(&pms, &sub, true).await,
            Err(AccountError::NotFound)
        ));
        assert!(matches!(
            accounts
                .invite(&invitation("frontoffice@dpmptsp-bontang.test", &pms))
                .await,
            Err(AccountError::Exists)
        ));
        // Reopened: the administrator's changes stay, the seed does not undo them.
        let again = LocalAccounts::open(path, seed, sent.clone(), "http://x/").unwrap();
        let eko = again.find("eko@dpmptsp-bontang.test").unwrap();
        assert!(eko.disabled);
        assert_eq!(again.list().len(), 2);
    }
}
