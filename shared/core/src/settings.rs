//! One typed configuration, read once from the environment at start (the Lambda `main`s, the
//! local runner, whose flags then override the place it listens on and its data directory).
//! Every `PD_*` variable is read here and nowhere else; a value that cannot be used stops the
//! start with an error naming the variable, in Indonesian and English.
//!
//! What each part configures:
//! - where the data lives: `PD_BACKEND` (`aws` in the functions; `embedded` or `aws` in the
//!   runner), `PD_ORCHESTRATOR` (`stepfunctions` in the runner on AWS), [`AwsSettings`],
//!   `PD_DATA_DIR` and `PD_BASE_URL` (the embedded default);
//! - what the office serves: `PD_PERMITS_DIR`, `PD_CALENDAR_DIR`, `PD_ROLES_FILE`,
//!   `PD_RETENTION_FILE`, `PD_AGENCY_FILE` (each defaults to the data shipped in `infra/`);
//! - how it serves: `PD_PORTAL_URL`, `PD_VERIFY_BASE_URL`, `PD_MAIL_FROM`, `PD_ROLE_MAILBOXES`,
//!   `PD_STAFF_NOTICES`, `PD_MALWARE_SCAN`, `PD_IDEMPOTENCY_LOCK_SECONDS`,
//!   `PD_COMPLAINT_POW_BITS`, `PD_COMPLAINT_KEY`, `PD_ORIGIN_SECRET`, `PD_AUDIT_KEY`;
//! - the stack's sealed letters: `PD_SIGNER_CERT_CHAIN` (or `PD_SIGNER_CERT_CHAIN_PARAMETER`),
//!   `PD_TSA_URL`, `PD_TSA_CA_CERTS`;
//! - the runner's own ([`RunnerSettings`]) and the tests' fault layer ([`FaultSettings`]).

use crate::catalogue::{Catalogue, Checks};
use crate::domain::Role;
use crate::domain::calendar::Calendar;
use crate::domain::notices::Agency;
use crate::domain::privacy::RetentionPolicy;
use crate::domain::roles::Roles;
use crate::ports::directory::StaticDirectory;
use crate::services::StaffNotices;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A setting that cannot be used: which variable, and why (Indonesian, then English).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {id} / {en}")]
pub struct SettingError {
    pub variable: &'static str,
    /// The problem in Indonesian (what an operator of an Indonesian office reads first).
    pub id: String,
    /// The problem in English.
    pub en: String,
}

impl SettingError {
    fn new(variable: &'static str, id: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            variable,
            id: id.into(),
            en: en.into(),
        }
    }

    /// A required variable that is not set.
    pub fn missing(variable: &'static str) -> Self {
        Self::new(variable, "wajib diisi", "is required and not set")
    }

    fn invalid(variable: &'static str, value: &str, expected_id: &str, expected_en: &str) -> Self {
        Self::new(
            variable,
            format!("nilai {value:?} tidak valid ({expected_id})"),
            format!("{value:?} is not valid ({expected_en})"),
        )
    }
}

/// The secret of `PD_COMPLAINT_KEY` (never printed: its `Debug` is redacted).
#[derive(Clone, PartialEq, Eq)]
pub struct ComplaintKey(pub Vec<u8>);

impl ComplaintKey {
    /// At least 32 bytes, as hex or base64 (standard or URL-safe).
    pub fn parse(v: &str) -> Option<Self> {
        use base64::Engine;
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        let v = v.trim();
        hex::decode(v)
            .ok()
            .or_else(|| STANDARD.decode(v).ok())
            .or_else(|| URL_SAFE_NO_PAD.decode(v.trim_end_matches('=')).ok())
            .filter(|k| k.len() >= 32)
            .map(Self)
    }
}

impl std::fmt::Debug for ComplaintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ComplaintKey(…)")
    }
}

/// A secret setting's bytes (`PD_ORIGIN_SECRET`, `PD_AUDIT_KEY`): never printed, its `Debug`
/// is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// A start that cannot go on (a setting, or data a setting names): says what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BootError(pub String);

impl From<SettingError> for BootError {
    fn from(e: SettingError) -> Self {
        BootError(e.to_string())
    }
}

/// Where cases, documents and mail live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    /// SQLite, files, the outbox and the embedded executor under the data directory (the
    /// runner's default).
    #[default]
    Embedded,
    /// DynamoDB, S3, SES, KMS (the functions' only backend; the runner's on request).
    Aws,
}

/// The AWS resources (the stack's outputs, set on every function by `infra/template.yaml`).
/// Region, credentials and endpoints come from the SDK's standard variables (`AWS_REGION`,
/// `AWS_ENDPOINT_URL`, …).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsSettings {
    /// `PD_TABLE`: the DynamoDB table.
    pub table: Option<String>,
    /// `PD_UPLOAD_BUCKET`: the S3 bucket of uploads and generated documents.
    pub upload_bucket: Option<String>,
    /// `PD_SIGNED_BUCKET`: the Object Lock bucket of signed documents.
    pub signed_bucket: Option<String>,
    /// `PD_SIGNING_KEY_ID`: the KMS key that signs letters.
    pub signing_key_id: Option<String>,
    /// `PD_SES_CONFIGURATION_SET`.
    pub ses_configuration_set: Option<String>,
    /// `PD_SMS_MAX_PRICE_USD`: the most one SMS may cost (SNS `AWS.SNS.SMS.MaxPrice`); a
    /// message that would cost more is not sent.
    pub sms_max_price_usd: Option<String>,
    /// `PD_SMS_MONTHLY_SPEND_LIMIT_USD`: the account's monthly SMS spend limit, whole dollars
    /// (SNS `MonthlySpendLimit`; above the account's quota, $1 until AWS raises it, SNS refuses).
    pub sms_monthly_spend_limit_usd: Option<u32>,
    /// `PD_SMS_DELIVERY_ROLE_ARN`: the role SNS writes the SMS delivery status logs with.
    pub sms_delivery_role_arn: Option<String>,
    /// `PD_STATE_MACHINE_ARN_PREFIX`: each permit's state machine is this followed by its name.
    pub state_machine_arn_prefix: Option<String>,
    /// `PD_COMPLAINT_STATE_MACHINE_ARN`.
    pub complaint_state_machine_arn: Option<String>,
    /// `PD_S3_PATH_STYLE=true` for S3-compatible endpoints such as moto.
    pub s3_path_style: bool,
    /// `PD_SIGNER_CERT_CHAIN` (PEM): the certificate issued for the KMS signing key, then its
    /// CA chain (in the stack from an SSM parameter). With `PD_TSA_URL` the sign function seals
    /// letters (PAdES B-T); the verify function trusts the chain's CA certificates.
    pub signer_cert_chain: Option<String>,
    /// `PD_SIGNER_CERT_CHAIN_PARAMETER`: the name of the SSM parameter that holds the chain (the
    /// stack's way: a Lambda's environment holds 4 KB in all), read at start by the `sign` and
    /// `verify` functions (`perizinan_aws::boot::sealing_settings`) in place of
    /// `PD_SIGNER_CERT_CHAIN`.
    pub signer_cert_chain_parameter: Option<String>,
    /// `PD_USER_POOL_ID`: the Cognito user pool whose staff accounts the office administrators
    /// create, give roles and disable (the `submit` function only).
    pub user_pool_id: Option<String>,
    /// `PD_TSA_URL`: an RFC 3161 timestamp authority over HTTP(S), for the sealed letters.
    pub tsa_url: Option<String>,
    /// `PD_TSA_CA_CERTS` (PEM, optional): the CA certificates the TSA's certificate chains to,
    /// when they are not the signer's chain (a public TSA), trusted by the verify function.
    pub tsa_ca_certs: Option<String>,
}

/// A required AWS setting: its value, or an error naming it.
pub fn required<'a>(
    value: &'a Option<String>,
    variable: &'static str,
) -> Result<&'a str, SettingError> {
    value
        .as_deref()
        .ok_or_else(|| SettingError::missing(variable))
}

/// The local runner's own settings (`cargo run`).
#[derive(Debug, Clone, PartialEq)]
pub struct RunnerSettings {
    /// `HOST` (or `--host`), default 127.0.0.1.
    pub host: IpAddr,
    /// `PORT` (or `--port`), default 8080; 0 picks a free port.
    pub port: u16,
    /// `PD_ORCHESTRATOR=stepfunctions`: on the AWS backend, Step Functions instead of the
    /// embedded executor.
    pub step_functions: bool,
    /// `PD_DEV_CLOCK=1`: `/_dev/clock` may set or advance the clock.
    pub dev_clock: bool,
    /// `PD_DEV_CLOCK_AT` (RFC 3339, needs `PD_DEV_CLOCK=1`): the instant the clock starts at.
    pub dev_clock_at: Option<DateTime<Utc>>,
    /// `PD_WEB_DIR`: serve the portal and console from this directory.
    pub web_dir: Option<PathBuf>,
    /// `PD_TIMER_MS` (default 15000): how often timeouts fire and undelivered work is re-sent.
    pub timer_interval: Duration,
    /// `PD_RETRY_TIME_SCALE` (default 1): multiplies the ASL's Retry waits.
    pub retry_time_scale: f64,
    /// `PD_INSECURE_DEV_SURFACES=1`: serve the dev login, the outbox, `/_dev/*` and
    /// `/_jobs/*` even on an address other than loopback or with the AWS backend. Without it
    /// they exist only on a loopback bind with the embedded backend: anyone reaching the port
    /// could otherwise sign in as the agency's head.
    pub insecure_dev_surfaces: bool,
    /// `PD_ALLOWED_HOSTS` (comma-separated host names): the names a request's `Host` may carry
    /// besides `localhost` and IP addresses (which DNS rebinding cannot forge).
    pub allowed_hosts: Vec<String>,
    /// `PD_ANONYMOUS_COMPLAINTS_PER_HOUR` (default 20): complaints one source address may file
    /// without signing in, per sliding hour; the next is a 429 that starts nothing.
    pub anonymous_complaints_per_hour: u32,
}

impl Default for RunnerSettings {
    fn default() -> Self {
        Self {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 8080,
            step_functions: false,
            dev_clock: false,
            dev_clock_at: None,
            web_dir: None,
            timer_interval: Duration::from_secs(15),
            retry_time_scale: 1.0,
            insecure_dev_surfaces: false,
            allowed_hosts: vec![],
            anonymous_complaints_per_hour: 20,
        }
    }
}

/// The fault layer of the tests (off in every real deployment).
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSettings {
    /// `PD_FAULT_RATE` in [0, 1]; 0 (unset) = off.
    pub rate: f64,
    /// `PD_FAULT_SEED` (default 1).
    pub seed: u64,
    /// `PD_FAULT_PORTS`: comma-separated port names; empty = all.
    pub ports: Vec<String>,
    /// `PD_PORT_METER=1`: wrap the ports only to count their calls.
    pub port_meter: bool,
}

impl Default for FaultSettings {
    fn default() -> Self {
        Self {
            rate: 0.0,
            seed: 1,
            ports: vec![],
            port_meter: false,
        }
    }
}

/// Everything a process is configured with.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `PD_BACKEND` (unset: the runner's embedded default, a function's AWS adapters).
    pub backend: Option<Backend>,
    pub aws: AwsSettings,
    /// `PD_DATA_DIR` (default `data`): the embedded default's directory.
    pub data_dir: PathBuf,
    /// `PD_BASE_URL` (default `http://127.0.0.1:8080`): the embedded default's own links.
    pub base_url: String,
    /// `PD_PORTAL_URL`: the public portal (links in e-mails).
    pub portal_url: Option<String>,
    /// `PD_VERIFY_BASE_URL`: the public verification endpoint (`…/verify/{id}` in the QR).
    pub verify_base_url: Option<String>,
    /// `PD_MAIL_FROM`: the sender of every e-mail.
    pub mail_from: Option<String>,
    /// `PD_SMS_SENDER_ID` (default `DPMPTSP`): the alphanumeric sender ID of text messages, 1–11
    /// letters and digits with at least one letter (the SNS rule; Indonesian carriers require it
    /// registered).
    pub sms_sender_id: String,
    /// `PD_ROLE_MAILBOXES`: `{"front_office": ["fo@…"], "pematangsiantar/front_office": […]}`,
    /// who receives each role's notices (a plain role: the founding office's).
    pub role_mailboxes: StaticDirectory,
    /// `PD_STAFF_NOTICES`: `immediate` (default) or `daily`.
    pub staff_notices: StaffNotices,
    /// `PD_MALWARE_SCAN=required`: documents are handed out only with a clean scan verdict.
    pub malware_scan_required: bool,
    /// `PD_IDEMPOTENCY_LOCK_SECONDS` (default 60: longer than the HTTP API's 30-second
    /// integration timeout).
    pub idempotency_lock: chrono::Duration,
    /// `PD_PERMITS_DIR`: a deployment's own permit catalogue (default: `infra/permits/`).
    pub permits_dir: Option<PathBuf>,
    /// `PD_CALENDAR_DIR`: holiday data without a rebuild (default: `infra/calendar/`).
    pub calendar_dir: Option<PathBuf>,
    /// `PD_ROLES_FILE`: the office's roles (default: `infra/roles.json`).
    pub roles_file: Option<PathBuf>,
    /// `PD_RETENTION_FILE` (default: `infra/config/retention.json`).
    pub retention_file: Option<PathBuf>,
    /// `PD_AGENCY_FILE`: the letterhead, contacts, the officials who sign letters (NIP, golongan,
    /// Plt./Plh.) and the emblem (default: DPMPTSP Kota Bontang, the demo's head, the shipped
    /// emblem).
    pub agency_file: Option<PathBuf>,
    /// `PD_OFFICES_DIR`: the deployment's offices, a folder per office with its `office.json`
    /// (default: the offices shipped in `infra/offices/`).
    pub offices_dir: Option<PathBuf>,
    /// `PD_COMPLAINT_POW_BITS` (default 18, 0–26): the proof of work an anonymous complaint
    /// carries, in leading zero bits of SHA-256 (`domain::complaints::abuse`).
    pub complaint_pow_bits: u8,
    /// `PD_COMPLAINT_KEY` (at least 32 bytes, hex or base64): keys the complaint challenges and
    /// e-mail confirmation links. Unset: the embedded default derives it from its
    /// `data/secret.key`, a function from the audit key (`PD_AUDIT_KEY`, the stack's secret);
    /// without either, per process (logged as a warning).
    pub complaint_key: Option<ComplaintKey>,
    /// `PD_ORIGIN_SECRET` (at least 16 bytes): behind CloudFront, the value of its
    /// `X-Origin-Verify` header; requests without it are refused (`api::edge`).
    pub origin_secret: Option<Secret>,
    /// `PD_AUDIT_KEY` (at least 32 bytes): keys the audit chain heads (`audit`). Unset: the
    /// embedded default derives it from `data/secret.key`; a function writes unkeyed heads
    /// (logged as a warning).
    pub audit_key: Option<Secret>,
    pub runner: RunnerSettings,
    pub faults: FaultSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            backend: None,
            aws: AwsSettings::default(),
            data_dir: "data".into(),
            base_url: "http://127.0.0.1:8080".into(),
            portal_url: None,
            verify_base_url: None,
            mail_from: None,
            sms_sender_id: "DPMPTSP".into(),
            role_mailboxes: StaticDirectory::default(),
            staff_notices: StaffNotices::Immediate,
            malware_scan_required: false,
            idempotency_lock: chrono::Duration::seconds(60),
            permits_dir: None,
            calendar_dir: None,
            roles_file: None,
            retention_file: None,
            agency_file: None,
            offices_dir: None,
            complaint_pow_bits: crate::domain::complaints::abuse::DEFAULT_POW_BITS,
            complaint_key: None,
            origin_secret: None,
            audit_key: None,
            runner: RunnerSettings::default(),
            faults: FaultSettings::default(),
        }
    }
}

impl Settings {
    /// The process's settings, from its environment.
    pub fn from_env() -> Result<Self, SettingError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// The settings from `var` (a variable's value by name; blank counts as unset).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, SettingError> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let path = |name: &str| get(name).map(PathBuf::from);
        let flag = |name: &'static str, on: &str| -> Result<bool, SettingError> {
            match get(name) {
                None => Ok(false),
                Some(v) if v == on => Ok(true),
                Some(v) if v == "0" || v == "false" || v == "optional" => Ok(false),
                Some(v) => Err(SettingError::invalid(
                    name,
                    &v,
                    &format!("gunakan {on}"),
                    &format!("use {on}"),
                )),
            }
        };
        let backend = match get("PD_BACKEND").as_deref() {
            None => None,
            Some("embedded") => Some(Backend::Embedded),
            Some("aws") => Some(Backend::Aws),
            Some(v) => {
                return Err(SettingError::invalid(
                    "PD_BACKEND",
                    v,
                    "embedded atau aws",
                    "embedded or aws",
                ));
            }
        };
        let mut s = Settings {
            backend,
            ..Settings::default()
        };
        s.aws = AwsSettings {
            table: get("PD_TABLE"),
            upload_bucket: get("PD_UPLOAD_BUCKET"),
            signed_bucket: get("PD_SIGNED_BUCKET"),
            signing_key_id: get("PD_SIGNING_KEY_ID"),
            user_pool_id: get("PD_USER_POOL_ID"),
            ses_configuration_set: get("PD_SES_CONFIGURATION_SET"),
            sms_max_price_usd: get("PD_SMS_MAX_PRICE_USD")
                .map(|v| {
                    v.parse::<f64>()
                        .ok()
                        .filter(|p| *p > 0.0 && *p < 1.0)
                        .map(|_| v.clone())
                        .ok_or_else(|| {
                            SettingError::invalid(
                                "PD_SMS_MAX_PRICE_USD",
                                &v,
                                "harga per SMS dalam USD, antara 0 dan 1",
                                "a price per SMS in USD between 0 and 1",
                            )
                        })
                })
                .transpose()?,
            state_machine_arn_prefix: get("PD_STATE_MACHINE_ARN_PREFIX"),
            complaint_state_machine_arn: get("PD_COMPLAINT_STATE_MACHINE_ARN"),
            s3_path_style: flag("PD_S3_PATH_STYLE", "true")?,
            sms_monthly_spend_limit_usd: get("PD_SMS_MONTHLY_SPEND_LIMIT_USD")
                .map(|v| {
                    v.parse::<u32>().map_err(|_| {
                        SettingError::invalid(
                            "PD_SMS_MONTHLY_SPEND_LIMIT_USD",
                            &v,
                            "bilangan bulat dolar AS",
                            "whole US dollars",
                        )
                    })
                })
                .transpose()?,
            sms_delivery_role_arn: get("PD_SMS_DELIVERY_ROLE_ARN"),
            signer_cert_chain: get("PD_SIGNER_CERT_CHAIN")
                .map(|v| pem("PD_SIGNER_CERT_CHAIN", v))
                .transpose()?,
            signer_cert_chain_parameter: get("PD_SIGNER_CERT_CHAIN_PARAMETER"),
            tsa_url: get("PD_TSA_URL")
                .map(|v| url("PD_TSA_URL", v))
                .transpose()?,
            tsa_ca_certs: get("PD_TSA_CA_CERTS")
                .map(|v| pem("PD_TSA_CA_CERTS", v))
                .transpose()?,
        };
        if let Some(d) = path("PD_DATA_DIR") {
            s.data_dir = d;
        }
        if let Some(b) = get("PD_BASE_URL") {
            s.base_url = url("PD_BASE_URL", b)?;
        }
        s.portal_url = get("PD_PORTAL_URL")
            .map(|v| url("PD_PORTAL_URL", v))
            .transpose()?;
        s.verify_base_url = get("PD_VERIFY_BASE_URL")
            .map(|v| url("PD_VERIFY_BASE_URL", v))
            .transpose()?;
        s.mail_from = get("PD_MAIL_FROM");
        if let Some(id) = get("PD_SMS_SENDER_ID") {
            let ok = (1..=11).contains(&id.len())
                && id.bytes().all(|b| b.is_ascii_alphanumeric())
                && id.bytes().any(|b| b.is_ascii_alphabetic());
            if !ok {
                return Err(SettingError::invalid(
                    "PD_SMS_SENDER_ID",
                    &id,
                    "1–11 huruf dan angka, sedikitnya satu huruf",
                    "1–11 letters and digits with at least one letter",
                ));
            }
            s.sms_sender_id = id;
        }
        if let Some(raw) = get("PD_ROLE_MAILBOXES") {
            s.role_mailboxes = role_mailboxes(&raw)?;
        }
        s.staff_notices = match get("PD_STAFF_NOTICES").as_deref() {
            None | Some("immediate") => StaffNotices::Immediate,
            Some("daily") => StaffNotices::Daily,
            Some(v) => {
                return Err(SettingError::invalid(
                    "PD_STAFF_NOTICES",
                    v,
                    "immediate atau daily",
                    "immediate or daily",
                ));
            }
        };
        s.malware_scan_required = flag("PD_MALWARE_SCAN", "required")?;
        if let Some(v) = get("PD_IDEMPOTENCY_LOCK_SECONDS") {
            let secs = positive::<u32>("PD_IDEMPOTENCY_LOCK_SECONDS", &v)?;
            s.idempotency_lock = chrono::Duration::seconds(i64::from(secs));
        }
        s.permits_dir = path("PD_PERMITS_DIR");
        s.calendar_dir = path("PD_CALENDAR_DIR");
        s.roles_file = path("PD_ROLES_FILE");
        s.retention_file = path("PD_RETENTION_FILE");
        s.agency_file = path("PD_AGENCY_FILE");
        s.offices_dir = path("PD_OFFICES_DIR");
        if let Some(v) = get("PD_COMPLAINT_POW_BITS") {
            let max = crate::domain::complaints::abuse::MAX_POW_BITS;
            s.complaint_pow_bits = v
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|b| *b <= max)
                .ok_or_else(|| {
                    SettingError::invalid(
                        "PD_COMPLAINT_POW_BITS",
                        &v,
                        &format!("bilangan bulat 0–{max}"),
                        &format!("a whole number 0–{max}"),
                    )
                })?;
        }
        if let Some(v) = get("PD_COMPLAINT_KEY") {
            s.complaint_key = Some(ComplaintKey::parse(&v).ok_or_else(|| {
                SettingError::new(
                    "PD_COMPLAINT_KEY",
                    "harus paling sedikit 32 bita, hex atau base64",
                    "must be at least 32 bytes, hex or base64",
                )
            })?);
        }
        for (var, min, slot) in [
            ("PD_ORIGIN_SECRET", 16, &mut s.origin_secret),
            ("PD_AUDIT_KEY", 32, &mut s.audit_key),
        ] {
            if let Some(v) = get(var) {
                if v.len() < min {
                    return Err(SettingError::new(
                        var,
                        format!("harus paling sedikit {min} karakter"),
                        format!("must be at least {min} characters"),
                    ));
                }
                *slot = Some(Secret(v.into_bytes()));
            }
        }

        let r = &mut s.runner;
        if let Some(v) = get("HOST") {
            r.host = v
                .parse()
                .map_err(|_| SettingError::invalid("HOST", &v, "alamat IP", "an IP address"))?;
        }
        if let Some(v) = get("PORT") {
            r.port = v.parse().map_err(|_| {
                SettingError::invalid("PORT", &v, "nomor port 0–65535", "a port number 0–65535")
            })?;
        }
        r.step_functions = match get("PD_ORCHESTRATOR").as_deref() {
            None | Some("embedded") => false,
            Some("stepfunctions") => true,
            Some(v) => {
                return Err(SettingError::invalid(
                    "PD_ORCHESTRATOR",
                    v,
                    "embedded atau stepfunctions",
                    "embedded or stepfunctions",
                ));
            }
        };
        r.dev_clock = flag("PD_DEV_CLOCK", "1")?;
        r.insecure_dev_surfaces = flag("PD_INSECURE_DEV_SURFACES", "1")?;
        if let Some(v) = get("PD_ANONYMOUS_COMPLAINTS_PER_HOUR") {
            r.anonymous_complaints_per_hour =
                positive::<u32>("PD_ANONYMOUS_COMPLAINTS_PER_HOUR", &v)?;
        }
        if let Some(v) = get("PD_ALLOWED_HOSTS") {
            r.allowed_hosts = v
                .split(',')
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect();
            let bad = r.allowed_hosts.iter().find(|h| {
                !h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            });
            if let Some(b) = bad {
                return Err(SettingError::invalid(
                    "PD_ALLOWED_HOSTS",
                    b,
                    "nama host dipisah koma, tanpa port",
                    "comma-separated host names, without ports",
                ));
            }
        }
        if let Some(v) = get("PD_DEV_CLOCK_AT") {
            let at = DateTime::parse_from_rfc3339(&v).map_err(|_| {
                SettingError::invalid(
                    "PD_DEV_CLOCK_AT",
                    &v,
                    "waktu RFC 3339",
                    "an RFC 3339 instant",
                )
            })?;
            if !r.dev_clock {
                return Err(SettingError::new(
                    "PD_DEV_CLOCK_AT",
                    "memerlukan PD_DEV_CLOCK=1",
                    "needs PD_DEV_CLOCK=1",
                ));
            }
            r.dev_clock_at = Some(at.with_timezone(&Utc));
        }
        r.web_dir = path("PD_WEB_DIR");
        if let Some(v) = get("PD_TIMER_MS") {
            r.timer_interval = Duration::from_millis(positive::<u64>("PD_TIMER_MS", &v)?);
        }
        if let Some(v) = get("PD_RETRY_TIME_SCALE") {
            r.retry_time_scale = v
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .ok_or_else(|| {
                    SettingError::invalid(
                        "PD_RETRY_TIME_SCALE",
                        &v,
                        "bilangan tidak negatif",
                        "a non-negative number",
                    )
                })?;
        }

        let f = &mut s.faults;
        if let Some(v) = get("PD_FAULT_RATE") {
            f.rate = v
                .parse::<f64>()
                .ok()
                .filter(|r| (0.0..=1.0).contains(r))
                .ok_or_else(|| {
                    SettingError::invalid(
                        "PD_FAULT_RATE",
                        &v,
                        "bilangan dalam [0, 1]",
                        "a number in [0, 1]",
                    )
                })?;
        }
        f.seed = match get("PD_FAULT_SEED") {
            Some(v) => v.parse().map_err(|_| {
                SettingError::invalid("PD_FAULT_SEED", &v, "bilangan bulat", "a whole number")
            })?,
            None => 1,
        };
        f.ports = get("PD_FAULT_PORTS")
            .map(|p| {
                p.split(',')
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        f.port_meter = flag("PD_PORT_METER", "1")?;
        Ok(s)
    }

    /// The portal's base URL: `PD_PORTAL_URL`, else the embedded default's own.
    pub fn portal_url_or_local(&self) -> String {
        self.portal_url
            .clone()
            .unwrap_or_else(|| format!("{}/", self.base_url.trim_end_matches('/')))
    }

    /// The sender of e-mails: `PD_MAIL_FROM`, else the embedded outbox's.
    pub fn mail_from_or_local(&self) -> String {
        self.mail_from.clone().unwrap_or_else(|| {
            "Perizinan Digital DPMPTSP Kota Bontang <noreply@perizinan-digital.test>".into()
        })
    }

    /// The office's roles (`PD_ROLES_FILE` or the shipped `infra/roles.json`), installed as the
    /// process's registry. Call before anything names a role.
    pub fn install_roles(&self) -> Result<&'static Roles, BootError> {
        if let Some(path) = &self.roles_file {
            let text = read(path)?;
            let roles = Roles::parse(&path.display().to_string(), &text)
                .map_err(|e| BootError(e.to_string()))?;
            if !Roles::install(roles) {
                tracing::warn!(
                    "roles were installed before PD_ROLES_FILE was read; the first stays"
                );
            }
        }
        Ok(Roles::current())
    }

    /// The holiday calendar: the years shipped in `infra/calendar/`, or every `*.json` file of
    /// `PD_CALENDAR_DIR`.
    pub fn calendar(&self) -> Result<Calendar, BootError> {
        let Some(dir) = &self.calendar_dir else {
            return Ok(Calendar::shipped());
        };
        let mut files = vec![];
        let entries = std::fs::read_dir(dir).map_err(|e| {
            BootError(format!(
                "PD_CALENDAR_DIR: cannot read {}: {e}",
                dir.display()
            ))
        })?;
        for e in entries {
            let path = e.map_err(|e| BootError(e.to_string()))?.path();
            if path.extension().is_some_and(|x| x == "json") {
                files.push((path.display().to_string(), read(&path)?));
            }
        }
        files.sort();
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        Calendar::from_files(&refs).map_err(|e| BootError(e.to_string()))
    }

    /// The permit catalogue: every folder of `PD_PERMITS_DIR`, or the permits shipped in
    /// `infra/permits/`, with `checks`. A broken permit stops the start with messages naming
    /// its file, state and problem.
    pub fn catalogue(&self, calendar: &Calendar, checks: Checks) -> Result<Catalogue, BootError> {
        let roles = self.install_roles()?;
        let loaded = match &self.permits_dir {
            Some(dir) => Catalogue::from_dir(dir, roles, calendar, checks),
            None => Catalogue::shipped_with(roles, calendar, checks),
        };
        loaded.map_err(|e| BootError(format!("the permit catalogue cannot be served:\n{e}")))
    }

    /// How long data outside the permit record is kept.
    pub fn retention(&self) -> Result<RetentionPolicy, BootError> {
        match &self.retention_file {
            Some(path) => RetentionPolicy::parse(&read(path)?)
                .map_err(|e| BootError(format!("PD_RETENTION_FILE: {e}"))),
            None => Ok(RetentionPolicy::shipped()),
        }
    }

    /// The offices the deployment serves: every `<code>/office.json` of `PD_OFFICES_DIR`, or
    /// the offices shipped in `infra/offices/`, each checked against `catalogue` and `calendar`
    /// (`domain::office`). `PD_AGENCY_FILE`, where set, is the founding office's letterhead
    /// (a deployment of one office configured before offices). A broken office file stops the
    /// start with a message naming it.
    pub fn offices(
        &self,
        catalogue: &Catalogue,
        calendar: &Calendar,
    ) -> Result<crate::domain::office::Offices, BootError> {
        use crate::domain::office::{OfficeDef, Offices};
        let mut defs: Vec<(String, OfficeDef)> = vec![];
        let parse = |name: &str, json: &str, dir: Option<&Path>| -> Result<OfficeDef, BootError> {
            let at = |e: &dyn std::fmt::Display| BootError(format!("{name}: {e}"));
            let mut def: OfficeDef = serde_json::from_str(json).map_err(|e| at(&e))?;
            load_emblem(&mut def.agency, dir).map_err(|e| at(&e))?;
            Ok(def)
        };
        match &self.offices_dir {
            None => {
                for (folder, json) in crate::domain::office::SHIPPED {
                    defs.push((
                        format!("infra/offices/{folder}/office.json"),
                        parse(folder, json, None)?,
                    ));
                }
            }
            Some(dir) => {
                let entries = std::fs::read_dir(dir).map_err(|e| {
                    BootError(format!(
                        "PD_OFFICES_DIR: cannot read {}: {e}",
                        dir.display()
                    ))
                })?;
                let mut folders: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_dir())
                    .collect();
                folders.sort();
                for f in folders {
                    let file = f.join("office.json");
                    let name = file.display().to_string();
                    defs.push((name.clone(), parse(&name, &read(&file)?, Some(&f))?));
                }
            }
        }
        if self.agency_file.is_some() {
            let agency = self.agency()?;
            if let Some((_, d)) = defs.iter_mut().find(|(_, d)| d.code.scope().is_none()) {
                d.agency = agency;
            }
        }
        let codes: Vec<&str> = catalogue.codes().collect();
        if self.permits_dir.is_some() && self.offices_dir.is_none() {
            // A deployment's own catalogue with the shipped offices (one office configured
            // before offices): the founding office offers all of it, another office what it
            // offers of it (an office left with none is not served).
            for (_, d) in &mut defs {
                if d.code.scope().is_none() {
                    d.permits = codes.iter().map(|c| c.to_string()).collect();
                } else {
                    d.permits.retain(|p| codes.contains(&p.as_str()));
                }
            }
            defs.retain(|(_, d)| !d.permits.is_empty());
        }
        Offices::build(defs, calendar, &codes)
            .map_err(|e| BootError(format!("the offices cannot be served: {e}")))
    }

    /// The agency's letterhead and contacts.
    /// A NIP or golongan of the wrong shape (`domain::officials`), no official, or an emblem
    /// that is not a printable PNG stops the start with a message naming the file.
    pub fn agency(&self) -> Result<Agency, BootError> {
        let Some(path) = &self.agency_file else {
            return Ok(Agency::default());
        };
        let at = |e: &dyn std::fmt::Display| {
            BootError(format!("PD_AGENCY_FILE {}: {e}", path.display()))
        };
        let mut agency: Agency = serde_json::from_str(&read(path)?).map_err(|e| at(&e))?;
        crate::domain::officials::check_officials(&agency.officials).map_err(|e| at(&e))?;
        load_emblem(&mut agency, path.parent()).map_err(|e| at(&e))?;
        Ok(agency)
    }
}

/// Decodes an agency's `emblem_file` (relative to `dir`, the folder of the file naming it)
/// into its emblem; a file that cannot be read or is not a printable PNG is named.
fn load_emblem(agency: &mut Agency, dir: Option<&Path>) -> Result<(), String> {
    let Some(file) = &agency.emblem_file else {
        return Ok(());
    };
    let file = dir.map_or(file.clone(), |d| d.join(file));
    let bytes = std::fs::read(&file).map_err(|e| format!("emblem_file {}: {e}", file.display()))?;
    let emblem = crate::domain::emblem::Emblem::from_png(&bytes)
        .map_err(|e| format!("emblem_file {}: {e}", file.display()))?;
    agency.emblem = std::sync::Arc::new(emblem);
    Ok(())
}

fn read(path: &Path) -> Result<String, BootError> {
    std::fs::read_to_string(path)
        .map_err(|e| BootError(format!("cannot read {}: {e}", path.display())))
}

/// PEM certificates (only their framing is checked here; the letters crate parses them).
fn pem(variable: &'static str, v: String) -> Result<String, SettingError> {
    if v.contains("-----BEGIN CERTIFICATE-----") {
        Ok(v)
    } else {
        Err(SettingError::new(
            variable,
            "bukan sertifikat PEM (-----BEGIN CERTIFICATE-----)",
            "not PEM certificates (-----BEGIN CERTIFICATE-----)",
        ))
    }
}

fn url(variable: &'static str, v: String) -> Result<String, SettingError> {
    if v.starts_with("https://") || v.starts_with("http://") {
        Ok(v)
    } else {
        Err(SettingError::invalid(
            variable,
            &v,
            "alamat http:// atau https://",
            "an http:// or https:// URL",
        ))
    }
}

fn positive<T: std::str::FromStr + PartialOrd + Default>(
    variable: &'static str,
    v: &str,
) -> Result<T, SettingError> {
    v.parse::<T>()
        .ok()
        .filter(|x| *x > T::default())
        .ok_or_else(|| {
            SettingError::invalid(
                variable,
                v,
                "bilangan bulat positif",
                "a positive whole number",
            )
        })
}

fn role_mailboxes(raw: &str) -> Result<StaticDirectory, SettingError> {
    let map: BTreeMap<String, Vec<String>> = serde_json::from_str(raw).map_err(|e| {
        SettingError::new(
            "PD_ROLE_MAILBOXES",
            format!("bukan JSON yang valid: {e}"),
            format!("is not valid JSON: {e}"),
        )
    })?;
    let mut entries = vec![];
    for (key, addrs) in map {
        // `role` (the founding office's) or `office/role`.
        let (office, role) = match key.split_once('/') {
            Some((o, r)) => (
                crate::domain::office::OfficeCode::parse(o).ok_or_else(|| {
                    SettingError::new(
                        "PD_ROLE_MAILBOXES",
                        format!("kode kantor tidak sah: {o}"),
                        format!("not an office code: {o}"),
                    )
                })?,
                r,
            ),
            None => (crate::domain::office::founding_code(), key.as_str()),
        };
        let r: Role = role.parse().map_err(|e| {
            SettingError::new(
                "PD_ROLE_MAILBOXES",
                format!("peran tidak dikenal: {role}"),
                format!("{e}"),
            )
        })?;
        entries.extend(addrs.into_iter().map(|a| (office.clone(), r.clone(), a)));
    }
    Ok(StaticDirectory { entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(vars: &[(&str, &str)]) -> Result<Settings, SettingError> {
        let vars: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_vars(|n| vars.get(n).cloned())
    }

    #[test]
    fn nothing_set_is_the_embedded_default() {
        let s = from(&[]).unwrap();
        assert_eq!(s, Settings::default());
        assert_eq!(s.backend, None);
        assert_eq!(s.idempotency_lock, chrono::Duration::seconds(60));
        assert_eq!(s.portal_url_or_local(), "http://127.0.0.1:8080/");
    }

    #[test]
    fn the_complaint_guard_settings() {
        assert_eq!(from(&[]).unwrap().complaint_pow_bits, 18);
        let s = from(&[
            ("PD_COMPLAINT_POW_BITS", "0"),
            ("PD_COMPLAINT_KEY", &"ab".repeat(32)),
        ])
        .unwrap();
        assert_eq!(s.complaint_pow_bits, 0);
        assert_eq!(s.complaint_key, Some(ComplaintKey(vec![0xab; 32])));
        assert_eq!(format!("{:?}", s.complaint_key), "Some(ComplaintKey(…))");
        for (var, v) in [
            ("PD_COMPLAINT_POW_BITS", "27"),
            ("PD_COMPLAINT_POW_BITS", "-1"),
            ("PD_COMPLAINT_KEY", "abcd"),
        ] {
            assert_eq!(from(&[(var, v)]).unwrap_err().variable, var, "{v}");
        }
    }

    #[test]
    fn every_value_is_read_once_into_its_type() {
        let s = from(&[
            ("PD_BACKEND", "aws"),
            ("PD_TABLE", "cases"),
            ("PD_S3_PATH_STYLE", "true"),
            ("PD_STAFF_NOTICES", "daily"),
            ("PD_MALWARE_SCAN", "required"),
            ("PD_IDEMPOTENCY_LOCK_SECONDS", "90"),
            (
                "PD_ROLE_MAILBOXES",
                r#"{"front_office": ["fo@bontang.test"]}"#,
            ),
            ("PD_DEV_CLOCK", "1"),
            ("PD_DEV_CLOCK_AT", "2026-03-02T08:00:00+08:00"),
            ("PD_TIMER_MS", "200"),
            ("PD_FAULT_RATE", "0.1"),
            ("PD_FAULT_PORTS", "store, mailer"),
            ("PORT", "0"),
        ])
        .unwrap();
        assert_eq!(s.backend, Some(Backend::Aws));
        assert_eq!(s.aws.table.as_deref(), Some("cases"));
        assert!(s.aws.s3_path_style);
        assert_eq!(s.staff_notices, StaffNotices::Daily);
        assert!(s.malware_scan_required);
        assert_eq!(s.idempotency_lock, chrono::Duration::seconds(90));
        assert_eq!(s.role_mailboxes.entries.len(), 1);
        assert_eq!(
            s.runner.dev_clock_at.unwrap().to_rfc3339(),
            "2026-03-02T00:00:00+00:00"
        );
        assert_eq!(s.runner.timer_interval, Duration::from_millis(200));
        assert_eq!(s.runner.port, 0);
        assert_eq!(s.faults.rate, 0.1);
        assert_eq!(s.faults.ports, ["store", "mailer"]);
    }

    #[test]
    fn a_wrong_value_names_its_variable_in_both_languages() {
        for (vars, variable) in [
            (vec![("PD_BACKEND", "sqlite")], "PD_BACKEND"),
            (vec![("PD_STAFF_NOTICES", "weekly")], "PD_STAFF_NOTICES"),
            (
                vec![("PD_IDEMPOTENCY_LOCK_SECONDS", "0")],
                "PD_IDEMPOTENCY_LOCK_SECONDS",
            ),
            (
                vec![("PD_IDEMPOTENCY_LOCK_SECONDS", "soon")],
                "PD_IDEMPOTENCY_LOCK_SECONDS",
            ),
            (vec![("PD_ROLE_MAILBOXES", "fo@x")], "PD_ROLE_MAILBOXES"),
            (
                vec![("PD_ROLE_MAILBOXES", r#"{"juru_parkir": []}"#)],
                "PD_ROLE_MAILBOXES",
            ),
            (vec![("PD_MALWARE_SCAN", "yes")], "PD_MALWARE_SCAN"),
            (vec![("PD_PORTAL_URL", "portal.example")], "PD_PORTAL_URL"),
            (
                vec![("PD_DEV_CLOCK_AT", "2026-03-02T08:00:00Z")],
                "PD_DEV_CLOCK_AT",
            ),
            (
                vec![("PD_DEV_CLOCK", "1"), ("PD_DEV_CLOCK_AT", "Senin")],
                "PD_DEV_CLOCK_AT",
            ),
            (vec![("PD_TIMER_MS", "-5")], "PD_TIMER_MS"),
            (vec![("PD_FAULT_RATE", "1.5")], "PD_FAULT_RATE"),
            (vec![("PORT", "80800")], "PORT"),
            (vec![("PD_ORCHESTRATOR", "airflow")], "PD_ORCHESTRATOR"),
            (
                vec![("PD_INSECURE_DEV_SURFACES", "yes")],
                "PD_INSECURE_DEV_SURFACES",
            ),
            (
                vec![("PD_ALLOWED_HOSTS", "izin.example:8080")],
                "PD_ALLOWED_HOSTS",
            ),
            (
                vec![("PD_ANONYMOUS_COMPLAINTS_PER_HOUR", "0")],
                "PD_ANONYMOUS_COMPLAINTS_PER_HOUR",
            ),
        ] {
            let e = from(&vars).unwrap_err();
            assert_eq!(e.variable, variable, "{vars:?}");
            let text = e.to_string();
            assert!(text.starts_with(variable), "{text}");
            assert!(text.contains(" / "), "{text}");
            assert!(!e.id.is_empty() && !e.en.is_empty());
        }
    }

    #[test]
    fn a_missing_required_setting_is_named() {
        let s = from(&[("PD_BACKEND", "aws")]).unwrap();
        let e = required(&s.aws.table, "PD_TABLE").unwrap_err();
        assert_eq!(
            e.to_string(),
            "PD_TABLE: wajib diisi / is required and not set"
        );
    }

    #[test]
    fn the_agency_file_gives_signers_and_emblem_and_a_bad_one_stops_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("agency.json");
        let png = dir.path().join("lambang.png");
        std::fs::copy(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../assets/emblem/lambang-default.png"
            ),
            &png,
        )
        .unwrap();
        let base = serde_json::json!({
            "name": "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
            "government": "Pemerintah Kota Contoh", "address": "Jl. Contoh 1",
            "phone": "(0000) 1", "fax": "(0000) 2", "website": "contoh.go.id",
            "email": "dpmptsp@contoh.go.id",
            "officials": [{"name": "Dr. Sri Wahyuni, M.Si.", "nip": "19711224 200003 2 001",
                           "golongan": "IV/b", "acting": "plt"}],
            "emblem_file": "lambang.png"
        });
        let load = |v: &serde_json::Value| {
            std::fs::write(&file, v.to_string()).unwrap();
            let s = Settings {
                agency_file: Some(file.clone()),
                ..Settings::default()
            };
            s.agency()
        };
        let a = load(&base).unwrap();
        let o = a.official("Dr. Sri Wahyuni, M.Si.").unwrap();
        assert_eq!(o.nip.grouped(), "19711224 200003 2 001");
        assert_eq!(
            o.position(&a.head_position),
            format!("Plt. {}", a.head_position)
        );
        assert!(a.emblem.width > 0);
        let cases = [
            (
                "/officials/0/nip",
                serde_json::json!("19711224200003300"),
                "18 digits",
            ),
            (
                "/officials/0/golongan",
                serde_json::json!("V/a"),
                "golongan",
            ),
            ("/officials", serde_json::json!([]), "at least one official"),
            (
                "/emblem_file",
                serde_json::json!("tidak-ada.png"),
                "tidak-ada.png",
            ),
            (
                "/emblem_file",
                serde_json::json!("agency.json"),
                "not a PNG",
            ),
        ];
        for (pointer, value, expected) in cases {
            let mut v = base.clone();
            *v.pointer_mut(pointer).unwrap() = value;
            let e = load(&v).unwrap_err().0;
            assert!(
                e.starts_with("PD_AGENCY_FILE") && e.contains(expected),
                "{pointer}: {e}"
            );
        }
    }
}
