//! Coordinating the steps: each permit's state machine (`infra/permits/<code>/workflow.asl.json`)
//! and the complaints' (`infra/statemachine/pengaduan.asl.json`), run by Step Functions in AWS
//! and by the embedded executor locally.

use async_trait::async_trait;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// The waiting task took the result.
    Delivered,
    /// The task was already completed, timed out or never existed: nothing changed. A
    /// duplicate or late completion is not an error.
    AlreadyClosed,
}

#[derive(Debug, thiserror::Error)]
pub enum OrchestratorError {
    /// An execution with this name exists with another input, or has already closed.
    #[error("execution `{0}` already exists")]
    AlreadyExists(String),
    #[error("orchestrator unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

#[async_trait]
pub trait Orchestrator: Send + Sync {
    /// Starts an execution of state machine `machine` (a permit's, or the complaints'). `name`
    /// is the case (or complaint) id, so a retried start cannot start two.
    async fn start(&self, machine: &str, name: &str, input: Value)
    -> Result<(), OrchestratorError>;
    /// Completes a waiting human step with its outcome.
    async fn complete(&self, token: &str, output: Value) -> Result<Completion, OrchestratorError>;
    /// Fails a waiting human step with `error` (SendTaskFailure), for the workflow's Catch to
    /// route (fiktif positif: `domain::deemed::DEEMED_ERROR`). `cause` is read by operators,
    /// never holds personal data.
    async fn fail(
        &self,
        token: &str,
        error: &str,
        cause: &str,
    ) -> Result<Completion, OrchestratorError>;
    /// Whether `start`/`complete` return only after the workflow has moved on to its next wait
    /// (the embedded executor) rather than handing over to an asynchronous service.
    fn completes_synchronously(&self) -> bool {
        false
    }
    /// Restarts executions that failed because a transient error outlasted their retries
    /// ([`REDRIVABLE_ERRORS`]), from the state that failed, as Step Functions'
    /// `RedriveExecution` does; so that no case is left without a running workflow. Returns how
    /// many were restarted.
    async fn redrive_failed(&self) -> Result<usize, OrchestratorError>;
}

/// Errors after which an execution is worth restarting: the task function's own `Transient`
/// (a dependency was down) and Lambda's service errors. The workflows catch only the permanent
/// errors (to `WorkflowFailed`), so these end an execution that outlasted its retries with their
/// own name (`asl::check` refuses a catch of them). Anything else (a definition error, an
/// unknown outcome) stays failed for a person to look at.
pub const REDRIVABLE_ERRORS: &[&str] = &[
    "Transient",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "Lambda.Unknown",
];
