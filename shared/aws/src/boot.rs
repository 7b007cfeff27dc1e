//! A Lambda function's services, built once at init from its [`Settings`]: DynamoDB
//! `PD_TABLE`, S3 `PD_UPLOAD_BUCKET`, SES from `PD_MAIL_FROM` (and `PD_SES_CONFIGURATION_SET`),
//! Step Functions (each permit's state machine `<PD_STATE_MACHINE_ARN_PREFIX><machine>`, and
//! `PD_COMPLAINT_STATE_MACHINE_ARN`), signed documents in the Object Lock bucket
//! `PD_SIGNED_BUCKET` signed with KMS key `PD_SIGNING_KEY_ID`, verification links to
//! `PD_VERIFY_BASE_URL`; region, credentials and endpoints from the SDK's standard
//! configuration (`AWS_REGION`, `AWS_ENDPOINT_URL`, …). `PD_S3_PATH_STYLE=true` for
//! S3-compatible endpoints such as moto. A function runs on these adapters only: the embedded
//! default is the runner's (`perizinan-embedded`), so that no function's package links SQLite
//! or the embedded executor.

use crate::dynamo::DynamoStore;
use crate::kms::KmsSigner;
use crate::s3::S3Documents;
use crate::ses::SesMailer;
use crate::sfn::StepFunctions;
use crate::sns::SnsSms;
use perizinan::catalogue::{Catalogue, Checks};
use perizinan::ports::Orchestrator;
use perizinan::ports::clock::{Clock, SystemClock};
use perizinan::services::{Ports, Services, ServicesBuilder};
use perizinan::settings::{AwsSettings, Backend, BootError, SettingError, Settings, required};
use std::collections::BTreeMap;
use std::sync::Arc;

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
    pub signer: Arc<KmsSigner>,
    pub mailer: Arc<SesMailer>,
    /// Text messages through SNS, from `PD_SMS_SENDER_ID`.
    pub sms: Arc<SnsSms>,
}

impl AwsPorts {
    /// The adapters `settings` name; a missing resource is an error naming its variable.
    pub async fn new(settings: &Settings, clock: Arc<dyn Clock>) -> Result<Self, BootError> {
        let aws = &settings.aws;
        let sdk = sdk_loader().load().await;
        let region = sdk
            .region()
            .map(|r| r.to_string())
            .ok_or_else(|| SettingError {
                variable: "AWS_REGION",
                id: "wilayah AWS tidak diatur".into(),
                en: "no AWS region configured".into(),
            })?;
        let path_style = aws.s3_path_style;
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
        let s3_endpoint = var("AWS_ENDPOINT_URL_S3").or_else(|| var("AWS_ENDPOINT_URL"));
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(path_style)
                .build(),
        );
        let credentials = sdk
            .credentials_provider()
            .ok_or_else(|| BootError("no AWS credentials provider".into()))?;
        let bucket = |name: &str| {
            S3Documents::new(
                s3.clone(),
                name,
                region.clone(),
                s3_endpoint.clone(),
                path_style,
                credentials.clone(),
                clock.clone(),
            )
        };
        let documents = Arc::new(bucket(required(&aws.upload_bucket, "PD_UPLOAD_BUCKET")?));
        let signed_documents = Arc::new(bucket(required(&aws.signed_bucket, "PD_SIGNED_BUCKET")?));
        Ok(Self {
            signer: Arc::new(KmsSigner::new(
                aws_sdk_kms::Client::new(&sdk),
                required(&aws.signing_key_id, "PD_SIGNING_KEY_ID")?,
            )),
            store: Arc::new(DynamoStore::new(
                aws_sdk_dynamodb::Client::new(&sdk),
                required(&aws.table, "PD_TABLE")?,
            )),
            documents,
            signed_documents,
            sms: Arc::new(
                SnsSms::new(
                    aws_sdk_sns::Client::new(&sdk),
                    settings.sms_sender_id.clone(),
                    aws.sms_max_price_usd.clone(),
                )
                .with_account_settings(crate::sns::AccountSettings {
                    monthly_spend_limit_usd: aws.sms_monthly_spend_limit_usd,
                    delivery_status_role_arn: aws.sms_delivery_role_arn.clone(),
                }),
            ),
            mailer: Arc::new(SesMailer::new(
                aws_sdk_sesv2::Client::new(&sdk),
                required(&settings.mail_from, "PD_MAIL_FROM")?,
                aws.ses_configuration_set.clone(),
            )),
            sdk,
        })
    }

    /// Step Functions: each permit's state machine at `PD_STATE_MACHINE_ARN_PREFIX` followed by
    /// its name (the stack names them `<stack>-<machine>`), and `PD_COMPLAINT_STATE_MACHINE_ARN`.
    pub fn step_functions(
        &self,
        aws: &AwsSettings,
        catalogue: &Catalogue,
    ) -> Result<(StepFunctions, StepFunctions), BootError> {
        let client = aws_sdk_sfn::Client::new(&self.sdk);
        let prefix = required(&aws.state_machine_arn_prefix, "PD_STATE_MACHINE_ARN_PREFIX")?;
        Ok((
            StepFunctions::with_prefix(
                client.clone(),
                prefix,
                catalogue.iter().map(|p| p.def.machine()),
            ),
            StepFunctions::new(
                client,
                BTreeMap::from([(
                    perizinan::flows::complaint::COMPLAINT_MACHINE.to_string(),
                    required(
                        &aws.complaint_state_machine_arn,
                        "PD_COMPLAINT_STATE_MACHINE_ARN",
                    )?
                    .to_string(),
                )]),
            ),
        ))
    }

    /// These adapters as the services' ports, with `orchestrators` (case, complaint).
    pub fn ports(&self, orchestrators: (Arc<dyn Orchestrator>, Arc<dyn Orchestrator>)) -> Ports {
        Ports {
            store: self.store.clone(),
            documents: self.documents.clone(),
            signed_documents: self.signed_documents.clone(),
            mailer: self.mailer.clone(),
            sms: self.sms.clone(),
            orchestrator: orchestrators.0,
            complaint_orchestrator: orchestrators.1,
            signer: self.signer.clone(),
        }
    }
}

/// The settings of a function that seals or checks letters (`sign`, `verify`): with
/// `PD_SIGNER_CERT_CHAIN_PARAMETER`, the signer's certificate chain read from SSM Parameter
/// Store into `PD_SIGNER_CERT_CHAIN` (one `GetParameter` at start).
pub async fn sealing_settings() -> Result<Settings, BootError> {
    let mut settings = Settings::from_env()?;
    resolve_signer_chain(&mut settings).await?;
    Ok(settings)
}

/// `PD_SIGNER_CERT_CHAIN` from the SSM parameter `PD_SIGNER_CERT_CHAIN_PARAMETER` names, if set.
pub async fn resolve_signer_chain(settings: &mut Settings) -> Result<(), BootError> {
    if let Some(name) = settings.aws.signer_cert_chain_parameter.clone() {
        let sdk = sdk_loader().load().await;
        let pem = crate::ssm::get_parameter(&sdk, &name).await?;
        if !pem.contains("-----BEGIN CERTIFICATE-----") {
            return Err(BootError(format!(
                "PD_SIGNER_CERT_CHAIN_PARAMETER: parameter {name} tidak berisi sertifikat PEM / holds no PEM certificates"
            )));
        }
        settings.aws.signer_cert_chain = Some(pem);
    }
    Ok(())
}

/// Builds a Lambda function's services from its environment ([`Settings::from_env`]): the AWS
/// adapters (`PD_BACKEND` unset or `aws`). The catalogue's definitions are checked; the
/// workflows' ASL is checked by the runner and the test command.
pub async fn from_env() -> Result<Services, BootError> {
    from_env_with(|builder, _, _| builder).await
}

/// [`from_env`], with `extra` adding what only this function uses to the services before they
/// are built (the submit function's staff accounts: [`with_staff_accounts`]). A function that
/// passes nothing links none of it.
pub async fn from_env_with(
    extra: impl FnOnce(ServicesBuilder, &AwsPorts, &Settings) -> ServicesBuilder,
) -> Result<Services, BootError> {
    let settings = Settings::from_env()?;
    if settings.backend.is_some_and(|b| b != Backend::Aws) {
        return Err(SettingError {
            variable: "PD_BACKEND",
            id: "fungsi hanya berjalan dengan adaptor AWS (`aws`); bawaan tertanam adalah runner lokal (`cargo run`)".into(),
            en: "a function runs on the AWS adapters (`aws`); the embedded default is the local runner's (`cargo run`)".into(),
        }
        .into());
    }
    let clock: Arc<dyn Clock> = Arc::new(SystemClock::default());
    // Chain heads are keyed with the stack's audit secret (issue 17 finding 13).
    match &settings.audit_key {
        Some(k) => perizinan::audit::set_key(k.0.clone()),
        None => tracing::warn!("PD_AUDIT_KEY not set: audit heads are written without a MAC"),
    }
    let calendar = settings.calendar()?;
    let catalogue = settings.catalogue(&calendar, Checks::Definitions)?;
    let verify_base_url = required(&settings.verify_base_url, "PD_VERIFY_BASE_URL")?.to_string();
    let ports = AwsPorts::new(&settings, clock.clone()).await?;
    let (cases, complaints) = ports.step_functions(&settings.aws, &catalogue)?;
    let builder = Services::builder(ports.ports((Arc::new(cases), Arc::new(complaints))), clock);
    extra(builder, &ports, &settings)
        .settings(&settings)?
        .portal_url(
            settings
                .portal_url
                .clone()
                .unwrap_or_else(|| "https://perizinan.example".into()),
        )
        .verify_base_url(verify_base_url)
        .catalogue(Arc::new(catalogue), Arc::new(calendar))
        .build()
}

/// The office administrators' staff accounts on the stack's Cognito pool (`PD_USER_POOL_ID`),
/// for [`from_env_with`] (the submit function).
pub fn with_staff_accounts(
    builder: ServicesBuilder,
    ports: &AwsPorts,
    settings: &Settings,
) -> ServicesBuilder {
    match &settings.aws.user_pool_id {
        Some(pool) => builder.accounts(Arc::new(crate::cognito::CognitoAccounts::new(
            aws_sdk_cognitoidentityprovider::Client::new(&ports.sdk),
            pool,
        ))),
        None => {
            tracing::warn!("PD_USER_POOL_ID not set: staff accounts cannot be administered");
            builder
        }
    }
}
