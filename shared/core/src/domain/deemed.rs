//! Fiktif positif: an application the office does not decide within its legal time is deemed
//! granted by law.
//!
//! Sources:
//! - UU 30/2014 tentang Administrasi Pemerintahan, Pasal 53 as amended by UU 6/2023 (Penetapan
//!   Perppu 2/2022 tentang Cipta Kerja): an official must decide within the time the rules set
//!   (ayat 1–2); an application not decided within it is deemed granted by law ("dianggap
//!   dikabulkan secara hukum", ayat 3), and the decision is issued electronically.
//! - PP 28/2025 tentang Penyelenggaraan Perizinan Berusaha Berbasis Risiko: a service-level time
//!   (SLA) for every stage of a business permit; when a stage's SLA passes without the
//!   authority's action, the OSS system issues the permit by itself (DPMPTSP Kabupaten Gorontalo,
//!   "Apakah OSS RBA akan menyetujui secara otomatis …", on the same rule under PP 5/2021).
//!   The article numbers of PP 28/2025 are not cited here: no copy of its text was at hand.
//!
//! The rule is data per permit (`permit.json` `deemed_approval`): its stages, each a set of the
//! agency's steps and the working days they may take together, counted like the agency's clock
//! (only while one of those steps holds the file; a revision pauses it), and the staff step that
//! records OSS's issuance. The last working day of a stage is its "Batas fiktif positif"; the
//! day after it, undecided, the overdue job marks the case deemed granted (once), fails the
//! waiting task with [`DEEMED_ERROR`] so the workflow goes to the recording step, and tells the
//! applicant and the staff.

use super::CaseStatus;
use super::calendar::Calendar;
use super::case::Case;
use super::deadlines::{DeadlineState, used};
use super::permit::{DeemedStageDef, PermitDef, StepDef};
use super::time::wita_date;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeSet;

/// The error the overdue job fails a waiting task with; each stage step's wait catches it
/// (checked at load) and goes to the recording step.
pub const DEEMED_ERROR: &str = "Perizinan.DeemedGranted";

/// The permit's notice to the applicant (`permit.json` `notices`).
pub const APPLICANT_NOTICE: &str = "deemed_granted";

/// One stage's legal time on a case.
#[derive(Debug, Clone, Serialize)]
pub struct DeemedClock {
    pub stage: String,
    pub label: String,
    /// What the console and the portal title it.
    pub title: &'static str,
    pub target_days: u32,
    pub used_days: u32,
    pub left_days: i64,
    /// The last working day the office has to decide (absent while the stage is paused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
    pub running: bool,
    /// The time ran out undecided: the application is granted by law.
    pub lapsed: bool,
    pub state: DeadlineState,
    pub state_label: &'static str,
    pub source: String,
}

pub const TITLE: &str = "Batas fiktif positif";

fn intervals(
    case: &Case,
    stage: &DeemedStageDef,
    now: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>, bool)> {
    case.timeline
        .iter()
        .filter(|s| stage.steps.contains(&s.step))
        .map(|s| (s.entered_at, s.left_at.unwrap_or(now), s.left_at.is_none()))
        .collect()
}

/// Every stage's clock, as of `now`. Empty for a permit without the rule and for a draft.
pub fn clocks(
    case: &Case,
    def: &PermitDef,
    cal: &Calendar,
    now: DateTime<Utc>,
    unknown: &mut BTreeSet<i32>,
) -> Vec<DeemedClock> {
    let Some(da) = &def.deemed_approval else {
        return vec![];
    };
    if case.status == CaseStatus::Draft {
        return vec![];
    }
    let today = wita_date(now);
    let open = matches!(case.status, CaseStatus::InProcess);
    da.stages
        .iter()
        .map(|stage| {
            if let Some(d) = case.deemed.as_ref().filter(|d| d.stage == stage.code) {
                return DeemedClock {
                    stage: stage.code.clone(),
                    label: stage.label.clone(),
                    title: TITLE,
                    target_days: stage.days,
                    used_days: stage.days + 1,
                    left_days: -1,
                    due_on: Some(d.due_on),
                    running: false,
                    lapsed: true,
                    state: DeadlineState::Overdue,
                    state_label: "Dianggap dikabulkan (fiktif positif)",
                    source: da.source.clone(),
                };
            }
            let u = used(cal, &intervals(case, stage, now), unknown);
            let left = i64::from(stage.days) - i64::from(u.days);
            let running = open && u.running_from.is_some();
            let due_on = match u.running_from {
                Some((before, from)) if running => {
                    let c = cal.add_working_days(from, stage.days.saturating_sub(before));
                    unknown.extend(c.unknown_years);
                    Some(c.value)
                }
                _ => None,
            };
            let state = if !running {
                if case.status.is_final() || case.status == CaseStatus::DeemedGranted {
                    DeadlineState::Done
                } else {
                    DeadlineState::Paused
                }
            } else if due_on.is_some_and(|d| today > d) {
                DeadlineState::Overdue
            } else if left <= i64::from(da.warn_days) {
                DeadlineState::NearDue
            } else {
                DeadlineState::OnTime
            };
            DeemedClock {
                stage: stage.code.clone(),
                label: stage.label.clone(),
                title: TITLE,
                target_days: stage.days,
                used_days: u.days,
                left_days: left,
                due_on,
                running,
                lapsed: false,
                state,
                state_label: state.label(),
                source: da.source.clone(),
            }
        })
        .collect()
}

/// The stage a case at this step is in, with its date, when the day after that date has begun
/// (WITA) and the office has not decided: the application is now granted by law.
pub fn lapsed<'a>(
    case: &Case,
    def: &'a PermitDef,
    cal: &Calendar,
    now: DateTime<Utc>,
) -> Option<(&'a DeemedStageDef, NaiveDate)> {
    if case.status != CaseStatus::InProcess {
        return None;
    }
    let da = def.deemed_approval.as_ref()?;
    let step = case.waiting_at()?;
    let stage = da.stage_of(step.as_str())?;
    let mut unknown = BTreeSet::new();
    let c = clocks(case, def, cal, now, &mut unknown)
        .into_iter()
        .find(|c| c.stage == stage.code)?;
    let due = c.due_on?;
    (wita_date(now) > due).then_some((stage, due))
}

/// A step of a stage is due no later than the stage itself: entering it, its deadline is the
/// earlier of its own and the stage's last day (so that the deadline index, which alerts on
/// step deadlines, also finds a case whose stage runs out first).
pub fn cap_step_due(
    case: &Case,
    def: &PermitDef,
    step: &StepDef,
    cal: &Calendar,
    now: DateTime<Utc>,
    due: Option<NaiveDate>,
) -> Option<NaiveDate> {
    let Some(stage) = def
        .deemed_approval
        .as_ref()
        .and_then(|da| da.stage_of(step.code.as_str()))
    else {
        return due;
    };
    let mut unknown = BTreeSet::new();
    let spent = used(cal, &intervals(case, stage, now), &mut unknown).days;
    let left = stage.days.saturating_sub(spent);
    let stage_due = cal.add_working_days(wita_date(now), left).value;
    Some(due.map_or(stage_due, |d| d.min(stage_due)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::permit::StepCode;
    use crate::domain::permit::tests_support::kantor_kas;
    use crate::domain::timeline::StepSpan;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn span(step: &str, from: &str, to: Option<&str>) -> StepSpan {
        StepSpan {
            step: StepCode::new(step),
            entered_at: at(from),
            due_on: None,
            left_at: to.map(at),
            outcome: to.map(|_| "x".into()),
        }
    }

    /// Worked example (2026 SKB): submitted Wednesday 4 March 2026; the front office takes Thu 5
    /// (1 day), a revision pauses the stage until Monday 9 March, then the agency's steps run
    /// on. 30 working days of the stage: 1 used, 29 more from 9 March across 18–24 March and
    /// 3 April → Monday 27 April 2026 is the last day (the agency clock's due date in
    /// `tests/suite/deadlines.rs`). On 27 April it is not lapsed; on Tuesday 28 April it is.
    #[test]
    fn the_stage_runs_like_the_agency_clock_and_lapses_the_day_after() {
        let cal = Calendar::shipped();
        let def = kantor_kas();
        let mut case = Case::new_draft(
            def.code.clone(),
            "o".into(),
            Default::default(),
            at("2026-03-02T09:00:00+08:00"),
        );
        case.status = CaseStatus::InProcess;
        case.submitted_at = Some(at("2026-03-04T10:00:00+08:00"));
        case.timeline = vec![
            span(
                "front_office_verification",
                "2026-03-04T10:00:00+08:00",
                Some("2026-03-05T11:00:00+08:00"),
            ),
            span(
                "applicant_revision",
                "2026-03-05T11:00:00+08:00",
                Some("2026-03-09T15:00:00+08:00"),
            ),
            span(
                "front_office_verification",
                "2026-03-09T15:00:00+08:00",
                None,
            ),
        ];
        case.step = Some(StepCode::new("front_office_verification"));
        case.task_token = Some("t".into());
        let mut unknown = BTreeSet::new();
        let c = &clocks(
            &case,
            &def,
            &cal,
            at("2026-03-10T09:00:00+08:00"),
            &mut unknown,
        )[0];
        assert_eq!(c.used_days, 2, "5 and 10 March");
        assert_eq!(c.due_on, Some("2026-04-27".parse().unwrap()));
        assert_eq!(c.state, DeadlineState::OnTime);
        assert!(
            lapsed(&case, &def, &cal, at("2026-04-27T23:59:00+08:00")).is_none(),
            "the last day counts"
        );
        let c = &clocks(
            &case,
            &def,
            &cal,
            at("2026-04-23T09:00:00+08:00"),
            &mut unknown,
        )[0];
        assert_eq!(c.state, DeadlineState::NearDue, "3 working days left");
        let (stage, due) = lapsed(&case, &def, &cal, at("2026-04-28T00:00:00+08:00")).unwrap();
        assert_eq!(stage.code, "pemeriksaan_persetujuan");
        assert_eq!(due, "2026-04-27".parse::<NaiveDate>().unwrap());
        // At the applicant's step the stage is paused: nothing lapses.
        case.step = Some(StepCode::new("applicant_revision"));
        assert!(lapsed(&case, &def, &cal, at("2026-06-01T09:00:00+08:00")).is_none());
        assert!(unknown.is_empty());
    }
}
