//! The `workflow` function: the task every state machine invokes (`lambda:invoke` and
//! `lambda:invoke.waitForTaskToken`): each permit's workflow and the complaints'. The logic is
//! `perizinan::flows::handle`.

use perizinan::Services;
use perizinan::ports::TaskError;
use serde_json::Value;

/// Handles one invocation; an error's type ([`TaskError::name`]) is what the ASL's Retry and
/// Catch match (`Transient` is retried, the others go to the Catch).
pub async fn handler(services: &Services, payload: Value) -> Result<Value, TaskError> {
    perizinan::flows::handle(services, payload).await
}
