//! Complaints, suggestions and input (pengaduan, saran dan masukan), steps a–f of the seed's
//! "Pengaduan Layanan".
//!
//! Sources: seed `sop-izin-kantor-kas-ksp.md` — the channels (complaints box, telephone
//! 0548-20594, fax 0548-20598, the agency website, the service website, e-mail, in person),
//! the steps (b recorded in the electronic register, c investigated, d followed up — where needed
//! together with Dinas Koperasi, e the complainant's satisfaction checked, f reported to the
//! superior) and the three follow-ups (mediasi; koordinasi dan cek lokasi; sanksi). Perpres
//! 76/2013 on public-service complaint handling: the complainant's identity is confidential,
//! handling is free of charge, and a complete complaint is resolved within 60 (enam puluh) days.

use super::case::{
    Actor, AuditEvent, CaseId, EventDraft, GENESIS_HASH, Origin, PendingCompletion,
    RegistrationNumber,
};
use super::roles::{Capability, Roles};
use super::validation::{self, Errors, FieldError};
use super::{Caller, Role};

/// The roles that keep the complaints register (capability `complaints` in `infra/roles.json`).
pub fn officer_roles() -> Vec<Role> {
    Roles::current().with(Capability::Complaints)
}

/// Who is told when a complaint waits too long: the officers and the roles with
/// `complaint_escalation` (the section head).
pub fn escalation_roles() -> Vec<Role> {
    let mut v = officer_roles();
    v.extend(Roles::current().with(Capability::ComplaintEscalation));
    v
}
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Days to resolve a complete complaint (Perpres 76/2013).
pub const RESOLUTION_DAYS: u64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Portal,
    ComplaintsBox,
    Telephone,
    Fax,
    AgencyWebsite,
    ServiceWebsite,
    Email,
    InPerson,
}

impl Channel {
    pub const ALL: [Channel; 8] = [
        Channel::Portal,
        Channel::ComplaintsBox,
        Channel::Telephone,
        Channel::Fax,
        Channel::AgencyWebsite,
        Channel::ServiceWebsite,
        Channel::Email,
        Channel::InPerson,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Channel::Portal => "Portal Perizinan Digital",
            Channel::ComplaintsBox => "Kotak pengaduan",
            Channel::Telephone => "Telepon (0548-20594)",
            Channel::Fax => "Faksimile (0548-20598)",
            Channel::AgencyWebsite => "Website dpmptsp.bontangkota.go.id",
            Channel::ServiceWebsite => "Website layanan siperietnik.bontangkota.go.id",
            Channel::Email => "E-mail dpmptsp@bontangkota.go.id",
            Channel::InPerson => "Langsung kepada petugas pengaduan",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Channel::Portal => "portal",
            Channel::ComplaintsBox => "complaints_box",
            Channel::Telephone => "telephone",
            Channel::Fax => "fax",
            Channel::AgencyWebsite => "agency_website",
            Channel::ServiceWebsite => "service_website",
            Channel::Email => "email",
            Channel::InPerson => "in_person",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Complaint,
    Suggestion,
    Input,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Complaint => "Pengaduan",
            Kind::Suggestion => "Saran",
            Kind::Input => "Masukan",
        }
    }
}

/// The three follow-ups of the seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpType {
    Mediation,
    CoordinationAndSiteCheck,
    Sanction,
}

impl FollowUpType {
    pub const ALL: [FollowUpType; 3] = [
        FollowUpType::Mediation,
        FollowUpType::CoordinationAndSiteCheck,
        FollowUpType::Sanction,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FollowUpType::Mediation => "mediation",
            FollowUpType::CoordinationAndSiteCheck => "coordination_and_site_check",
            FollowUpType::Sanction => "sanction",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FollowUpType::Mediation => "Mediasi",
            FollowUpType::CoordinationAndSiteCheck => "Koordinasi dan cek lokasi",
            FollowUpType::Sanction => "Sanksi",
        }
    }
}

/// The steps b–e the complaint workflow waits on (f, the closing into the report, is automatic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStep {
    Registration,
    Investigation,
    FollowUp,
    SatisfactionCheck,
}

impl ComplaintStep {
    pub const ALL: [ComplaintStep; 4] = [
        ComplaintStep::Registration,
        ComplaintStep::Investigation,
        ComplaintStep::FollowUp,
        ComplaintStep::SatisfactionCheck,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ComplaintStep::Registration => "registration",
            ComplaintStep::Investigation => "investigation",
            ComplaintStep::FollowUp => "follow_up",
            ComplaintStep::SatisfactionCheck => "satisfaction_check",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }

    pub fn sop(self) -> &'static str {
        match self {
            ComplaintStep::Registration => "b",
            ComplaintStep::Investigation => "c",
            ComplaintStep::FollowUp => "d",
            ComplaintStep::SatisfactionCheck => "e",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            ComplaintStep::Registration => "Pencatatan pengaduan ke laporan elektronik",
            ComplaintStep::Investigation => "Penelitian dan pemeriksaan pengaduan",
            ComplaintStep::FollowUp => "Tindak lanjut hasil penelitian dan pemeriksaan",
            ComplaintStep::SatisfactionCheck => "Verifikasi kepuasan pengadu atas tindak lanjut",
        }
    }

    pub fn outcomes(self) -> &'static [&'static str] {
        match self {
            ComplaintStep::Registration => &["registered"],
            ComplaintStep::Investigation => &["investigated"],
            ComplaintStep::FollowUp => &["followed_up"],
            ComplaintStep::SatisfactionCheck => &["satisfied", "dissatisfied", "unreachable"],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complainant {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<super::values::Email>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<super::values::Phone>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub types: Vec<FollowUpType>,
    /// Handled together with Dinas Koperasi, UKM dan Perdagangan (seed step d).
    pub with_dinas_koperasi: bool,
    pub notes: String,
    pub actor: Actor,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SatisfactionRound {
    /// `satisfied`, `dissatisfied` (back to follow-up) or `unreachable`.
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub actor: Actor,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    Open,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    /// Shares the id space of cases so that its audit trail lives beside theirs.
    pub id: CaseId,
    /// What the complainant quotes to follow it (unguessable; no login needed).
    pub tracking_code: String,
    pub channel: Channel,
    pub kind: Kind,
    /// The case it is about, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<RegistrationNumber>,
    pub text: String,
    /// `None`: anonymous.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complainant: Option<Complainant>,
    /// The portal user who filed it, if signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filed_by: Option<String>,
    /// The officer who recorded a complaint received through another channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_by: Option<Actor>,
    pub filed_at: DateTime<Utc>,
    pub status: ComplaintStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<ComplaintStep>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_completion: Option<PendingCompletion>,
    /// Registered as complete (b): the 60 days run from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<String>,
    #[serde(default)]
    pub follow_ups: Vec<FollowUp>,
    #[serde(default)]
    pub satisfaction: Vec<SatisfactionRound>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_alert_on: Option<NaiveDate>,
    pub version: u64,
    pub audit_seq: u64,
    pub audit_head: String,
}

impl Complaint {
    pub fn waiting_at(&self) -> Option<ComplaintStep> {
        self.task_token.as_ref().and(self.step)
    }

    /// The final satisfaction outcome, once closed.
    pub fn outcome(&self) -> Option<&str> {
        (self.status == ComplaintStatus::Closed)
            .then(|| self.satisfaction.last().map(|r| r.outcome.as_str()))
            .flatten()
    }
}

impl super::case::Chained for Complaint {
    fn chain_state(&mut self) -> (CaseId, &mut u64, &mut String) {
        (self.id, &mut self.audit_seq, &mut self.audit_head)
    }
}

/// The body of a complaint (portal) or of a complaint an officer records.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintInput {
    pub kind: Option<Kind>,
    pub text: Option<String>,
    /// A registration number (`KK-2026-000123`) when it is about a case.
    pub about: Option<String>,
    pub anonymous: Option<bool>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Officers only: how it came in.
    pub channel: Option<Channel>,
}

/// 10 characters from an alphabet without look-alikes: ~50 bits, not guessable.
pub fn new_tracking_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut b = [0u8; 10];
    getrandom::fill(&mut b).expect("the OS random source works");
    let s: String = b
        .iter()
        .map(|x| ALPHABET[(*x as usize) % 32] as char)
        .collect();
    format!("ADU-{}-{}", &s[..5], &s[5..])
}

impl ComplaintInput {
    /// Parses a complaint. `officer` is set when a complaints officer records it (any channel but
    /// the portal); otherwise the channel is the portal.
    pub fn parse(
        self,
        officer: Option<&Caller>,
        now: DateTime<Utc>,
    ) -> Result<Complaint, Vec<FieldError>> {
        let mut e = Errors::default();
        let kind = e.field("kind", self.kind, Ok);
        let text = e.field("text", self.text, |t| validation::text(t, 10, 5000));
        let about = e.optional("about", self.about, |r| {
            RegistrationNumber::parse(r.trim()).ok_or_else(|| {
                FieldError::new(
                    "",
                    "invalid_registration_number",
                    "Nomor pendaftaran tidak valid (contoh KK-2026-000123).",
                )
            })
        });
        let anonymous = self.anonymous.unwrap_or(false);
        let complainant = if anonymous {
            for (f, present) in [
                ("name", self.name.is_some()),
                ("email", self.email.is_some()),
                ("phone", self.phone.is_some()),
            ] {
                if present {
                    e.push(FieldError::new(
                        f,
                        "not_applicable",
                        "Pengaduan anonim tidak mencantumkan identitas.",
                    ));
                }
            }
            None
        } else {
            let name = e.field("name", self.name, |n| validation::text(n, 2, 120));
            let email = e.optional("email", self.email, |m| super::values::Email::parse(&m));
            let phone = e.optional("phone", self.phone, |p| super::values::Phone::parse(&p));
            name.map(|name| Complainant { name, email, phone })
        };
        let channel = match (officer, self.channel) {
            (None, None | Some(Channel::Portal)) => Some(Channel::Portal),
            (None, Some(_)) => {
                e.push(FieldError::new(
                    "channel",
                    "not_applicable",
                    "Saluran lain dicatat oleh petugas pengaduan.",
                ));
                None
            }
            (Some(_), None) => {
                e.push(FieldError::required("channel"));
                None
            }
            (Some(_), Some(Channel::Portal)) => {
                e.push(FieldError::new(
                    "channel",
                    "invalid_choice",
                    "Pengaduan melalui portal diajukan sendiri oleh pengadu.",
                ));
                None
            }
            (Some(_), Some(c)) => Some(c),
        };
        match (e.is_empty(), kind, text, channel) {
            (true, Some(kind), Some(text), Some(channel)) => Ok(Complaint {
                id: CaseId::new(),
                tracking_code: new_tracking_code(),
                channel,
                kind,
                about,
                text,
                complainant,
                filed_by: None,
                recorded_by: officer
                    .and_then(|o| o.role_with(Capability::Complaints).map(|r| o.actor(r))),
                filed_at: now,
                status: ComplaintStatus::Open,
                step: None,
                task_token: None,
                pending_completion: None,
                registered_at: None,
                due_on: None,
                findings: None,
                follow_ups: vec![],
                satisfaction: vec![],
                closed_at: None,
                deadline_alert_on: None,
                version: 0,
                audit_seq: 0,
                audit_head: GENESIS_HASH.to_string(),
            }),
            _ => Err(e.0),
        }
    }
}

/// A decision at a complaint step.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintDecisionInput {
    pub version: Option<u64>,
    pub outcome: Option<String>,
    /// c: what the investigation found.
    pub findings: Option<String>,
    /// d: one or more of `mediation`, `coordination_and_site_check`, `sanction`.
    pub follow_up: Option<Vec<String>>,
    /// d: handled together with Dinas Koperasi.
    pub with_dinas_koperasi: Option<bool>,
    pub notes: Option<String>,
}

/// A change of a complaint to commit.
#[derive(Debug, Clone)]
pub struct ComplaintChange {
    pub complaint: Complaint,
    pub expected_version: u64,
    pub events: Vec<AuditEvent>,
}

fn begin(c: &Complaint) -> (Complaint, u64) {
    let mut n = c.clone();
    n.version += 1;
    (n, c.version)
}

/// The retention schedule erases a closed complaint's complainant (name, e-mail, phone) `days`
/// days after closing (UU 27/2022 Pasal 43; the period is `complaint_identity_days`). The
/// complaint itself, its findings and its audit trail stay. `None` when there is nothing to
/// erase (still open, or already anonymous).
pub fn erase_identity(c: &Complaint, days: u32, now: DateTime<Utc>) -> Option<ComplaintChange> {
    if c.status != ComplaintStatus::Closed || c.complainant.is_none() {
        return None;
    }
    let (mut next, expected_version) = begin(c);
    next.complainant = None;
    let ev = super::case::AuditEvent::chain(
        &mut next,
        super::case::Actor::system(),
        super::case::EventDraft {
            action: "complaint.identity_erased",
            reason: Some(format!(
                "Identitas pengadu dihapus {days} hari setelah pengaduan ditutup sesuai jadwal \
                 retensi (UU 27/2022 Pasal 43)."
            )),
            ..Default::default()
        },
        &super::case::Origin::default(),
        now,
    );
    Some(ComplaintChange {
        complaint: next,
        expected_version,
        events: vec![ev],
    })
}

/// Validates and applies a decision by a complaints officer. Errors: 403 (not an officer),
/// 422 (fields), 409 (not waiting at this step, stale version).
pub fn decide(
    c: &Complaint,
    caller: &Caller,
    step: ComplaintStep,
    input: ComplaintDecisionInput,
    now: DateTime<Utc>,
    origin: &Origin,
) -> Result<ComplaintChange, super::DomainError> {
    use super::DomainError;
    let Some(officer_role) = caller.role_with(Capability::Complaints) else {
        return Err(DomainError::Forbidden {
            required: officer_roles()
                .into_iter()
                .next()
                .unwrap_or_else(Role::applicant),
        });
    };
    let mut e = Errors::default();
    let version = e.field("version", input.version, Ok);
    let outcome = e.field("outcome", input.outcome, |o| {
        step.outcomes()
            .iter()
            .find(|x| **x == o)
            .copied()
            .ok_or_else(|| {
                FieldError::new(
                    "",
                    "unknown_outcome",
                    format!("Gunakan: {}.", step.outcomes().join(", ")),
                )
            })
    });
    let notes = e.optional("notes", input.notes, |t| validation::text(t, 1, 4000));
    let findings_given = input.findings.is_some();
    let follow_up_given = input.follow_up.is_some();
    let mut findings = None;
    let mut follow_up = None;
    match step {
        ComplaintStep::Investigation => {
            findings = e.field("findings", input.findings.clone(), |t| {
                validation::text(t, 3, 4000)
            });
        }
        ComplaintStep::FollowUp => {
            follow_up = e.field("follow_up", input.follow_up.clone(), |list| {
                let mut out = vec![];
                for t in list {
                    let ty = FollowUpType::ALL
                        .into_iter()
                        .find(|x| x.code() == t)
                        .ok_or_else(|| {
                            FieldError::new(
                                "",
                                "invalid_follow_up",
                                "Tindak lanjut hanya mediasi (mediation), koordinasi dan cek lokasi (coordination_and_site_check), atau sanksi (sanction).",
                            )
                        })?;
                    if !out.contains(&ty) {
                        out.push(ty);
                    }
                }
                if out.is_empty() {
                    return Err(FieldError::new("", "required", "Pilih paling sedikit satu tindak lanjut."));
                }
                Ok(out)
            });
            if notes.is_none() && !e.0.iter().any(|x| x.field == "notes") {
                e.push(FieldError::new(
                    "notes",
                    "required",
                    "Uraikan tindak lanjut yang dilakukan.",
                ));
            }
        }
        _ => {}
    }
    if step != ComplaintStep::Investigation && findings_given {
        e.push(FieldError::new(
            "findings",
            "not_applicable",
            "Isian ini hanya untuk penelitian (c).",
        ));
    }
    if step != ComplaintStep::FollowUp && follow_up_given {
        e.push(FieldError::new(
            "follow_up",
            "not_applicable",
            "Isian ini hanya untuk tindak lanjut (d).",
        ));
    }
    if step != ComplaintStep::FollowUp && input.with_dinas_koperasi.is_some() {
        e.push(FieldError::new(
            "with_dinas_koperasi",
            "not_applicable",
            "Isian ini hanya untuk tindak lanjut (d).",
        ));
    }
    let (Some(version), Some(outcome), true) = (version, outcome, e.is_empty()) else {
        return Err(DomainError::Validation(e.0));
    };
    if c.waiting_at() != Some(step) {
        return Err(DomainError::InvalidState(match c.status {
            ComplaintStatus::Closed => "Pengaduan ini sudah selesai ditangani.".into(),
            ComplaintStatus::Open => format!(
                "Pengaduan tidak sedang menunggu tahap {} ({}).",
                step.title(),
                step.sop()
            ),
        }));
    }
    if version != c.version {
        return Err(DomainError::VersionConflict {
            given: version,
            current: c.version,
        });
    }
    let token = c.task_token.clone().unwrap_or_default();
    let (mut n, expected_version) = begin(c);
    let actor = caller.actor(officer_role);
    match step {
        ComplaintStep::Registration => {
            n.registered_at = Some(now);
            n.due_on = super::time::wita_date(now).checked_add_days(Days::new(RESOLUTION_DAYS));
        }
        ComplaintStep::Investigation => n.findings = findings,
        ComplaintStep::FollowUp => n.follow_ups.push(FollowUp {
            types: follow_up.unwrap_or_default(),
            with_dinas_koperasi: input.with_dinas_koperasi.unwrap_or(false),
            notes: notes.clone().unwrap_or_default(),
            actor: actor.clone(),
            at: now,
        }),
        ComplaintStep::SatisfactionCheck => n.satisfaction.push(SatisfactionRound {
            outcome: outcome.to_string(),
            note: notes.clone(),
            actor: actor.clone(),
            at: now,
        }),
    }
    n.task_token = None;
    n.pending_completion = Some(PendingCompletion {
        token,
        output: serde_json::json!({ "outcome": outcome }),
    });
    let ev = AuditEvent::chain(
        &mut n,
        actor,
        EventDraft {
            action: "complaint.decided",
            outcome: Some(format!("{}:{outcome}", step.code())),
            reason: notes,
            ..Default::default()
        },
        origin,
        now,
    );
    Ok(ComplaintChange {
        complaint: n,
        expected_version,
        events: vec![ev],
    })
}

/// The complaint workflow waits at `step` with `token` (None when already recorded).
pub fn enter(
    c: &Complaint,
    step: ComplaintStep,
    token: String,
    now: DateTime<Utc>,
) -> Option<ComplaintChange> {
    if c.step == Some(step) && c.task_token.as_deref() == Some(token.as_str()) {
        return None;
    }
    let (mut n, expected_version) = begin(c);
    n.step = Some(step);
    n.task_token = Some(token);
    n.pending_completion = None;
    let ev = AuditEvent::chain(
        &mut n,
        Actor::system(),
        EventDraft {
            action: "complaint.step_entered",
            outcome: Some(step.code().to_string()),
            ..Default::default()
        },
        &Origin::default(),
        now,
    );
    Some(ComplaintChange {
        complaint: n,
        expected_version,
        events: vec![ev],
    })
}

/// Step f: the complaint is closed into the periodic report (None when already closed).
pub fn close(c: &Complaint, now: DateTime<Utc>) -> Option<ComplaintChange> {
    if c.status == ComplaintStatus::Closed {
        return None;
    }
    let (mut n, expected_version) = begin(c);
    n.status = ComplaintStatus::Closed;
    n.step = None;
    n.task_token = None;
    n.pending_completion = None;
    n.closed_at = Some(now);
    let ev = AuditEvent::chain(
        &mut n,
        Actor::system(),
        EventDraft {
            action: "complaint.closed",
            ..Default::default()
        },
        &Origin::default(),
        now,
    );
    Some(ComplaintChange {
        complaint: n,
        expected_version,
        events: vec![ev],
    })
}

/// The complaint is recorded (seed a): its first event.
pub fn filed(
    mut c: Complaint,
    actor: Actor,
    origin: &Origin,
    now: DateTime<Utc>,
) -> (Complaint, AuditEvent) {
    let channel = c.channel.code().to_string();
    let ev = AuditEvent::chain(
        &mut c,
        actor,
        EventDraft {
            action: "complaint.filed",
            outcome: Some(channel),
            ..Default::default()
        },
        origin,
        now,
    );
    (c, ev)
}

/// The overdue job marks an open complaint past or near its 60 days once a day.
pub fn deadline_alerted(
    c: &Complaint,
    today: NaiveDate,
    overdue: bool,
    now: DateTime<Utc>,
) -> ComplaintChange {
    let (mut n, expected_version) = begin(c);
    n.deadline_alert_on = Some(today);
    let ev = AuditEvent::chain(
        &mut n,
        Actor::system(),
        EventDraft {
            action: if overdue {
                "deadline.overdue"
            } else {
                "deadline.near_due"
            },
            outcome: c.due_on.map(|d| d.to_string()),
            ..Default::default()
        },
        &Origin::default(),
        now,
    );
    ComplaintChange {
        complaint: n,
        expected_version,
        events: vec![ev],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn officer() -> Caller {
        Caller {
            sub: "adu".into(),
            name: "Fajar".into(),
            email: None,
            roles: vec![Role::new("complaints_officer")],
        }
    }

    #[test]
    fn portal_and_recorded_complaints() {
        let now = Utc::now();
        let c = ComplaintInput {
            kind: Some(Kind::Complaint),
            text: Some("Petugas tidak menjelaskan syarat dengan jelas.".into()),
            anonymous: Some(true),
            ..Default::default()
        }
        .parse(None, now)
        .unwrap();
        assert_eq!(c.channel, Channel::Portal);
        assert!(c.complainant.is_none());
        assert!(c.tracking_code.starts_with("ADU-") && c.tracking_code.len() == 15);
        let errs = ComplaintInput {
            kind: Some(Kind::Complaint),
            text: Some("Telepon tidak diangkat selama jam kerja.".into()),
            name: Some("Budi".into()),
            ..Default::default()
        }
        .parse(Some(&officer()), now)
        .unwrap_err();
        assert_eq!(errs[0].field, "channel");
        let c = ComplaintInput {
            kind: Some(Kind::Suggestion),
            text: Some("Mohon sediakan ruang tunggu yang lebih luas.".into()),
            name: Some("Budi".into()),
            channel: Some(Channel::Telephone),
            ..Default::default()
        }
        .parse(Some(&officer()), now)
        .unwrap();
        assert_eq!(c.channel, Channel::Telephone);
        assert_eq!(c.recorded_by.unwrap().sub, "adu");
    }

    #[test]
    fn follow_up_types_are_the_three_of_the_seed() {
        let now = Utc::now();
        let mut c = ComplaintInput {
            kind: Some(Kind::Complaint),
            text: Some("Kantor kas beroperasi sebelum izin terbit.".into()),
            anonymous: Some(true),
            ..Default::default()
        }
        .parse(None, now)
        .unwrap();
        c.step = Some(ComplaintStep::FollowUp);
        c.task_token = Some("t".into());
        let bad = decide(
            &c,
            &officer(),
            ComplaintStep::FollowUp,
            ComplaintDecisionInput {
                version: Some(0),
                outcome: Some("followed_up".into()),
                follow_up: Some(vec!["warning_letter".into()]),
                notes: Some("x".into()),
                ..Default::default()
            },
            now,
            &Origin::default(),
        )
        .unwrap_err();
        let super::super::DomainError::Validation(errs) = bad else {
            panic!()
        };
        assert_eq!(errs[0].code, "invalid_follow_up");
        let ok = decide(
            &c,
            &officer(),
            ComplaintStep::FollowUp,
            ComplaintDecisionInput {
                version: Some(0),
                outcome: Some("followed_up".into()),
                follow_up: Some(vec![
                    "coordination_and_site_check".into(),
                    "sanction".into(),
                ]),
                with_dinas_koperasi: Some(true),
                notes: Some("Cek lokasi bersama Dinas Koperasi; teguran tertulis.".into()),
                ..Default::default()
            },
            now,
            &Origin::default(),
        )
        .unwrap();
        assert_eq!(
            ok.complaint.follow_ups[0].types,
            [
                FollowUpType::CoordinationAndSiteCheck,
                FollowUpType::Sanction
            ]
        );
        assert!(ok.complaint.follow_ups[0].with_dinas_koperasi);
        let not_officer = Caller {
            roles: vec![Role::new("section_head")],
            ..officer()
        };
        assert!(matches!(
            decide(
                &c,
                &not_officer,
                ComplaintStep::FollowUp,
                ComplaintDecisionInput::default(),
                now,
                &Origin::default()
            ),
            Err(super::super::DomainError::Forbidden { .. })
        ));
    }
}

/// Notices of the complaint process (Bahasa Indonesia). They never carry the complainant's
/// identity or the complaint's text: staff read those in the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComplaintNotice {
    /// To the complainant: received, with the tracking code.
    Received,
    /// To the complaints officer: it waits at a step.
    Queue { step: ComplaintStep },
    /// To the complainant: handled and closed.
    Closed,
    /// To the officer and the section head: a step waited past its timeout, or the 60 days
    /// are near or past.
    Late { overdue: bool },
}

impl ComplaintNotice {
    pub fn code(&self) -> &'static str {
        match self {
            ComplaintNotice::Received => "complaint_received",
            ComplaintNotice::Queue { .. } => "complaint_queue",
            ComplaintNotice::Closed => "complaint_closed",
            ComplaintNotice::Late { .. } => "complaint_late",
        }
    }

    pub fn render(
        &self,
        c: &Complaint,
        agency: &super::notices::Agency,
        portal_url: &str,
    ) -> super::notices::Message {
        let code = &c.tracking_code;
        let link = format!("{}/#/pengaduan/{code}", portal_url.trim_end_matches('/'));
        let (subject, lines): (String, Vec<String>) = match self {
            ComplaintNotice::Received => (
                format!("{} Anda telah kami terima: {code}", c.kind.label()),
                vec![
                    format!(
                        "{} Anda telah kami terima pada {} dengan kode pelacakan {code}.",
                        c.kind.label(),
                        super::time::format_instant_id(c.filed_at)
                    ),
                    format!(
                        "Pengaduan diselesaikan paling lambat {RESOLUTION_DAYS} hari sejak tercatat lengkap, tanpa dipungut biaya, dan identitas Anda dirahasiakan (Perpres 76/2013)."
                    ),
                ],
            ),
            ComplaintNotice::Queue { step } => (
                format!("Pengaduan {code} menunggu tindakan: {}", step.title()),
                vec![format!(
                    "Pengaduan {code} menunggu tindakan Anda pada tahap {} (huruf {}).",
                    step.title(),
                    step.sop()
                )],
            ),
            ComplaintNotice::Closed => {
                let mut lines = vec![format!(
                    "{} Anda dengan kode {code} telah selesai ditangani.",
                    c.kind.label()
                )];
                if let Some(f) = c.follow_ups.last() {
                    let types: Vec<&str> = f.types.iter().map(|t| t.label()).collect();
                    lines.push(format!("Tindak lanjut: {}.", types.join(", ")));
                }
                lines.push("Terima kasih atas masukan Anda untuk perbaikan layanan.".into());
                (format!("Pengaduan selesai ditangani: {code}"), lines)
            }
            ComplaintNotice::Late { overdue } => {
                let what = if *overdue {
                    "telah melewati"
                } else {
                    "mendekati"
                };
                let mut lines = vec![format!(
                    "Pengaduan {code} {what} batas waktu penyelesaian {RESOLUTION_DAYS} hari."
                )];
                if let Some(d) = c.due_on {
                    lines.push(format!("Batas waktu: {}.", super::time::format_date_id(d)));
                }
                (
                    format!(
                        "{} batas waktu pengaduan: {code}",
                        if *overdue { "Melewati" } else { "Mendekati" }
                    ),
                    lines,
                )
            }
        };
        let mut body = String::from("Yth. Bapak/Ibu,\n\n");
        for l in lines {
            body.push_str(&l);
            body.push('\n');
        }
        body.push_str(&format!("\nLacak pengaduan: {link}\n"));
        body.push_str(&format!(
            "\nHormat kami,\nPetugas Pengaduan\n{}\n{}\n{} | Telp {} | Faks {}\n{} | {}\n",
            agency.name,
            agency.government,
            agency.address,
            agency.phone,
            agency.fax,
            agency.website,
            agency.email
        ));
        super::notices::Message { subject, body }
    }
}
