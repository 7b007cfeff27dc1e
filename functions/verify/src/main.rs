//! Lambda entry of the `verify` function: telemetry, clients built once, then serve.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    perizinan::telemetry::init_json();
    let settings = perizinan_aws::boot::sealing_settings().await?;
    // Uploaded letters' embedded signatures are checked against the stack's signer chain.
    let seals = perizinan_letters::trust::TrustedSeals::from_settings(&settings.aws)?;
    let services = std::sync::Arc::new(
        perizinan_aws::from_env()
            .await?
            .with_seal_verifier(std::sync::Arc::new(seals)),
    );
    perizinan_aws::lambda::run_http(perizinan::api::guard::with_guards(
        verify::router(&services.catalogue),
        services,
    ))
    .await
}
