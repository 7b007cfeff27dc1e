//! Lambda entry of the `verify` function: telemetry, clients built once, then serve.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    perizinan::telemetry::init_json();
    let services = std::sync::Arc::new(perizinan_aws::from_env().await?);
    perizinan_aws::lambda::run_http(perizinan::api::guard::with_guards(
        verify::router(&services.catalogue),
        services,
    ))
    .await
}
