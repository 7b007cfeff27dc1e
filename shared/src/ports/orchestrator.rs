//! Coordinating the steps: the state machine in `infra/statemachine/`, run by Step Functions
//! in AWS and by the embedded executor locally.

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
    /// Starts the case's workflow. `name` is the case id, so a retried start cannot start two.
    async fn start(&self, name: &str, input: Value) -> Result<(), OrchestratorError>;
    /// Completes a waiting human step with its outcome.
    async fn complete(&self, token: &str, output: Value) -> Result<Completion, OrchestratorError>;
    /// Whether `start`/`complete` return only after the workflow has moved on to its next wait
    /// (the embedded executor) rather than handing over to an asynchronous service.
    fn completes_synchronously(&self) -> bool {
        false
    }
}
