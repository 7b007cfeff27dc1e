//! Logging: JSON lines in Lambda (CloudWatch), compact text locally; quiet unless `RUST_LOG`
//! asks for more. Never log task tokens, secrets or personal data: handlers log ids, steps and
//! outcomes only.

use tracing_subscriber::EnvFilter;

/// Structured JSON logs (Lambda).
pub fn init_json() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _already_set = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .with_ansi(false)
        .without_time()
        .try_init();
}

/// Human-readable logs on stderr (the local runner; its stdout carries the URLs it prints).
pub fn init_text(default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _already_set = tracing_subscriber::fmt()
        .compact()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}
