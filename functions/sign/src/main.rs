//! Lambda entry of the `sign` function: telemetry, clients built once, then serve.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    perizinan::telemetry::init_json();
    let settings = perizinan_aws::boot::sealing_settings().await?;
    let mut services = perizinan_aws::from_env()
        .await?
        .with_renderer(perizinan_letters::renderer());
    // PAdES inside the letters when the stack gives the chain for its key and a TSA.
    match sign::sealing::stack_sealer(&settings, services.signer.as_ref()).await? {
        Some(sealer) => services = services.with_sealer(sealer),
        None => tracing::warn!(
            "PD_SIGNER_CERT_CHAIN and PD_TSA_URL not set: letters are signed beside the file only, without a signature inside"
        ),
    }
    let services = std::sync::Arc::new(services);
    perizinan_aws::lambda::run_http(perizinan::api::guard::with_guards(
        sign::router(&services.catalogue),
        services,
    ))
    .await
}
