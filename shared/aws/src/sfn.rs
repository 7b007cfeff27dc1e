//! The orchestrator on AWS Step Functions (Standard): executions are named after the case, so a
//! retried submit cannot start two; a completion of a task that is already closed (TaskTimedOut,
//! InvalidToken, TaskDoesNotExist) is an idempotent success.

use async_trait::async_trait;
use aws_sdk_sfn::Client;
use aws_sdk_sfn::operation::send_task_failure::SendTaskFailureError;
use aws_sdk_sfn::operation::send_task_success::SendTaskSuccessError;
use aws_sdk_sfn::operation::start_execution::StartExecutionError;
use perizinan::ports::orchestrator::{Completion, Orchestrator, OrchestratorError};
use serde_json::Value;
use std::collections::BTreeMap;

pub struct StepFunctions {
    client: Client,
    /// Each state machine's ARN, by name.
    machines: BTreeMap<String, String>,
}

impl StepFunctions {
    pub fn new(client: Client, machines: BTreeMap<String, String>) -> Self {
        Self { client, machines }
    }

    /// The stack names its state machines `<stack>-<machine>`: the ARN of `machine` is `prefix`
    /// followed by its name (`PD_STATE_MACHINE_ARN_PREFIX`).
    pub fn with_prefix<'a>(
        client: Client,
        prefix: &str,
        machines: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let machines = machines
            .into_iter()
            .map(|m| (m.to_string(), format!("{prefix}{m}")))
            .collect();
        Self { client, machines }
    }

    fn arn(&self, machine: &str) -> Result<&str, OrchestratorError> {
        self.machines
            .get(machine)
            .map(String::as_str)
            .ok_or_else(|| {
                OrchestratorError::Unavailable(format!("no state machine named `{machine}`").into())
            })
    }
}

#[async_trait]
impl Orchestrator for StepFunctions {
    async fn start(
        &self,
        machine: &str,
        name: &str,
        input: Value,
    ) -> Result<(), OrchestratorError> {
        match self
            .client
            .start_execution()
            .state_machine_arn(self.arn(machine)?)
            .name(name)
            .input(input.to_string())
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => match e.as_service_error() {
                Some(StartExecutionError::ExecutionAlreadyExists(_)) => {
                    Err(OrchestratorError::AlreadyExists(name.to_string()))
                }
                _ => Err(OrchestratorError::Unavailable(Box::new(e))),
            },
        }
    }

    async fn complete(&self, token: &str, output: Value) -> Result<Completion, OrchestratorError> {
        match self
            .client
            .send_task_success()
            .task_token(token)
            .output(output.to_string())
            .send()
            .await
        {
            Ok(_) => Ok(Completion::Delivered),
            Err(e) => match e.as_service_error() {
                Some(
                    SendTaskSuccessError::TaskTimedOut(_)
                    | SendTaskSuccessError::InvalidToken(_)
                    | SendTaskSuccessError::TaskDoesNotExist(_),
                ) => Ok(Completion::AlreadyClosed),
                _ => Err(OrchestratorError::Unavailable(Box::new(e))),
            },
        }
    }

    async fn fail(
        &self,
        token: &str,
        error: &str,
        cause: &str,
    ) -> Result<Completion, OrchestratorError> {
        match self
            .client
            .send_task_failure()
            .task_token(token)
            .error(error)
            .cause(cause)
            .send()
            .await
        {
            Ok(_) => Ok(Completion::Delivered),
            Err(e) => match e.as_service_error() {
                Some(
                    SendTaskFailureError::TaskTimedOut(_)
                    | SendTaskFailureError::InvalidToken(_)
                    | SendTaskFailureError::TaskDoesNotExist(_),
                ) => Ok(Completion::AlreadyClosed),
                _ => Err(OrchestratorError::Unavailable(Box::new(e))),
            },
        }
    }

    async fn redrive_failed(&self) -> Result<usize, OrchestratorError> {
        use aws_sdk_sfn::types::ExecutionStatus;
        let unavailable =
            |e: Box<dyn std::error::Error + Send + Sync>| OrchestratorError::Unavailable(e);
        let mut failed = vec![];
        for arn in self.machines.values() {
            let mut next: Option<String> = None;
            loop {
                let page = self
                    .client
                    .list_executions()
                    .state_machine_arn(arn)
                    .status_filter(ExecutionStatus::Failed)
                    .set_next_token(next.take())
                    .max_results(100)
                    .send()
                    .await
                    .map_err(|e| unavailable(Box::new(e)))?;
                failed.extend(
                    page.executions()
                        .iter()
                        .map(|x| x.execution_arn().to_string()),
                );
                match page.next_token() {
                    Some(t) => next = Some(t.to_string()),
                    None => break,
                }
            }
        }
        let mut redriven = 0;
        for arn in failed {
            let d = self
                .client
                .describe_execution()
                .execution_arn(&arn)
                .send()
                .await
                .map_err(|e| unavailable(Box::new(e)))?;
            if !d
                .error()
                .is_some_and(|e| perizinan::ports::orchestrator::REDRIVABLE_ERRORS.contains(&e))
            {
                continue;
            }
            match self
                .client
                .redrive_execution()
                .execution_arn(&arn)
                .send()
                .await
            {
                Ok(_) => {
                    tracing::info!(execution = %arn, "failed execution redriven");
                    redriven += 1;
                }
                // Not redrivable (too old, or redriven meanwhile): leave it for a person.
                Err(e) => tracing::warn!(execution = %arn, error = %e, "execution not redriven"),
            }
        }
        Ok(redriven)
    }
}
