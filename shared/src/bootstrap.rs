//! Building a function's services from its environment (Lambda `main`s).
//!
//! `PD_BACKEND=embedded` runs every port on one machine under `PD_DATA_DIR` (useful with
//! `cargo lambda watch`); the local runner builds the same thing with [`crate::embedded`].

use crate::domain::Role;
use crate::domain::notices::Agency;
use crate::domain::requirements::Catalog;
use crate::embedded::{BootError, Embedded, EmbeddedConfig};
use crate::ports::clock::SystemClock;
use crate::ports::directory::StaticDirectory;
use crate::services::Services;
use std::collections::BTreeMap;
use std::sync::Arc;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `PD_ROLE_MAILBOXES`: `{"front_office": ["fo@…"], "section_head": ["kasi@…"], …}` — who
/// receives each role's notices.
pub fn directory_from_env() -> Result<StaticDirectory, BootError> {
    let Some(raw) = env("PD_ROLE_MAILBOXES") else {
        return Ok(StaticDirectory::default());
    };
    let map: BTreeMap<String, Vec<String>> = serde_json::from_str(&raw)
        .map_err(|e| BootError(format!("PD_ROLE_MAILBOXES is not valid JSON: {e}")))?;
    let mut entries = vec![];
    for (role, addrs) in map {
        let r: Role = role
            .parse()
            .map_err(|e| BootError(format!("PD_ROLE_MAILBOXES: {e}")))?;
        entries.extend(addrs.into_iter().map(|a| (r, a)));
    }
    Ok(StaticDirectory { entries })
}

/// The requirement catalog: `PD_REQUIREMENTS_FILE` or the shipped one.
pub fn catalog_from_env() -> Result<Catalog, BootError> {
    match env("PD_REQUIREMENTS_FILE") {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| BootError(format!("cannot read {path}: {e}")))?;
            Catalog::parse(&text).map_err(|e| BootError(e.to_string()))
        }
        None => Ok(Catalog::default_catalog()),
    }
}

/// The agency's letterhead and contacts: `PD_AGENCY_FILE` (JSON) or the seed's DPMPTSP Kota
/// Bontang.
pub fn agency_from_env() -> Result<Agency, BootError> {
    match env("PD_AGENCY_FILE") {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| BootError(format!("cannot read {path}: {e}")))?;
            serde_json::from_str(&text).map_err(|e| BootError(format!("{path}: {e}")))
        }
        None => Ok(Agency::default()),
    }
}

/// Builds the services named by `PD_BACKEND`.
pub async fn from_env() -> Result<Arc<Services>, BootError> {
    match env("PD_BACKEND").as_deref().unwrap_or("embedded") {
        "embedded" => {
            let data_dir = env("PD_DATA_DIR").unwrap_or_else(|| "data".into());
            let base = env("PD_BASE_URL").unwrap_or_else(|| "http://127.0.0.1:8080".into());
            let e = Embedded::open(EmbeddedConfig {
                data_dir: data_dir.into(),
                files_url: format!("{base}/_files"),
                portal_url: env("PD_PORTAL_URL").unwrap_or_else(|| format!("{base}/")),
                mail_from: env("PD_MAIL_FROM")
                    .unwrap_or_else(|| "Perizinan Digital <noreply@perizinan-digital.test>".into()),
                directory: directory_from_env()?,
                clock: Arc::new(SystemClock::default()),
                catalog: catalog_from_env()?,
                agency: agency_from_env()?,
                retry_time_scale: 1.0,
            })?;
            e.recover().await?;
            Ok(e.services)
        }
        other => Err(BootError(format!(
            "PD_BACKEND `{other}` is not known (use `embedded`)"
        ))),
    }
}
