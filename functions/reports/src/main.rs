//! Lambda entry of the `reports` function.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    perizinan::telemetry::init_json();
    let services = perizinan::bootstrap::from_env().await?;
    perizinan::lambda::run_http(perizinan::api::guard::with_guards(
        reports::router(&services.catalogue),
        services,
    ))
    .await
}
