//! The caller of an action, as the gateway's verified claims describe them.

use super::case::{Actor, Case, CaseStatus};
use super::office::OfficeCode;
use super::permit::PermitDef;
use super::roles::{Capability, Role, Roles};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    /// Subject id from the verified token (Cognito `sub`).
    pub sub: String,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    pub roles: Vec<Role>,
    /// A staff member's office (`custom:office`, set by administrators only; `domain::office`).
    /// Staff see, list and act on their office's records only; an applicant has none (they
    /// apply to any office).
    #[serde(default)]
    pub office: Option<OfficeCode>,
    /// Roles held today by delegation (Plt./Plh.), already among `roles`, each with what it
    /// acts under (`domain::delegation`; added by the API from the office's delegations).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acting: Vec<(Role, super::delegation::ActingFor)>,
    /// When the token was issued (its `iat`, seconds): a staff member's token from before an
    /// administrator changed their access is refused (`domain::roster`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<i64>,
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

    /// Whether the caller is staff of `office` (another office's records are not theirs to
    /// see: ASVS 5.0 V8.4, tenant isolation).
    pub fn works_at(&self, office: &OfficeCode) -> bool {
        self.is_staff() && self.office.as_ref() == Some(office)
    }

    pub fn actor(&self, role: Role) -> Actor {
        let acting = self
            .acting
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, a)| a.clone());
        Actor {
            acting,
            sub: self.sub.clone(),
            name: self.name.clone(),
            role: Some(role),
        }
    }

    /// Object-level access, on a need to know: an applicant sees only their own cases; a staff
    /// member sees a submitted case (a draft is the applicant's alone) when one of their roles
    /// [`role_sees`] it. `def` is the case's permit (a case of a permit no longer served is seen
    /// by its owner only).
    pub fn can_see(&self, case: &Case, def: Option<&PermitDef>) -> bool {
        if case.owner == self.sub {
            return true;
        }
        if case.status == CaseStatus::Draft || !self.works_at(&case.office) {
            return false;
        }
        def.is_some_and(|def| self.roles.iter().any(|r| role_sees(r, case, def)))
    }
}

/// Whether staff role `role` needs to see `case` of permit `def`:
/// - a role that decides steps of the permit, of the office itself (the agency of the permit's
///   signers, e.g. DPMPTSP): from submission on;
/// - such a role of another agency (a technical agency, e.g. Dinas Koperasi): from its first
///   step on — once the case has entered one of its steps;
/// - a supervisor (`supervisor` in `infra/roles.json`, transitively) of a role that sees it;
/// - anyone else (the complaints officer, another permit's agency): not.
///
/// Source: ASVS 5.0 V8 (object-level authorization, need to know); UU 27/2022 (PDP) Pasal 16
/// ayat (2) huruf b (processing limited to its purpose).
pub fn role_sees(role: &Role, case: &Case, def: &PermitDef) -> bool {
    fn sees(role: &Role, case: &Case, def: &PermitDef, office: &[String], depth: u8) -> bool {
        if depth > 8 || !role.is_staff() {
            return false;
        }
        let own_steps: Vec<&str> = def
            .steps
            .iter()
            .filter(|s| &s.role == role)
            .map(|s| s.code.as_str())
            .collect();
        if !own_steps.is_empty() {
            let agency = Roles::current()
                .get(role.code())
                .and_then(|d| d.agency.clone());
            let of_office = agency.is_some_and(|a| office.contains(&a));
            let reached = case
                .timeline
                .iter()
                .any(|s| own_steps.contains(&s.step.as_str()))
                || case
                    .step
                    .as_ref()
                    .is_some_and(|s| own_steps.contains(&s.as_str()));
            if of_office || reached {
                return true;
            }
        }
        // A supervisor sees what the roles they supervise see.
        Roles::current().staff().any(|d| {
            d.supervisor.as_ref() == Some(role) && sees(&d.code, case, def, office, depth + 1)
        })
    }
    let office: Vec<String> = def
        .signer_roles()
        .iter()
        .filter_map(|r| {
            Roles::current()
                .get(r.code())
                .and_then(|d| d.agency.clone())
        })
        .collect();
    sees(role, case, def, &office, 0)
}
