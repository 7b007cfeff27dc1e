//! A case's stays at its steps: what both the case record (`case.rs`) and the clocks and the SLA
//! report (`deadlines.rs`) are made of.

use super::case::CaseId;
use super::permit::{PermitCode, StepCode};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One stay of the case at a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepSpan {
    pub step: StepCode,
    pub entered_at: DateTime<Utc>,
    /// The step's deadline (WITA date), set when the case entered it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// One decided stay at a step, for the SLA report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub case_id: CaseId,
    /// The case's permit (release 0.1 records: kantor kas, `migrate`).
    #[serde(default = "super::migrate::release_0_1_permit")]
    pub permit: PermitCode,
    /// The case's office (records from before offices: the founding office's).
    #[serde(default = "super::office::founding_code")]
    pub office: super::office::OfficeCode,
    pub step: StepCode,
    pub entered_at: DateTime<Utc>,
    pub decided_at: DateTime<Utc>,
    pub outcome: String,
    pub working_days: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
    pub on_time: bool,
}
