//! The embedded default: every port on one machine under one data directory — SQLite for cases,
//! files for documents, an outbox for mail, and the embedded executor running each permit's
//! ASL and the complaints'.

use crate::adapters::executor::{Executor, TaskFn};
use crate::adapters::files::LocalFiles;
use crate::adapters::outbox::Outbox;
use crate::adapters::sqlite::SqliteStore;
use crate::catalogue::Catalogue;
use crate::domain::migrate::RELEASE_0_1_MACHINE;
use crate::domain::notices::Agency;
use crate::flows;
use crate::ports::clock::{Clock, SystemClock};
use crate::ports::directory::StaticDirectory;
use crate::ports::{DocumentStore, Mailer, Orchestrator, TaskError, TaskFunction};
use crate::services::Services;
use async_trait::async_trait;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The name under which the workflow task function is registered with the executor (it stands
/// where the Lambda ARN stands in AWS).
pub const WORKFLOW_FUNCTION: &str = "workflow";

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BootError(pub String);

pub struct EmbeddedConfig {
    pub data_dir: PathBuf,
    /// Where the runner serves signed file URLs, e.g. `http://127.0.0.1:8080/_files`.
    pub files_url: String,
    /// Base URL of the portal (links in e-mails).
    pub portal_url: String,
    pub mail_from: String,
    pub directory: StaticDirectory,
    pub clock: Arc<SystemClock>,
    /// The permits served (`Catalogue::shipped` or a deployment's own).
    pub catalogue: Catalogue,
    pub agency: Agency,
    pub calendar: crate::domain::calendar::Calendar,
    /// Multiplies Retry waits of the executor (1.0 = as written in the ASL).
    pub retry_time_scale: f64,
    /// Other adapters to use in place of the embedded ones (the local runner on AWS services).
    pub external: Option<External>,
    /// Where the runner serves signed-document URLs, e.g. `http://127.0.0.1:8080/_signed`.
    pub signed_url: String,
    /// Public base of the verification endpoint, e.g. `http://127.0.0.1:8080/api`.
    pub verify_base_url: String,
    /// A write-once document store and a signer in place of the embedded ones.
    pub signed: Option<Arc<dyn DocumentStore>>,
    pub signer: Option<Arc<dyn crate::ports::Signer>>,
    /// How long data outside the permit record is kept.
    pub retention: crate::domain::privacy::RetentionPolicy,
    /// How long an in-progress idempotent request holds its key.
    pub idempotency_lock: chrono::Duration,
    /// Hand out uploaded documents only when the scanner found them clean.
    pub malware_scan_required: bool,
    pub staff_notices: crate::services::StaffNotices,
    /// Fault injection (tests only; `None` in every real deployment).
    pub faults: Option<Arc<crate::adapters::faults::FaultPlan>>,
}

/// Ports supplied from outside (e.g. DynamoDB, S3, SES on moto); `orchestrator: None` keeps the
/// embedded executor.
pub struct External {
    pub store: Arc<dyn crate::ports::Store>,
    pub documents: Arc<dyn DocumentStore>,
    pub mailer: Arc<dyn Mailer>,
    /// Both orchestrators (case, complaint), or `None` for the embedded executors.
    pub orchestrator: Option<(Arc<dyn Orchestrator>, Arc<dyn Orchestrator>)>,
}

/// Invocations of the workflow's task function and the store round trips made while one ran
/// (exact when one runs at a time: the benchmark's probe case).
#[derive(Debug, Default)]
pub struct TaskMeter {
    pub invocations: std::sync::atomic::AtomicU64,
    pub round_trips: std::sync::atomic::AtomicU64,
}

/// The workflow task function with its [`TaskMeter`].
struct Metered {
    services: Arc<Services>,
    meter: Arc<TaskMeter>,
}

#[async_trait]
impl TaskFunction for Metered {
    async fn invoke(&self, payload: serde_json::Value) -> Result<serde_json::Value, TaskError> {
        use std::sync::atomic::Ordering::Relaxed;
        let before = self.services.store.round_trips();
        let out = flows::handle(&self.services, payload).await;
        self.meter.invocations.fetch_add(1, Relaxed);
        self.meter.round_trips.fetch_add(
            self.services.store.round_trips().saturating_sub(before),
            Relaxed,
        );
        out
    }
}

pub struct Embedded {
    pub task_meter: Arc<TaskMeter>,
    pub services: Arc<Services>,
    /// The embedded executor, unless an external orchestrator was supplied.
    pub executor: Option<Executor>,
    /// The embedded executor of the complaint workflow (same condition).
    pub complaint_executor: Option<Executor>,
    /// The embedded document store and outbox, unless external ones were supplied.
    pub files: Option<Arc<LocalFiles>>,
    /// The embedded write-once store of signed documents.
    pub signed_files: Option<Arc<LocalFiles>>,
    pub outbox: Option<Arc<Outbox>>,
    pub clock: Arc<SystemClock>,
    /// Secret of this installation (signs local tokens and file URLs).
    pub secret: Vec<u8>,
    /// The fault plan, when fault injection is on.
    pub faults: Option<Arc<crate::adapters::faults::FaultPlan>>,
}

/// Reads the installation's secret, creating it (32 random bytes, mode 0600) on first run.
pub fn load_or_create_secret(path: &Path) -> Result<Vec<u8>, BootError> {
    match std::fs::read(path) {
        Ok(b) if b.len() >= 32 => return Ok(b),
        Ok(_) => return Err(BootError(format!("{} is too short", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(BootError(format!("cannot read {}: {e}", path.display()))),
    }
    let mut key = vec![0u8; 32];
    getrandom::fill(&mut key).map_err(|e| BootError(format!("random source: {e}")))?;
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| BootError(format!("cannot create {}: {e}", path.display())))?;
        f.write_all(&key)
            .and_then(|()| f.sync_all())
            .map_err(|e| BootError(format!("cannot write {}: {e}", path.display())))?;
    }
    #[cfg(not(unix))]
    std::fs::write(path, &key)
        .map_err(|e| BootError(format!("cannot write {}: {e}", path.display())))?;
    Ok(key)
}

fn derive(secret: &[u8], purpose: &str) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

impl Embedded {
    pub fn open(mut cfg: EmbeddedConfig) -> Result<Self, BootError> {
        let dir = &cfg.data_dir;
        std::fs::create_dir_all(dir.join("files"))
            .map_err(|e| BootError(format!("cannot create {}: {e}", dir.display())))?;
        let secret = load_or_create_secret(&dir.join("secret.key"))?;
        let clock: Arc<dyn Clock> = cfg.clock.clone();
        type Ports = (
            Arc<dyn crate::ports::Store>,
            Arc<dyn DocumentStore>,
            Arc<dyn Mailer>,
            Option<Arc<LocalFiles>>,
            Option<Arc<Outbox>>,
            Option<(Arc<dyn Orchestrator>, Arc<dyn Orchestrator>)>,
        );
        let (store, documents, mailer, files, outbox, external_orchestrator): Ports =
            match cfg.external {
                Some(x) => (x.store, x.documents, x.mailer, None, None, x.orchestrator),
                None => {
                    let store = SqliteStore::open(&dir.join("cases.sqlite"))
                        .map_err(|e| BootError(format!("case store: {e}")))?;
                    let files = Arc::new(LocalFiles::new(
                        dir.join("files"),
                        derive(&secret, "files"),
                        cfg.files_url.clone(),
                        clock.clone(),
                    ));
                    let outbox = Arc::new(
                        Outbox::new(dir.join("outbox"), cfg.mail_from.clone())
                            .map_err(|e| BootError(format!("outbox: {e}")))?,
                    );
                    (
                        Arc::new(store),
                        files.clone(),
                        outbox.clone(),
                        Some(files),
                        Some(outbox),
                        None,
                    )
                }
            };
        type Orchestrators = (
            Option<Executor>,
            Option<Executor>,
            Arc<dyn Orchestrator>,
            Arc<dyn Orchestrator>,
        );
        let (executor, complaint_executor, orchestrator, complaint_orchestrator): Orchestrators =
            match external_orchestrator {
                Some((o, c)) => (None, None, o, c),
                None => {
                    let mut machines = vec![];
                    for p in cfg.catalogue.iter() {
                        let def = p
                            .load_workflow(WORKFLOW_FUNCTION)
                            .map_err(|e| BootError(format!("workflow of {}: {e}", p.def.code)))?;
                        machines.push((p.def.machine().to_string(), def));
                    }
                    // One store for every permit's executions (release 0.1 ran one machine).
                    let executor = Executor::open(
                        &dir.join("executions.sqlite"),
                        machines,
                        RELEASE_0_1_MACHINE,
                        clock.clone(),
                    )
                    .map_err(|e| BootError(format!("executor: {e}")))?
                    .with_retry_time_scale(cfg.retry_time_scale);
                    let cdef = flows::complaint::load_workflow(
                        flows::complaint::COMPLAINT_WORKFLOW,
                        WORKFLOW_FUNCTION,
                    )
                    .map_err(|e| BootError(e.to_string()))?;
                    let cexec = Executor::open(
                        &dir.join("complaint-executions.sqlite"),
                        vec![(flows::complaint::COMPLAINT_MACHINE.to_string(), cdef)],
                        flows::complaint::COMPLAINT_MACHINE,
                        clock.clone(),
                    )
                    .map_err(|e| BootError(format!("complaint executor: {e}")))?
                    .with_retry_time_scale(cfg.retry_time_scale);
                    (
                        Some(executor.clone()),
                        Some(cexec.clone()),
                        Arc::new(executor),
                        Arc::new(cexec),
                    )
                }
            };
        let (signed_documents, signed_files): (Arc<dyn DocumentStore>, Option<Arc<LocalFiles>>) =
            match cfg.signed.take() {
                Some(x) => (x, None),
                None => {
                    let f = Arc::new(LocalFiles::new(
                        dir.join("signed"),
                        derive(&secret, "signed-files"),
                        cfg.signed_url.clone(),
                        clock.clone(),
                    ));
                    (f.clone(), Some(f))
                }
            };
        let signer: Arc<dyn crate::ports::Signer> = match cfg.signer.take() {
            Some(x) => x,
            None => Arc::new(
                crate::adapters::signer_local::LocalSigner::open_or_create(
                    &dir.join("signing-key.pem"),
                )
                .map_err(|e| BootError(format!("signing key: {e}")))?,
            ),
        };
        let ports = crate::adapters::faults::Ports {
            store,
            documents,
            signed_documents,
            mailer,
            orchestrator,
            complaint_orchestrator,
            signer,
        };
        let ports = match &cfg.faults {
            Some(plan) => ports.inject(plan),
            None => ports,
        };
        let crate::adapters::faults::Ports {
            store,
            documents,
            signed_documents,
            mailer,
            orchestrator,
            complaint_orchestrator,
            signer,
        } = ports;
        let services = Arc::new(Services {
            store: store.clone(),
            documents,
            signed_documents,
            signer,
            verify_base_url: cfg.verify_base_url.clone(),
            mailer,
            orchestrator,
            complaint_orchestrator,
            directory: Arc::new(cfg.directory),
            clock,
            catalogue: Arc::new(cfg.catalogue),
            agency: Arc::new(cfg.agency),
            calendar: Arc::new(cfg.calendar),
            portal_url: cfg.portal_url,
            idempotency: store.clone(),
            idempotency_config: crate::api::guard::IdempotencyConfig {
                lock: cfg.idempotency_lock,
                ttl: cfg.retention.idempotency_ttl(),
            },
            security_log: store.clone(),
            retention: Arc::new(cfg.retention),
            malware_scan_required: cfg.malware_scan_required,
            staff_notices: cfg.staff_notices,
        });
        let task_meter = Arc::new(TaskMeter::default());
        let task: TaskFn = Arc::new(Metered {
            services: services.clone(),
            meter: task_meter.clone(),
        });
        let task = match &cfg.faults {
            Some(plan) => crate::adapters::faults::task(task, plan.clone()),
            None => task,
        };
        for x in [&executor, &complaint_executor].into_iter().flatten() {
            x.register(WORKFLOW_FUNCTION, task.clone());
        }
        Ok(Self {
            services,
            executor,
            complaint_executor,
            files,
            signed_files,
            outbox,
            clock: cfg.clock,
            secret,
            faults: cfg.faults,
            task_meter,
        })
    }

    /// Key that signs the local runner's login tokens.
    pub fn token_key(&self) -> Vec<u8> {
        derive(&self.secret, "tokens")
    }

    /// After a restart: resume executions, then re-deliver decisions that were stored but not
    /// delivered. Returns (executions resumed, decisions re-delivered).
    pub async fn recover(&self) -> Result<(usize, usize), BootError> {
        let mut resumed = 0;
        for x in [&self.executor, &self.complaint_executor]
            .into_iter()
            .flatten()
        {
            resumed += x
                .recover()
                .await
                .map_err(|e| BootError(format!("executor recovery: {e}")))?;
        }
        let (redelivered, _) = flows::sweep(&self.services)
            .await
            .map_err(|e| BootError(format!("redelivery: {e}")))?;
        Ok((resumed, redelivered))
    }
}
