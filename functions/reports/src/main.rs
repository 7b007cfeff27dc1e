//! Lambda entry of the `reports` function.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    perizinan::telemetry::init_json();
    let services = std::sync::Arc::new(perizinan_aws::from_env().await?);
    perizinan_aws::lambda::run_http(perizinan::api::guard::with_guards(
        reports::router(&services.catalogue),
        services,
    ))
    .await
}
