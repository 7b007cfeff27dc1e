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
//!
//! Registration (b) has three outcomes: `registered` (complete: the 60 days start), `incomplete`
//! (the officer states what is missing; the complainant completes it through the public tracking
//! page within [`COMPLETION_WORKING_DAYS`] working days, or the complaint closes as
//! `closed_incomplete`) and `outside_authority` (the officer names the institution it is
//! forwarded to; the complaint closes). SP4N-LAPOR! (lapor.go.id, the national complaints system
//! resting on Perpres 76/2013 and UU 25/2009) is a channel the officer records from, with the
//! complaint's LAPOR! tracking number.
//!
//! Registration also closes what is not a complaint to handle: `spam` (closed without follow-up
//! and without a notice) and `duplicate` (the officer names the earlier complaint's tracking
//! code; closed, the complainant told that it is handled under the earlier one). Both are the
//! office's choice (issue 17 item 3): Perpres 76/2013 names no such outcome, but its duty to
//! handle a complaint presumes one that can be handled.
//!
//! Anonymous filing (no sign-in) is guarded without a third party ([`abuse`]): a proof of work
//! on a challenge the server signed, and no e-mail to an address but one confirmation request
//! until its owner opens the link in it.

use super::calendar::Calendar;
use super::case::{
    Actor, AuditEvent, CaseId, EventDraft, GENESIS_HASH, Origin, PendingCompletion,
    RegistrationNumber,
};
use super::roles::{Capability, Roles};
use super::validation::{self, Errors, FieldError};
use super::{Caller, Role};

/// The complainant acting without an account (the portal's form, the public tracking page).
pub fn complainant() -> Actor {
    Actor {
        sub: "public".into(),
        name: "Pengadu".into(),
        role: None,
        acting: None,
    }
}

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

/// Working days the complainant has to complete an incomplete complaint, counted from the day
/// after the officer asks (the office's [`Calendar`]: weekends, national holidays and cuti
/// bersama do not count); completing on the last day is in time.
///
/// This is the office's choice, not a number taken from a regulation: Perpres 76/2013 fixes the
/// 60 days for a complete complaint but no period for completing one, and no regulation's
/// number of days for it could be verified here. Ten working days (two working weeks) is what
/// the complaints desk of DPMPTSP Kota Bontang sets; change it here if a regulation or the
/// office's service standard fixes another.
pub const COMPLETION_WORKING_DAYS: u32 = 10;

/// The last day to complete a complaint asked to be completed on `asked_on`.
pub fn completion_due_on(calendar: &Calendar, asked_on: NaiveDate) -> NaiveDate {
    calendar
        .add_working_days(asked_on, COMPLETION_WORKING_DAYS)
        .value
}

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
    /// SP4N-LAPOR! (lapor.go.id): recorded by the officer with the LAPOR! tracking number.
    Sp4nLapor,
}

impl Channel {
    pub const ALL: [Channel; 9] = [
        Channel::Portal,
        Channel::ComplaintsBox,
        Channel::Telephone,
        Channel::Fax,
        Channel::AgencyWebsite,
        Channel::ServiceWebsite,
        Channel::Email,
        Channel::InPerson,
        Channel::Sp4nLapor,
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
            Channel::Sp4nLapor => "SP4N-LAPOR!",
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
            Channel::Sp4nLapor => "sp4n_lapor",
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

/// The steps the complaint workflow waits on: b–e, decided by the complaints officer, and the
/// complainant's completion of an incomplete complaint (f, the closing into the report, is
/// automatic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStep {
    Registration,
    Investigation,
    FollowUp,
    SatisfactionCheck,
    /// The complainant completes an incomplete complaint (through the public tracking page);
    /// `expired` comes from the daily job once [`COMPLETION_WORKING_DAYS`] have passed.
    Completion,
}

impl ComplaintStep {
    /// The officer's steps b–e (each has a decision route).
    pub const ALL: [ComplaintStep; 4] = [
        ComplaintStep::Registration,
        ComplaintStep::Investigation,
        ComplaintStep::FollowUp,
        ComplaintStep::SatisfactionCheck,
    ];

    /// Every step the workflow waits on: the officer's and the complainant's completion.
    pub const AWAITED: [ComplaintStep; 5] = [
        ComplaintStep::Registration,
        ComplaintStep::Investigation,
        ComplaintStep::FollowUp,
        ComplaintStep::SatisfactionCheck,
        ComplaintStep::Completion,
    ];

    /// Whether the complaints officer decides it (b–e).
    pub fn is_officer_step(self) -> bool {
        self != ComplaintStep::Completion
    }

    pub fn code(self) -> &'static str {
        match self {
            ComplaintStep::Registration => "registration",
            ComplaintStep::Investigation => "investigation",
            ComplaintStep::FollowUp => "follow_up",
            ComplaintStep::SatisfactionCheck => "satisfaction_check",
            ComplaintStep::Completion => "completion",
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
            ComplaintStep::Completion => "b",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            ComplaintStep::Registration => "Pencatatan pengaduan ke laporan elektronik",
            ComplaintStep::Investigation => "Penelitian dan pemeriksaan pengaduan",
            ComplaintStep::FollowUp => "Tindak lanjut hasil penelitian dan pemeriksaan",
            ComplaintStep::SatisfactionCheck => "Verifikasi kepuasan pengadu atas tindak lanjut",
            ComplaintStep::Completion => "Menunggu pengadu melengkapi pengaduan",
        }
    }

    pub fn outcomes(self) -> &'static [&'static str] {
        match self {
            ComplaintStep::Registration => &[
                "registered",
                "incomplete",
                "outside_authority",
                "spam",
                "duplicate",
            ],
            ComplaintStep::Investigation => &["investigated"],
            ComplaintStep::FollowUp => &["followed_up"],
            ComplaintStep::SatisfactionCheck => &["satisfied", "dissatisfied", "unreachable"],
            ComplaintStep::Completion => &["completed", "expired"],
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

/// How a closed complaint ended (complaints closed before this field existed: handled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosedAs {
    /// Through b–e into the report (f).
    Handled,
    /// Incomplete at registration and not completed in time: not followed up.
    #[serde(rename = "closed_incomplete")]
    Incomplete,
    /// Outside the office's authority: forwarded to the institution named.
    OutsideAuthority,
    /// Registration `spam`: not a complaint (advertising, abuse, nonsense); no notice.
    #[serde(rename = "closed_spam")]
    Spam,
    /// Registration `duplicate`: the same as an earlier complaint (`duplicate_of`).
    #[serde(rename = "closed_duplicate")]
    Duplicate,
}

impl ClosedAs {
    pub const ALL: [ClosedAs; 5] = [
        ClosedAs::Handled,
        ClosedAs::Incomplete,
        ClosedAs::OutsideAuthority,
        ClosedAs::Spam,
        ClosedAs::Duplicate,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ClosedAs::Handled => "handled",
            ClosedAs::Incomplete => "closed_incomplete",
            ClosedAs::OutsideAuthority => "outside_authority",
            ClosedAs::Spam => "closed_spam",
            ClosedAs::Duplicate => "closed_duplicate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ClosedAs::Handled => "Selesai ditangani",
            ClosedAs::Incomplete => "Ditutup: tidak dilengkapi pengadu, tidak ditindaklanjuti",
            ClosedAs::OutsideAuthority => "Ditutup: di luar kewenangan, diteruskan",
            ClosedAs::Spam => "Ditutup: spam, bukan pengaduan, tidak ditindaklanjuti",
            ClosedAs::Duplicate => "Ditutup: sama dengan pengaduan yang sudah tercatat",
        }
    }
}

/// The officer asked the complainant to complete the complaint (registration `incomplete`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletionRequest {
    /// What is missing, in the officer's words (told to the complainant).
    pub missing: String,
    pub actor: Actor,
    pub asked_at: DateTime<Utc>,
    /// The last day to complete it ([`COMPLETION_WORKING_DAYS`] working days).
    pub due_on: NaiveDate,
    /// When the complainant completed it (in time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<DateTime<Utc>>,
    /// What the complainant added (officers only, like the complaint's text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addition: Option<String>,
    /// Not completed by `due_on`: the daily job closed the complaint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    /// Shares the id space of cases so that its audit trail lives beside theirs.
    pub id: CaseId,
    /// What the complainant quotes to follow it (unguessable; no login needed).
    pub tracking_code: String,
    /// The office complained to (`domain::office`; complaints from before offices are the
    /// founding office's).
    #[serde(default = "super::office::founding_code")]
    pub office: super::office::OfficeCode,
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
    /// Channel SP4N-LAPOR!: the complaint's tracking number in LAPOR!.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lapor_reference: Option<String>,
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
    /// Registration `incomplete`: each time the complainant was asked to complete it.
    #[serde(default)]
    pub completion_requests: Vec<CompletionRequest>,
    /// Registration `outside_authority`: the institution it is forwarded to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded_to: Option<String>,
    /// Registration `duplicate`: the tracking code of the earlier complaint (officers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    /// Filed without sign-in with an e-mail address: when its confirmation was asked for. While
    /// set and [`email_confirmed_at`](Self::email_confirmed_at) is not, the address receives
    /// nothing but that one request (complaints stored before this field: confirmed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_confirmation_requested_at: Option<DateTime<Utc>>,
    /// When the address was confirmed: by its owner's link, or at filing (a signed-in
    /// applicant's own verified address, an address an officer recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_confirmed_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
    /// How it closed (`None` while open, and on complaints closed before outcomes existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_as: Option<ClosedAs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_alert_on: Option<NaiveDate>,
    pub version: u64,
    pub audit_seq: u64,
    pub audit_head: String,
    /// The head's keyed MAC ([`crate::audit::head_mac`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_mac: Option<String>,
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

    /// How it closed (a closed complaint without the field was handled through b–e).
    pub fn closure(&self) -> Option<ClosedAs> {
        match self.status {
            ComplaintStatus::Open => None,
            ComplaintStatus::Closed => Some(self.closed_as.unwrap_or(ClosedAs::Handled)),
        }
    }

    /// The open request to complete it, while the complaint waits for the complainant.
    pub fn open_completion(&self) -> Option<&CompletionRequest> {
        if self.status != ComplaintStatus::Open || self.step != Some(ComplaintStep::Completion) {
            return None;
        }
        self.completion_requests
            .last()
            .filter(|r| r.completed_at.is_none() && r.expired_at.is_none())
    }

    /// The date of the clock now running, for the store's deadline index: the last day to
    /// complete it while it waits for the complainant, else the 60 days.
    pub fn clock_due_on(&self) -> Option<NaiveDate> {
        self.open_completion().map(|r| r.due_on).or(self.due_on)
    }

    /// The complainant's e-mail address, if any (confirmed or not).
    pub fn email(&self) -> Option<&super::values::Email> {
        self.complainant.as_ref().and_then(|p| p.email.as_ref())
    }

    /// Whether the complainant gave an e-mail address that is not confirmed yet.
    pub fn email_unconfirmed(&self) -> bool {
        self.email().is_some()
            && self.email_confirmation_requested_at.is_some()
            && self.email_confirmed_at.is_none()
    }

    /// The address notices go to: the complainant's e-mail once confirmed (none otherwise).
    pub fn notice_address(&self) -> Option<&super::values::Email> {
        self.email().filter(|_| !self.email_unconfirmed())
    }

    /// The complaint's place in the register: open complaints ordered by the clock now running
    /// (none last), then by filing, then by id — unique, and the same string as the DynamoDB
    /// index's sort key (`ByStep`, `<due>#<filed>#<id>`), so a page ends where the next starts.
    pub fn register_key(&self) -> String {
        let due = self
            .clock_due_on()
            .map_or_else(|| "9999-12-31".to_string(), |d| d.to_string());
        format!(
            "{due}#{}#{}",
            self.filed_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            self.id
        )
    }
}

impl super::case::Chained for Complaint {
    fn chain_state(&mut self) -> super::case::ChainState<'_> {
        super::case::ChainState {
            kind: "complaint",
            id: self.id,
            seq: &mut self.audit_seq,
            head: &mut self.audit_head,
            mac: &mut self.audit_mac,
        }
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
    /// Channel `sp4n_lapor` only (required there): the LAPOR! tracking number.
    pub lapor_reference: Option<String>,
    /// Filed without sign-in: the solved challenge of `GET /complaints/challenge`.
    pub proof: Option<abuse::ProofInput>,
    /// The office complained to (`GET /offices`); absent: the office of the case it is about,
    /// else the founding office. An officer records complaints of their own office only.
    pub office: Option<String>,
}

/// Longest LAPOR! tracking number accepted.
pub const LAPOR_REFERENCE_MAX: usize = 40;

/// The shape of a SP4N-LAPOR! tracking number: 1–40 letters, digits or dashes (a leading `#`,
/// as LAPOR! prints it, is dropped). LAPOR! publishes no format or checksum: the shape only.
pub fn parse_lapor_reference(raw: &str) -> Result<String, FieldError> {
    let t = raw.trim();
    let t = t.strip_prefix('#').unwrap_or(t).trim();
    if t.is_empty() {
        return Err(FieldError::new(
            "",
            "required",
            "Nomor pelacakan SP4N-LAPOR! wajib diisi untuk pengaduan dari SP4N-LAPOR!.",
        ));
    }
    if t.chars().count() > LAPOR_REFERENCE_MAX
        || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(FieldError::new(
            "",
            "invalid_lapor_reference",
            "Nomor pelacakan SP4N-LAPOR! terdiri atas 1–40 huruf, angka atau tanda hubung (-), contoh 12345678.",
        ));
    }
    Ok(t.to_string())
}

/// The shape of a tracking code (`ADU-XXXXX-XXXXX`, the alphabet of [`new_tracking_code`]),
/// trimmed and upper-cased.
pub fn parse_tracking_code(raw: &str) -> Result<String, FieldError> {
    let t = raw.trim().to_ascii_uppercase();
    let ok = t.len() == 15
        && t.is_ascii()
        && t.starts_with("ADU-")
        && t.as_bytes()[9] == b'-'
        && t[4..9]
            .chars()
            .chain(t[10..].chars())
            .all(|c| TRACKING_ALPHABET.contains(&(c as u8)));
    if ok {
        Ok(t)
    } else {
        Err(FieldError::new(
            "",
            "invalid_tracking_code",
            "Kode pelacakan tidak valid (contoh ADU-ABCDE-23456).",
        ))
    }
}

const TRACKING_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// 10 characters from an alphabet without look-alikes: ~50 bits, not guessable.
pub fn new_tracking_code() -> String {
    const ALPHABET: &[u8] = TRACKING_ALPHABET;
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
        let lapor_reference = match (channel, self.lapor_reference) {
            (Some(Channel::Sp4nLapor), None) => {
                e.push(FieldError::new(
                    "lapor_reference",
                    "required",
                    "Nomor pelacakan SP4N-LAPOR! wajib diisi untuk pengaduan dari SP4N-LAPOR!.",
                ));
                None
            }
            (Some(Channel::Sp4nLapor), Some(r)) => {
                e.optional("lapor_reference", Some(r), |r| parse_lapor_reference(&r))
            }
            (_, Some(_)) => {
                e.push(FieldError::new(
                    "lapor_reference",
                    "not_applicable",
                    "Nomor pelacakan SP4N-LAPOR! hanya untuk saluran SP4N-LAPOR!.",
                ));
                None
            }
            (_, None) => None,
        };
        match (e.is_empty(), kind, text, channel) {
            (true, Some(kind), Some(text), Some(channel)) => Ok(Complaint {
                id: CaseId::new(),
                tracking_code: new_tracking_code(),
                office: super::office::founding_code(),
                channel,
                kind,
                about,
                text,
                complainant,
                filed_by: None,
                recorded_by: officer
                    .and_then(|o| o.role_with(Capability::Complaints).map(|r| o.actor(r))),
                lapor_reference,
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
                completion_requests: vec![],
                forwarded_to: None,
                duplicate_of: None,
                email_confirmation_requested_at: None,
                email_confirmed_at: None,
                closed_at: None,
                closed_as: None,
                deadline_alert_on: None,
                version: 0,
                audit_seq: 0,
                audit_head: GENESIS_HASH.to_string(),
                audit_mac: None,
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
    /// b `incomplete`: what the complainant is to complete (told to them).
    pub missing: Option<String>,
    /// b `outside_authority`: the institution the complaint is forwarded to.
    pub forwarded_to: Option<String>,
    /// b `duplicate`: the tracking code of the earlier complaint (which must exist).
    pub duplicate_of: Option<String>,
    pub notes: Option<String>,
}

/// What the complainant adds to an incomplete complaint (public, by tracking code).
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CompletionInput {
    pub text: Option<String>,
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
/// 422 (fields), 409 (not waiting at this step, stale version). `calendar` counts the
/// complainant's working days to complete an `incomplete` complaint.
pub fn decide(
    c: &Complaint,
    caller: &Caller,
    step: ComplaintStep,
    input: ComplaintDecisionInput,
    calendar: &Calendar,
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
    let mut missing = None;
    let mut forwarded_to = None;
    let mut duplicate_of = None;
    if !step.is_officer_step() {
        return Err(DomainError::InvalidState(
            "Tahap ini dilengkapi oleh pengadu melalui halaman pelacakan.".into(),
        ));
    }
    match (step, outcome) {
        (ComplaintStep::Registration, Some("incomplete")) => {
            missing = e.field("missing", input.missing.clone(), |t| {
                validation::text(t, 5, 2000)
            });
        }
        (ComplaintStep::Registration, Some("outside_authority")) => {
            forwarded_to = e.field("forwarded_to", input.forwarded_to.clone(), |t| {
                validation::text(t, 3, 200)
            });
        }
        (ComplaintStep::Registration, Some("duplicate")) => {
            duplicate_of = e.field("duplicate_of", input.duplicate_of.clone(), |t| {
                let code = parse_tracking_code(&t)?;
                if code == c.tracking_code {
                    return Err(FieldError::new(
                        "",
                        "self_reference",
                        "Pengaduan tidak dapat menjadi duplikat dari dirinya sendiri.",
                    ));
                }
                Ok(code)
            });
        }
        _ => {}
    }
    if input.duplicate_of.is_some()
        && outcome.is_some()
        && !(step == ComplaintStep::Registration && outcome == Some("duplicate"))
    {
        e.push(FieldError::new(
            "duplicate_of",
            "not_applicable",
            "Isian ini hanya untuk pengaduan duplikat (pencatatan b).",
        ));
    }
    if input.missing.is_some()
        && outcome.is_some()
        && !(step == ComplaintStep::Registration && outcome == Some("incomplete"))
    {
        e.push(FieldError::new(
            "missing",
            "not_applicable",
            "Isian ini hanya untuk pengaduan yang belum lengkap (pencatatan b).",
        ));
    }
    if input.forwarded_to.is_some()
        && outcome.is_some()
        && !(step == ComplaintStep::Registration && outcome == Some("outside_authority"))
    {
        e.push(FieldError::new(
            "forwarded_to",
            "not_applicable",
            "Isian ini hanya untuk pengaduan di luar kewenangan (pencatatan b).",
        ));
    }
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
        ComplaintStep::Registration => match outcome {
            "incomplete" => n.completion_requests.push(CompletionRequest {
                missing: missing.unwrap_or_default(),
                actor: actor.clone(),
                asked_at: now,
                due_on: completion_due_on(calendar, super::time::wita_date(now)),
                completed_at: None,
                addition: None,
                expired_at: None,
            }),
            "outside_authority" => n.forwarded_to = forwarded_to,
            "duplicate" => n.duplicate_of = duplicate_of,
            "spam" => {}
            _ => {
                // Complete since the complainant completed it, if they were asked to: the 60
                // days of Perpres 76/2013 run from the complete complaint.
                let complete_since = c
                    .completion_requests
                    .last()
                    .and_then(|r| r.completed_at)
                    .unwrap_or(now);
                n.registered_at = Some(now);
                n.due_on = super::time::wita_date(complete_since)
                    .checked_add_days(Days::new(RESOLUTION_DAYS));
            }
        },
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
        ComplaintStep::Completion => {}
    }
    n.task_token = None;
    n.pending_completion = Some(PendingCompletion {
        token,
        output: serde_json::json!({ "outcome": outcome }),
    });
    let reason = match (&n.forwarded_to, &n.duplicate_of, outcome) {
        (Some(to), _, "outside_authority") => Some(match &notes {
            Some(x) => format!("Diteruskan kepada {to}. {x}"),
            None => format!("Diteruskan kepada {to}."),
        }),
        (_, Some(code), "duplicate") => Some(match &notes {
            Some(x) => format!("Sama dengan pengaduan {code}. {x}"),
            None => format!("Sama dengan pengaduan {code}."),
        }),
        _ => notes,
    };
    let ev = AuditEvent::chain(
        &mut n,
        actor,
        EventDraft {
            action: "complaint.decided",
            outcome: Some(format!("{}:{outcome}", step.code())),
            reason,
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

/// Step f: the complaint is closed into the periodic report, `how` it ended (None when already
/// closed).
pub fn close(c: &Complaint, how: ClosedAs, now: DateTime<Utc>) -> Option<ComplaintChange> {
    if c.status == ComplaintStatus::Closed {
        return None;
    }
    let (mut n, expected_version) = begin(c);
    n.status = ComplaintStatus::Closed;
    n.step = None;
    n.task_token = None;
    n.pending_completion = None;
    n.closed_at = Some(now);
    n.closed_as = Some(how);
    let ev = AuditEvent::chain(
        &mut n,
        Actor::system(),
        EventDraft {
            action: "complaint.closed",
            outcome: Some(how.code().to_string()),
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

/// The complainant completes an incomplete complaint through the public tracking page, on or
/// before the last day. Errors: 422 (text), 409 (not waiting for completion, or too late).
pub fn complete(
    c: &Complaint,
    input: CompletionInput,
    now: DateTime<Utc>,
    origin: &Origin,
) -> Result<ComplaintChange, super::DomainError> {
    use super::DomainError;
    let mut e = Errors::default();
    let text = e.field("text", input.text, |t| validation::text(t, 10, 5000));
    let Some(request) = c.open_completion().filter(|_| c.waiting_at().is_some()) else {
        return Err(DomainError::InvalidState(match c.status {
            ComplaintStatus::Closed => "Pengaduan ini sudah ditutup.".into(),
            ComplaintStatus::Open => "Pengaduan ini tidak sedang menunggu untuk dilengkapi.".into(),
        }));
    };
    if super::time::wita_date(now) > request.due_on {
        return Err(DomainError::InvalidState(format!(
            "Batas waktu melengkapi pengaduan ({}) telah lewat.",
            super::time::format_date_id(request.due_on)
        )));
    }
    let (Some(text), true) = (text, e.is_empty()) else {
        return Err(DomainError::Validation(e.0));
    };
    let token = c.task_token.clone().unwrap_or_default();
    let (mut n, expected_version) = begin(c);
    if let Some(r) = n.completion_requests.last_mut() {
        r.completed_at = Some(now);
        r.addition = Some(text);
    }
    n.task_token = None;
    n.pending_completion = Some(PendingCompletion {
        token,
        output: serde_json::json!({ "outcome": "completed" }),
    });
    let ev = AuditEvent::chain(
        &mut n,
        complainant(),
        EventDraft {
            action: "complaint.completed",
            outcome: Some("completed".into()),
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

/// The daily job: a complaint still waiting for completion after its last day (`today` is
/// later) ends the wait as `expired`; the workflow then closes it as `closed_incomplete`.
/// `None` when it is not waiting, or not yet late.
pub fn expire_completion(
    c: &Complaint,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Option<ComplaintChange> {
    let request = c.open_completion()?;
    if c.waiting_at() != Some(ComplaintStep::Completion) || today <= request.due_on {
        return None;
    }
    let due = request.due_on;
    let token = c.task_token.clone().unwrap_or_default();
    let (mut n, expected_version) = begin(c);
    if let Some(r) = n.completion_requests.last_mut() {
        r.expired_at = Some(now);
    }
    n.task_token = None;
    n.pending_completion = Some(PendingCompletion {
        token,
        output: serde_json::json!({ "outcome": "expired" }),
    });
    let ev = AuditEvent::chain(
        &mut n,
        Actor::system(),
        EventDraft {
            action: "complaint.completion_expired",
            outcome: Some(due.to_string()),
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

/// How the complainant's e-mail address stands when the complaint is filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailAtFiling {
    /// Filed without sign-in (or with another address than the account's): its owner is asked
    /// to confirm it, and it receives nothing else until then.
    Unconfirmed,
    /// The signed-in applicant's own address, verified by the identity provider (Cognito).
    Account,
    /// An address the complaints officer recorded (from the telephone, a letter, in person).
    RecordedByOfficer,
}

impl EmailAtFiling {
    pub fn code(self) -> &'static str {
        match self {
            EmailAtFiling::Unconfirmed => "unconfirmed",
            EmailAtFiling::Account => "account",
            EmailAtFiling::RecordedByOfficer => "recorded_by_officer",
        }
    }
}

/// Marks the complainant's address at filing (before [`filed`]); `None` without an address.
/// A confirmed one carries the audit event that says why it counts as confirmed.
pub fn email_at_filing(
    c: &mut Complaint,
    how: EmailAtFiling,
    origin: &Origin,
    now: DateTime<Utc>,
) -> Option<AuditEvent> {
    c.email()?;
    match how {
        EmailAtFiling::Unconfirmed => {
            c.email_confirmation_requested_at = Some(now);
            None
        }
        EmailAtFiling::Account | EmailAtFiling::RecordedByOfficer => {
            c.email_confirmed_at = Some(now);
            Some(AuditEvent::chain(
                c,
                Actor::system(),
                EventDraft {
                    action: "complaint.email_confirmed",
                    outcome: Some(how.code().to_string()),
                    ..Default::default()
                },
                origin,
                now,
            ))
        }
    }
}

/// The complainant opened the confirmation link: their address receives the notices from now
/// on. `None` when there is nothing to confirm (no address, or already confirmed).
pub fn confirm_email(
    c: &Complaint,
    origin: &Origin,
    now: DateTime<Utc>,
) -> Option<ComplaintChange> {
    if !c.email_unconfirmed() {
        return None;
    }
    let (mut n, expected_version) = begin(c);
    n.email_confirmed_at = Some(now);
    let ev = AuditEvent::chain(
        &mut n,
        complainant(),
        EventDraft {
            action: "complaint.email_confirmed",
            outcome: Some("link".into()),
            ..Default::default()
        },
        origin,
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
            office: Some(crate::domain::office::founding_code()),
            acting: vec![],
            issued_at: None,
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
            &Calendar::shipped(),
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
            &Calendar::shipped(),
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
                &Calendar::shipped(),
                now,
                &Origin::default()
            ),
            Err(super::super::DomainError::Forbidden { .. })
        ));
    }

    fn wita(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn at_registration(now: DateTime<Utc>) -> Complaint {
        let mut c = ComplaintInput {
            kind: Some(Kind::Complaint),
            text: Some("Petugas meminta biaya tambahan di luar ketentuan.".into()),
            name: Some("Budi".into()),
            email: Some("budi@warga.test".into()),
            ..Default::default()
        }
        .parse(None, now)
        .unwrap();
        c.step = Some(ComplaintStep::Registration);
        c.task_token = Some("t-reg".into());
        c
    }

    fn register(
        c: &Complaint,
        input: ComplaintDecisionInput,
        now: DateTime<Utc>,
    ) -> Result<ComplaintChange, super::super::DomainError> {
        decide(
            c,
            &officer(),
            ComplaintStep::Registration,
            ComplaintDecisionInput {
                version: Some(c.version),
                ..input
            },
            &Calendar::shipped(),
            now,
            &Origin::default(),
        )
    }

    /// Worked example (infra/calendar/2026.json, SKB 2026): asked on Monday 16 March 2026, the
    /// ten working days are 17 March; 25, 26, 27, 30, 31 March; 1, 2, 6, 7 April — 18–24 March
    /// (cuti bersama Nyepi and Idulfitri, Nyepi, Idulfitri and its cuti bersama, the weekend)
    /// and Good Friday 3 April do not count. Last day: Tuesday 7 April 2026.
    #[test]
    fn the_completion_clock_counts_working_days_across_the_holidays() {
        let cal = Calendar::shipped();
        assert_eq!(COMPLETION_WORKING_DAYS, 10);
        assert_eq!(
            completion_due_on(&cal, date("2026-03-16")),
            date("2026-04-07")
        );
        // Asked on Thursday 2 April: 3 April is Good Friday; 6–10 and 13–17 April count.
        assert_eq!(
            completion_due_on(&cal, date("2026-04-02")),
            date("2026-04-17")
        );
    }

    #[test]
    fn incomplete_then_completed_in_time_runs_the_60_days_from_completion() {
        let asked = wita("2026-03-16T10:00:00+08:00");
        let c = at_registration(asked);
        // What is missing is required for `incomplete`.
        let super::super::DomainError::Validation(errs) = register(
            &c,
            ComplaintDecisionInput {
                outcome: Some("incomplete".into()),
                ..Default::default()
            },
            asked,
        )
        .unwrap_err() else {
            panic!()
        };
        assert_eq!(
            (errs[0].field.as_str(), &*errs[0].code),
            ("missing", "required")
        );
        let ch = register(
            &c,
            ComplaintDecisionInput {
                outcome: Some("incomplete".into()),
                missing: Some("Tanggal kejadian dan nama loket.".into()),
                ..Default::default()
            },
            asked,
        )
        .unwrap();
        let mut c = ch.complaint;
        assert_eq!(c.completion_requests[0].due_on, date("2026-04-07"));
        assert!(c.registered_at.is_none() && c.due_on.is_none());
        assert_eq!(
            ch.events[0].outcome.as_deref(),
            Some("registration:incomplete")
        );
        // The workflow waits for the complainant.
        c = enter(&c, ComplaintStep::Completion, "t-compl".into(), asked)
            .unwrap()
            .complaint;
        assert_eq!(c.clock_due_on(), Some(date("2026-04-07")));
        // The officer cannot decide the complainant's step.
        assert!(matches!(
            decide(
                &c,
                &officer(),
                ComplaintStep::Completion,
                ComplaintDecisionInput::default(),
                &Calendar::shipped(),
                asked,
                &Origin::default()
            ),
            Err(super::super::DomainError::InvalidState(_))
        ));
        // Not expired on the last day itself.
        assert!(expire_completion(&c, date("2026-04-07"), asked).is_none());
        // Too short an addition: 422.
        assert!(matches!(
            complete(
                &c,
                CompletionInput {
                    text: Some("x".into())
                },
                asked,
                &Origin::default()
            ),
            Err(super::super::DomainError::Validation(_))
        ));
        // Completed on the last day, 23:00 WITA: in time.
        let done_at = wita("2026-04-07T23:00:00+08:00");
        let ch = complete(
            &c,
            CompletionInput {
                text: Some("Kejadian 12 Maret 2026 di loket 2.".into()),
            },
            done_at,
            &Origin::default(),
        )
        .unwrap();
        assert_eq!(
            ch.complaint.pending_completion.as_ref().unwrap().output["outcome"],
            "completed"
        );
        assert_eq!(
            ch.complaint.pending_completion.as_ref().unwrap().token,
            "t-compl"
        );
        let mut c = ch.complaint;
        c = enter(&c, ComplaintStep::Registration, "t-reg2".into(), done_at)
            .unwrap()
            .complaint;
        assert_eq!(c.clock_due_on(), None, "no clock until registered");
        // Registered a week later: the 60 days run from 7 April (complete), not 14 April.
        let c = register(
            &c,
            ComplaintDecisionInput {
                outcome: Some("registered".into()),
                ..Default::default()
            },
            wita("2026-04-14T09:00:00+08:00"),
        )
        .unwrap()
        .complaint;
        assert_eq!(c.due_on, Some(date("2026-06-06")));
    }

    #[test]
    fn incomplete_and_not_completed_expires_the_day_after_the_last_day() {
        let asked = wita("2026-03-16T10:00:00+08:00");
        let c = register(
            &at_registration(asked),
            ComplaintDecisionInput {
                outcome: Some("incomplete".into()),
                missing: Some("Tanggal kejadian.".into()),
                ..Default::default()
            },
            asked,
        )
        .unwrap()
        .complaint;
        let c = enter(&c, ComplaintStep::Completion, "t-compl".into(), asked)
            .unwrap()
            .complaint;
        let late = wita("2026-04-08T00:30:00+08:00");
        assert!(matches!(
            complete(&c, CompletionInput { text: Some("Kejadian 12 Maret 2026 di loket 2.".into()) }, late, &Origin::default()),
            Err(super::super::DomainError::InvalidState(m)) if m.contains("7 April 2026")
        ));
        let ch = expire_completion(&c, date("2026-04-08"), late).unwrap();
        assert_eq!(
            ch.complaint.pending_completion.as_ref().unwrap().output["outcome"],
            "expired"
        );
        assert_eq!(ch.events[0].action, "complaint.completion_expired");
        let closed = close(&ch.complaint, ClosedAs::Incomplete, late)
            .unwrap()
            .complaint;
        assert_eq!(closed.closure(), Some(ClosedAs::Incomplete));
        assert!(expire_completion(&closed, date("2026-04-09"), late).is_none());
    }

    #[test]
    fn outside_authority_names_the_institution() {
        let now = wita("2026-03-16T10:00:00+08:00");
        let c = at_registration(now);
        let super::super::DomainError::Validation(errs) = register(
            &c,
            ComplaintDecisionInput {
                outcome: Some("outside_authority".into()),
                ..Default::default()
            },
            now,
        )
        .unwrap_err() else {
            panic!()
        };
        assert_eq!(
            (errs[0].field.as_str(), &*errs[0].code),
            ("forwarded_to", "required")
        );
        let super::super::DomainError::Validation(errs) = register(
            &c,
            ComplaintDecisionInput {
                outcome: Some("registered".into()),
                forwarded_to: Some("Dinas Perhubungan".into()),
                ..Default::default()
            },
            now,
        )
        .unwrap_err() else {
            panic!()
        };
        assert_eq!(
            (errs[0].field.as_str(), &*errs[0].code),
            ("forwarded_to", "not_applicable")
        );
        let ch = register(
            &c,
            ComplaintDecisionInput {
                outcome: Some("outside_authority".into()),
                forwarded_to: Some("Dinas Perhubungan Kota Bontang".into()),
                ..Default::default()
            },
            now,
        )
        .unwrap();
        assert_eq!(
            ch.complaint.forwarded_to.as_deref(),
            Some("Dinas Perhubungan Kota Bontang")
        );
        assert!(ch.complaint.due_on.is_none());
        assert_eq!(
            ch.events[0].reason.as_deref(),
            Some("Diteruskan kepada Dinas Perhubungan Kota Bontang.")
        );
    }

    #[test]
    fn spam_and_duplicate_at_registration() {
        let now = wita("2026-03-16T10:00:00+08:00");
        let c = at_registration(now);
        let ch = register(
            &c,
            ComplaintDecisionInput {
                outcome: Some("spam".into()),
                ..Default::default()
            },
            now,
        )
        .unwrap();
        assert_eq!(ch.events[0].outcome.as_deref(), Some("registration:spam"));
        let closed = close(&ch.complaint, ClosedAs::Spam, now).unwrap().complaint;
        assert_eq!(closed.closure().map(ClosedAs::code), Some("closed_spam"));
        let code = |d: Option<&str>| {
            let super::super::DomainError::Validation(errs) = register(
                &c,
                ComplaintDecisionInput {
                    outcome: Some("duplicate".into()),
                    duplicate_of: d.map(String::from),
                    ..Default::default()
                },
                now,
            )
            .unwrap_err() else {
                panic!()
            };
            (errs[0].field.clone(), errs[0].code.to_string())
        };
        assert_eq!(code(None), ("duplicate_of".into(), "required".into()));
        assert_eq!(code(Some("ADU-0OOOO-11111")).1, "invalid_tracking_code");
        assert_eq!(code(Some("ADÜ-AAAAA-2222")).1, "invalid_tracking_code");
        assert_eq!(code(Some(&c.tracking_code)).1, "self_reference");
        let ch = register(
            &c,
            ComplaintDecisionInput {
                outcome: Some("duplicate".into()),
                duplicate_of: Some(" adu-abcde-23456 ".into()),
                ..Default::default()
            },
            now,
        )
        .unwrap();
        assert_eq!(
            ch.complaint.duplicate_of.as_deref(),
            Some("ADU-ABCDE-23456")
        );
        assert_eq!(
            ch.events[0].reason.as_deref(),
            Some("Sama dengan pengaduan ADU-ABCDE-23456.")
        );
        // Stored names of the closures.
        assert_eq!(
            serde_json::to_value(ClosedAs::Duplicate).unwrap(),
            "closed_duplicate"
        );
    }

    #[test]
    fn an_address_given_without_sign_in_is_unconfirmed_until_its_link() {
        let now = Utc::now();
        let mut c = at_registration(now);
        assert!(c.notice_address().is_some(), "stored before: confirmed");
        assert!(
            email_at_filing(&mut c, EmailAtFiling::Unconfirmed, &Origin::default(), now).is_none()
        );
        assert!(c.email_unconfirmed() && c.notice_address().is_none());
        let ch = confirm_email(&c, &Origin::default(), now).unwrap();
        assert_eq!(ch.events[0].action, "complaint.email_confirmed");
        assert!(ch.complaint.notice_address().is_some());
        assert!(confirm_email(&ch.complaint, &Origin::default(), now).is_none());
        let mut r = at_registration(now);
        let ev = email_at_filing(
            &mut r,
            EmailAtFiling::RecordedByOfficer,
            &Origin::default(),
            now,
        );
        assert_eq!(ev.unwrap().outcome.as_deref(), Some("recorded_by_officer"));
        assert!(r.notice_address().is_some());
    }

    #[test]
    fn sp4n_lapor_needs_its_reference_and_only_it() {
        let now = Utc::now();
        let input = |channel, r: Option<&str>| ComplaintInput {
            kind: Some(Kind::Complaint),
            text: Some("Laporan dari LAPOR!: izin kantor kas tak kunjung terbit.".into()),
            anonymous: Some(true),
            channel: Some(channel),
            lapor_reference: r.map(String::from),
            ..Default::default()
        };
        let errs = input(Channel::Sp4nLapor, None)
            .parse(Some(&officer()), now)
            .unwrap_err();
        assert_eq!(
            (errs[0].field.as_str(), &*errs[0].code),
            ("lapor_reference", "required")
        );
        for bad in ["", "  ", "12 34", "ABC/123", &"9".repeat(41)] {
            let errs = input(Channel::Sp4nLapor, Some(bad))
                .parse(Some(&officer()), now)
                .unwrap_err();
            assert_eq!(errs[0].field, "lapor_reference", "{bad:?}");
        }
        let c = input(Channel::Sp4nLapor, Some(" #LAP-2026-1234567 "))
            .parse(Some(&officer()), now)
            .unwrap();
        assert_eq!(c.channel.label(), "SP4N-LAPOR!");
        assert_eq!(c.lapor_reference.as_deref(), Some("LAP-2026-1234567"));
        let errs = input(Channel::Telephone, Some("123"))
            .parse(Some(&officer()), now)
            .unwrap_err();
        assert_eq!(
            (errs[0].field.as_str(), &*errs[0].code),
            ("lapor_reference", "not_applicable")
        );
        // The public cannot claim the LAPOR! channel.
        let errs = input(Channel::Sp4nLapor, Some("123"))
            .parse(None, now)
            .unwrap_err();
        assert_eq!(errs[0].field, "channel");
    }

    #[test]
    fn complaints_stored_before_the_outcomes_load() {
        let now = Utc::now();
        let mut v = serde_json::to_value(at_registration(now)).unwrap();
        let o = v.as_object_mut().unwrap();
        o.remove("completion_requests");
        o.insert("status".into(), serde_json::json!("closed"));
        let c: Complaint = serde_json::from_value(v).unwrap();
        assert!(c.completion_requests.is_empty() && c.lapor_reference.is_none());
        assert_eq!(c.closure(), Some(ClosedAs::Handled));
    }
}

/// Notices of the complaint process (Bahasa Indonesia). They never carry the complainant's
/// identity or the complaint's text: staff read those in the register. (The request to complete
/// one carries the officer's statement of what is missing, to the complainant only.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComplaintNotice {
    /// To the complainant: received, with the tracking code.
    Received,
    /// To the complaints officer: it waits at a step.
    Queue { step: ComplaintStep },
    /// To the complainant: handled and closed.
    Closed,
    /// To the complainant: incomplete, what is missing and the last day to complete it.
    Incomplete,
    /// To the complainant: not completed in time, closed without follow-up.
    ClosedIncomplete,
    /// To the complainant: outside the office's authority, forwarded to the institution named.
    Forwarded,
    /// To the officer and the section head: a step waited past its timeout, or the 60 days
    /// are near or past.
    Late { overdue: bool },
    /// To an address given without sign-in: the one message it gets until its owner confirms it
    /// (receipt, tracking code, the confirmation link). `token` is never logged.
    ConfirmEmail { token: String },
    /// To the complainant (a confirmed address only): closed as the same as an earlier one.
    Duplicate,
}

impl ComplaintNotice {
    pub fn code(&self) -> &'static str {
        match self {
            ComplaintNotice::Received => "complaint_received",
            ComplaintNotice::Queue { .. } => "complaint_queue",
            ComplaintNotice::Closed => "complaint_closed",
            ComplaintNotice::Incomplete => "complaint_incomplete",
            ComplaintNotice::ClosedIncomplete => "complaint_closed_incomplete",
            ComplaintNotice::Forwarded => "complaint_forwarded",
            ComplaintNotice::Late { .. } => "complaint_late",
            ComplaintNotice::ConfirmEmail { .. } => "complaint_confirm_email",
            ComplaintNotice::Duplicate => "complaint_duplicate",
        }
    }

    pub fn render(
        &self,
        c: &Complaint,
        agency: &super::notices::Agency,
        portal_url: &str,
    ) -> super::notices::Message {
        let code = &c.tracking_code;
        let link = format!(
            "{}/#/pengaduan/lacak/{code}",
            portal_url.trim_end_matches('/')
        );
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
            ComplaintNotice::Incomplete => {
                let mut lines = vec![format!(
                    "{} Anda dengan kode {code} belum lengkap sehingga belum dapat kami catat untuk ditindaklanjuti.",
                    c.kind.label()
                )];
                if let Some(r) = c.completion_requests.last() {
                    lines.push(format!("Yang perlu dilengkapi: {}", r.missing));
                    lines.push(format!(
                        "Mohon lengkapi melalui halaman pelacakan di bawah ini paling lambat {} ({COMPLETION_WORKING_DAYS} hari kerja). Bila tidak dilengkapi sampai batas itu, pengaduan ditutup dan tidak ditindaklanjuti.",
                        super::time::format_date_id(r.due_on)
                    ));
                }
                lines.push(format!(
                    "Batas waktu penyelesaian {RESOLUTION_DAYS} hari (Perpres 76/2013) dihitung sejak pengaduan lengkap."
                ));
                (format!("Pengaduan belum lengkap: {code}"), lines)
            }
            ComplaintNotice::ClosedIncomplete => {
                let mut lines = vec![format!(
                    "{} Anda dengan kode {code} kami tutup dan tidak ditindaklanjuti karena tidak dilengkapi sampai batas waktu.",
                    c.kind.label()
                )];
                if let Some(r) = c.completion_requests.last() {
                    lines.push(format!(
                        "Batas waktu melengkapi: {}.",
                        super::time::format_date_id(r.due_on)
                    ));
                }
                lines.push(
                    "Anda dapat mengajukan pengaduan baru dengan keterangan yang lengkap.".into(),
                );
                (
                    format!("Pengaduan ditutup karena tidak dilengkapi: {code}"),
                    lines,
                )
            }
            ComplaintNotice::Forwarded => {
                let to = c
                    .forwarded_to
                    .as_deref()
                    .unwrap_or("instansi yang berwenang");
                (
                    format!("Pengaduan diteruskan kepada instansi yang berwenang: {code}"),
                    vec![
                        format!(
                            "{} Anda dengan kode {code} berada di luar kewenangan {} sehingga kami teruskan kepada {to}.",
                            c.kind.label(),
                            agency.name
                        ),
                        format!(
                            "Pengaduan ini kami tutup. Tindak lanjutnya menjadi kewenangan {to}."
                        ),
                    ],
                )
            }
            ComplaintNotice::ConfirmEmail { token } => (
                format!("Konfirmasi alamat e-mail untuk pengaduan {code}"),
                vec![
                    format!(
                        "{} dengan kode pelacakan {code} telah kami terima pada {} melalui portal dan mencantumkan alamat e-mail ini.",
                        c.kind.label(),
                        super::time::format_instant_id(c.filed_at)
                    ),
                    "Bila Anda yang mengajukannya dan ingin menerima pemberitahuan perkembangannya lewat e-mail, buka tautan konfirmasi berikut:".into(),
                    format!(
                        "{}/#/pengaduan/konfirmasi?kode={code}&token={token}",
                        portal_url.trim_end_matches('/')
                    ),
                    "Sebelum dikonfirmasi kami tidak mengirim e-mail lain ke alamat ini; perkembangan pengaduan tetap dapat diikuti di halaman pelacakan. Bila Anda tidak mengajukan pengaduan ini, abaikan pesan ini.".into(),
                ],
            ),
            ComplaintNotice::Duplicate => (
                format!("Pengaduan ditutup karena sama dengan pengaduan lain: {code}"),
                vec![
                    format!(
                        "{} Anda dengan kode {code} sama dengan pengaduan yang sudah tercatat sebelumnya, sehingga ditangani bersama pengaduan tersebut dan yang ini kami tutup.",
                        c.kind.label()
                    ),
                    "Terima kasih atas laporan Anda.".into(),
                ],
            ),
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

/// Guarding anonymous filing without a third party (issue 17 item 3): a proof of work on a
/// challenge the server signed (stateless; the challenge's id is kept in the idempotency store
/// until it expires, so that it is used once), and HMAC tokens that confirm an e-mail address.
///
/// The difficulty (18 leading zero bits by default, `PD_COMPLAINT_POW_BITS`, 0–26) and the
/// challenge's 10 minutes are the office's choice: about 2^18 SHA-256 hashes take the portal's
/// own SHA-256 (`web/src/shared/pow.ts`) well under a second in a browser, and a native script
/// some tens of milliseconds per complaint. It prices a flood, with the per-source limit; it does
/// not stop a determined sender — no e-mail to unconfirmed addresses and the `spam` outcome keep
/// what gets through from being amplified.
///
/// The confirmation link has no expiry (the office's choice): it only lets its address receive
/// that one complaint's notices, and it is void once the address is erased or changed.
pub mod abuse {
    use super::super::validation::FieldError;
    use crate::domain::CaseId;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use chrono::{DateTime, Utc};
    use hmac::{Hmac, Mac};
    use serde::{Deserialize, Serialize};
    use sha2::{Digest, Sha256};
    use std::sync::Arc;

    type HmacSha256 = Hmac<Sha256>;

    /// Leading zero bits of SHA-256(challenge ":" nonce) by default.
    pub const DEFAULT_POW_BITS: u8 = 18;
    /// The most a deployment may ask (about 67 million hashes: a minute in a browser).
    pub const MAX_POW_BITS: u8 = 26;
    /// How long a challenge may be solved and used.
    pub const CHALLENGE_MINUTES: i64 = 10;
    /// Longest nonce accepted.
    pub const NONCE_MAX: usize = 64;
    const CHALLENGE_TAG: &str = "pd-pow-1";

    /// The proof an anonymous complaint carries.
    #[derive(Debug, Default, Clone, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct ProofInput {
        pub challenge: Option<String>,
        pub nonce: Option<String>,
    }

    /// A challenge handed out by `GET /complaints/challenge`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    pub struct Challenge {
        pub challenge: String,
        pub difficulty: u8,
        pub algorithm: &'static str,
        pub expires_at: DateTime<Utc>,
    }

    /// A verified proof: the challenge's id (to be claimed once) and its expiry.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct VerifiedProof {
        pub id: String,
        pub expires_at: DateTime<Utc>,
    }

    /// The keys of the complaint guards (derived from one secret) and the difficulty.
    #[derive(Clone)]
    pub struct ComplaintGuard {
        pow_key: Arc<Vec<u8>>,
        email_key: Arc<Vec<u8>>,
        pub pow_bits: u8,
    }

    impl std::fmt::Debug for ComplaintGuard {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("ComplaintGuard")
                .field("pow_bits", &self.pow_bits)
                .finish_non_exhaustive()
        }
    }

    fn mac(key: &[u8], parts: &[&[u8]]) -> HmacSha256 {
        let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
        for p in parts {
            m.update(&(p.len() as u64).to_be_bytes());
            m.update(p);
        }
        m
    }

    fn derive(secret: &[u8], purpose: &str) -> Vec<u8> {
        mac(secret, &[b"perizinan-complaints", purpose.as_bytes()])
            .finalize()
            .into_bytes()
            .to_vec()
    }

    /// Leading zero bits of `hash`.
    pub fn leading_zero_bits(hash: &[u8]) -> u32 {
        let mut n = 0;
        for b in hash {
            if *b == 0 {
                n += 8;
            } else {
                n += b.leading_zeros();
                break;
            }
        }
        n
    }

    /// SHA-256(challenge ":" nonce).
    pub fn work(challenge: &str, nonce: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(challenge.as_bytes());
        h.update(b":");
        h.update(nonce.as_bytes());
        h.finalize().into()
    }

    /// Finds a nonce (decimal) for `challenge` at `bits` (what the portal does in the browser;
    /// the tests use it).
    pub fn solve(challenge: &str, bits: u8) -> String {
        (0u64..)
            .map(|n| n.to_string())
            .find(|n| leading_zero_bits(&work(challenge, n)) >= u32::from(bits))
            .expect("a nonce exists")
    }

    fn invalid(detail: &str) -> FieldError {
        FieldError::new("proof", "proof_invalid", detail.to_string())
    }

    impl ComplaintGuard {
        /// The guards keyed from `secret` (at least 32 bytes of an installation's secret).
        pub fn new(secret: &[u8], pow_bits: u8) -> Self {
            Self {
                pow_key: Arc::new(derive(secret, "proof-of-work")),
                email_key: Arc::new(derive(secret, "email-confirmation")),
                pow_bits: pow_bits.min(MAX_POW_BITS),
            }
        }

        /// Keyed with a fresh random secret (a process without a configured key: its
        /// challenges and links hold only within that process).
        pub fn random(pow_bits: u8) -> Self {
            let mut k = [0u8; 32];
            getrandom::fill(&mut k).expect("the OS random source works");
            Self::new(&k, pow_bits)
        }

        /// A new challenge: `pd-pow-1.<id>.<expiry>.<bits>.<mac>` (an id of 128 random bits).
        pub fn challenge(&self, now: DateTime<Utc>) -> Challenge {
            let mut id = [0u8; 16];
            getrandom::fill(&mut id).expect("the OS random source works");
            let id = hex::encode(id);
            let expires_at = now + chrono::Duration::minutes(CHALLENGE_MINUTES);
            let body = format!(
                "{CHALLENGE_TAG}.{id}.{}.{}",
                expires_at.timestamp(),
                self.pow_bits
            );
            let sig = B64.encode(
                mac(&self.pow_key, &[body.as_bytes()])
                    .finalize()
                    .into_bytes(),
            );
            Challenge {
                challenge: format!("{body}.{sig}"),
                difficulty: self.pow_bits,
                algorithm: "sha256",
                expires_at: DateTime::from_timestamp(expires_at.timestamp(), 0)
                    .unwrap_or(expires_at),
            }
        }

        /// Checks a proof: signed here, not expired, at the difficulty asked now, and the work
        /// done. Errors are field errors on `proof` (`proof_required`, `proof_invalid`).
        pub fn check(
            &self,
            proof: Option<&ProofInput>,
            now: DateTime<Utc>,
        ) -> Result<VerifiedProof, FieldError> {
            let (Some(challenge), Some(nonce)) = (
                proof.and_then(|p| p.challenge.as_deref()),
                proof.and_then(|p| p.nonce.as_deref()),
            ) else {
                return Err(FieldError::new(
                    "proof",
                    "proof_required",
                    "Pengaduan tanpa masuk akun memerlukan verifikasi otomatis: muat ulang formulir dan kirim lagi.",
                ));
            };
            let bad = "Verifikasi pengaduan tidak sah atau sudah kedaluwarsa: muat ulang formulir dan kirim lagi.";
            if challenge.len() > 200 || nonce.is_empty() || nonce.len() > NONCE_MAX {
                return Err(invalid(bad));
            }
            let Some((body, sig)) = challenge.rsplit_once('.') else {
                return Err(invalid(bad));
            };
            let sig = B64.decode(sig).map_err(|_| invalid(bad))?;
            mac(&self.pow_key, &[body.as_bytes()])
                .verify_slice(&sig)
                .map_err(|_| invalid(bad))?;
            let parts: Vec<&str> = body.split('.').collect();
            let [tag, id, exp, bits] = parts[..] else {
                return Err(invalid(bad));
            };
            let (Ok(exp), Ok(bits)) = (exp.parse::<i64>(), bits.parse::<u8>()) else {
                return Err(invalid(bad));
            };
            if tag != CHALLENGE_TAG || exp <= now.timestamp() || bits < self.pow_bits {
                return Err(invalid(bad));
            }
            if leading_zero_bits(&work(challenge, nonce)) < u32::from(bits) {
                return Err(invalid(
                    "Verifikasi pengaduan tidak memenuhi tingkat kesulitan yang diminta: kirim lagi.",
                ));
            }
            Ok(VerifiedProof {
                id: id.to_string(),
                expires_at: DateTime::from_timestamp(exp, 0).unwrap_or(now),
            })
        }

        /// The token of the link that confirms `email` for complaint `id` (bound to both: a
        /// changed or erased address makes it void).
        pub fn email_token(&self, id: CaseId, email: &str) -> String {
            let id = id.to_string();
            let email = email.to_ascii_lowercase();
            B64.encode(
                mac(&self.email_key, &[id.as_bytes(), email.as_bytes()])
                    .finalize()
                    .into_bytes(),
            )
        }

        /// Whether `token` confirms `email` for complaint `id` (constant time).
        pub fn email_token_valid(&self, id: CaseId, email: &str, token: &str) -> bool {
            let Ok(sig) = B64.decode(token.trim()) else {
                return false;
            };
            let id = id.to_string();
            let email = email.to_ascii_lowercase();
            mac(&self.email_key, &[id.as_bytes(), email.as_bytes()])
                .verify_slice(&sig)
                .is_ok()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn proof(challenge: &str, nonce: &str) -> ProofInput {
            ProofInput {
                challenge: Some(challenge.into()),
                nonce: Some(nonce.into()),
            }
        }

        #[test]
        fn a_solved_challenge_passes_and_nothing_else_does() {
            let g = ComplaintGuard::new(&[7; 32], 10);
            let now = Utc::now();
            let c = g.challenge(now);
            assert_eq!((c.difficulty, c.algorithm), (10, "sha256"));
            let nonce = solve(&c.challenge, 10);
            assert!(leading_zero_bits(&work(&c.challenge, &nonce)) >= 10);
            let ok = g.check(Some(&proof(&c.challenge, &nonce)), now).unwrap();
            assert_eq!(ok.id.len(), 32);
            let code = |r: Result<VerifiedProof, FieldError>| r.unwrap_err().code.to_string();
            assert_eq!(code(g.check(None, now)), "proof_required");
            assert_eq!(
                code(g.check(Some(&ProofInput::default()), now)),
                "proof_required"
            );
            // Expired: 10 minutes on.
            assert_eq!(
                code(g.check(
                    Some(&proof(&c.challenge, &nonce)),
                    now + chrono::Duration::minutes(10)
                )),
                "proof_invalid"
            );
            // Another server's key, a changed difficulty, a wrong nonce.
            let other = ComplaintGuard::new(&[8; 32], 10);
            assert_eq!(
                code(other.check(Some(&proof(&c.challenge, &nonce)), now)),
                "proof_invalid"
            );
            let forged = c.challenge.replace(".10.", ".0.");
            assert_eq!(
                code(g.check(Some(&proof(&forged, "0")), now)),
                "proof_invalid"
            );
            let wrong = (0u64..)
                .map(|n| n.to_string())
                .find(|n| leading_zero_bits(&work(&c.challenge, n)) < 10)
                .unwrap();
            assert_eq!(
                code(g.check(Some(&proof(&c.challenge, &wrong)), now)),
                "proof_invalid"
            );
            // Raised difficulty: an easier challenge handed out before is refused.
            let harder = ComplaintGuard {
                pow_bits: 12,
                ..g.clone()
            };
            assert_eq!(
                code(harder.check(Some(&proof(&c.challenge, &nonce)), now)),
                "proof_invalid"
            );
        }

        #[test]
        fn leading_zero_bits_counts_bits() {
            assert_eq!(leading_zero_bits(&[0, 0, 0x80]), 16);
            assert_eq!(leading_zero_bits(&[0, 0x0f]), 12);
            assert_eq!(leading_zero_bits(&[0xff]), 0);
        }

        #[test]
        fn email_tokens_bind_the_complaint_and_the_address() {
            let g = ComplaintGuard::new(&[7; 32], 18);
            let id = CaseId::new();
            let t = g.email_token(id, "Warga@Contoh.test");
            assert!(g.email_token_valid(id, "warga@contoh.test", &t));
            assert!(!g.email_token_valid(id, "lain@contoh.test", &t));
            assert!(!g.email_token_valid(CaseId::new(), "warga@contoh.test", &t));
            assert!(!g.email_token_valid(id, "warga@contoh.test", "AAAA"));
        }
    }
}
