//! Handing a case at a step to a named officer of the step's role (reassignment): when the
//! officer who holds it is away, overloaded or has a conflict of interest. The case then leaves
//! the role's shared queue for everyone but that officer, and only they decide the step; the
//! hand-over is on the case's audit trail with its reason. It ends when the case leaves the
//! step. Who may hand a case on: an officer of the step's role (to a colleague) and the role's
//! supervisors (`supervisor` in `infra/roles.json`, transitively).
//!
//! Source: the office's own organisation of work; PermenPANRB 14/2017 and UU 25/2009 Pasal 21
//! (the service standard names the officers in charge, "penanggung jawab"), not a rule of when
//! to reassign.

use super::actions::{Change, Ctx, DomainError, begin};
use super::case::{AuditEvent, Case, EventDraft};
use super::delegation::Person;
use super::identity::Caller;
use super::permit::PermitDef;
use super::roles::Role;
use super::validation::FieldError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub step: super::permit::StepCode,
    pub to: Person,
    pub by: super::case::Actor,
    pub at: DateTime<Utc>,
    pub reason: String,
}

impl Case {
    /// The officer the case is handed to at its current step, if it is.
    pub fn assignee(&self) -> Option<&Assignment> {
        self.assignment.as_ref().filter(|a| {
            self.step.as_ref() == Some(&a.step) && self.step_entered_at.is_none_or(|t| a.at >= t)
        })
    }

    /// Whether `sub` may take the case from its step's queue: it is handed to nobody, or to
    /// them.
    pub fn open_to(&self, sub: &str) -> bool {
        self.assignee().is_none_or(|a| a.to.sub == sub)
    }
}

/// The caller's role that may hand on a case waiting at a step of role `role`: the role itself,
/// or one of its supervisors up the chain.
pub fn assigning_role(caller: &Caller, role: &Role) -> Option<Role> {
    let mut r = Some(role.clone());
    for _ in 0..8 {
        let cur = r?;
        if caller.has(&cur) {
            return Some(cur);
        }
        r = cur.supervisor();
    }
    None
}

/// Hands `case` at its current step to `to` (who holds the step's role: `to_roles`, their own
/// and delegated ones), with a reason of 5–500 characters.
#[allow(clippy::too_many_arguments)]
pub fn assign(
    case: &Case,
    def: &PermitDef,
    caller: &Caller,
    to: Person,
    to_roles: &[Role],
    reason: Option<String>,
    version: u64,
    ctx: &Ctx<'_>,
) -> Result<Change, DomainError> {
    let Some(step) = case
        .step
        .as_ref()
        .and_then(|s| def.step(s.as_str()))
        .filter(|st| st.is_staff() && case.is_waiting_at(st.code.as_str()))
    else {
        return Err(DomainError::InvalidState(
            "Berkas tidak sedang menunggu keputusan petugas: tidak ada yang dapat dialihkan."
                .into(),
        ));
    };
    // Staff of the case's office only (a staff member who is also its applicant elsewhere
    // does not act on it there).
    if !caller.works_at(&case.office) {
        return Err(DomainError::NotFound);
    }
    let Some(role) = assigning_role(caller, &step.role) else {
        return Err(DomainError::Forbidden {
            required: step.role.clone(),
        });
    };
    // A hand-over a supervisor made is undone by a supervisor only (it may have taken the case
    // from someone with a conflict of interest).
    if let Some(a) = case.assignee()
        && a.by.role.as_ref() != Some(&step.role)
        && role == step.role
    {
        return Err(DomainError::InvalidState(format!(
            "Berkas ini dialihkan oleh {} ({}); hanya atasan yang dapat mengalihkannya lagi.",
            a.by.name,
            a.by.role.as_ref().map_or_else(String::new, |r| r.label())
        )));
    }
    let mut errors = vec![];
    if to.sub == caller.sub {
        errors.push(FieldError::new(
            "to",
            "self_assignment",
            "Berkas dialihkan kepada petugas lain, bukan kepada diri sendiri.",
        ));
    }
    // Segregation of duties: whoever decided the previous staff step cannot decide this one.
    if case
        .last_staff_actor()
        .is_some_and(|last| last.sub == to.sub)
    {
        errors.push(FieldError::new(
            "to",
            "segregation_of_duties",
            format!(
                "{} memutuskan tahap sebelumnya dan tidak dapat memutuskan tahap ini.",
                to.name
            ),
        ));
    }
    if !to_roles.contains(&step.role) {
        errors.push(FieldError::new(
            "to",
            "role_not_held",
            format!("{} tidak memegang peran {}.", to.name, step.role.label()),
        ));
    }
    if case.assignee().is_some_and(|a| a.to.sub == to.sub) {
        errors.push(FieldError::new(
            "to",
            "already_assigned",
            format!("Berkas ini sudah ditugaskan kepada {}.", to.name),
        ));
    }
    let reason = reason.map(|r| r.trim().to_string()).unwrap_or_default();
    if !(5..=500).contains(&reason.chars().count()) {
        errors.push(FieldError::new(
            "reason",
            if reason.is_empty() {
                "required"
            } else {
                "out_of_range"
            },
            "Alasan pengalihan wajib diisi (5–500 karakter).",
        ));
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    if version != case.version {
        return Err(DomainError::VersionConflict {
            given: version,
            current: case.version,
        });
    }
    let (mut next, expected_version) = begin(case, ctx.now);
    let by = caller.actor(role);
    next.assignment = Some(Assignment {
        step: step.code.clone(),
        to: to.clone(),
        by: by.clone(),
        at: ctx.now,
        reason: reason.clone(),
    });
    let ev = AuditEvent::chain(
        &mut next,
        by,
        EventDraft {
            action: "case.assigned",
            step: Some(step.code.clone()),
            outcome: Some(to.name.clone()),
            reason: Some(reason),
        },
        ctx.origin,
        ctx.now,
    );
    Ok(Change {
        case: next,
        expected_version,
        events: vec![ev],
        records: vec![],
    })
}
