//! Lambda entry of the `submit` function: telemetry, clients built once, then serve.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    perizinan::telemetry::init_json();
    // Office administrators create and disable staff accounts here (Cognito), nowhere else.
    let services = std::sync::Arc::new(
        perizinan_aws::boot::from_env_with(perizinan_aws::boot::with_staff_accounts).await?,
    );
    perizinan_aws::lambda::run_http(perizinan::api::guard::with_guards(
        submit::router(&services.catalogue),
        services,
    ))
    .await
}
