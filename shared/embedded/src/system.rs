//! The embedded default: every port on one machine under one data directory — SQLite for cases,
//! files for documents, an outbox for mail, and the embedded executor running each permit's
//! ASL and the complaints'.

use crate::executor::{Executor, TaskFn};
use crate::faults::FaultPlan;
use crate::files::LocalFiles;
use crate::outbox::Outbox;
use crate::sqlite::SqliteStore;
use async_trait::async_trait;
use perizinan::catalogue::{Catalogue, Checks};
use perizinan::domain::migrate::RELEASE_0_1_MACHINE;
use perizinan::flows;
use perizinan::ports::clock::{Clock, SystemClock};
use perizinan::ports::directory::StaticDirectory;
use perizinan::ports::{DocumentStore, Mailer, Orchestrator, TaskError, TaskFunction};
use perizinan::services::Ports;
use perizinan::services::Services;
use perizinan::settings::Settings;
use std::path::Path;
use std::sync::Arc;

/// The name under which the workflow task function is registered with the executor (it stands
/// where the Lambda ARN stands in AWS).
pub const WORKFLOW_FUNCTION: &str = "workflow";

pub use perizinan::settings::BootError;

pub struct EmbeddedConfig {
    /// The process's settings: the data directory, URLs, mailboxes, staff notices, the
    /// idempotency lock, the malware scan, retention, letterhead, faults.
    pub settings: Settings,
    /// Where this process serves its own links: `{base_url}/_files` and `{base_url}/_signed`
    /// (signed file URLs), and the portal and the verification endpoint unless the settings
    /// name others.
    pub base_url: String,
    pub clock: Arc<SystemClock>,
    /// The permits served (`Settings::catalogue`).
    pub catalogue: Catalogue,
    pub calendar: perizinan::domain::calendar::Calendar,
    /// Who receives each role's notices, in place of the settings' `PD_ROLE_MAILBOXES` (the
    /// runner's demo staff).
    pub directory: Option<StaticDirectory>,
    /// Other adapters to use in place of the embedded ones (the local runner on AWS services).
    pub external: Option<External>,
    /// A write-once document store and a signer in place of the embedded ones.
    pub signed: Option<Arc<dyn DocumentStore>>,
    pub signer: Option<Arc<dyn perizinan::ports::Signer>>,
    /// Renders letters and bills (the letters crate's PDF renderer).
    pub renderer: Option<Arc<dyn perizinan::ports::LetterRenderer>>,
    /// Embeds the signature in signed letters (the letters crate's local CA and TSA).
    pub sealer: Option<Arc<dyn perizinan::ports::LetterSealer>>,
    /// Checks the signatures embedded in uploaded PDFs (the letters crate's, trusting the local
    /// CA).
    pub seal_verifier: Option<Arc<dyn perizinan::ports::SealVerifier>>,
    /// The runner's accounts (`accounts::LocalAccounts` in `<data>/accounts.json`), first
    /// filled with these: the office administrators' staff administration and, unless
    /// `directory` names others, who receives each role's notices.
    pub accounts: Option<Vec<crate::accounts::LocalAccount>>,
}

impl EmbeddedConfig {
    /// The embedded default of `settings` with its catalogue and calendar: every port embedded,
    /// links under `settings.base_url`, the system clock.
    pub fn new(
        settings: Settings,
        catalogue: Catalogue,
        calendar: perizinan::domain::calendar::Calendar,
    ) -> Self {
        Self {
            base_url: settings.base_url.trim_end_matches('/').to_string(),
            settings,
            clock: Arc::new(SystemClock::default()),
            catalogue,
            calendar,
            directory: None,
            external: None,
            signed: None,
            signer: None,
            renderer: None,
            sealer: None,
            seal_verifier: None,
            accounts: None,
        }
    }
}

/// Ports supplied from outside (e.g. DynamoDB, S3, SES on moto); `orchestrator: None` keeps the
/// embedded executor.
pub struct External {
    pub store: Arc<dyn perizinan::ports::Store>,
    pub documents: Arc<dyn DocumentStore>,
    pub mailer: Arc<dyn Mailer>,
    pub sms: Arc<dyn perizinan::ports::SmsSender>,
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
    pub faults: Option<Arc<crate::faults::FaultPlan>>,
    /// The runner's accounts (the dev login's users), when configured.
    pub accounts: Option<Arc<crate::accounts::LocalAccounts>>,
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

/// The audit key: `PD_AUDIT_KEY` where given (as in the stack), else derived from the
/// installation's secret.
pub fn audit_key_or(settings: &Settings, secret: &[u8]) -> Vec<u8> {
    match &settings.audit_key {
        Some(k) => k.0.clone(),
        None => derive(secret, "audit"),
    }
}

/// The audit key of the installation, without creating anything (for `audit-verify`):
/// `PD_AUDIT_KEY`, else the one derived from `data_dir/secret.key` if there.
pub fn existing_audit_key(settings: &Settings) -> Option<Vec<u8>> {
    match &settings.audit_key {
        Some(k) => Some(k.0.clone()),
        None => std::fs::read(settings.data_dir.join("secret.key"))
            .ok()
            .map(|s| derive(&s, "audit")),
    }
}

fn derive(secret: &[u8], purpose: &str) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

impl Embedded {
    pub fn open(mut cfg: EmbeddedConfig) -> Result<Self, BootError> {
        let dir = &cfg.settings.data_dir.clone();
        let base = cfg.base_url.clone();
        let faults = FaultPlan::from_settings(&cfg.settings.faults);
        let retry_time_scale = cfg.settings.runner.retry_time_scale;
        std::fs::create_dir_all(dir.join("files"))
            .map_err(|e| BootError(format!("cannot create {}: {e}", dir.display())))?;
        let secret = load_or_create_secret(&dir.join("secret.key"))?;
        perizinan::audit::set_key(audit_key_or(&cfg.settings, &secret));
        let clock: Arc<dyn Clock> = cfg.clock.clone();
        type Chosen = (
            Arc<dyn perizinan::ports::Store>,
            Arc<dyn DocumentStore>,
            Arc<dyn Mailer>,
            Arc<dyn perizinan::ports::SmsSender>,
            Option<Arc<LocalFiles>>,
            Option<Arc<Outbox>>,
            Option<(Arc<dyn Orchestrator>, Arc<dyn Orchestrator>)>,
        );
        let (store, documents, mailer, sms, files, outbox, external_orchestrator): Chosen =
            match cfg.external {
                Some(x) => (
                    x.store,
                    x.documents,
                    x.mailer,
                    x.sms,
                    None,
                    None,
                    x.orchestrator,
                ),
                None => {
                    let store = SqliteStore::open(&dir.join("cases.sqlite"))
                        .map_err(|e| BootError(format!("case store: {e}")))?;
                    let files = Arc::new(LocalFiles::new(
                        dir.join("files"),
                        derive(&secret, "files"),
                        format!("{base}/_files"),
                        clock.clone(),
                    ));
                    let outbox = Arc::new(
                        Outbox::new(dir.join("outbox"), cfg.settings.mail_from_or_local())
                            .map_err(|e| BootError(format!("outbox: {e}")))?
                            .with_sms_sender(cfg.settings.sms_sender_id.clone()),
                    );
                    (
                        Arc::new(store),
                        files.clone(),
                        outbox.clone(),
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
                    .with_retry_time_scale(retry_time_scale);
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
                    .with_retry_time_scale(retry_time_scale);
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
                        format!("{base}/_signed"),
                        clock.clone(),
                    ));
                    (f.clone(), Some(f))
                }
            };
        let signer: Arc<dyn perizinan::ports::Signer> = match cfg.signer.take() {
            Some(x) => x,
            None => Arc::new(
                crate::signer_local::LocalSigner::open_or_create(&dir.join("signing-key.pem"))
                    .map_err(|e| BootError(format!("signing key: {e}")))?,
            ),
        };
        let ports = Ports {
            store,
            documents,
            signed_documents,
            mailer,
            sms,
            orchestrator,
            complaint_orchestrator,
            signer,
        };
        let ports = match &faults {
            Some(plan) => crate::faults::inject(ports, plan),
            None => ports,
        };
        // Invitations go out as every notice does (through the fault layer when it is on).
        let mailer_for_accounts = ports.mailer.clone();
        let mut builder = Services::builder(ports, clock)
            .settings(&cfg.settings)?
            .catalogue(Arc::new(cfg.catalogue), Arc::new(cfg.calendar))
            .complaint_key_default(derive(&secret, "complaints"));
        if cfg.settings.portal_url.is_none() {
            builder = builder.portal_url(format!("{base}/"));
        }
        if cfg.settings.verify_base_url.is_none() {
            builder = builder.verify_base_url(format!("{base}/api"));
        }
        let portal = cfg
            .settings
            .portal_url
            .clone()
            .unwrap_or_else(|| format!("{base}/"));
        let accounts = match cfg.accounts {
            Some(seed) => Some(Arc::new(crate::accounts::LocalAccounts::open(
                dir.join("accounts.json"),
                seed,
                mailer_for_accounts,
                &portal,
            )?)),
            None => None,
        };
        if let Some(a) = &accounts {
            builder = builder.accounts(a.clone()).live_directory(a.clone());
        }
        if let Some(d) = cfg.directory {
            builder = builder.directory(d);
        }
        if let Some(r) = cfg.sealer {
            builder = builder.sealer(r);
        }
        if let Some(v) = cfg.seal_verifier {
            builder = builder.seal_verifier(v);
        }
        if let Some(r) = cfg.renderer {
            builder = builder.renderer(r);
        }
        let services = Arc::new(builder.build()?);
        let task_meter = Arc::new(TaskMeter::default());
        let task: TaskFn = Arc::new(Metered {
            services: services.clone(),
            meter: task_meter.clone(),
        });
        let task = match &faults {
            Some(plan) => crate::faults::task(task, plan.clone()),
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
            faults,
            task_meter,
            accounts,
        })
    }

    /// Key that signs the local runner's login tokens.
    pub fn token_key(&self) -> Vec<u8> {
        derive(&self.secret, "tokens")
    }

    /// After a restart: resume executions, then the recovery sweep ([`flows::sweep`]: decisions
    /// stored but not delivered re-sent, failed executions redriven). Returns (executions
    /// resumed, decisions re-delivered).
    pub async fn recover(&self) -> Result<(usize, usize), BootError> {
        let mut resumed = 0;
        for x in self.executors() {
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

    /// What a running embedded system does every few seconds (the runner's timer): fire the
    /// executors' due timeouts, then the recovery sweep. Failures are logged and tried again at
    /// the next tick. (On AWS, Step Functions fires timeouts and the daily overdue job sweeps.)
    pub async fn tick(&self) {
        for x in self.executors() {
            if let Err(e) = x.fire_timeouts().await {
                tracing::warn!(error = %e, "timeouts not processed");
            }
        }
        if let Err(e) = flows::sweep(&self.services).await {
            tracing::warn!(error = %e, "pending decisions not re-sent");
        }
    }

    fn executors(&self) -> impl Iterator<Item = &Executor> {
        [&self.executor, &self.complaint_executor]
            .into_iter()
            .flatten()
    }
}

/// The embedded default in this process, from its environment ([`Settings::from_env`]):
/// under `PD_DATA_DIR` (default `data`), with `PD_BASE_URL` for its links.
pub async fn from_env(
    renderer: Option<Arc<dyn perizinan::ports::LetterRenderer>>,
) -> Result<Arc<Services>, BootError> {
    let settings = Settings::from_env()?;
    let calendar = settings.calendar()?;
    let catalogue = settings.catalogue(&calendar, Checks::Workflows)?;
    let mut cfg = EmbeddedConfig::new(settings, catalogue, calendar);
    cfg.renderer = renderer;
    let e = Embedded::open(cfg)?;
    e.recover().await?;
    Ok(e.services)
}
