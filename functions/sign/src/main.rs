//! Lambda entry of the `sign` function: telemetry, clients built once, then serve.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    perizinan::telemetry::init_json();
    let services = perizinan::bootstrap::from_env().await?;
    perizinan::lambda::run_http(perizinan::api::guard::with_guards(
        sign::router(&services.catalogue),
        services,
    ))
    .await
}
