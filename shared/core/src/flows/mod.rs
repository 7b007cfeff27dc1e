//! The workflow wing: the task function the state machines invoke (`functions/workflow` in AWS;
//! registered with the embedded executor locally), dispatched on a typed payload to the case
//! flow (every permit's workflow) or the complaint flow. Neither flow knows the other.

pub mod case;
pub mod complaint;

use crate::ports::store::StoreError;
use crate::ports::task::{TaskError, TaskFunction};
use crate::services::Services;
use async_trait::async_trait;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// A task payload, as the ASL files write it: a case's (`case_id`) or a complaint's
/// (`complaint_id`).
#[derive(Debug, Clone)]
pub enum Task {
    Complaint(complaint::ComplaintTask),
    Case(case::CaseTask),
}

impl Task {
    pub fn parse(payload: Value) -> Result<Self, TaskError> {
        let which = if payload.get("complaint_id").is_some() {
            "complaint"
        } else {
            "case"
        };
        let parsed = match which {
            "complaint" => serde_json::from_value(payload).map(Task::Complaint),
            _ => serde_json::from_value(payload).map(Task::Case),
        };
        parsed.map_err(|e| TaskError::InvalidPayload(format!("{which} task: {e}")))
    }
}

/// Handles one task payload.
pub async fn handle(s: &Services, payload: Value) -> Result<Value, TaskError> {
    match Task::parse(payload)? {
        Task::Case(t) => case::handle(s, t).await,
        Task::Complaint(t) => complaint::handle(s, t).await,
    }
}

/// The task function over a deployment's services.
pub struct WorkflowTask(pub Arc<Services>);

#[async_trait]
impl TaskFunction for WorkflowTask {
    async fn invoke(&self, payload: Value) -> Result<Value, TaskError> {
        handle(&self.0, payload).await
    }
}

/// Attempts of one read-modify-write before the error goes back to the state machine.
/// A commit's error in a retried read-modify-write: a conflict is a lost race (read again).
pub(crate) fn lost_or_failed(e: StoreError) -> crate::retry::Attempt<TaskError> {
    match e {
        StoreError::Conflict(_) => crate::retry::Attempt::Lost,
        other => crate::retry::Attempt::Failed(store_err(other)),
    }
}

impl From<TaskError> for crate::retry::Attempt<TaskError> {
    fn from(e: TaskError) -> Self {
        crate::retry::Attempt::Failed(e)
    }
}

pub(crate) fn store_err(e: StoreError) -> TaskError {
    match e {
        StoreError::Conflict(m) => TaskError::Transient(format!("conflict: {m}")),
        other => TaskError::transient(other),
    }
}

/// A short, stable key of a task token (notices sent for a wait are keyed by it; the token
/// itself is never logged or shown).
pub(crate) fn token_key(token: &str) -> String {
    hex::encode(&Sha256::digest(token.as_bytes())[..8])
}

/// Restarts workflows (cases and complaints) that failed on a transient error after their
/// retries ran out. Returns how many were restarted; failures to ask are logged.
pub async fn redrive_failed(s: &Services) -> usize {
    let mut n = 0;
    for (name, o) in [
        ("case", &s.orchestrator),
        ("complaint", &s.complaint_orchestrator),
    ] {
        match o.redrive_failed().await {
            Ok(k) => n += k,
            Err(e) => tracing::warn!(workflow = name, error = %e, "failed executions not redriven"),
        }
    }
    n
}

/// Re-sends what was stored but perhaps never reached the orchestrators (cases and complaints).
pub async fn redeliver_pending(s: &Services) -> Result<usize, StoreError> {
    Ok(case::redeliver_pending(s).await? + complaint::redeliver_pending(s).await?)
}

/// The recovery sweep: undelivered decisions re-sent, failed executions redriven.
pub async fn sweep(s: &Services) -> Result<(usize, usize), StoreError> {
    let delivered = redeliver_pending(s).await?;
    Ok((delivered, redrive_failed(s).await))
}
