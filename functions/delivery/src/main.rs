//! Lambda entry of the `delivery` function.

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    perizinan::telemetry::init_json();
    let services = std::sync::Arc::new(perizinan_aws::from_env().await?);
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        let services = services.clone();
        async move {
            delivery::handler(&services, &event.payload)
                .await
                .map_err(|e| Diagnostic {
                    error_type: "DeliveryEventsFailed".into(),
                    error_message: e.to_string(),
                })
        }
    }))
    .await
}
