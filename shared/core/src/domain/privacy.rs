//! Personal data (UU 27/2022 tentang Pelindungan Data Pribadi): where it lives, in one place,
//! and how long what is not part of the permit record is kept.
//!
//! Sources: UU 27/2022 Pasal 43–44 (delete personal data no longer needed; destroy it when the
//! archive retention schedule — UU 43/2009 tentang Kearsipan — says so), summarised in
//! `DOMAIN-FACTS.md`. The periods are configuration (`infra/config/retention.json`).

use chrono::Duration;
use serde::Deserialize;

/// One personal data field: where it is, why it is kept, and what ends its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonalField {
    /// The record and the JSON path of the field.
    pub record: &'static str,
    pub path: &'static str,
    pub purpose: &'static str,
    pub retention: &'static str,
}

const fn field(
    record: &'static str,
    path: &'static str,
    purpose: &'static str,
    retention: &'static str,
) -> PersonalField {
    PersonalField {
        record,
        path,
        purpose,
        retention,
    }
}

/// The register's entry for the application: the fields are the permit's (every form field
/// marked `personal`), so they are listed by the catalogue, not here.
pub const APPLICATION_PERSONAL_FIELDS: &str = "application.<form fields marked personal>";

/// Every personal data field the system stores. Nothing here may appear in logs (tested:
/// `tests/privacy.rs` fills each field with a marker and searches the runner's debug log).
pub const PERSONAL_DATA: &[PersonalField] = &[
    field(
        "case",
        APPLICATION_PERSONAL_FIELDS,
        "each permit's form marks its personal fields (`personal: true` in \
         `infra/permits/<code>/permit.json`): the applicant's contact for notices, the persons the \
         permit names (a cash office's head, a building's owner with NIK and address)",
        "permit record; erased from drafts abandoned for `abandoned_draft_days`",
    ),
    field(
        "complaint",
        "complainant.name",
        "answering the complainant",
        "erased `complaint_identity_days` after the complaint is closed",
    ),
    field(
        "complaint",
        "complainant.email",
        "answering the complainant",
        "erased with the name",
    ),
    field(
        "complaint",
        "complainant.phone",
        "answering the complainant",
        "erased with the name",
    ),
    field(
        "audit event",
        "actor.name",
        "who acted (officials in office; the applicant on their own file)",
        "permit record (append-only, hash-chained)",
    ),
    field(
        "audit event / security event",
        "source_ip",
        "accountability and security",
        "permit record / `security_log_days`",
    ),
    field(
        "survey",
        "profile (age, sex, education, occupation)",
        "the satisfaction index's respondent profile (PermenPANRB 14/2017)",
        "statistics; never linked to a name in reports",
    ),
    field(
        "document",
        "uploaded files and their names",
        "the requirements of the application",
        "permit record; deleted with abandoned drafts",
    ),
    field(
        "e-mail",
        "recipient addresses and bodies",
        "notices",
        "the mail provider's retention (SES keeps no bodies; the local outbox is a dev tool)",
    ),
    field(
        "SMS",
        "recipient numbers and texts",
        "notices to applicants who chose SMS (`docs/notices.md`)",
        "the SMS provider's retention (SNS delivery logs: the log groups' 90 days; the local \
         outbox is a dev tool)",
    ),
    field(
        "notice sending",
        "to (the address or number a notice went to)",
        "whether the applicant's notices arrived; suppressing an address that bounced",
        "permit record, beside the case (`domain::delivery`)",
    ),
];

/// How long data outside the permit record is kept.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionPolicy {
    #[serde(default)]
    pub comment: Option<String>,
    /// A draft never submitted and untouched this long is closed and its personal data erased.
    pub abandoned_draft_days: u32,
    /// A closed complaint's complainant identity is erased this long after closing.
    pub complaint_identity_days: u32,
    /// Refused requests are kept this long.
    pub security_log_days: u32,
    /// Idempotent responses are replayed this long.
    pub idempotency_hours: u32,
    /// The functions' log groups keep their events this long (`RetentionInDays` of every
    /// `…FunctionLogs` in `infra/template.yaml`, checked by `scripts/check_infra.py`).
    pub function_log_days: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    #[error("retention policy: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("retention policy: {0} must be at least 1")]
    Zero(&'static str),
}

impl RetentionPolicy {
    pub fn parse(text: &str) -> Result<Self, RetentionError> {
        let p: RetentionPolicy = serde_json::from_str(text)?;
        for (name, v) in [
            ("abandoned_draft_days", p.abandoned_draft_days),
            ("complaint_identity_days", p.complaint_identity_days),
            ("security_log_days", p.security_log_days),
            ("idempotency_hours", p.idempotency_hours),
            ("function_log_days", p.function_log_days),
        ] {
            if v == 0 {
                return Err(RetentionError::Zero(name));
            }
        }
        Ok(p)
    }

    /// The shipped policy (`infra/config/retention.json`).
    pub fn shipped() -> Self {
        Self::parse(include_str!("../../../../infra/config/retention.json"))
            .expect("infra/config/retention.json is valid")
    }

    pub fn idempotency_ttl(&self) -> Duration {
        Duration::hours(i64::from(self.idempotency_hours))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_policy() {
        let p = RetentionPolicy::shipped();
        assert_eq!(p.abandoned_draft_days, 90);
        assert_eq!(p.complaint_identity_days, 365);
        assert_eq!(p.idempotency_ttl(), Duration::hours(24));
        assert_eq!(p.function_log_days, 90);
    }

    #[test]
    fn zero_and_unknown_fields_are_refused() {
        let zero = r#"{"abandoned_draft_days":0,"complaint_identity_days":1,"security_log_days":1,"idempotency_hours":1,"function_log_days":1}"#;
        assert!(matches!(
            RetentionPolicy::parse(zero),
            Err(RetentionError::Zero("abandoned_draft_days"))
        ));
        let unknown = r#"{"abandoned_draft_days":1,"complaint_identity_days":1,"security_log_days":1,"idempotency_hours":1,"function_log_days":1,"x":1}"#;
        assert!(RetentionPolicy::parse(unknown).is_err());
    }
}
