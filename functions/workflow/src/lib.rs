//! The `workflow` function: the task the state machine invokes (`lambda:invoke` and
//! `lambda:invoke.waitForTaskToken`). The logic is `perizinan::workflow::handle`.

use perizinan::Services;
use perizinan::asl::executor::TaskError;
use serde_json::Value;

/// Handles one invocation; an error's type is what the ASL's Retry and Catch match
/// (`Transient` is retried, the others go to the Catch).
pub async fn handler(services: &Services, payload: Value) -> Result<Value, TaskError> {
    perizinan::workflow::handle(services, payload).await
}
