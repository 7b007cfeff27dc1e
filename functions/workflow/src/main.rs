//! Lambda entry of the `workflow` function.

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    perizinan::telemetry::init_json();
    let services = std::sync::Arc::new(perizinan_aws::from_env().await?);
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        let services = services.clone();
        async move {
            workflow::handler(&services, event.payload)
                .await
                .map_err(|e| Diagnostic {
                    error_type: e.name().to_string(),
                    error_message: e.cause().to_string(),
                })
        }
    }))
    .await
}
