//! Lambda entry of the `overdue` function.

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    perizinan::telemetry::init_json();
    let services = std::sync::Arc::new(perizinan_aws::from_env().await?);
    lambda_runtime::run(service_fn(|_event: LambdaEvent<Value>| {
        let services = services.clone();
        async move {
            overdue::handler(&services).await.map_err(|e| Diagnostic {
                error_type: "OverdueJobFailed".into(),
                error_message: e.to_string(),
            })
        }
    }))
    .await
}
