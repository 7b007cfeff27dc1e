//! An office's staff roster: who works there, in which roles, and whether their account is
//! invited, active or disabled, as the office administrator (`office_admin`) set it through the
//! directory (Cognito's groups and admin-only `custom:office` attribute; locally the runner's
//! accounts). Staff are also recorded when they open the console (`GET /me`), so the roster
//! holds people who joined the directory another way (Cognito's own console).
//!
//! Administration rules (worked examples in the tests below):
//! - Only a staff role of the registry (`infra/roles.json`) is given, never the applicant's nor
//!   the cross-office reporting role (`reports_all_offices`: a province's or ministry's viewer
//!   belongs to no office, so no office gives it).
//! - An administrator changes nobody's access to their own account (no self-granted role, no
//!   self-deactivation that would leave the office without an administrator).
//! - A change of roles or a deactivation ends the person's sessions: a token issued before the
//!   change is refused ([`StaffMember::session`]); the person signs in again and gets the new
//!   roles (Cognito puts the groups in the token at sign-in).
//! - A deactivation gives its reason (who lost access, when and why stays on record); the
//!   account is kept, not deleted: decisions, letters and the audit trail keep naming the
//!   person. These are this system's rules, not a regulation's.

use super::case::Actor;
use super::office::OfficeCode;
use super::roles::{Capability, Role};
use super::validation::FieldError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The longest name a staff member is given (it goes on letters and decisions).
pub const MAX_NAME: usize = 120;
/// The longest reason of an account change.
pub const MAX_REASON: usize = 500;

/// Where a staff account stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffStatus {
    /// Signs in and works (also every member recorded before accounts had a status).
    #[default]
    Active,
    /// Created by the administrator; the person has not signed in yet.
    Invited,
    /// Cannot sign in; any token issued before is refused.
    Disabled,
}

impl StaffStatus {
    pub fn label(self) -> &'static str {
        match self {
            StaffStatus::Active => "Aktif",
            StaffStatus::Invited => "Diundang",
            StaffStatus::Disabled => "Dinonaktifkan",
        }
    }
}

/// What an administrator did to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountAction {
    Invited,
    RolesChanged,
    Deactivated,
    Activated,
}

impl AccountAction {
    pub fn label(self) -> &'static str {
        match self {
            AccountAction::Invited => "Diundang",
            AccountAction::RolesChanged => "Peran diubah",
            AccountAction::Deactivated => "Dinonaktifkan",
            AccountAction::Activated => "Diaktifkan kembali",
        }
    }
}

/// One change of an account, kept with the member (the office's record of who gave or took
/// access, when and why).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountChange {
    pub action: AccountAction,
    pub by: Actor,
    pub at: DateTime<Utc>,
    /// The roles after the change.
    pub roles: Vec<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

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
    /// When they last opened the console (none: invited, not signed in yet).
    #[serde(default)]
    pub seen_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub status: StaffStatus,
    /// The last administrator's change of their access: tokens issued before it are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_at: Option<DateTime<Utc>>,
    /// Every administrator's change, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<AccountChange>,
    /// Optimistic-concurrency version (a visit never overwrites an administrator's change).
    #[serde(default)]
    pub version: u64,
}

/// Why a staff member's token no longer works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionRefused {
    /// The account is disabled.
    Disabled,
    /// Their access changed after the token was issued: sign in again.
    Outdated,
}

impl StaffMember {
    /// A member first seen in the console (the directory named them some other way).
    pub fn seen(
        office: OfficeCode,
        sub: String,
        name: String,
        email: Option<String>,
        roles: Vec<Role>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            office,
            sub,
            name,
            email,
            roles,
            seen_at: Some(now),
            status: StaffStatus::Active,
            changed_at: None,
            history: vec![],
            version: 0,
        }
    }

    /// Whether this record says the same as `other` about the person (not when they were seen).
    pub fn same_as(&self, other: &StaffMember) -> bool {
        self.office == other.office
            && self.sub == other.sub
            && self.name == other.name
            && self.email == other.email
            && self.roles == other.roles
            && self.status == other.status
    }

    pub fn is_disabled(&self) -> bool {
        self.status == StaffStatus::Disabled
    }

    /// Whether a token issued at `issued_at` (seconds since the epoch, the JWT `iat`) still
    /// works: not for a disabled account, nor from before the last change of access. A token
    /// issued within the second of the change is refused too (its `iat` is cut to the second):
    /// signing in again a moment later works.
    pub fn session(&self, issued_at: Option<i64>) -> Result<(), SessionRefused> {
        if self.is_disabled() {
            return Err(SessionRefused::Disabled);
        }
        match (self.changed_at, issued_at) {
            (Some(changed), Some(iat)) if iat <= changed.timestamp() => {
                Err(SessionRefused::Outdated)
            }
            (Some(_), None) => Err(SessionRefused::Outdated),
            _ => Ok(()),
        }
    }

    /// This record updated by the member's visit to the console: the directory's name, address
    /// and roles as their (current) token carries them; an invited member becomes active. What
    /// administrators decided (status, history) stays.
    pub fn visited(&self, seen: &StaffMember) -> StaffMember {
        StaffMember {
            name: seen.name.clone(),
            email: seen.email.clone().or_else(|| self.email.clone()),
            roles: seen.roles.clone(),
            seen_at: seen.seen_at,
            status: match self.status {
                StaffStatus::Invited => StaffStatus::Active,
                s => s,
            },
            version: self.version + 1,
            ..self.clone()
        }
    }
}

/// A role an office's administrator can give: a staff role of the registry, not the
/// cross-office viewer's.
pub fn assignable(role: &Role) -> bool {
    role.is_staff()
        && Role::known(role.code()).is_some()
        && !role.can(Capability::ReportsAllOffices)
}

/// The roles of a request: at least one, each known and assignable, without repeats (sorted).
pub fn parse_roles(raw: Option<&[String]>) -> Result<Vec<Role>, Vec<FieldError>> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Err(vec![FieldError::new(
            "roles",
            "required",
            "Pilih sedikitnya satu peran.",
        )]);
    };
    let mut errors = vec![];
    let mut roles = vec![];
    for (i, code) in raw.iter().enumerate() {
        match Role::known(code.trim()) {
            Some(r) if assignable(&r) => roles.push(r),
            Some(_) => errors.push(FieldError::new(
                format!("roles[{i}]"),
                "role_not_assignable",
                "Peran ini tidak diberikan oleh administrator kantor.",
            )),
            None => errors.push(FieldError::new(
                format!("roles[{i}]"),
                "unknown_role",
                "Peran tidak dikenal.",
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    roles.sort();
    roles.dedup();
    Ok(roles)
}

fn reason(raw: Option<String>, required: bool) -> Result<Option<String>, FieldError> {
    let r = raw.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    match r {
        None if required => Err(FieldError::new(
            "reason",
            "required",
            "Tuliskan alasannya (mis. nomor surat keputusan mutasi atau pensiun).",
        )),
        Some(r) if r.chars().count() > MAX_REASON => Err(FieldError::new(
            "reason",
            "too_long",
            format!("Alasan paling banyak {MAX_REASON} karakter."),
        )),
        r => Ok(r),
    }
}

/// A request to create a staff account.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub roles: Option<Vec<String>>,
    pub reason: Option<String>,
}

/// A staff account to create, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub office: OfficeCode,
    /// The office's name (for the invitation's text).
    pub office_name: String,
    pub name: String,
    /// Lower-cased (the directory's sign-in name).
    pub email: String,
    pub roles: Vec<Role>,
    pub reason: Option<String>,
}

/// Checks an invitation to `office` against its roster: a name, a valid address no member of
/// the office uses, assignable roles.
pub fn invitation(
    input: InviteInput,
    office: &OfficeCode,
    office_name: &str,
    roster: &[StaffMember],
) -> Result<Invitation, Vec<FieldError>> {
    let mut errors = vec![];
    let name = input
        .name
        .as_deref()
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|n| !n.is_empty());
    match &name {
        None => errors.push(FieldError::required("name")),
        Some(n) if n.chars().count() > MAX_NAME => errors.push(FieldError::new(
            "name",
            "too_long",
            format!("Nama paling banyak {MAX_NAME} karakter."),
        )),
        Some(n) if n.chars().any(char::is_control) => errors.push(FieldError::new(
            "name",
            "invalid_name",
            "Nama memuat karakter yang tidak diizinkan.",
        )),
        _ => {}
    }
    let email = match input
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        None => {
            errors.push(FieldError::required("email"));
            None
        }
        Some(e) => match super::values::Email::parse(e) {
            Err(_) => {
                errors.push(FieldError::new(
                    "email",
                    "invalid_email",
                    "Alamat e-mail tidak valid.",
                ));
                None
            }
            Ok(_) => {
                let e = e.to_lowercase();
                if roster.iter().any(|m| {
                    m.email
                        .as_deref()
                        .is_some_and(|x| x.eq_ignore_ascii_case(&e))
                }) {
                    errors.push(FieldError::new(
                        "email",
                        "account_exists",
                        "Alamat e-mail ini sudah dipakai petugas kantor ini.",
                    ));
                }
                Some(e)
            }
        },
    };
    let roles = parse_roles(input.roles.as_deref()).unwrap_or_else(|e| {
        errors.extend(e);
        vec![]
    });
    let reason = reason(input.reason, false).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    match (name, email) {
        (Some(name), Some(email)) if errors.is_empty() => Ok(Invitation {
            office: office.clone(),
            office_name: office_name.to_string(),
            name,
            email,
            roles,
            reason,
        }),
        _ => Err(errors),
    }
}

/// Why an administrator's change of an account is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeRefused {
    /// Their own account (403).
    OwnAccount,
    /// The account is not in a state for it (409), with the reason.
    State(String),
    Invalid(Vec<FieldError>),
}

/// The member as invited (`sub` from the directory).
pub fn invited(inv: &Invitation, sub: String, by: Actor, now: DateTime<Utc>) -> StaffMember {
    StaffMember {
        office: inv.office.clone(),
        sub,
        name: inv.name.clone(),
        email: Some(inv.email.clone()),
        roles: inv.roles.clone(),
        seen_at: None,
        status: StaffStatus::Invited,
        // A new account has no earlier tokens to refuse.
        changed_at: None,
        history: vec![AccountChange {
            action: AccountAction::Invited,
            by,
            at: now,
            roles: inv.roles.clone(),
            reason: inv.reason.clone(),
        }],
        version: 0,
    }
}

fn not_own(member: &StaffMember, by: &Actor) -> Result<(), ChangeRefused> {
    if member.sub == by.sub {
        Err(ChangeRefused::OwnAccount)
    } else {
        Ok(())
    }
}

fn changed(
    member: &StaffMember,
    action: AccountAction,
    roles: Vec<Role>,
    status: StaffStatus,
    by: Actor,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> StaffMember {
    let mut next = member.clone();
    next.history.push(AccountChange {
        action,
        by,
        at: now,
        roles: roles.clone(),
        reason,
    });
    next.roles = roles;
    next.status = status;
    next.changed_at = Some(now);
    next.version = member.version + 1;
    next
}

/// Gives the member exactly `roles` (from a request), with an optional reason.
pub fn change_roles(
    member: &StaffMember,
    roles: Option<&[String]>,
    raw_reason: Option<String>,
    by: Actor,
    now: DateTime<Utc>,
) -> Result<StaffMember, ChangeRefused> {
    not_own(member, &by)?;
    if member.is_disabled() {
        return Err(ChangeRefused::State(
            "Akun ini dinonaktifkan; aktifkan kembali sebelum mengubah perannya.".into(),
        ));
    }
    let roles = parse_roles(roles).map_err(ChangeRefused::Invalid)?;
    let reason = reason(raw_reason, false).map_err(|e| ChangeRefused::Invalid(vec![e]))?;
    if roles == member.roles {
        return Err(ChangeRefused::Invalid(vec![FieldError::new(
            "roles",
            "unchanged",
            "Peran yang dipilih sama dengan peran petugas saat ini.",
        )]));
    }
    Ok(changed(
        member,
        AccountAction::RolesChanged,
        roles,
        member.status,
        by,
        reason,
        now,
    ))
}

/// Disables the member's account, with its reason.
pub fn deactivate(
    member: &StaffMember,
    raw_reason: Option<String>,
    by: Actor,
    now: DateTime<Utc>,
) -> Result<StaffMember, ChangeRefused> {
    not_own(member, &by)?;
    if member.is_disabled() {
        return Err(ChangeRefused::State("Akun ini sudah dinonaktifkan.".into()));
    }
    let reason = reason(raw_reason, true).map_err(|e| ChangeRefused::Invalid(vec![e]))?;
    Ok(changed(
        member,
        AccountAction::Deactivated,
        member.roles.clone(),
        StaffStatus::Disabled,
        by,
        reason,
        now,
    ))
}

/// Enables a disabled account again (in the roles it had), with an optional reason.
pub fn activate(
    member: &StaffMember,
    raw_reason: Option<String>,
    by: Actor,
    now: DateTime<Utc>,
) -> Result<StaffMember, ChangeRefused> {
    not_own(member, &by)?;
    if !member.is_disabled() {
        return Err(ChangeRefused::State("Akun ini tidak dinonaktifkan.".into()));
    }
    let reason = reason(raw_reason, false).map_err(|e| ChangeRefused::Invalid(vec![e]))?;
    // Back to where it was before: active once they have signed in, else still invited.
    let status = if member.seen_at.is_some() {
        StaffStatus::Active
    } else {
        StaffStatus::Invited
    };
    Ok(changed(
        member,
        AccountAction::Activated,
        member.roles.clone(),
        status,
        by,
        reason,
        now,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn office() -> OfficeCode {
        OfficeCode::parse("bontang").unwrap()
    }

    fn admin() -> Actor {
        Actor {
            sub: "local-admin".into(),
            name: "Yohana Pasaribu".into(),
            role: Some(Role::new("office_admin")),
            acting: None,
        }
    }

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, h, 0, 0).unwrap()
    }

    fn member() -> StaffMember {
        StaffMember::seen(
            office(),
            "local-bo".into(),
            "Siti Rahmawati".into(),
            Some("backoffice@dpmptsp-bontang.test".into()),
            vec![Role::new("back_office")],
            at(1),
        )
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_invitation_is_checked_and_normalised() {
        let inv = invitation(
            InviteInput {
                name: Some("  Eko   Prasetyo ".into()),
                email: Some(" Eko.Prasetyo@DPMPTSP-Bontang.test ".into()),
                roles: Some(strings(&["front_office", "back_office", "front_office"])),
                reason: None,
            },
            &office(),
            "DPMPTSP Kota Bontang",
            &[member()],
        )
        .unwrap();
        assert_eq!(inv.name, "Eko Prasetyo");
        assert_eq!(inv.email, "eko.prasetyo@dpmptsp-bontang.test");
        assert_eq!(
            inv.roles,
            vec![Role::new("back_office"), Role::new("front_office")]
        );
    }

    #[test]
    fn an_invitation_names_every_problem() {
        let errs = invitation(
            InviteInput {
                name: Some(" ".into()),
                email: Some("BACKOFFICE@dpmptsp-bontang.test".into()),
                roles: Some(strings(&["applicant", "regional_viewer", "juru_sulap"])),
                reason: None,
            },
            &office(),
            "DPMPTSP Kota Bontang",
            &[member()],
        )
        .unwrap_err();
        let codes: Vec<(&str, &str)> = errs
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_ref()))
            .collect();
        assert_eq!(
            codes,
            vec![
                ("name", "required"),
                ("email", "account_exists"),
                ("roles[0]", "role_not_assignable"),
                ("roles[1]", "role_not_assignable"),
                ("roles[2]", "unknown_role"),
            ]
        );
        let errs = invitation(
            InviteInput {
                name: Some("Eko".into()),
                email: Some("bukan-email".into()),
                roles: Some(vec![]),
                reason: None,
            },
            &office(),
            "DPMPTSP Kota Bontang",
            &[],
        )
        .unwrap_err();
        assert_eq!(errs[0].code, "invalid_email");
        assert_eq!(errs[1].code, "required");
    }

    #[test]
    fn nobody_changes_their_own_access() {
        let mut me = member();
        me.sub = admin().sub;
        assert_eq!(
            change_roles(&me, Some(&strings(&["front_office"])), None, admin(), at(2)),
            Err(ChangeRefused::OwnAccount)
        );
        assert_eq!(
            deactivate(&me, Some("pensiun".into()), admin(), at(2)),
            Err(ChangeRefused::OwnAccount)
        );
    }

    #[test]
    fn a_change_of_roles_ends_the_sessions_before_it() {
        let m = member();
        // Worked example: a token issued at 01:30 works until the roles change at 02:00; one
        // issued after it works; one from the same second does not (sign in again).
        let before = at(1).timestamp() + 1800;
        assert_eq!(m.session(Some(before)), Ok(()));
        let next = change_roles(
            &m,
            Some(&strings(&["back_office", "front_office"])),
            Some("Penugasan loket".into()),
            admin(),
            at(2),
        )
        .unwrap();
        assert_eq!(next.roles.len(), 2);
        assert_eq!(next.history[0].action, AccountAction::RolesChanged);
        assert_eq!(next.session(Some(before)), Err(SessionRefused::Outdated));
        assert_eq!(
            next.session(Some(at(2).timestamp())),
            Err(SessionRefused::Outdated)
        );
        assert_eq!(next.session(Some(at(2).timestamp() + 1)), Ok(()));
        // The same roles again is no change.
        let same = change_roles(
            &next,
            Some(&strings(&["front_office", "back_office"])),
            None,
            admin(),
            at(3),
        );
        assert!(matches!(same, Err(ChangeRefused::Invalid(e)) if e[0].code == "unchanged"));
    }

    #[test]
    fn a_deactivation_needs_a_reason_refuses_every_token_and_is_undone_by_activation() {
        let m = member();
        assert!(matches!(
            deactivate(&m, Some("  ".into()), admin(), at(2)),
            Err(ChangeRefused::Invalid(e)) if e[0].field == "reason"
        ));
        let off = deactivate(
            &m,
            Some("Mutasi ke BKPSDM, SK 800/45/BKPSDM/2026".into()),
            admin(),
            at(2),
        )
        .unwrap();
        assert_eq!(off.status, StaffStatus::Disabled);
        assert_eq!(
            off.session(Some(at(3).timestamp())),
            Err(SessionRefused::Disabled)
        );
        assert!(matches!(
            deactivate(&off, Some("lagi".into()), admin(), at(3)),
            Err(ChangeRefused::State(_))
        ));
        assert!(matches!(
            change_roles(
                &off,
                Some(&strings(&["front_office"])),
                None,
                admin(),
                at(3)
            ),
            Err(ChangeRefused::State(_))
        ));
        let on = activate(&off, None, admin(), at(4)).unwrap();
        assert_eq!(on.status, StaffStatus::Active);
        assert_eq!(on.history.len(), 2);
        assert_eq!(on.session(Some(at(4).timestamp() + 60)), Ok(()));
    }

    #[test]
    fn an_invited_member_becomes_active_on_their_first_visit() {
        let inv = invitation(
            InviteInput {
                name: Some("Eko Prasetyo".into()),
                email: Some("eko@dpmptsp-bontang.test".into()),
                roles: Some(strings(&["front_office"])),
                reason: Some("Pegawai baru".into()),
            },
            &office(),
            "DPMPTSP Kota Bontang",
            &[],
        )
        .unwrap();
        let m = invited(&inv, "sub-eko".into(), admin(), at(2));
        assert_eq!(m.status, StaffStatus::Invited);
        assert_eq!(m.seen_at, None);
        let visit = StaffMember::seen(
            office(),
            "sub-eko".into(),
            "Eko Prasetyo".into(),
            None,
            vec![Role::new("front_office")],
            at(3),
        );
        let now = m.visited(&visit);
        assert_eq!(now.status, StaffStatus::Active);
        assert_eq!(now.email.as_deref(), Some("eko@dpmptsp-bontang.test"));
        assert_eq!(now.history.len(), 1);
        assert!(!now.same_as(&m));
    }
}
