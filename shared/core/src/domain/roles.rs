//! Who acts in the service, as data: the office's roles and agencies (`infra/roles.json`). A role
//! is a Cognito group in AWS and a demo user's role locally; a permit names the roles of its
//! steps, and a permit that brings a new technical agency adds its roles to that file, not here.
//!
//! Source of the shipped roles: the actors of the seed SOP (`sop-izin-kantor-kas-ksp.md`, steps
//! d–s and "Pengaduan Layanan") and of the PBG SOP (`shared/permits/pbg-pematangsiantar.md`).
//!
//! The registry is process-wide: it is installed once at start (the shipped file, or
//! `PD_ROLES_FILE`) and read wherever a role is named to a person.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::OnceLock;

/// The shipped registry.
pub const SHIPPED_ROLES: &str = include_str!("../../../../infra/roles.json");

/// A role's code (`front_office`, `putr_technical`, …).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Role(String);

/// What a role may do outside the steps of a permit: the office's own processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Reads the office's reports (SLA, IKM, complaints).
    Reports,
    /// Reads the security log of refused requests.
    SecurityLog,
    /// Revokes a signed letter.
    RevokeLetters,
    /// Keeps the complaints register (complaints a–f).
    Complaints,
    /// Is told when a complaint's step waits too long.
    ComplaintEscalation,
    /// Corrects an applicant's e-mail address or mobile number (after a notice did not arrive
    /// and the applicant was called) and sends the notice again.
    ApplicantContact,
    /// Administers the office: records acting officials (Plt./Plh.) and reads its staff roster
    /// and workload (`domain::delegation`).
    OfficeAdmin,
    /// Reads the reports of every office of the deployment, one or all together, without
    /// personal data (a province's or the ministry's monitoring of service standards).
    ReportsAllOffices,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleDef {
    pub code: Role,
    /// The role's name as officials write it (Bahasa Indonesia).
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    #[serde(default = "yes")]
    pub staff: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervisor: Option<Role>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<Capability>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyDef {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    #[serde(default, skip_serializing)]
    pub comment: Option<String>,
    pub agencies: Vec<AgencyDef>,
    pub roles: Vec<RoleDef>,
}

#[derive(Debug, thiserror::Error)]
#[error("{file}: {problems:?}")]
pub struct RolesError {
    pub file: String,
    pub problems: Vec<String>,
}

static INSTALLED: OnceLock<Roles> = OnceLock::new();

impl Roles {
    /// Parses and checks a registry: codes unique and snake_case, `applicant` present and not
    /// staff, every agency and supervisor known, no supervisor cycle.
    pub fn parse(file: &str, json: &str) -> Result<Self, RolesError> {
        let err = |problems| RolesError {
            file: file.to_string(),
            problems,
        };
        let r: Roles = serde_json::from_str(json).map_err(|e| err(vec![e.to_string()]))?;
        let mut p = vec![];
        let mut seen = std::collections::BTreeSet::new();
        for d in &r.roles {
            if !is_code(d.code.code()) {
                p.push(format!("role `{}`: codes are snake_case ASCII", d.code));
            }
            if !seen.insert(d.code.code()) {
                p.push(format!("role `{}` is listed twice", d.code));
            }
            if let Some(a) = &d.agency
                && !r.agencies.iter().any(|x| &x.code == a)
            {
                p.push(format!("role `{}`: unknown agency `{a}`", d.code));
            }
            if d.title.trim().is_empty() {
                p.push(format!("role `{}` has no title", d.code));
            }
        }
        for d in &r.roles {
            if let Some(s) = &d.supervisor
                && !r.roles.iter().any(|x| &x.code == s)
            {
                p.push(format!("role `{}`: unknown supervisor `{s}`", d.code));
            }
            // Following supervisors must end (an escalation chain, not a loop).
            let mut cur = d.supervisor.clone();
            let mut steps = 0;
            while let Some(c) = cur {
                steps += 1;
                if steps > r.roles.len() {
                    p.push(format!("role `{}`: its supervisors form a cycle", d.code));
                    break;
                }
                cur = r
                    .roles
                    .iter()
                    .find(|x| x.code == c)
                    .and_then(|x| x.supervisor.clone());
            }
        }
        match r.roles.iter().find(|d| d.code.code() == Role::APPLICANT) {
            Some(a) if a.staff => p.push("`applicant` cannot be a staff role".into()),
            Some(_) => {}
            None => p.push("the role `applicant` (the public) is required".into()),
        }
        if let Some(d) = r
            .roles
            .iter()
            .find(|d| d.staff == (d.code.code() == Role::APPLICANT))
            .filter(|d| d.code.code() != Role::APPLICANT)
        {
            p.push(format!("role `{}` must be a staff role", d.code));
        }
        for cap in [Capability::Complaints, Capability::Reports] {
            if !r.roles.iter().any(|d| d.capabilities.contains(&cap)) {
                p.push(format!("no role holds the capability {cap:?}"));
            }
        }
        if p.is_empty() { Ok(r) } else { Err(err(p)) }
    }

    pub fn shipped() -> Self {
        Self::parse("infra/roles.json", SHIPPED_ROLES).expect("the shipped roles are valid")
    }

    /// Makes `roles` the process's registry (once, at start). Returns false when one was
    /// installed already (the first stays).
    pub fn install(roles: Roles) -> bool {
        INSTALLED.set(roles).is_ok()
    }

    /// The process's registry: the installed one, else the shipped one.
    pub fn current() -> &'static Roles {
        INSTALLED.get_or_init(Roles::shipped)
    }

    pub fn get(&self, code: &str) -> Option<&RoleDef> {
        self.roles.iter().find(|d| d.code.code() == code)
    }

    pub fn agency(&self, code: &str) -> Option<&AgencyDef> {
        self.agencies.iter().find(|a| a.code == code)
    }

    /// The staff roles holding `cap`.
    pub fn with(&self, cap: Capability) -> Vec<Role> {
        self.roles
            .iter()
            .filter(|d| d.capabilities.contains(&cap))
            .map(|d| d.code.clone())
            .collect()
    }

    pub fn staff(&self) -> impl Iterator<Item = &RoleDef> {
        self.roles.iter().filter(|d| d.staff)
    }
}

pub(crate) fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl Role {
    pub const APPLICANT: &'static str = "applicant";

    /// A role by code, without checking the registry (data files are checked when loaded).
    pub fn new(code: impl Into<String>) -> Self {
        Self(code.into())
    }

    /// The public: applicants sign themselves up.
    pub fn applicant() -> Self {
        Self::new(Self::APPLICANT)
    }

    /// A known role of the current registry.
    pub fn known(code: &str) -> Option<Self> {
        Roles::current().get(code).map(|d| d.code.clone())
    }

    pub fn code(&self) -> &str {
        &self.0
    }

    pub fn is_applicant(&self) -> bool {
        self.0 == Self::APPLICANT
    }

    pub fn is_staff(&self) -> bool {
        !self.is_applicant()
    }

    /// The role's name as officials write it (Bahasa Indonesia); the code when unknown.
    pub fn label(&self) -> String {
        Roles::current()
            .get(&self.0)
            .map_or_else(|| self.0.clone(), |d| d.title.clone())
    }

    /// The supervisor who is told when this role's work is late (escalation).
    pub fn supervisor(&self) -> Option<Role> {
        Roles::current()
            .get(&self.0)
            .and_then(|d| d.supervisor.clone())
    }

    pub fn can(&self, cap: Capability) -> bool {
        Roles::current()
            .get(&self.0)
            .is_some_and(|d| d.capabilities.contains(&cap))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown role `{0}`")]
pub struct UnknownRole(pub String);

impl std::str::FromStr for Role {
    type Err = UnknownRole;
    /// A role of the current registry.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::known(s).ok_or_else(|| UnknownRole(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_registry_has_the_seed_actors() {
        let r = Roles::shipped();
        for code in [
            "applicant",
            "front_office",
            "back_office",
            "section_head",
            "division_head",
            "agency_head",
            "dinas_koperasi_technical",
            "dinas_koperasi_official",
            "complaints_officer",
        ] {
            assert!(r.get(code).is_some(), "{code}");
        }
        assert_eq!(Role::new("front_office").label(), "Petugas Front Office");
        assert_eq!(
            Role::new("front_office").supervisor(),
            Some(Role::new("section_head"))
        );
        assert!("admin".parse::<Role>().is_err());
        assert_eq!(
            r.with(Capability::Complaints),
            [Role::new("complaints_officer")]
        );
    }

    #[test]
    fn bad_registries_are_refused() {
        let bad = SHIPPED_ROLES.replace(
            r#""supervisor": "putr_head"}"#,
            r#""supervisor": "nobody"}"#,
        );
        let e = Roles::parse("roles.json", &bad).unwrap_err();
        assert!(
            e.problems
                .iter()
                .any(|p| p.contains("unknown supervisor `nobody`")),
            "{e}"
        );
        let cycle = SHIPPED_ROLES.replace(
            r#"{"code": "agency_head", "title": "Kepala Dinas", "agency": "dpmptsp","#,
            r#"{"code": "agency_head", "title": "Kepala Dinas", "agency": "dpmptsp", "supervisor": "section_head","#,
        );
        let e = Roles::parse("roles.json", &cycle).unwrap_err();
        assert!(e.problems.iter().any(|p| p.contains("cycle")), "{e}");
    }
}
