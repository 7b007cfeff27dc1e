//! The `overdue` function: run daily at 07:00 WITA by EventBridge Scheduler (any event payload
//! starts a run). The logic is `perizinan::jobs::run_overdue`.

use perizinan::Services;
use perizinan::jobs::{OverdueRun, run_overdue};
use perizinan::ports::StoreError;

pub async fn handler(services: &Services) -> Result<OverdueRun, StoreError> {
    run_overdue(services).await
}
