//! The `overdue` function: run daily at 07:00 WITA by EventBridge Scheduler (any event payload
//! starts a run). The logic is `perizinan::jobs::run_overdue`: every job of the run runs even
//! when another fails; the invocation then fails (naming the jobs) so that the failure shows in
//! the function's metrics and the scheduler's retry runs it again (each job is idempotent).

use perizinan::Services;
use perizinan::jobs::{OverdueRun, run_overdue};

/// Jobs of the run that failed (the others ran).
#[derive(Debug, thiserror::Error)]
#[error("overdue run: {0} failed")]
pub struct RunFailed(pub String);

pub async fn handler(services: &Services) -> Result<OverdueRun, RunFailed> {
    let run = run_overdue(services).await;
    if run.failed.is_empty() {
        Ok(run)
    } else {
        Err(RunFailed(
            run.failed
                .iter()
                .map(|f| format!("{} ({})", f.job, f.error))
                .collect::<Vec<_>>()
                .join(", "),
        ))
    }
}
