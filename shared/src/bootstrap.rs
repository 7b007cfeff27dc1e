//! Building a function's services from its environment (Lambda `main`s, the local runner).
//!
//! `PD_BACKEND=aws` (the default of the Lambda entries): DynamoDB `PD_TABLE`, S3
//! `PD_UPLOAD_BUCKET`, SES from `PD_MAIL_FROM` (and `PD_SES_CONFIGURATION_SET`), Step Functions
//! (each permit's state machine `<PD_STATE_MACHINE_ARN_PREFIX><machine>`, and
//! `PD_COMPLAINT_STATE_MACHINE_ARN`), signed documents in the Object
//! Lock bucket `PD_SIGNED_BUCKET` signed with KMS key `PD_SIGNING_KEY_ID`, verification links to
//! `PD_VERIFY_BASE_URL`; region, credentials and endpoints from the SDK's standard
//! configuration (`AWS_REGION`, `AWS_ENDPOINT_URL`, …). `PD_S3_PATH_STYLE=true` for S3-compatible
//! endpoints such as moto. The Lambda entries take only `aws`; the embedded default on one machine
//! is the local runner's (`cargo run`), and [`embedded_from_env`] builds it in a process of its
//! own (the benchmark's in-process handlers) — kept out of [`from_env`] so that no function's
//! package links SQLite or the embedded executor.

use crate::adapters::aws::dynamo::DynamoStore;
use crate::adapters::aws::s3::S3Documents;
use crate::adapters::aws::ses::SesMailer;
use crate::adapters::aws::sfn::StepFunctions;
use crate::catalogue::{Catalogue, Checks};
use crate::domain::Role;
use crate::domain::calendar::Calendar;
use crate::domain::notices::Agency;
use crate::domain::roles::Roles;
use crate::embedded::{BootError, Embedded, EmbeddedConfig};
use crate::ports::clock::Clock;
use crate::ports::clock::SystemClock;
use crate::ports::directory::StaticDirectory;
use crate::ports::{CaseStore, Orchestrator};
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
        entries.extend(addrs.into_iter().map(|a| (r.clone(), a)));
    }
    Ok(StaticDirectory { entries })
}

/// The office's roles (`PD_ROLES_FILE` or the shipped `infra/roles.json`), installed as the
/// process's registry. Call before anything names a role.
pub fn install_roles_from_env() -> Result<&'static Roles, BootError> {
    if let Some(path) = env("PD_ROLES_FILE") {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| BootError(format!("cannot read {path}: {e}")))?;
        let roles = Roles::parse(&path, &text).map_err(|e| BootError(e.to_string()))?;
        if !Roles::install(roles) {
            tracing::warn!("roles were installed before PD_ROLES_FILE was read; the first stays");
        }
    }
    Ok(Roles::current())
}

/// The permit catalogue: every folder of `PD_PERMITS_DIR` (a deployment's own catalogue), or
/// the permits shipped in `infra/permits/`, with `checks`. A broken permit stops the start with
/// messages naming its file, state and problem.
pub fn catalogue_from_env(calendar: &Calendar, checks: Checks) -> Result<Catalogue, BootError> {
    let roles = install_roles_from_env()?;
    let loaded = match env("PD_PERMITS_DIR") {
        Some(dir) => Catalogue::from_dir(std::path::Path::new(&dir), roles, calendar, checks),
        None => Catalogue::shipped_with(roles, calendar, checks),
    };
    loaded.map_err(|e| BootError(format!("the permit catalogue cannot be served:\n{e}")))
}

/// The holiday calendar: the years shipped in `infra/calendar/`, or every `*.json` file of
/// `PD_CALENDAR_DIR` (a deployment that updates the data without a rebuild).
pub fn calendar_from_env() -> Result<Calendar, BootError> {
    let Some(dir) = env("PD_CALENDAR_DIR") else {
        return Ok(Calendar::shipped());
    };
    let mut files = vec![];
    let entries =
        std::fs::read_dir(&dir).map_err(|e| BootError(format!("cannot read {dir}: {e}")))?;
    for e in entries {
        let path = e.map_err(|e| BootError(e.to_string()))?.path();
        if path.extension().is_some_and(|x| x == "json") {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| BootError(format!("cannot read {}: {e}", path.display())))?;
            files.push((path.display().to_string(), text));
        }
    }
    files.sort();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    Calendar::from_files(&refs).map_err(|e| BootError(e.to_string()))
}

/// How long data outside the permit record is kept: `PD_RETENTION_FILE` or the shipped
/// `infra/config/retention.json`.
pub fn retention_from_env() -> Result<crate::domain::privacy::RetentionPolicy, BootError> {
    use crate::domain::privacy::RetentionPolicy;
    match env("PD_RETENTION_FILE") {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| BootError(format!("cannot read {path}: {e}")))?;
            RetentionPolicy::parse(&text).map_err(|e| BootError(e.to_string()))
        }
        None => Ok(RetentionPolicy::shipped()),
    }
}

/// `PD_MALWARE_SCAN=required`: documents are handed out only with a clean scan verdict.
/// `PD_STAFF_NOTICES`: `immediate` (default) or `daily`.
pub fn staff_notices_from_env() -> Result<crate::services::StaffNotices, BootError> {
    match env("PD_STAFF_NOTICES").as_deref() {
        None | Some("immediate") => Ok(crate::services::StaffNotices::Immediate),
        Some("daily") => Ok(crate::services::StaffNotices::Daily),
        Some(other) => Err(BootError(format!(
            "PD_STAFF_NOTICES `{other}` is not known (use `immediate` or `daily`)"
        ))),
    }
}

pub fn malware_scan_required() -> bool {
    env("PD_MALWARE_SCAN").is_some_and(|v| v == "required")
}

/// How long an in-progress idempotent request holds its key (`PD_IDEMPOTENCY_LOCK_SECONDS`,
/// default 60: longer than the HTTP API's 30-second integration timeout).
pub fn idempotency_lock_from_env() -> Result<chrono::Duration, BootError> {
    match env("PD_IDEMPOTENCY_LOCK_SECONDS") {
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|s| *s > 0)
            .map(|s| chrono::Duration::seconds(i64::from(s)))
            .ok_or_else(|| {
                BootError(format!(
                    "PD_IDEMPOTENCY_LOCK_SECONDS: {v:?} is not a positive number"
                ))
            }),
        None => Ok(crate::api::guard::IdempotencyConfig::default().lock),
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

fn require(name: &str) -> Result<String, BootError> {
    env(name).ok_or_else(|| BootError(format!("{name} is not set")))
}

/// The SDK's configuration loader with this crate's HTTPS client: hyper with rustls on ring
/// (the SDK's default client uses aws-lc, which makes every package about a megabyte larger).
/// Region, credentials and endpoints come from the standard environment.
pub fn sdk_loader() -> aws_config::ConfigLoader {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(http)
}

/// The AWS adapters, built once per process (Lambda init).
pub struct AwsPorts {
    pub sdk: aws_config::SdkConfig,
    pub store: Arc<DynamoStore>,
    pub documents: Arc<S3Documents>,
    /// The Object Lock bucket of signed documents (`PD_SIGNED_BUCKET`).
    pub signed_documents: Arc<S3Documents>,
    /// KMS key `PD_SIGNING_KEY_ID`.
    pub signer: Arc<crate::adapters::aws::kms::KmsSigner>,
    pub mailer: Arc<SesMailer>,
}

impl AwsPorts {
    pub async fn from_env(clock: Arc<dyn Clock>) -> Result<Self, BootError> {
        let sdk = sdk_loader().load().await;
        let region = sdk
            .region()
            .map(|r| r.to_string())
            .ok_or_else(|| BootError("no AWS region configured (AWS_REGION)".into()))?;
        let path_style = env("PD_S3_PATH_STYLE").is_some_and(|v| v == "true");
        let s3_endpoint = env("AWS_ENDPOINT_URL_S3").or_else(|| env("AWS_ENDPOINT_URL"));
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(path_style)
                .build(),
        );
        let credentials = sdk
            .credentials_provider()
            .ok_or_else(|| BootError("no AWS credentials provider".into()))?;
        let signed_documents = Arc::new(S3Documents::new(
            s3.clone(),
            require("PD_SIGNED_BUCKET")?,
            region.clone(),
            s3_endpoint.clone(),
            path_style,
            credentials.clone(),
            clock.clone(),
        ));
        let signer = Arc::new(crate::adapters::aws::kms::KmsSigner::new(
            aws_sdk_kms::Client::new(&sdk),
            require("PD_SIGNING_KEY_ID")?,
        ));
        Ok(Self {
            signed_documents,
            signer,
            store: Arc::new(DynamoStore::new(
                aws_sdk_dynamodb::Client::new(&sdk),
                require("PD_TABLE")?,
            )),
            documents: Arc::new(S3Documents::new(
                s3,
                require("PD_UPLOAD_BUCKET")?,
                region,
                s3_endpoint,
                path_style,
                credentials,
                clock,
            )),
            mailer: Arc::new(SesMailer::new(
                aws_sdk_sesv2::Client::new(&sdk),
                require("PD_MAIL_FROM")?,
                env("PD_SES_CONFIGURATION_SET"),
            )),
            sdk,
        })
    }

    /// Step Functions: each permit's state machine at `PD_STATE_MACHINE_ARN_PREFIX` followed by
    /// its name (the stack names them `<stack>-<machine>`), and `PD_COMPLAINT_STATE_MACHINE_ARN`.
    pub fn step_functions(
        &self,
        catalogue: &Catalogue,
    ) -> Result<(StepFunctions, StepFunctions), BootError> {
        let client = aws_sdk_sfn::Client::new(&self.sdk);
        let prefix = require("PD_STATE_MACHINE_ARN_PREFIX")?;
        Ok((
            StepFunctions::with_prefix(
                client.clone(),
                &prefix,
                catalogue.iter().map(|p| p.def.machine()),
            ),
            StepFunctions::new(
                client,
                BTreeMap::from([(
                    crate::flows::complaint::COMPLAINT_MACHINE.to_string(),
                    require("PD_COMPLAINT_STATE_MACHINE_ARN")?,
                )]),
            ),
        ))
    }

    pub fn services(
        &self,
        catalogue: Arc<Catalogue>,
        calendar: Arc<Calendar>,
        orchestrator: Arc<dyn Orchestrator>,
        complaint_orchestrator: Arc<dyn Orchestrator>,
        clock: Arc<dyn Clock>,
    ) -> Result<Services, BootError> {
        let ports = crate::adapters::faults::Ports {
            store: self.store.clone(),
            documents: self.documents.clone(),
            signed_documents: self.signed_documents.clone(),
            mailer: self.mailer.clone(),
            orchestrator,
            complaint_orchestrator,
            signer: self.signer.clone(),
        };
        // Off unless PD_FAULT_RATE is set (fault-injection tests only).
        let ports = match crate::adapters::faults::FaultPlan::from_env().map_err(BootError)? {
            Some(plan) => ports.inject(&plan),
            None => ports,
        };
        let retention = retention_from_env()?;
        let store: Arc<dyn CaseStore> = ports.store.clone();
        Ok(Services {
            store,
            documents: ports.documents,
            signed_documents: ports.signed_documents,
            signer: ports.signer,
            verify_base_url: require("PD_VERIFY_BASE_URL")?,
            mailer: ports.mailer,
            orchestrator: ports.orchestrator,
            complaint_orchestrator: ports.complaint_orchestrator,
            directory: Arc::new(directory_from_env()?),
            clock,
            catalogue,
            agency: Arc::new(agency_from_env()?),
            calendar,
            portal_url: env("PD_PORTAL_URL").unwrap_or_else(|| "https://perizinan.example".into()),
            idempotency: ports.store.clone(),
            idempotency_config: crate::api::guard::IdempotencyConfig {
                lock: idempotency_lock_from_env()?,
                ttl: retention.idempotency_ttl(),
            },
            security_log: ports.store,
            retention: Arc::new(retention),
            malware_scan_required: malware_scan_required(),
            staff_notices: staff_notices_from_env()?,
        })
    }
}

/// Builds a Lambda function's services: the AWS adapters (`PD_BACKEND` unset or `aws`).
pub async fn from_env() -> Result<Arc<Services>, BootError> {
    match env("PD_BACKEND").as_deref().unwrap_or("aws") {
        "aws" => {
            let clock: Arc<dyn Clock> = Arc::new(SystemClock::default());
            let calendar = calendar_from_env()?;
            let catalogue = catalogue_from_env(&calendar, Checks::Definitions)?;
            let ports = AwsPorts::from_env(clock.clone()).await?;
            let (cases, complaints) = ports.step_functions(&catalogue)?;
            Ok(Arc::new(ports.services(
                Arc::new(catalogue),
                Arc::new(calendar),
                Arc::new(cases),
                Arc::new(complaints),
                clock,
            )?))
        }
        other => Err(BootError(format!(
            "PD_BACKEND `{other}`: a function runs on the AWS adapters (`aws`); the embedded default is the local runner's (`cargo run`)"
        ))),
    }
}

/// The embedded default in this process, under `PD_DATA_DIR` (default `data`), with
/// `PD_BASE_URL` for its links.
pub async fn embedded_from_env() -> Result<Arc<Services>, BootError> {
    let data_dir = env("PD_DATA_DIR").unwrap_or_else(|| "data".into());
    let base = env("PD_BASE_URL").unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let calendar = calendar_from_env()?;
    let catalogue = catalogue_from_env(&calendar, Checks::Workflows)?;
    let e = Embedded::open(EmbeddedConfig {
        data_dir: data_dir.into(),
        files_url: format!("{base}/_files"),
        portal_url: env("PD_PORTAL_URL").unwrap_or_else(|| format!("{base}/")),
        mail_from: env("PD_MAIL_FROM")
            .unwrap_or_else(|| "Perizinan Digital <noreply@perizinan-digital.test>".into()),
        directory: directory_from_env()?,
        clock: Arc::new(SystemClock::default()),
        catalogue,
        agency: agency_from_env()?,
        calendar,
        retry_time_scale: 1.0,
        external: None,
        signed_url: format!("{base}/_signed"),
        verify_base_url: env("PD_VERIFY_BASE_URL").unwrap_or_else(|| format!("{base}/api")),
        signed: None,
        signer: None,
        retention: retention_from_env()?,
        idempotency_lock: idempotency_lock_from_env()?,
        faults: crate::adapters::faults::FaultPlan::from_env().map_err(BootError)?,
        malware_scan_required: malware_scan_required(),
        staff_notices: staff_notices_from_env()?,
    })?;
    e.recover().await?;
    Ok(e.services)
}
