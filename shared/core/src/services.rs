//! The ports a deployment wires together, shared by every function's handlers.

use crate::catalogue::Catalogue;
use crate::domain::actions::Ctx;
use crate::domain::calendar::Calendar;
use crate::domain::notices::{Agency, Notice, RenderCtx, render};
use crate::domain::permit::PermitDef;
use crate::domain::{Case, Origin, Role};
use crate::ports::directory::StaticDirectory;
use crate::ports::{
    Clock, Directory, DocumentStore, Email, LetterRenderer, Mailer, Orchestrator, Signer, Store,
};
use crate::settings::{BootError, Settings};
use std::sync::Arc;

/// The adapters a deployment wires in (AWS in the functions, embedded or AWS in the runner; the
/// fault layer of the tests wraps them one for one).
#[derive(Clone)]
pub struct Ports {
    /// Cases, complaints, idempotency records and the security log: one database.
    pub store: Arc<dyn Store>,
    pub documents: Arc<dyn DocumentStore>,
    pub signed_documents: Arc<dyn DocumentStore>,
    pub mailer: Arc<dyn Mailer>,
    /// Text messages to applicants (SNS in AWS, the outbox locally).
    pub sms: Arc<dyn crate::ports::SmsSender>,
    pub orchestrator: Arc<dyn Orchestrator>,
    pub complaint_orchestrator: Arc<dyn Orchestrator>,
    pub signer: Arc<dyn Signer>,
}

/// The one way services are built: by the functions (`perizinan_aws::from_env`), the runner
/// and the embedded default (`perizinan_embedded::Embedded::open`) and the tests. Everything
/// but the ports has a default: the shipped catalogue, calendar, retention and letterhead, no
/// role mailboxes, immediate staff notices.
pub struct ServicesBuilder {
    ports: Ports,
    clock: Arc<dyn Clock>,
    catalogue: Option<(Arc<Catalogue>, Arc<Calendar>)>,
    renderer: Option<Arc<dyn LetterRenderer>>,
    sealer: Option<Arc<dyn crate::ports::LetterSealer>>,
    accounts: Option<Arc<dyn crate::ports::directory::Accounts>>,
    seal_verifier: Option<Arc<dyn crate::ports::SealVerifier>>,
    directory: Arc<dyn Directory>,
    agency: Agency,
    offices: Option<Arc<crate::domain::office::Offices>>,
    settings: Option<Settings>,
    retention: crate::domain::privacy::RetentionPolicy,
    portal_url: String,
    verify_base_url: String,
    idempotency_lock: chrono::Duration,
    staff_notices: StaffNotices,
    malware_scan_required: bool,
    complaint_pow_bits: u8,
    complaint_key: Option<Vec<u8>>,
}

impl ServicesBuilder {
    /// Applies `settings`: role mailboxes, staff notices, the malware scan, the idempotency
    /// lock, the letterhead and retention files, and the portal and verification URLs (with
    /// the embedded default's own as fallbacks).
    pub fn settings(mut self, settings: &Settings) -> Result<Self, BootError> {
        self.directory = Arc::new(settings.role_mailboxes.clone());
        self.staff_notices = settings.staff_notices;
        self.malware_scan_required = settings.malware_scan_required;
        self.complaint_pow_bits = settings.complaint_pow_bits;
        if let Some(k) = &settings.complaint_key {
            self.complaint_key = Some(k.0.clone());
        }
        self.idempotency_lock = settings.idempotency_lock;
        self.agency = settings.agency()?;
        self.settings = Some(settings.clone());
        self.retention = settings.retention()?;
        self.portal_url = settings.portal_url_or_local();
        self.verify_base_url = settings
            .verify_base_url
            .clone()
            .unwrap_or_else(|| format!("{}/api", settings.base_url.trim_end_matches('/')));
        Ok(self)
    }

    /// The permits served and the calendar their deadlines count in.
    pub fn catalogue(mut self, catalogue: Arc<Catalogue>, calendar: Arc<Calendar>) -> Self {
        self.catalogue = Some((catalogue, calendar));
        self
    }

    /// Makes letters and bills (only where a step's effects need it: `sign`, the runner).
    pub fn renderer(mut self, renderer: Arc<dyn LetterRenderer>) -> Self {
        self.renderer = Some(renderer);
        self
    }

    /// Embeds a signature in each signed letter (PAdES; the runner's local CA and TSA).
    pub fn sealer(mut self, sealer: Arc<dyn crate::ports::LetterSealer>) -> Self {
        self.sealer = Some(sealer);
        self
    }

    /// Administers staff accounts (the office administrator's routes).
    pub fn accounts(mut self, accounts: Arc<dyn crate::ports::directory::Accounts>) -> Self {
        self.accounts = Some(accounts);
        self
    }

    /// Checks the signature embedded in an uploaded PDF (`POST /verify/{id}`).
    pub fn seal_verifier(mut self, verifier: Arc<dyn crate::ports::SealVerifier>) -> Self {
        self.seal_verifier = Some(verifier);
        self
    }

    /// The offices served (otherwise: the settings' offices, or one office of the agency).
    pub fn offices(mut self, offices: Arc<crate::domain::office::Offices>) -> Self {
        self.offices = Some(offices);
        self
    }

    /// Who receives each role's notices.
    pub fn directory(mut self, directory: StaticDirectory) -> Self {
        self.directory = Arc::new(directory);
        self
    }

    /// Who receives each role's notices, asked at each notice (the runner's accounts).
    pub fn live_directory(mut self, directory: Arc<dyn Directory>) -> Self {
        self.directory = directory;
        self
    }

    /// Keys the complaint guards with `secret` unless `PD_COMPLAINT_KEY` set one (the embedded
    /// default passes one derived from its installation secret).
    pub fn complaint_key_default(mut self, secret: Vec<u8>) -> Self {
        self.complaint_key.get_or_insert(secret);
        self
    }

    pub fn portal_url(mut self, url: impl Into<String>) -> Self {
        self.portal_url = url.into();
        self
    }

    pub fn verify_base_url(mut self, url: impl Into<String>) -> Self {
        self.verify_base_url = url.into();
        self
    }

    pub fn build(self) -> Result<Services, BootError> {
        let (catalogue, calendar) = match self.catalogue {
            Some(c) => c,
            None => {
                let calendar = Calendar::shipped();
                let catalogue = Catalogue::shipped_with(
                    crate::domain::roles::Roles::current(),
                    &calendar,
                    crate::catalogue::Checks::Definitions,
                )
                .map_err(|e| BootError(format!("the shipped catalogue: {e}")))?;
                (Arc::new(catalogue), Arc::new(calendar))
            }
        };
        let offices = match (self.offices, &self.settings) {
            (Some(o), _) => o,
            (None, Some(settings)) => Arc::new(settings.offices(&catalogue, &calendar)?),
            (None, None) => Arc::new(crate::domain::office::Offices::single(
                self.agency,
                calendar.clone(),
                catalogue.codes().map(str::to_string).collect(),
            )),
        };
        crate::domain::office::install_sole_office(&offices);
        // `PD_COMPLAINT_KEY`, else (the functions in the stack) subkeys of the audit key, which
        // every function has from Secrets Manager (`PD_AUDIT_KEY`), else one per process.
        let complaint_guard = match self.complaint_key.as_deref().or(crate::audit::key()) {
            Some(k) => {
                crate::domain::complaints::abuse::ComplaintGuard::new(k, self.complaint_pow_bits)
            }
            None => {
                tracing::warn!(
                    "PD_COMPLAINT_KEY not set: complaint challenges and e-mail confirmation links hold only in this process"
                );
                crate::domain::complaints::abuse::ComplaintGuard::random(self.complaint_pow_bits)
            }
        };
        let p = self.ports;
        Ok(Services {
            complaint_guard,
            store: p.store.clone(),
            idempotency: p.store.clone(),
            security_log: p.store,
            documents: p.documents,
            signed_documents: p.signed_documents,
            signer: p.signer,
            renderer: self.renderer,
            sealer: self.sealer,
            accounts: self.accounts,
            seal_verifier: self.seal_verifier,
            verify_base_url: self.verify_base_url,
            mailer: p.mailer,
            sms: p.sms,
            orchestrator: p.orchestrator,
            complaint_orchestrator: p.complaint_orchestrator,
            directory: self.directory,
            clock: self.clock,
            catalogue,
            offices,
            calendar,
            portal_url: self.portal_url,
            idempotency_config: crate::api::guard::IdempotencyConfig {
                lock: self.idempotency_lock,
                ttl: self.retention.idempotency_ttl(),
            },
            retention: Arc::new(self.retention),
            staff_notices: self.staff_notices,
            malware_scan_required: self.malware_scan_required,
        })
    }
}

#[derive(Clone)]
pub struct Services {
    /// Cases, complaints, numbers, audit trails (one database; its idempotency records and
    /// security log are the two ports below).
    pub store: Arc<dyn Store>,
    pub documents: Arc<dyn DocumentStore>,
    /// Write-once store of signed documents (S3 with Object Lock in AWS).
    pub signed_documents: Arc<dyn DocumentStore>,
    /// Signs the SHA-256 of each final letter (KMS in AWS, a local key file embedded).
    pub signer: Arc<dyn Signer>,
    /// Renders letters and bills as files (the letters crate's PDF renderer in `sign` and the
    /// runner; `None` in the functions whose steps make no document).
    pub renderer: Option<Arc<dyn LetterRenderer>>,
    /// Embeds the signature in signed letters (PAdES B-T). Without one a letter is signed beside
    /// the file only (the record's detached signature, checked on `/verify`).
    pub sealer: Option<Arc<dyn crate::ports::LetterSealer>>,
    /// Creates staff accounts, gives and takes their roles, disables them (Cognito's admin API
    /// in the `submit` function, the runner's accounts locally; `None` in the functions that
    /// serve no office administration).
    pub accounts: Option<Arc<dyn crate::ports::directory::Accounts>>,
    /// Checks the signature embedded in an uploaded PDF against the certificates the deployment
    /// trusts (`POST /verify/{id}`; the verify function and the runner). Without one the answer
    /// says the embedded signature was not checked.
    pub seal_verifier: Option<Arc<dyn crate::ports::SealVerifier>>,
    /// Public base URL of the verification endpoint (`…/verify/{id}` is what the QR encodes).
    pub verify_base_url: String,
    pub mailer: Arc<dyn Mailer>,
    /// Text messages to applicants who chose SMS (`domain::sms`).
    pub sms: Arc<dyn crate::ports::SmsSender>,
    /// Every permit's workflow (`infra/permits/<code>/workflow.asl.json`).
    pub orchestrator: Arc<dyn Orchestrator>,
    /// The complaint workflow (`infra/statemachine/pengaduan.asl.json`).
    pub complaint_orchestrator: Arc<dyn Orchestrator>,
    pub directory: Arc<dyn Directory>,
    pub clock: Arc<dyn Clock>,
    /// The permits the office serves (`infra/permits/`).
    pub catalogue: Arc<Catalogue>,
    /// The offices served (`infra/offices/`): each one's letterhead, signers, numbers and
    /// calendar (the national one with its days off).
    pub offices: Arc<crate::domain::office::Offices>,
    /// The national calendar (an office's deadlines count in [`Services::calendar_of`]).
    pub calendar: Arc<Calendar>,
    /// Base URL of the public portal (links in e-mails).
    pub portal_url: String,
    /// Idempotency records of retried requests (the same database as `store`).
    pub idempotency: Arc<dyn crate::ports::IdempotencyStore>,
    pub idempotency_config: crate::api::guard::IdempotencyConfig,
    /// Refused requests (the same database as `store`).
    pub security_log: Arc<dyn crate::ports::SecurityLog>,
    /// How long data outside the permit record is kept (`infra/config/retention.json`).
    pub retention: Arc<crate::domain::privacy::RetentionPolicy>,
    /// How staff hear of new work: an e-mail per arrival, or one queue digest per role each
    /// morning (`PD_STAFF_NOTICES`).
    pub staff_notices: StaffNotices,
    /// Uploaded documents are handed out only with the malware scanner's clean verdict
    /// (`PD_MALWARE_SCAN=required`; AWS, with GuardDuty Malware Protection for S3).
    pub malware_scan_required: bool,
    /// Anonymous complaints: the proof-of-work challenges and the e-mail confirmation links
    /// (`PD_COMPLAINT_POW_BITS`, `PD_COMPLAINT_KEY`).
    pub complaint_guard: crate::domain::complaints::abuse::ComplaintGuard,
}

/// How staff are told that a case arrived in their queue. Applicants are always told at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StaffNotices {
    /// An e-mail to the role at every arrival (the embedded default: visible in the outbox).
    #[default]
    Immediate,
    /// One e-mail per role each morning listing its queue (the daily job), besides the deadline
    /// alerts: fewer messages for staff who work from the console (docs/performance.md).
    Daily,
}

/// Who a complaint notice goes to.
pub enum ComplaintRecipient {
    Complainant,
    Role(Role),
}

/// Who a notice goes to.
pub enum Recipient {
    Applicant,
    Role(Role),
}

impl Services {
    /// Services over `ports` (see [`ServicesBuilder`] for what else can be set).
    pub fn builder(ports: Ports, clock: Arc<dyn Clock>) -> ServicesBuilder {
        let settings = Settings::default();
        ServicesBuilder {
            ports,
            clock,
            catalogue: None,
            renderer: None,
            sealer: None,
            accounts: None,
            seal_verifier: None,
            directory: Arc::new(StaticDirectory::default()),
            agency: Agency::default(),
            offices: None,
            settings: None,
            retention: crate::domain::privacy::RetentionPolicy::shipped(),
            portal_url: settings.portal_url_or_local(),
            verify_base_url: format!("{}/api", settings.base_url),
            idempotency_lock: settings.idempotency_lock,
            staff_notices: StaffNotices::Immediate,
            malware_scan_required: false,
            complaint_pow_bits: settings.complaint_pow_bits,
            complaint_key: None,
        }
    }

    /// These services with `renderer` making the letters and bills.
    pub fn with_renderer(mut self, renderer: Arc<dyn LetterRenderer>) -> Self {
        self.renderer = Some(renderer);
        self
    }

    /// These services with `sealer` embedding the signature in signed letters.
    pub fn with_sealer(mut self, sealer: Arc<dyn crate::ports::LetterSealer>) -> Self {
        self.sealer = Some(sealer);
        self
    }

    /// These services with `verifier` checking the signatures embedded in uploaded PDFs.
    pub fn with_seal_verifier(mut self, verifier: Arc<dyn crate::ports::SealVerifier>) -> Self {
        self.seal_verifier = Some(verifier);
        self
    }

    /// Sends a complaint notice; a complainant without an e-mail address gets none.
    pub async fn notify_complaint(
        &self,
        notice: &crate::domain::complaints::ComplaintNotice,
        c: &crate::domain::complaints::Complaint,
        to: ComplaintRecipient,
        key: &str,
    ) -> Result<(), crate::ports::MailError> {
        let addresses = match to {
            // Only a confirmed address (issue 17 item 3): an unconfirmed one gets the single
            // confirmation request, sent by the complaint function itself.
            ComplaintRecipient::Complainant => c
                .notice_address()
                .map(|e| vec![e.as_str().to_string()])
                .unwrap_or_default(),
            ComplaintRecipient::Role(r) => self.directory.addresses(&c.office, &r).await,
        };
        if addresses.is_empty() {
            return Ok(());
        }
        let msg = notice.render(c, self.offices.of(&c.office).agency(), &self.portal_url);
        self.mailer
            .send(&Email {
                to: addresses,
                subject: msg.subject,
                body: msg.body,
                idempotency_key: format!("{}/{}/{key}", c.id, notice.code()),
                tags: vec![("complaint_id".into(), c.id.to_string())],
            })
            .await?;
        tracing::info!(complaint_id = %c.id, notice = notice.code(), "notice sent");
        Ok(())
    }

    /// The context of an action on `case` happening now (its office's calendar).
    pub fn ctx<'a>(&'a self, origin: &'a Origin, case: &Case) -> Ctx<'a> {
        Ctx {
            now: self.clock.now(),
            origin,
            calendar: self.calendar_of(case),
        }
    }

    /// The office of a case (the founding office for one no longer served).
    pub fn office_of(&self, case: &Case) -> &Arc<crate::domain::office::Office> {
        self.offices.of(&case.office)
    }

    /// The calendar a case's deadlines count in: its office's.
    pub fn calendar_of(&self, case: &Case) -> &Calendar {
        &self.office_of(case).calendar
    }

    /// The letterhead, contacts and signers of a case's office.
    pub fn agency_of(&self, case: &Case) -> &Agency {
        self.office_of(case).agency()
    }

    /// The definition of a case's permit (`None` for a permit the catalogue no longer serves).
    pub fn permit_of(&self, case: &Case) -> Option<&PermitDef> {
        self.catalogue.def(case.permit_code.as_str())
    }

    /// Renders and sends a notice. `key` identifies this sending: the same key is one message.
    /// The applicant's go by the channels they chose (`domain::delivery`), and each sending is
    /// recorded for its delivery status.
    pub async fn notify(
        &self,
        notice: &Notice,
        case: &Case,
        to: Recipient,
        key: &str,
    ) -> Result<(), crate::ports::MailError> {
        let Some(def) = self.permit_of(case) else {
            tracing::warn!(case_id = %case.id, permit = %case.permit_code, "notice for a permit the catalogue does not serve");
            return Ok(());
        };
        let cx = RenderCtx {
            agency: self.agency_of(case),
            def,
            portal_url: &self.portal_url,
        };
        let msg = render(notice, case, &cx);
        let role = match to {
            Recipient::Applicant => {
                let sms = crate::domain::notices::sms_text(notice, case, &cx);
                return self
                    .notify_applicant(notice, case, def, (msg, sms), key, None)
                    .await;
            }
            Recipient::Role(r) => r,
        };
        let addresses = self.directory.addresses(&case.office, &role).await;
        if addresses.is_empty() {
            tracing::warn!(case_id = %case.id, notice = notice.code(), "no recipient for notice");
            return Ok(());
        }
        self.mailer
            .send(&Email {
                to: addresses,
                subject: msg.subject,
                body: msg.body,
                idempotency_key: format!("{}/{}/{key}", case.id, notice.code()),
                tags: vec![("case_id".into(), case.id.to_string())],
            })
            .await?;
        tracing::info!(case_id = %case.id, notice = notice.code(), "notice sent");
        Ok(())
    }

    /// The applicant's notice by e-mail, SMS or both, as they chose; an address that bounced
    /// is skipped (the SMS, where the notice has one, still goes, whatever was chosen: it is
    /// how the applicant hears at all).
    async fn notify_applicant(
        &self,
        notice: &Notice,
        case: &Case,
        def: &PermitDef,
        (msg, sms_text): (crate::domain::notices::Message, Option<String>),
        key: &str,
        only: Option<crate::domain::delivery::Channel>,
    ) -> Result<(), crate::ports::MailError> {
        use crate::domain::delivery::{self, Channel, DeliveryStatus, NoticeDelivery};
        let contact = crate::domain::notices::ApplicantContact::of(case, def);
        let history = if contact.email.is_some() || contact.mobile.is_some() {
            self.store.deliveries(case.id).await.unwrap_or_else(|e| {
                tracing::warn!(case_id = %case.id, error = %e, "sendings not read; no address counts as suppressed");
                vec![]
            })
        } else {
            vec![]
        };
        let email = contact
            .email
            .clone()
            .filter(|e| !delivery::is_suppressed(&history, Channel::Email, e));
        let bounced = contact.email.is_some() && email.is_none();
        let now = self.clock.now();
        let message_key = format!("{}/{}/{key}", case.id, notice.code());
        let mut sent = vec![];
        let by_email = contact.by_email && only.is_none_or(|c| c == Channel::Email);
        let by_sms = (contact.by_sms || bounced) && only.is_none_or(|c| c == Channel::Sms);
        if by_email && let Some(to) = email {
            let accepted = self
                .mailer
                .send(&Email {
                    to: vec![to.clone()],
                    subject: msg.subject,
                    body: msg.body,
                    idempotency_key: message_key.clone(),
                    tags: vec![
                        ("case_id".into(), case.id.to_string()),
                        ("notice".into(), notice.code().to_string()),
                    ],
                })
                .await?;
            sent.push(NoticeDelivery {
                case_id: case.id,
                channel: Channel::Email,
                message_id: accepted.message_id,
                notice: notice.code().to_string(),
                to,
                status: DeliveryStatus::Sent,
                sent_at: now,
                updated_at: None,
                detail: None,
                segments: None,
                key: key.to_string(),
            });
        } else if by_email && bounced {
            tracing::warn!(case_id = %case.id, notice = notice.code(), "e-mail address suppressed after a bounce; not sent");
        }
        if by_sms && let (Some(to), Some(body)) = (contact.mobile, sms_text) {
            let segments = crate::domain::sms::segments(&body).count;
            let sms = crate::ports::Sms {
                to: to.clone(),
                body,
                idempotency_key: message_key,
            };
            let (message_id, status, detail) = match self.sms.send(&sms).await {
                Ok(a) => (a.message_id, DeliveryStatus::Sent, None),
                Err(crate::ports::SmsError::Refused(why)) => {
                    tracing::warn!(case_id = %case.id, notice = notice.code(), "text message refused");
                    (
                        format!("refused-{}", uuid::Uuid::new_v4()),
                        DeliveryStatus::Failed,
                        Some(why),
                    )
                }
                Err(crate::ports::SmsError::Unavailable(e)) => {
                    self.record_sent(case, &sent).await;
                    return Err(crate::ports::MailError::Unavailable(e));
                }
            };
            sent.push(NoticeDelivery {
                case_id: case.id,
                channel: Channel::Sms,
                message_id,
                notice: notice.code().to_string(),
                to: to.as_str().to_string(),
                status,
                sent_at: now,
                updated_at: None,
                detail,
                segments: Some(segments),
                key: key.to_string(),
            });
        }
        if sent.is_empty() {
            tracing::warn!(case_id = %case.id, notice = notice.code(), "no recipient for notice");
            return Ok(());
        }
        self.record_sent(case, &sent).await;
        tracing::info!(case_id = %case.id, notice = notice.code(), channels = sent.len(), "notice sent");
        Ok(())
    }

    /// Sends the applicant's permit notice `code` again on `channel` only (after the contact was
    /// corrected), under a key of its own.
    pub async fn resend(
        &self,
        code: &str,
        case: &Case,
        channel: crate::domain::delivery::Channel,
        key: &str,
    ) -> Result<(), crate::ports::MailError> {
        let Some(def) = self.permit_of(case) else {
            return Ok(());
        };
        let notice = Notice::permit(code);
        let cx = RenderCtx {
            agency: self.agency_of(case),
            def,
            portal_url: &self.portal_url,
        };
        let msg = render(&notice, case, &cx);
        let sms = crate::domain::notices::sms_text(&notice, case, &cx);
        self.notify_applicant(&notice, case, def, (msg, sms), key, Some(channel))
            .await
    }

    /// Records sendings for their delivery status; a failure is logged (the notice went out).
    async fn record_sent(&self, case: &Case, sent: &[crate::domain::delivery::NoticeDelivery]) {
        if sent.is_empty() {
            return;
        }
        if let Err(e) = self.store.put_deliveries(sent).await {
            tracing::warn!(case_id = %case.id, error = %e, "sendings not recorded");
        }
    }
}
