//! The ports a deployment wires together, shared by every function's handlers.

use crate::catalogue::Catalogue;
use crate::domain::actions::Ctx;
use crate::domain::calendar::Calendar;
use crate::domain::notices::{Agency, Notice, RenderCtx, render};
use crate::domain::permit::PermitDef;
use crate::domain::{Case, Origin, Role};
use crate::ports::{CaseStore, Clock, Directory, DocumentStore, Email, Mailer, Orchestrator};
use std::sync::Arc;

#[derive(Clone)]
pub struct Services {
    pub store: Arc<dyn CaseStore>,
    pub documents: Arc<dyn DocumentStore>,
    /// Write-once store of signed documents (S3 with Object Lock in AWS).
    pub signed_documents: Arc<dyn DocumentStore>,
    /// Signs the SHA-256 of each final letter (KMS in AWS, a local key file embedded).
    pub signer: Arc<dyn crate::ports::Signer>,
    /// Public base URL of the verification endpoint (`…/verify/{id}` is what the QR encodes).
    pub verify_base_url: String,
    pub mailer: Arc<dyn Mailer>,
    /// Every permit's workflow (`infra/permits/<code>/workflow.asl.json`).
    pub orchestrator: Arc<dyn Orchestrator>,
    /// The complaint workflow (`infra/statemachine/pengaduan.asl.json`).
    pub complaint_orchestrator: Arc<dyn Orchestrator>,
    pub directory: Arc<dyn Directory>,
    pub clock: Arc<dyn Clock>,
    /// The permits the office serves (`infra/permits/`).
    pub catalogue: Arc<Catalogue>,
    pub agency: Arc<Agency>,
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
    /// Sends a complaint notice; a complainant without an e-mail address gets none.
    pub async fn notify_complaint(
        &self,
        notice: &crate::domain::complaints::ComplaintNotice,
        c: &crate::domain::complaints::Complaint,
        to: ComplaintRecipient,
        key: &str,
    ) -> Result<(), crate::ports::MailError> {
        let addresses = match to {
            ComplaintRecipient::Complainant => c
                .complainant
                .as_ref()
                .and_then(|p| p.email.as_ref())
                .map(|e| vec![e.as_str().to_string()])
                .unwrap_or_default(),
            ComplaintRecipient::Role(r) => self.directory.addresses(&r).await,
        };
        if addresses.is_empty() {
            return Ok(());
        }
        let msg = notice.render(c, &self.agency, &self.portal_url);
        self.mailer
            .send(&Email {
                to: addresses,
                subject: msg.subject,
                body: msg.body,
                idempotency_key: format!("{}/{}/{key}", c.id, notice.code()),
            })
            .await?;
        tracing::info!(complaint_id = %c.id, notice = notice.code(), "notice sent");
        Ok(())
    }

    /// The context of an action happening now.
    pub fn ctx<'a>(&'a self, origin: &'a Origin) -> Ctx<'a> {
        Ctx {
            now: self.clock.now(),
            origin,
            calendar: &self.calendar,
        }
    }

    /// The definition of a case's permit (`None` for a permit the catalogue no longer serves).
    pub fn permit_of(&self, case: &Case) -> Option<&PermitDef> {
        self.catalogue.def(case.permit_code.as_str())
    }

    /// Renders and sends a notice. `key` identifies this sending: the same key is one message.
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
        let addresses = match to {
            Recipient::Applicant => case
                .application
                .str(&def.contact.email)
                .filter(|_| !case.application.is_erased(&def.contact.email))
                .map(|e| vec![e.to_string()])
                .unwrap_or_default(),
            Recipient::Role(r) => self.directory.addresses(&r).await,
        };
        if addresses.is_empty() {
            tracing::warn!(case_id = %case.id, notice = notice.code(), "no recipient for notice");
            return Ok(());
        }
        let msg = render(
            notice,
            case,
            &RenderCtx {
                agency: &self.agency,
                def,
                portal_url: &self.portal_url,
            },
        );
        self.mailer
            .send(&Email {
                to: addresses,
                subject: msg.subject,
                body: msg.body,
                idempotency_key: format!("{}/{}/{key}", case.id, notice.code()),
            })
            .await?;
        tracing::info!(case_id = %case.id, notice = notice.code(), "notice sent");
        Ok(())
    }
}
