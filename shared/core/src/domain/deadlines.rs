//! Service-level deadlines in working days: each permit's two clocks (the seed's "Waktu
//! Penyelesaian": 30 hari kerja for the applicant to fulfil the commitment, 30 hari kerja for the
//! agency to check and approve it), split into per-step targets in the permit's `permit.json`
//! (`steps[].sla`) so that lateness is pinned to a step and a role.
//!
//! - The applicant's clock runs while the file is in the applicant's hands: from the start of the
//!   application until it is submitted, and again at every step on the applicant's clock (a
//!   revision, a payment); it is paused while the agency holds the file.
//! - The agency's clock runs while a staff step holds the file; it is paused while the case waits
//!   on the applicant (revision, survey).
//!
//! Days are counted with [`Calendar`] in WITA; see its counting convention.

use super::CaseStatus;
use super::calendar::{Calendar, unknown_years_warning};
use super::case::Case;
use super::permit::{ClockKind, PermitDef, StepCode, StepDef};
use super::time::wita_date;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub use super::timeline::{StepRecord, StepSpan};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineState {
    OnTime,
    NearDue,
    Overdue,
    Paused,
    Done,
}

impl DeadlineState {
    pub fn label(self) -> &'static str {
        match self {
            DeadlineState::OnTime => "Tepat waktu",
            DeadlineState::NearDue => "Mendekati batas waktu",
            DeadlineState::Overdue => "Melewati batas waktu",
            DeadlineState::Paused => "Dihentikan sementara",
            DeadlineState::Done => "Selesai",
        }
    }
}

fn state_of(left: i64, near: u32) -> DeadlineState {
    if left < 0 {
        DeadlineState::Overdue
    } else if left <= i64::from(near) {
        DeadlineState::NearDue
    } else {
        DeadlineState::OnTime
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Clock {
    pub label: String,
    pub target_days: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    pub running: bool,
    pub used_days: u32,
    pub left_days: i64,
    /// When the clock runs out if it keeps running (absent while paused or done).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
    pub state: DeadlineState,
    pub state_label: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepClock {
    pub step: StepCode,
    pub role: super::Role,
    pub target_days: u32,
    pub entered_on: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
    pub used_days: u32,
    pub left_days: i64,
    pub state: DeadlineState,
    pub state_label: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Deadlines {
    pub today: NaiveDate,
    pub applicant: Clock,
    pub agency: Clock,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<StepClock>,
    /// Fiktif positif: each stage's legal time ("Batas fiktif positif", `domain::deemed`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deemed: Vec<super::deemed::DeemedClock>,
    /// Loud warnings (e.g. a year without holiday data).
    pub warnings: Vec<String>,
}

/// The intervals during which a clock ran, open intervals ending now.
fn intervals(
    case: &Case,
    def: &PermitDef,
    now: DateTime<Utc>,
    clock: ClockKind,
) -> Vec<(DateTime<Utc>, DateTime<Utc>, bool)> {
    let mut out = vec![];
    if clock == ClockKind::Applicant {
        let end = case.submitted_at.unwrap_or(now);
        out.push((
            applicant_clock_started_at(case, def),
            end,
            case.submitted_at.is_none() && case.status == CaseStatus::Draft,
        ));
    }
    for s in &case.timeline {
        if def.clock_of(s.step.as_str()) == Some(clock) {
            out.push((s.entered_at, s.left_at.unwrap_or(now), s.left_at.is_none()));
        }
    }
    out
}

/// The day the applicant's clock starts: the form's `clocks.applicant.from` date (the
/// application in OSS) when the permit names one and the application has it, else the day the
/// draft was created (release 0.1 cases, permits outside OSS).
pub fn applicant_clock_start(case: &Case, def: &PermitDef) -> NaiveDate {
    wita_date(applicant_clock_started_at(case, def))
}

fn applicant_clock_started_at(case: &Case, def: &PermitDef) -> DateTime<Utc> {
    def.clocks
        .applicant
        .from
        .as_deref()
        .and_then(|f| case.application.date(f))
        .map_or(case.created_at, super::time::wita_start_of)
}

pub(super) struct Used {
    pub(super) days: u32,
    /// Days used before the open interval, and that interval's start, if the clock runs.
    pub(super) running_from: Option<(u32, NaiveDate)>,
}

pub(super) fn used(
    cal: &Calendar,
    ivs: &[(DateTime<Utc>, DateTime<Utc>, bool)],
    unknown: &mut BTreeSet<i32>,
) -> Used {
    let mut days = 0;
    let mut running_from = None;
    for (from, to, open) in ivs {
        let c = cal.working_days_between(wita_date(*from), wita_date(*to));
        unknown.extend(c.unknown_years);
        if *open {
            running_from = Some((days, wita_date(*from)));
        }
        days += c.value;
    }
    Used { days, running_from }
}

struct ClockSpec {
    label: String,
    target: u32,
    started_at: Option<DateTime<Utc>>,
    done: bool,
}

fn clock(
    spec: ClockSpec,
    u: Used,
    near: u32,
    cal: &Calendar,
    unknown: &mut BTreeSet<i32>,
) -> Clock {
    let ClockSpec {
        label,
        target,
        started_at,
        done,
    } = spec;
    let left = i64::from(target) - i64::from(u.days);
    let running = u.running_from.is_some() && !done;
    let due_on = match u.running_from {
        Some((before, from)) if !done => {
            // The day the clock reaches its target, counting on from the open interval.
            let c = cal.add_working_days(from, target.saturating_sub(before));
            unknown.extend(c.unknown_years);
            Some(c.value)
        }
        _ => None,
    };
    let state = if done {
        DeadlineState::Done
    } else if !running {
        if started_at.is_none() {
            DeadlineState::Paused
        } else if left < 0 {
            DeadlineState::Overdue
        } else {
            DeadlineState::Paused
        }
    } else {
        state_of(left, near)
    };
    Clock {
        label,
        target_days: target,
        started_at,
        running,
        used_days: u.days,
        left_days: left,
        due_on,
        state,
        state_label: state.label(),
    }
}

/// Both clocks and the current step's deadline, as of `now`.
pub fn deadlines(case: &Case, def: &PermitDef, cal: &Calendar, now: DateTime<Utc>) -> Deadlines {
    let today = wita_date(now);
    let near = def.near_due_days;
    let mut unknown = BTreeSet::new();
    let final_ = case.status.is_final();
    let a = used(
        cal,
        &intervals(case, def, now, ClockKind::Applicant),
        &mut unknown,
    );
    let applicant = clock(
        ClockSpec {
            label: def.clocks.applicant.label.clone(),
            target: def.clocks.applicant.days,
            started_at: Some(applicant_clock_started_at(case, def)),
            done: final_,
        },
        a,
        near,
        cal,
        &mut unknown,
    );
    let g = used(
        cal,
        &intervals(case, def, now, ClockKind::Agency),
        &mut unknown,
    );
    let agency_started = case
        .timeline
        .iter()
        .find(|s| def.clock_of(s.step.as_str()) == Some(ClockKind::Agency))
        .map(|s| s.entered_at);
    let agency = clock(
        ClockSpec {
            label: def.clocks.agency.label.clone(),
            target: def.clocks.agency.days,
            started_at: agency_started,
            done: final_,
        },
        g,
        near,
        cal,
        &mut unknown,
    );
    let step = case
        .timeline
        .last()
        .filter(|s| s.left_at.is_none() && !final_)
        .map(|s| {
            let entered_on = wita_date(s.entered_at);
            let c = cal.working_days_between(entered_on, today);
            unknown.extend(c.unknown_years);
            let (target, left) = match s.due_on {
                Some(due) => {
                    let total = cal.working_days_between(entered_on, due);
                    unknown.extend(total.unknown_years);
                    (total.value, i64::from(total.value) - i64::from(c.value))
                }
                None => (0, 0),
            };
            let state = if s.due_on.is_some() {
                state_of(left, near)
            } else {
                DeadlineState::OnTime
            };
            StepClock {
                step: s.step.clone(),
                role: def
                    .step(s.step.as_str())
                    .map_or_else(super::Role::applicant, |d| d.role.clone()),
                target_days: target,
                entered_on,
                due_on: s.due_on,
                used_days: c.value,
                left_days: left,
                state,
                state_label: state.label(),
            }
        });
    let deemed = super::deemed::clocks(case, def, cal, now, &mut unknown);
    let mut warnings = vec![];
    if let Some(w) = unknown_years_warning(&unknown) {
        tracing::warn!(case_id = %case.id, years = ?unknown, "deadline counted without holiday data");
        warnings.push(w);
    }
    Deadlines {
        today,
        applicant,
        agency,
        step,
        deemed,
        warnings,
    }
}

/// Seconds from `now` to the end of `day` in WITA (its midnight), at least one: the timeout of
/// a wait that may last through the deadline's whole last day.
pub fn seconds_until_end_of(day: NaiveDate, now: DateTime<Utc>) -> u64 {
    match day.succ_opt() {
        Some(next) => (super::time::wita_start_of(next) - now)
            .num_seconds()
            .max(1) as u64,
        None => 1,
    }
}

/// The deadline of a step the case enters now. For a step on the applicant's clock without days
/// of its own it is what is left of that clock (at least one working day); otherwise its target.
pub fn due_on_entry(
    case: &Case,
    def: &PermitDef,
    step: &StepDef,
    cal: &Calendar,
    now: DateTime<Utc>,
) -> (Option<NaiveDate>, BTreeSet<i32>) {
    let today = wita_date(now);
    let days = match (step.sla.clock, step.sla.days) {
        (_, Some(d)) => Some(d),
        (Some(ClockKind::Applicant), None) => {
            let mut unknown = BTreeSet::new();
            let u = used(
                cal,
                &intervals(case, def, now, ClockKind::Applicant),
                &mut unknown,
            );
            Some((i64::from(def.clocks.applicant.days) - i64::from(u.days)).max(1) as u32)
        }
        _ => None,
    };
    let (due, unknown) = match days {
        Some(n) => {
            let c = cal.add_working_days(today, n);
            (Some(c.value), c.unknown_years)
        }
        None => (None, BTreeSet::new()),
    };
    (
        super::deemed::cap_step_due(case, def, step, cal, now, due),
        unknown,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::permit::tests_support::kantor_kas;

    fn at(s: &str) -> DateTime<Utc> {
        // WITA local time → UTC.
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_shipped_split_sums_to_thirty() {
        let def = kantor_kas();
        let staff: u32 = def
            .steps
            .iter()
            .filter_map(|s| {
                (s.sla.clock == Some(ClockKind::Agency)).then_some(s.sla.days.unwrap_or(0))
            })
            .sum();
        assert_eq!(staff, 30);
        assert_eq!(def.target("front_office_verification"), Some(1));
        assert_eq!(def.target("applicant_revision"), None);
    }

    #[test]
    fn clocks_pause_and_resume() {
        let cal = Calendar::shipped();
        let def = kantor_kas();
        let mut case = crate::domain::Case::new_draft(
            def.code.clone(),
            "o".into(),
            Default::default(),
            at("2026-03-02T09:00:00+08:00"), // Monday
        );
        // Draft for 2 working days, submitted Wednesday 4 March.
        case.status = CaseStatus::InProcess;
        case.submitted_at = Some(at("2026-03-04T10:00:00+08:00"));
        case.timeline.push(StepSpan {
            step: StepCode::new("front_office_verification"),
            entered_at: at("2026-03-04T10:00:00+08:00"),
            due_on: Some(d("2026-03-05")),
            left_at: Some(at("2026-03-05T11:00:00+08:00")),
            outcome: Some("incomplete".into()),
        });
        case.timeline.push(StepSpan {
            step: StepCode::new("applicant_revision"),
            entered_at: at("2026-03-05T11:00:00+08:00"),
            due_on: Some(d("2026-04-21")),
            left_at: None,
            outcome: None,
        });
        case.step = Some(StepCode::new("applicant_revision"));
        // Monday 9 March: the applicant's clock ran 3 (Tue 3, Wed 4 in draft) + (Fri 6, Mon 9)
        // = 4 days; the agency's 1 (Thu 5, at the front office), now paused.
        let now = at("2026-03-09T15:00:00+08:00");
        let dl = deadlines(&case, &def, &cal, now);
        assert_eq!(dl.applicant.used_days, 4);
        assert!(dl.applicant.running);
        assert_eq!(dl.applicant.left_days, 26);
        // 26 more working days from Thursday 5 March (the revision began) after the 2 used
        // before it: 28 working days from 5 March → 5 Mar + 28 = 22 April 2026 (counted
        // across the Nyepi–Idul Fitri block 18–24 March and Good Friday 3 April).
        assert_eq!(dl.applicant.due_on, Some(d("2026-04-22")));
        assert_eq!(dl.applicant.state, DeadlineState::OnTime);
        assert_eq!(dl.agency.used_days, 1);
        assert!(!dl.agency.running);
        assert_eq!(dl.agency.state, DeadlineState::Paused);
        assert_eq!(dl.agency.due_on, None);
        assert!(dl.warnings.is_empty());
    }
}
