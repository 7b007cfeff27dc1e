//! A case (berkas): one application for one permit, from draft to issued or refused.

use super::deadlines::DeadlineState;
use super::permit::form::FormData;
use super::permit::{PermitCode, StepCode, Verdict};
use super::roles::Role;
use super::timeline::StepSpan;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseId(pub Uuid);

impl CaseId {
    /// Time-ordered ids (UUIDv7) so that listings by id follow creation.
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
    pub fn parse(s: &str) -> Option<Self> {
        Uuid::parse_str(s).ok().map(Self)
    }
}

impl Default for CaseId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// `KK-2026-000123`: the permit's prefix ("KK", Kantor Kas; 2–5 capital letters), the WITA year
/// of submission, a six-digit sequence that restarts each year. Unique: the store refuses a
/// second case with the same number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegistrationNumber(String);

impl RegistrationNumber {
    /// The `seq`-th number of `year` of a permit (`prefix`) at an office: the founding office's
    /// carry no office part (`KK-2026-000123`), another's lead with its number prefix
    /// (`PMS-PBG-2026-000001`; `domain::office`).
    pub fn new(office: Option<&str>, prefix: &str, year: i32, seq: u64) -> Self {
        match office {
            None => Self(format!("{prefix}-{year:04}-{seq:06}")),
            Some(o) => Self(format!("{o}-{prefix}-{year:04}-{seq:06}")),
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let code = |p: &str, max: usize| {
            (2..=max).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_uppercase())
        };
        let (first, rest) = s.split_once('-')?;
        // `OFF-PFX-YYYY-NNNNNN` (another office) or `PFX-YYYY-NNNNNN` (the founding office).
        let (prefix_ok, rest) = match rest.split_once('-') {
            Some((second, tail)) if code(second, 5) && code(first, 4) => (true, tail),
            _ => (code(first, 5), rest),
        };
        let b = rest.as_bytes();
        let ok = prefix_ok
            && b.len() == 11
            && b[..4].iter().all(u8::is_ascii_digit)
            && b[4] == b'-'
            && b[5..].iter().all(u8::is_ascii_digit);
        ok.then(|| Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RegistrationNumber {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("not a registration number: {s}"))
    }
}
impl From<RegistrationNumber> for String {
    fn from(r: RegistrationNumber) -> String {
        r.0
    }
}
impl fmt::Display for RegistrationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Being filled in and uploaded by the applicant (SOP d–f).
    Draft,
    /// Submitted; the workflow runs (SOP g–r).
    InProcess,
    /// The permit is effective; the applicant receives it (SOP s).
    Issued,
    /// The signed letter refuses the permit.
    Refused,
    /// The applicant did not complete the file in time.
    Lapsed,
    /// Fiktif positif: the office did not decide a stage within its legal time, so the
    /// application is granted by law (UU 30/2014 Pasal 53 as amended by UU 6/2023); the case
    /// waits for staff to record the permit OSS issued by itself (`domain::deemed`).
    DeemedGranted,
}

impl CaseStatus {
    pub fn code(self) -> &'static str {
        match self {
            CaseStatus::Draft => "draft",
            CaseStatus::InProcess => "in_process",
            CaseStatus::Issued => "issued",
            CaseStatus::Refused => "refused",
            CaseStatus::Lapsed => "lapsed",
            CaseStatus::DeemedGranted => "deemed_granted",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseStatus::Draft => "Draf",
            CaseStatus::InProcess => "Dalam proses",
            CaseStatus::Issued => "Izin terbit",
            CaseStatus::Refused => "Ditolak",
            CaseStatus::Lapsed => "Gugur (batas waktu perbaikan terlampaui)",
            CaseStatus::DeemedGranted => "Dianggap dikabulkan (fiktif positif)",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            CaseStatus::Issued | CaseStatus::Refused | CaseStatus::Lapsed
        )
    }
}

impl Case {
    /// The status as a person reads it: a draft closed by the retention schedule (never
    /// submitted) is told apart from a file that lapsed during revision.
    pub fn status_label(&self) -> &'static str {
        if self.status == CaseStatus::Lapsed && self.submitted_at.is_none() {
            "Draf kedaluwarsa (tidak diajukan; data pribadi dihapus)"
        } else {
            self.status.label()
        }
    }
}

/// A person or the system, as recorded in the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// Stable subject id (Cognito `sub`), or `system`.
    pub sub: String,
    pub name: String,
    /// The role the actor acted as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Held by delegation (Plt./Plh.): under which, for whom (`domain::delegation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acting: Option<super::delegation::ActingFor>,
}

impl Actor {
    pub fn system() -> Self {
        Self {
            sub: "system".into(),
            name: "Sistem Perizinan Digital".into(),
            role: None,
            acting: None,
        }
    }
}

/// What a decision recorded besides its outcome and reason: the step's fields (by their paths)
/// and what the system added (`draft_version`, `letter_number`, `bill_number`). Release 0.1
/// stored a tagged shape; it is read as this map (`migrate`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(transparent)]
pub struct Details(pub serde_json::Map<String, serde_json::Value>);

impl<'de> Deserialize<'de> for Details {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let m = serde_json::Map::<String, serde_json::Value>::deserialize(d)?;
        Ok(Details(super::migrate::decision_details(m)))
    }
}

impl Details {
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.0.get(key)
    }
    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(serde_json::Value::as_str)
    }
    pub fn insert(&mut self, key: &str, v: impl Into<serde_json::Value>) {
        self.0.insert(key.to_string(), v.into());
    }
}

/// One decision taken at a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub step: StepCode,
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub details: Details,
    pub actor: Actor,
    pub at: DateTime<Utc>,
}

/// Which letter a case leads to: the grant (e.g. Surat Pemenuhan Komitmen) or the refusal.
pub type LetterKind = Verdict;

/// The technical agency's verdict (an outcome with the `recommend` effect).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    pub outcome: Verdict,
    /// The step that recommended (absent in release 0.1 records: `recommendation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<StepCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub official: Actor,
}

/// A generated file in a document store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    pub key: String,
    pub sha256: String,
    pub size: u64,
}

/// One version of the letter's draft (SOP m; a return at n, o or p makes a new one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterDraft {
    pub version: u32,
    pub kind: LetterKind,
    pub drafted_by: Actor,
    pub drafted_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The draft's PDF (kept for every version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<StoredFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedLetter {
    pub number: String,
    pub version: u32,
    pub kind: LetterKind,
    pub signer: Actor,
    pub signed_at: DateTime<Utc>,
    /// The signed document (its public verification record has the same id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<StoredFile>,
}

/// Why a signed document is no longer valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    pub at: DateTime<Utc>,
    pub by: Actor,
    pub reason: String,
}

/// The public record of a signed letter: what the verification page shows and checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedDocument {
    pub id: Uuid,
    pub case_id: CaseId,
    /// The permit the letter is of (absent in release 0.1 records: `migrate`).
    #[serde(default = "super::migrate::release_0_1_permit")]
    pub permit: PermitCode,
    /// The letter's title as printed (absent in release 0.1 records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub number: String,
    pub kind: LetterKind,
    /// The cooperative the letter is addressed to.
    pub holder: String,
    pub signer_name: String,
    pub signer_position: String,
    pub signed_at: DateTime<Utc>,
    /// SHA-256 of the exact bytes signed (hex).
    pub sha256: String,
    pub size: u64,
    /// DER signature, base64.
    pub signature: String,
    pub algorithm: String,
    pub key_id: String,
    /// Where the bytes are (the write-once store).
    pub key: String,
    /// The signature embedded in the PDF (PAdES), where the letter was sealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedded: Option<crate::ports::letters::SealFacts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<Revocation>,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Letter {
    pub drafts: Vec<LetterDraft>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<SignedLetter>,
}

/// The permit as issued in the national system (an outcome with `record_issuance`, e.g. SOP r:
/// effectuated in OSS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issuance {
    #[serde(alias = "oss_permit_number")]
    pub number: String,
    pub effective_on: NaiveDate,
    pub recorded_by: Actor,
    pub recorded_at: DateTime<Utc>,
}

/// The retribution assessed for the case (an outcome with `assess_fee`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeAssessment {
    /// Rupiah.
    pub amount: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
    pub step: StepCode,
    pub assessed_by: Actor,
    pub assessed_at: DateTime<Utc>,
}

/// The bill (SKRD) of the assessed retribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bill {
    pub number: String,
    pub amount: i64,
    pub issued_at: DateTime<Utc>,
    pub due_on: NaiveDate,
    pub issued_by: Actor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<StoredFile>,
}

/// The verified payment of the bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_on: Option<NaiveDate>,
    /// The uploaded proof (deposit slip) that was verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id: Option<Uuid>,
    pub verified_by: Actor,
    pub verified_at: DateTime<Utc>,
}

/// What the applicant must fix (set by an outcome with `request_revision`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionRequest {
    pub from_step: StepCode,
    pub missing: Vec<String>,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// A completion the step function recorded but may not yet have delivered to the orchestrator.
/// Written in the same transaction as the decision; re-sent by recovery until the workflow
/// moves the case on (which clears it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCompletion {
    pub token: String,
    pub output: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub id: CaseId,
    /// The permit applied for (release 0.1 records have none: they are all kantor kas).
    #[serde(default = "super::migrate::release_0_1_permit")]
    pub permit_code: PermitCode,
    /// The office applied to (`domain::office`; records from before offices are the founding
    /// office's).
    #[serde(default = "super::office::founding_code")]
    pub office: super::office::OfficeCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<RegistrationNumber>,
    /// The applicant's subject id: only they see the case among applicants.
    pub owner: String,
    /// The application's values, as the permit's form defines them.
    pub application: FormData,
    pub status: CaseStatus,
    /// The step the case is at (waiting, or decided and moving on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<StepCode>,
    /// The orchestrator's callback token while the case waits at `step`. Never shown, never
    /// logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_entered_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_completion: Option<PendingCompletion>,
    /// Submitted, but its workflow has not yet entered the first step: if starting it failed,
    /// the redelivery sweep starts it (the execution is named after the case, so a second start
    /// is a no-op).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub start_pending: bool,
    /// Optimistic-concurrency version: every change raises it by one.
    pub version: u64,
    /// Number of audit events and the hash of the last one (the chain's head).
    pub audit_seq: u64,
    pub audit_head: String,
    /// HMAC of the head under the installation's audit key ([`crate::audit::head_mac`]):
    /// whoever can write the table but lacks the key cannot set a head of their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_mac: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub decisions: Vec<Decision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<RevisionRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<Recommendation>,
    #[serde(default)]
    pub letter: Letter,
    /// Stored as `permit` since release 0.1 (then named after OSS's permit number).
    #[serde(rename = "permit", default, skip_serializing_if = "Option::is_none")]
    pub issuance: Option<Issuance>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<FeeAssessment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill: Option<Bill>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<Payment>,
    #[serde(default)]
    pub survey_answered: bool,
    /// Marker of the last automatic event (notice, escalation), so that a retried task
    /// invocation does not record it twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_automatic: Option<String>,
    /// Every stay at a step, with its deadline (for the clocks and the SLA report).
    #[serde(default)]
    pub timeline: Vec<StepSpan>,
    /// The last deadline alert the overdue job raised (at most one per case per day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_alert: Option<DeadlineAlert>,
    /// Numbers reserved for this case by counter (`letter-2026` → 7): taken when the case
    /// enters the step whose decision makes the numbered document, so that the decision, its
    /// retries and a lost race all use the same number.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub reserved_numbers: std::collections::BTreeMap<String, u64>,
    /// The officer the case was handed to at its step (`domain::assignment`; in force while
    /// the case stays at that step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment: Option<super::assignment::Assignment>,
    /// Fiktif positif: when and why the application was deemed granted (`domain::deemed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deemed: Option<DeemedGrant>,
    /// The stages whose fiktif positif warning has gone out (once per stage).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deemed_warned: Vec<String>,
}

/// The record of a fiktif positif: the stage whose legal time ran out undecided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeemedGrant {
    pub stage: String,
    pub label: String,
    /// The last working day the office had to decide.
    pub due_on: NaiveDate,
    /// When the overdue job recorded it.
    pub at: DateTime<Utc>,
    /// The step the case waited at.
    pub step: StepCode,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineAlert {
    pub on: NaiveDate,
    pub step: StepCode,
    pub state: DeadlineState,
}

impl Case {
    /// Whether the redelivery sweep has something to send for this case: a stored decision, or
    /// a workflow to start (the store indexes these).
    pub fn needs_delivery(&self) -> bool {
        self.pending_completion.is_some() || self.start_pending
    }

    pub fn new_draft(
        permit: PermitCode,
        owner: String,
        application: FormData,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: CaseId::new(),
            permit_code: permit,
            office: super::office::founding_code(),
            registration_number: None,
            owner,
            application,
            status: CaseStatus::Draft,
            step: None,
            task_token: None,
            step_entered_at: None,
            pending_completion: None,
            start_pending: false,
            version: 0,
            audit_seq: 0,
            audit_head: GENESIS_HASH.to_string(),
            audit_mac: None,
            created_at: now,
            updated_at: now,
            submitted_at: None,
            closed_at: None,
            decisions: Vec::new(),
            revision: None,
            recommendation: None,
            letter: Letter::default(),
            issuance: None,
            fee: None,
            bill: None,
            payment: None,
            survey_answered: false,
            last_automatic: None,
            timeline: Vec::new(),
            deadline_alert: None,
            reserved_numbers: Default::default(),
            assignment: None,
            deemed: None,
            deemed_warned: vec![],
        }
    }

    /// The case waits for a decision at `step` (a live callback token).
    pub fn waiting_at(&self) -> Option<&StepCode> {
        self.task_token.as_ref().and(self.step.as_ref())
    }

    pub fn is_waiting_at(&self, step: &str) -> bool {
        self.waiting_at().is_some_and(|s| s == step)
    }

    /// Who decided the step just before, if it was a staff step: they may not decide the next
    /// one (segregation of duties between consecutive approval steps). After the applicant
    /// acted (a resubmission, the survey) the next step is not consecutive to a staff one.
    pub fn last_staff_actor(&self) -> Option<&Actor> {
        self.decisions
            .last()
            .filter(|d| d.actor.role.as_ref().is_some_and(Role::is_staff))
            .map(|d| &d.actor)
    }

    pub fn current_draft(&self) -> Option<&LetterDraft> {
        self.letter.drafts.last()
    }

    /// The open stay at the current step, if any.
    pub fn open_span(&self) -> Option<&StepSpan> {
        self.timeline.last().filter(|s| s.left_at.is_none())
    }

    /// The current step's deadline (the deadline index's key).
    pub fn step_due_on(&self) -> Option<NaiveDate> {
        self.open_span().and_then(|s| s.due_on)
    }
}

/// A stored upload (one version of one requirement's document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRecord {
    pub id: Uuid,
    pub case_id: CaseId,
    pub requirement: String,
    /// 1 for the first upload of this requirement, +1 on each re-upload.
    pub version: u32,
    pub file_name: String,
    pub media_type: String,
    pub declared_size: u64,
    pub status: DocumentStatus,
    /// Object key in the document store.
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    pub uploaded_by: String,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    /// An upload URL was issued; the bytes are not confirmed yet.
    Pending,
    /// Confirmed: size and type checked on the bytes that arrived.
    Stored,
    /// The bytes were not what was declared; they were deleted.
    Rejected,
    /// Deleted by the retention schedule with the abandoned draft it belonged to.
    Erased,
}

/// The first `prev_hash` of every case's chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One line of the append-only audit trail: who did what, when, from where and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// The case (or complaint) the event belongs to.
    pub case_id: CaseId,
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    /// e.g. `application.created`, `document.stored`, `case.submitted`, `step.entered`,
    /// `step.decided`, `case.closed`.
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<StepCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// What an audited action says, before it is chained.
#[derive(Debug, Clone, Default)]
pub struct EventDraft {
    pub action: &'static str,
    pub step: Option<StepCode>,
    pub outcome: Option<String>,
    pub reason: Option<String>,
}

/// Where an action came from (filled from the gateway's request context).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub source_ip: Option<String>,
    pub request_id: Option<String>,
}

/// Something with an audit trail of its own: a case, or a complaint.
pub trait Chained {
    /// Its id, and its trail's sequence and head hash.
    fn chain_state(&mut self) -> ChainState<'_>;
}

/// A record's hold on its trail: kind (`case`, `complaint`), id, and the slots of sequence,
/// head and the head's keyed MAC.
pub struct ChainState<'a> {
    pub kind: &'static str,
    pub id: CaseId,
    pub seq: &'a mut u64,
    pub head: &'a mut String,
    pub mac: &'a mut Option<String>,
}

impl Chained for Case {
    fn chain_state(&mut self) -> ChainState<'_> {
        ChainState {
            kind: "case",
            id: self.id,
            seq: &mut self.audit_seq,
            head: &mut self.audit_head,
            mac: &mut self.audit_mac,
        }
    }
}

impl AuditEvent {
    /// Chains a new event onto `subject`'s trail (raising its sequence and head).
    pub fn chain(
        subject: &mut impl Chained,
        actor: Actor,
        draft: EventDraft,
        origin: &Origin,
        at: DateTime<Utc>,
    ) -> AuditEvent {
        let ChainState {
            kind,
            id,
            seq,
            head,
            mac,
        } = subject.chain_state();
        let mut ev = AuditEvent {
            case_id: id,
            seq: *seq + 1,
            at,
            actor,
            action: draft.action.to_string(),
            step: draft.step,
            outcome: draft.outcome,
            reason: draft.reason,
            source_ip: origin.source_ip.clone(),
            request_id: origin.request_id.clone(),
            prev_hash: head.clone(),
            hash: String::new(),
        };
        ev.hash = ev.compute_hash();
        *seq = ev.seq;
        *head = ev.hash.clone();
        *mac = crate::audit::key().map(|k| crate::audit::head_mac(k, kind, id, ev.seq, &ev.hash));
        ev
    }

    /// SHA-256 of the event's JSON with an empty `hash` (which includes `prev_hash`).
    pub fn compute_hash(&self) -> String {
        let mut copy = self.clone();
        copy.hash = String::new();
        let bytes = serde_json::to_vec(&copy).expect("audit events serialise");
        hex::encode(Sha256::digest(&bytes))
    }
}

/// Checks a case's trail: sequence without gaps, each event's hash, each link.
pub fn verify_chain(events: &[AuditEvent]) -> Result<(), String> {
    let mut prev = GENESIS_HASH.to_string();
    for (i, e) in events.iter().enumerate() {
        if e.seq != i as u64 + 1 {
            return Err(format!("event {} has sequence {}", i + 1, e.seq));
        }
        if e.prev_hash != prev {
            return Err(format!("event {} does not link to its predecessor", e.seq));
        }
        if e.compute_hash() != e.hash {
            return Err(format!("event {} was altered", e.seq));
        }
        prev = e.hash.clone();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_numbers() {
        let r = RegistrationNumber::new(None, "KK", 2026, 123);
        assert_eq!(r.as_str(), "KK-2026-000123");
        assert_eq!(RegistrationNumber::parse("KK-2026-000123"), Some(r));
        assert_eq!(
            RegistrationNumber::parse("KCP-2026-000001").map(|r| r.to_string()),
            Some("KCP-2026-000001".into())
        );
        assert_eq!(RegistrationNumber::parse("KK-2026-00123"), None);
        assert_eq!(RegistrationNumber::parse("kk-2026-000123"), None);
        assert_eq!(RegistrationNumber::parse("KKKKKK-2026-000123"), None);
        assert_eq!(RegistrationNumber::parse("K-2026-000123"), None);
        // Another office's numbers lead with its prefix (`domain::office`).
        let pms = RegistrationNumber::new(Some("PMS"), "PBG", 2026, 1);
        assert_eq!(pms.as_str(), "PMS-PBG-2026-000001");
        assert_eq!(RegistrationNumber::parse("PMS-PBG-2026-000001"), Some(pms));
        assert_eq!(RegistrationNumber::parse("PMSXX-PBG-2026-000001"), None);
        assert_eq!(RegistrationNumber::parse("PMS-pbg-2026-000001"), None);
        assert_eq!(RegistrationNumber::parse("PMS-PBG-2026-000001-1"), None);
    }

    #[test]
    fn audit_chain_detects_tampering() {
        let now = Utc::now();
        let mut case = Case::new_draft(
            PermitCode::new("kantor-kas-ksp"),
            "u1".into(),
            FormData::default(),
            now,
        );
        let origin = Origin::default();
        let mut evs = vec![];
        for action in ["application.created", "document.stored", "case.submitted"] {
            evs.push(AuditEvent::chain(
                &mut case,
                Actor::system(),
                EventDraft {
                    action,
                    ..Default::default()
                },
                &origin,
                now,
            ));
        }
        assert_eq!(case.audit_seq, 3);
        verify_chain(&evs).unwrap();
        let mut bad = evs.clone();
        bad[1].reason = Some("diubah".into());
        assert!(verify_chain(&bad).unwrap_err().contains("altered"));
        let mut gap = evs.clone();
        gap.remove(1);
        assert!(verify_chain(&gap).is_err());
    }
}
