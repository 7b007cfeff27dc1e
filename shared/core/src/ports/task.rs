//! The workflow task contract: what the state machine invokes (the `workflow` Lambda in AWS,
//! registered in-process with the embedded executor) and the errors it reports. An error's
//! [`TaskError::name`] is the Lambda error type that the ASL's Retry and Catch match.

use async_trait::async_trait;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskError {
    /// A dependency failed (store, mail, orchestrator): the ASL retries it.
    #[error("Transient: {0}")]
    Transient(String),
    #[error("CaseNotFound: {0}")]
    CaseNotFound(String),
    #[error("ComplaintNotFound: {0}")]
    ComplaintNotFound(String),
    /// The case or complaint is not in a state the task applies to.
    #[error("CaseStateError: {0}")]
    InvalidState(String),
    /// The payload is not one the definitions write.
    #[error("InvalidPayload: {0}")]
    InvalidPayload(String),
}

impl TaskError {
    /// The error type the ASL matches (`Retry`: `Transient`; `Catch` to `WorkflowFailed`: the
    /// others by name, so that a `Transient` outlasting the retries fails the execution with
    /// it and the recovery sweep redrives it).
    pub fn name(&self) -> &'static str {
        match self {
            TaskError::Transient(_) => "Transient",
            TaskError::CaseNotFound(_) => "CaseNotFound",
            TaskError::ComplaintNotFound(_) => "ComplaintNotFound",
            TaskError::InvalidState(_) => "CaseStateError",
            TaskError::InvalidPayload(_) => "InvalidPayload",
        }
    }

    pub fn cause(&self) -> &str {
        match self {
            TaskError::Transient(c)
            | TaskError::CaseNotFound(c)
            | TaskError::ComplaintNotFound(c)
            | TaskError::InvalidState(c)
            | TaskError::InvalidPayload(c) => c,
        }
    }

    pub fn transient(e: impl std::fmt::Display) -> Self {
        TaskError::Transient(e.to_string())
    }
}

/// A function the state machine can invoke with a payload.
#[async_trait]
pub trait TaskFunction: Send + Sync {
    async fn invoke(&self, payload: Value) -> Result<Value, TaskError>;
}

/// A closure as a task function (tests, adapters wrapping another function).
pub struct FnTask<F>(pub F);

#[async_trait]
impl<F, Fut> TaskFunction for FnTask<F>
where
    F: Fn(Value) -> Fut + Send + Sync,
    Fut: std::future::Future<Output = Result<Value, TaskError>> + Send,
{
    async fn invoke(&self, payload: Value) -> Result<Value, TaskError> {
        (self.0)(payload).await
    }
}
