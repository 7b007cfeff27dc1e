//! Scheduled jobs: the daily overdue run (EventBridge Scheduler at 07:00 WITA in AWS; a timer and
//! an on-demand endpoint in the local runner).

use crate::domain::actions;
use crate::domain::deadlines::DeadlineState;
use crate::domain::notices::Notice;
use crate::domain::time::wita_date;
use crate::domain::{CaseId, CaseStatus, Step};
use crate::ports::store::{Commit, StoreError};
use crate::services::{Recipient, Services};
use chrono::NaiveDate;
use serde::Serialize;

/// Most cases one run handles per step (a backlog larger than this is handled on the next run).
const PER_STEP_LIMIT: usize = 1000;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Alert {
    pub case_id: CaseId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
    pub step: Step,
    pub state: DeadlineState,
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, Serialize)]
pub struct OverdueRun {
    pub date: NaiveDate,
    /// Deadlines on or before this date were looked at (today plus the "near due" margin).
    pub cutoff: NaiveDate,
    /// Cases the deadline index returned (what the job read).
    pub examined: usize,
    pub items_read: u64,
    pub alerts: Vec<Alert>,
    /// Cases already alerted today (a second run sends nothing new).
    pub already_alerted: usize,
    pub notices_sent: usize,
    /// Complaints near (within 5 days) or past their 60 days, alerted today.
    pub complaint_alerts: Vec<String>,
    /// Decisions re-sent to the orchestrator (stored but undelivered).
    pub redelivered: usize,
}

/// A complaint is "near" its 60 days this many calendar days before.
pub const COMPLAINT_NEAR_DAYS: u64 = 5;

/// Working days between today and `due` (negative once it has passed).
fn days_left(s: &Services, today: NaiveDate, due: NaiveDate) -> i64 {
    if due >= today {
        i64::from(s.calendar.working_days_between(today, due).value)
    } else {
        -i64::from(s.calendar.working_days_between(due, today).value)
    }
}

/// Finds the cases near or past their step's deadline through the deadline index, marks each
/// once a day with an audit event, and e-mails the waiting role and its supervisor (the
/// applicant, for a revision). Then re-sends decisions that never reached the orchestrator.
pub async fn run_overdue(s: &Services) -> Result<OverdueRun, StoreError> {
    let now = s.clock.now();
    let today = wita_date(now);
    let cutoff_c = s.calendar.add_working_days(today, s.sla.near_due_days);
    if !cutoff_c.unknown_years.is_empty() {
        tracing::warn!(years = ?cutoff_c.unknown_years, "overdue run counted without holiday data");
    }
    let cutoff = cutoff_c.value;
    let read_before = s.store.items_read();
    let mut run = OverdueRun {
        date: today,
        cutoff,
        examined: 0,
        items_read: 0,
        alerts: vec![],
        already_alerted: 0,
        notices_sent: 0,
        complaint_alerts: vec![],
        redelivered: 0,
    };
    for step in Step::ALL.into_iter().filter(|s| *s != Step::Survey) {
        let cases = s.store.cases_due_by(step, cutoff, PER_STEP_LIMIT).await?;
        run.examined += cases.len();
        for case in cases {
            if case.status != CaseStatus::InProcess || case.step != Some(step) {
                continue;
            }
            let Some(due) = case.step_due_on() else {
                continue;
            };
            let left = days_left(s, today, due);
            let state = if left < 0 {
                DeadlineState::Overdue
            } else if left <= i64::from(s.sla.near_due_days) {
                DeadlineState::NearDue
            } else {
                continue;
            };
            if case
                .deadline_alert
                .as_ref()
                .is_some_and(|a| a.on == today && a.step == step)
            {
                run.already_alerted += 1;
                continue;
            }
            let change = actions::deadline_alerted(&case, step, state, today, now);
            let marked = change.case.clone();
            match s.store.commit(Commit::from_change(change)).await {
                Ok(()) => {}
                // The case moved meanwhile; the next run looks at it again.
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
            let notice = Notice::Deadline {
                step,
                state,
                due_on: due,
            };
            let key = format!("deadline/{today}/{}", step.code());
            let mut recipients = vec![];
            if step.is_staff_step() {
                recipients.push(Recipient::Role(step.role()));
                if let Some(sup) = step.role().supervisor() {
                    recipients.push(Recipient::Role(sup));
                }
            } else {
                recipients.push(Recipient::Applicant);
            }
            for (i, r) in recipients.into_iter().enumerate() {
                match s.notify(&notice, &marked, r, &format!("{key}/{i}")).await {
                    Ok(()) => run.notices_sent += 1,
                    Err(e) => {
                        tracing::warn!(case_id = %marked.id, error = %e, "deadline notice not sent")
                    }
                }
            }
            tracing::info!(case_id = %marked.id, step = step.code(), state = ?state, "deadline alert");
            run.alerts.push(Alert {
                case_id: marked.id,
                registration_number: marked.registration_number.as_ref().map(|r| r.to_string()),
                step,
                state,
                due_on: due,
            });
        }
    }
    let complaint_cutoff = today
        .checked_add_days(chrono::Days::new(COMPLAINT_NEAR_DAYS))
        .unwrap_or(today);
    for c in s
        .store
        .complaints_due_by(complaint_cutoff, PER_STEP_LIMIT)
        .await?
    {
        run.examined += 1;
        let Some(due) = c.due_on else { continue };
        if c.deadline_alert_on == Some(today) {
            run.already_alerted += 1;
            continue;
        }
        let overdue = today > due;
        let change = crate::domain::complaints::deadline_alerted(&c, today, overdue, now);
        let marked = change.complaint.clone();
        match s
            .store
            .commit_complaint(crate::ports::ComplaintCommit::from_change(change))
            .await
        {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e),
        }
        let notice = crate::domain::complaints::ComplaintNotice::Late { overdue };
        for r in [
            crate::domain::Role::ComplaintsOfficer,
            crate::domain::Role::SectionHead,
        ] {
            match s
                .notify_complaint(
                    &notice,
                    &marked,
                    crate::services::ComplaintRecipient::Role(r),
                    &format!("deadline/{today}/{}", r.code()),
                )
                .await
            {
                Ok(()) => run.notices_sent += 1,
                Err(e) => {
                    tracing::warn!(complaint_id = %marked.id, error = %e, "deadline notice not sent")
                }
            }
        }
        run.complaint_alerts.push(marked.tracking_code.clone());
    }
    run.items_read = s.store.items_read() - read_before;
    run.redelivered = crate::workflow::redeliver_pending(s).await?;
    tracing::info!(
        date = %today,
        examined = run.examined,
        alerts = run.alerts.len(),
        notices = run.notices_sent,
        "overdue run finished"
    );
    Ok(run)
}
