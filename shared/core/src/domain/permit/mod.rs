//! A permit as data: everything a permit *is* — its form, rules, requirements, steps, notices and
//! letters — read from `infra/permits/<code>/permit.json` (schema: `infra/permits/permit.schema.json`).
//! The routing between its steps is its `workflow.asl.json`, checked against this definition
//! when the catalogue is loaded (`crate::catalogue`).
//!
//! The domain knows step *kinds* (a staff decision, the applicant's revision, an upload by the
//! applicant, the survey), field *types*, rule *checks* and outcome *effects*; it does not know
//! any permit's steps, fields or requirements.

pub mod check;
pub mod form;
pub mod rules;
pub mod template;

use super::requirements::FileKind;
use super::roles::Role;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// A permit's code: its folder under `infra/permits/` (lowercase ASCII, digits and `-`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PermitCode(String);

impl PermitCode {
    pub fn new(code: impl Into<String>) -> Self {
        Self(code.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Lowercase ASCII letters, digits and single hyphens, 2–60 characters.
    pub fn is_valid(s: &str) -> bool {
        (2..=60).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--")
    }
}

impl fmt::Display for PermitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A step's code (`front_office_verification`), unique within a permit. The same code in two
/// permits is handled by the same function (its route is one) and may be a different stay.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StepCode(String);

impl StepCode {
    pub fn new(code: impl Into<String>) -> Self {
        Self(code.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StepCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for StepCode {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for StepCode {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub title: String,
    pub reference: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeKind {
    /// The service is free.
    None,
    /// A regional retribution computed per case, billed by SKRD and paid at a bank.
    Retribution,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    pub kind: FeeKind,
    /// What the portal shows (Bahasa Indonesia).
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// `KK` gives `KK-2026-000123`: 2–5 capital letters.
    pub prefix: String,
    /// The yearly counter's name (`<counter>-<year>`); permits sharing a prefix share it.
    pub counter: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// The form field that holds the applicant's e-mail address (notices go there).
    pub email: String,
    /// The form field of the applicant's mobile number (SMS notices go there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The form field where the applicant chooses how notices reach them: a choice of
    /// `email`, `sms` and `both` (absent or unanswered: e-mail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_by: Option<String>,
}

/// The application form: sections of typed fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    pub fields: Vec<FieldDef>,
}

/// The types a field can have; each knows how to parse and show its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Free text (`min_length`/`max_length`, default 1–2000; `multiline` for the form).
    Text,
    /// A reference number: letters, digits, space and `. / - : _ ( )`, 3–100 characters.
    Reference,
    /// A person's name, 3–120 characters.
    Name,
    /// An address, 5–300 characters.
    Address,
    /// A whole number (`min`/`max`).
    Integer,
    /// A number with decimals (`min`/`max`, `decimals`), e.g. an area in m².
    Decimal,
    /// Rupiah, a whole number ≥ 0 (`max`).
    Money,
    /// `YYYY-MM-DD`; not after today unless `not_future` is false; not before today with
    /// `not_past`.
    Date,
    Email,
    /// An Indonesian number, kept as `+62…`.
    Phone,
    /// An Indonesian mobile number that can receive SMS, kept as `+628…` (`values::Mobile`).
    Mobile,
    /// Nomor Induk Berusaha: 13 digits (OSS; shape only).
    Nib,
    /// Nomor Induk Kependudukan: 16 digits (Dukcapil; shape only).
    Nik,
    /// One of `options`.
    Choice,
    Boolean,
    /// Requirement codes of this permit (a decision's list of documents to upload again).
    RequirementList,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    pub code: String,
    pub label: String,
}

/// One field of the application form or of a decision.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// Dotted path in the request body and in the stored record (`cash_office.member_count`).
    pub path: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// What the form shows beside the field (Bahasa Indonesia).
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(default = "yes")]
    pub required: bool,
    /// Personal data (UU 27/2022): in the register of `domain::privacy` (its application entry),
    /// kept out of logs (`tests/privacy.rs` fills each with a marker) and erased from abandoned
    /// drafts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub personal: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub multiline: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ChoiceOption>,
    /// Dates: refused when after today (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_future: Option<bool>,
    /// Dates: refused when before today.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_past: bool,
    /// Decision fields: they apply only to these outcomes (all, when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<String>,
}

fn yes() -> bool {
    true
}

impl FieldDef {
    pub fn min_len(&self) -> usize {
        self.min_length.unwrap_or(match self.kind {
            FieldType::Reference | FieldType::Name => 3,
            FieldType::Address => 5,
            _ => 1,
        })
    }
    pub fn max_len(&self) -> usize {
        self.max_length.unwrap_or(match self.kind {
            FieldType::Reference => 100,
            FieldType::Name => 120,
            FieldType::Address => 300,
            _ => 2000,
        })
    }
    pub fn not_future(&self) -> bool {
        self.not_future.unwrap_or(true)
    }
    /// Whether the field applies to `outcome` (decision fields).
    pub fn applies_to(&self, outcome: &str) -> bool {
        self.outcomes.is_empty() || self.outcomes.iter().any(|o| o == outcome)
    }
}

/// A declarative rule over the application's fields, with its source and its error.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    /// The error's machine code (`min_members`).
    pub code: String,
    pub check: RuleCheck,
    /// `at_least`/`at_most`: the number field. Intervals: where the error shows (default `from`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Intervals: date fields, or `@submission` (the day of submission, WITA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// Both ends count (a period 1 January – 31 December is twelve months).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inclusive: bool,
    /// Where the rule comes from (the SOP's requirement, a regulation).
    pub source: String,
    /// What the person reads; `{qualifies_on}` is the first date on which a `min_interval` to
    /// `@submission` holds.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleCheck {
    /// `field` ≥ `value`.
    AtLeast,
    /// `field` ≤ `value`.
    AtMost,
    /// From `from` to `to` at least `months` (calendar months) or `days`.
    MinInterval,
    /// From `from` to `to` at most `months` or `days`.
    MaxInterval,
}

/// When a requirement document is needed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Required {
    Always(bool),
    When { when: Condition },
}

/// A condition on a form field's value.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    pub equals: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequirementDef {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub source: String,
    pub required: Required,
    pub kinds: Vec<FileKind>,
    pub max_bytes: u64,
    /// Uploaded at this applicant step (e.g. a payment slip) rather than with the application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<StepCode>,
}

impl RequirementDef {
    /// Whether the document is required for an application with these values.
    pub fn required_for(&self, form: &form::FormData) -> bool {
        match &self.required {
            Required::Always(b) => *b,
            Required::When { when } => form.get(&when.field) == Some(&when.equals),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockDef {
    pub label: String,
    /// Working days (hari kerja).
    pub days: u32,
    /// The applicant's clock only: the form's date field it runs from (the application in the
    /// national system, e.g. `oss_applied_on`, SOP huruf c), instead of the day the draft was
    /// created here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Where the days come from (the SOP's Waktu Penyelesaian, a regulation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Fiktif positif as data (`permit.json` `deemed_approval`): UU 30/2014 Pasal 53 as amended by
/// UU 6/2023 deems an application granted by law when the office does not decide within its
/// time; under PP 28/2025 OSS then issues the permit itself. See `domain::deemed`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeemedApprovalDef {
    /// The articles the rule rests on (shown in the catalogue and the console).
    pub source: String,
    /// The agency's head, the waiting role and its supervisor are warned this many working days
    /// before a stage's date.
    pub warn_days: u32,
    /// The staff step that records the permit OSS issued by itself.
    pub step: StepCode,
    pub stages: Vec<DeemedStageDef>,
}

/// A stage with its own legal time: the working days the agency's steps in `steps` may take
/// together.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeemedStageDef {
    pub code: String,
    pub label: String,
    pub days: u32,
    pub steps: Vec<StepCode>,
}

impl DeemedApprovalDef {
    pub fn stage_of(&self, step: &str) -> Option<&DeemedStageDef> {
        self.stages
            .iter()
            .find(|st| st.steps.iter().any(|s| s.as_str() == step))
    }
}

/// The two clocks of a permit: the applicant's and the agency's.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clocks {
    pub applicant: ClockDef,
    pub agency: ClockDef,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    Applicant,
    Agency,
}

/// A step's deadline: its own working days, and the clock its time counts on. A step on the
/// applicant's clock without days of its own is due when that clock runs out.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sla {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<ClockKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// A staff member decides (outcomes, fields, effects).
    Decision,
    /// The applicant fixes the file and resubmits (`POST /cases/{id}/submit`).
    ApplicantRevision,
    /// The applicant uploads the step's documents and confirms (`POST /cases/{id}/steps/<step>`).
    ApplicantUpload,
    /// The applicant answers the satisfaction survey (`POST /cases/{id}/survey`).
    Survey,
}

impl StepKind {
    pub fn is_applicant(self) -> bool {
        !matches!(self, StepKind::Decision)
    }
}

/// The functions of the collection that handle steps (`functions/<name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Function {
    Submit,
    Upload,
    Verify,
    Recommend,
    Sign,
    Survey,
}

impl Function {
    pub const ALL: [Function; 6] = [
        Function::Submit,
        Function::Upload,
        Function::Verify,
        Function::Recommend,
        Function::Sign,
        Function::Survey,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Function::Submit => "submit",
            Function::Upload => "upload",
            Function::Verify => "verify",
            Function::Recommend => "recommend",
            Function::Sign => "sign",
            Function::Survey => "survey",
        }
    }
    /// The step kinds this function handles.
    pub fn handles(self, kind: StepKind) -> bool {
        matches!(
            (self, kind),
            (Function::Submit, StepKind::ApplicantRevision)
                | (Function::Upload, StepKind::ApplicantUpload)
                | (Function::Survey, StepKind::Survey)
                | (
                    Function::Verify | Function::Recommend | Function::Sign,
                    StepKind::Decision
                )
        )
    }
}

/// Which letter a verdict leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Grant,
    Refusal,
}

/// What an outcome does besides being recorded (the routing is the ASL's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Effect {
    /// Sends the file back to the applicant; the step's `requirement_list` field names the
    /// documents to upload again.
    RequestRevision,
    /// The technical agency's verdict: which letter the case leads to.
    Recommend {
        verdict: Verdict,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        number_field: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        date_field: Option<String>,
    },
    /// A new draft of the letter (kind from the verdict), as a PDF; `notes_field` is the
    /// drafter's note kept with the draft.
    DraftLetter {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notes_field: Option<String>,
    },
    /// The final letter: its number claimed, rendered, signed, written once.
    SignLetter,
    /// The permit as issued in the national system (OSS): its number and date.
    RecordIssuance {
        number_field: String,
        date_field: String,
    },
    /// The retribution computed for this case.
    AssessFee {
        amount_field: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        basis_field: Option<String>,
    },
    /// The bill (SKRD) for the assessed retribution: numbered, rendered as a PDF.
    IssueBill,
    /// The payment proved by the uploaded slip is verified.
    ConfirmPayment {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference_field: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        date_field: Option<String>,
    },
}

impl Effect {
    /// Effects whose documents only the `sign` function renders.
    pub fn needs_documents(&self) -> bool {
        matches!(
            self,
            Effect::DraftLetter { .. } | Effect::SignLetter | Effect::IssueBill
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeDef {
    pub code: String,
    /// What the decision button says (Bahasa Indonesia).
    pub label: String,
    /// Positive (complete, valid, approve) or not (incomplete, return, refuse).
    pub positive: bool,
    #[serde(default)]
    pub reason_required: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub effects: Vec<Effect>,
}

impl OutcomeDef {
    pub fn has(&self, f: impl Fn(&Effect) -> bool) -> bool {
        self.effects.iter().any(f)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepDef {
    pub code: StepCode,
    /// The step's letter in the SOP.
    pub sop: String,
    /// The step as the SOP words it (Bahasa Indonesia).
    pub title: String,
    pub role: Role,
    pub function: Function,
    pub kind: StepKind,
    pub sla: Sla,
    pub outcomes: Vec<OutcomeDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldDef>,
    /// Notices (codes of the permit's `notices`) the applicant gets when the case enters it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl StepDef {
    pub fn outcome(&self, code: &str) -> Option<&OutcomeDef> {
        self.outcomes.iter().find(|o| o.code == code)
    }
    /// Staff steps: segregation of duties applies between consecutive ones.
    pub fn is_staff(&self) -> bool {
        !self.kind.is_applicant()
    }
    pub fn field(&self, path: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.path == path)
    }
    /// Whether an outcome of this step sends the file back to the applicant.
    pub fn requests_revision(&self) -> bool {
        self.outcomes
            .iter()
            .any(|o| o.has(|e| *e == Effect::RequestRevision))
    }
}

/// A notice to the applicant: a subject and lines, with `{placeholders}` (`template`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeDef {
    pub subject: String,
    pub lines: Vec<Paragraph>,
    /// The text message of the notice, for applicants who chose SMS (placeholders as in
    /// `subject`; name the registration number). The link to the portal's tracking page is
    /// appended; the whole is made to fit `domain::sms::MAX_SEGMENTS` parts. Notices without one
    /// go by e-mail only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<String>,
}

impl NoticeDef {
    /// What the audit trail calls the notice: its subject without placeholders
    /// (`Izin terbit: {registration_number}` → `Izin terbit`).
    pub fn title(&self) -> String {
        let mut out = String::new();
        let mut depth = 0;
        for ch in self.subject.chars() {
            match ch {
                '{' => depth += 1,
                '}' if depth > 0 => depth -= 1,
                _ if depth == 0 => out.push(ch),
                _ => {}
            }
        }
        out.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '-' | ','))
            .trim()
            .to_string()
    }
}

/// A paragraph: one text, or parts joined together; a part with a placeholder that has no value
/// is left out (so optional facts need no conditionals).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Paragraph {
    Text(String),
    Parts(Vec<String>),
}

impl Paragraph {
    pub fn parts(&self) -> Vec<&str> {
        match self {
            Paragraph::Text(t) => vec![t.as_str()],
            Paragraph::Parts(p) => p.iter().map(String::as_str).collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Numbering {
    /// `{seq}`, `{seq:04}`, `{seq:06}` (per year, without gaps) and `{year}`.
    pub pattern: String,
    /// The yearly counter's name (`<counter>-<year>`).
    pub counter: String,
}

impl Numbering {
    /// The `seq`-th number of `year`.
    pub fn format(&self, seq: u64, year: i32) -> String {
        self.pattern
            .replace("{seq:04}", &format!("{seq:04}"))
            .replace("{seq:06}", &format!("{seq:06}"))
            .replace("{seq}", &seq.to_string())
            .replace("{year}", &year.to_string())
    }
    pub fn counter_name(&self, year: i32) -> String {
        format!("{}-{year}", self.counter)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fact {
    pub label: String,
    pub value: String,
}

/// A letter's text; the layout (letterhead, signature block, QR) is the PDF renderer's.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LetterTemplate {
    pub title: String,
    pub subtitle: String,
    pub opening: Paragraph,
    pub facts: Vec<Fact>,
    pub body: Vec<Paragraph>,
    pub closing: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Letters {
    pub number: Numbering,
    pub grant: LetterTemplate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<LetterTemplate>,
    pub footer: String,
    /// The letter's legal basis ("Dasar hukum"), printed after its number (Permendagri 1/2023,
    /// the parts of a naskah dinas). Each a template.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dasar_hukum: Vec<String>,
    /// Who receives a copy ("Tembusan"), printed below the signature. Each a template.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tembusan: Vec<String>,
    /// The applicant's right to object to a refusal (required with `refusal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objection: Option<Objection>,
}

/// Upaya administratif against a refusal: UU 30/2014 tentang Administrasi Pemerintahan Pasal 75
/// (keberatan and banding are the administrative remedies) and Pasal 77 ayat (1)–(2): keberatan in
/// writing to the official who made the decision, within 21 working days of its announcement.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Objection {
    /// Working days to file it (21 under UU 30/2014 Pasal 77 ayat (1)).
    pub working_days: u32,
    /// To whom, a template ("{agency.head_position}").
    pub addressee: String,
    /// Where the right comes from, as the letter cites it.
    pub source: String,
}

impl Letters {
    pub fn template(&self, v: Verdict) -> Option<&LetterTemplate> {
        match v {
            Verdict::Grant => Some(&self.grant),
            Verdict::Refusal => self.refusal.as_ref(),
        }
    }
}

/// The bill of a permit with a retribution (SKRD).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BillDef {
    pub title: String,
    pub number: Numbering,
    /// Calendar days from issue to the due date.
    pub due_days: u32,
    /// What the bill is for, e.g. "Retribusi Persetujuan Bangunan Gedung".
    pub object: String,
    pub legal_basis: Vec<String>,
    pub facts: Vec<Fact>,
    pub instructions: Vec<Paragraph>,
}

/// A permit's whole definition (`permit.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermitDef {
    #[serde(rename = "$schema", default, skip_serializing)]
    pub schema: Option<String>,
    pub code: PermitCode,
    pub name: String,
    pub short_name: String,
    pub description: String,
    pub sources: Vec<Source>,
    pub legal_basis: Vec<String>,
    pub product: String,
    pub fee: Fee,
    pub processing_time: String,
    /// The technical agency (an agency of `infra/roles.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technical_agency: Option<String>,
    /// The national system the application comes from (`OSS`, `SIMBG`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_system: Option<String>,
    /// The state machine's name (default: the code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_machine: Option<String>,
    pub registration: Registration,
    /// The form field naming who the permit is for (the letter's holder).
    pub holder: String,
    pub contact: Contact,
    pub form: Form,
    #[serde(default)]
    pub rules: Vec<RuleDef>,
    pub requirements: Vec<RequirementDef>,
    pub clocks: Clocks,
    pub near_due_days: u32,
    pub steps: Vec<StepDef>,
    pub notices: BTreeMap<String, NoticeDef>,
    pub letters: Letters,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill: Option<BillDef>,
    /// Fiktif positif: the stages after whose working days, undecided, the application is
    /// deemed granted by law (`domain::deemed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deemed_approval: Option<DeemedApprovalDef>,
    /// Where the source was silent and the office chose (shown in the catalogue).
    #[serde(default)]
    pub assumptions: Vec<String>,
}

impl PermitDef {
    /// The roles of the steps that sign the permit's letters (the agency's head).
    pub fn signer_roles(&self) -> Vec<Role> {
        let mut v: Vec<Role> = vec![];
        for st in &self.steps {
            let signs = st
                .outcomes
                .iter()
                .any(|o| o.effects.iter().any(|e| matches!(e, Effect::SignLetter)));
            if signs && !v.contains(&st.role) {
                v.push(st.role.clone());
            }
        }
        v
    }

    pub fn step(&self, code: &str) -> Option<&StepDef> {
        self.steps.iter().find(|s| s.code == code)
    }
    pub fn machine(&self) -> &str {
        self.state_machine.as_deref().unwrap_or(self.code.as_str())
    }
    pub fn requirement(&self, code: &str) -> Option<&RequirementDef> {
        self.requirements.iter().find(|r| r.code == code)
    }
    /// Requirements uploaded with the application (not at a later step).
    pub fn application_requirements(&self) -> impl Iterator<Item = &RequirementDef> {
        self.requirements.iter().filter(|r| r.step.is_none())
    }
    pub fn fields(&self) -> impl Iterator<Item = &FieldDef> {
        self.form.sections.iter().flat_map(|s| s.fields.iter())
    }
    pub fn field(&self, path: &str) -> Option<&FieldDef> {
        self.fields().find(|f| f.path == path)
    }
    /// Who the permit is for, as the application names them (the letter's holder).
    pub fn holder_of(&self, form: &form::FormData) -> String {
        form.str(&self.holder).unwrap_or("-").to_string()
    }

    /// The steps of a role (its work queue).
    pub fn steps_of<'a>(&'a self, role: &'a Role) -> impl Iterator<Item = &'a StepDef> {
        self.steps.iter().filter(move |s| &s.role == role)
    }
    /// The SLA target of a step in working days: its own days (the applicant's steps on the
    /// applicant's clock have none: their deadline is what is left of that clock).
    pub fn target(&self, step: &str) -> Option<u32> {
        self.step(step).and_then(|s| s.sla.days)
    }
    /// The clock a step's time counts on.
    pub fn clock_of(&self, step: &str) -> Option<ClockKind> {
        self.step(step).and_then(|s| s.sla.clock)
    }
    pub fn clock(&self, kind: ClockKind) -> &ClockDef {
        match kind {
            ClockKind::Applicant => &self.clocks.applicant,
            ClockKind::Agency => &self.clocks.agency,
        }
    }
    /// Names of every decision field of every step (for telling a field of another step from
    /// an unknown one).
    pub fn all_decision_fields(&self) -> impl Iterator<Item = &str> {
        self.steps
            .iter()
            .flat_map(|s| s.fields.iter().map(|f| f.path.as_str()))
    }
}

#[cfg(test)]
pub mod tests_support {
    use super::PermitDef;

    /// The seed's permit as shipped (`infra/permits/kantor-kas-ksp/permit.json`).
    pub fn kantor_kas() -> PermitDef {
        serde_json::from_str(include_str!(
            "../../../../../infra/permits/kantor-kas-ksp/permit.json"
        ))
        .expect("the shipped kantor kas permit parses")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_is_titled_by_its_subject_without_placeholders() {
        let n = |subject: &str| NoticeDef {
            subject: subject.into(),
            lines: vec![],
            sms: None,
        };
        assert_eq!(
            n("Izin terbit: {registration_number}").title(),
            "Izin terbit"
        );
        assert_eq!(
            n("SKRD terbit, mohon bayar retribusi: {registration_number}").title(),
            "SKRD terbit, mohon bayar retribusi"
        );
        assert_eq!(
            n("{registration_number} — berkas lengkap").title(),
            "— berkas lengkap"
        );
    }
}
