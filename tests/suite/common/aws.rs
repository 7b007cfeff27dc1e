//! AWS on moto: fixtures (a table, a bucket, a verified sender, a state machine made from the
//! real infra ASL), and the bridge that plays Lambda for moto's Step Functions.
//!
//! Two moto servers are used, both started by `scripts/test` on 127.0.0.1: `PD_TEST_MOTO`
//! (DynamoDB, S3, SES — read back through `/moto-api/data.json`) and `PD_TEST_MOTO_SFN` (Step
//! Functions with `execute_state_machine`, and a Lambda function that is only a name: moto's
//! `use_docker: false` answers invocations without running code, so the bridge runs the real
//! workflow function on each scheduled task's payload).

use aws_config::{Region, SdkConfig};
use aws_credential_types::Credentials;
use base64::Engine;
use perizinan::Services;
use perizinan::ports::Clock;
use perizinan::ports::clock::SystemClock;
use perizinan::ports::directory::StaticDirectory;
use perizinan_aws::dynamo::DynamoStore;
use perizinan_aws::s3::S3Documents;
use perizinan_aws::ses::SesMailer;
use perizinan_aws::sfn::StepFunctions;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

pub const REGION: &str = "ap-southeast-3";
pub const ACCOUNT: &str = "123456789012";

pub fn moto_main() -> String {
    std::env::var("PD_TEST_MOTO").expect(
        "PD_TEST_MOTO is not set: run ./scripts/test, which installs and starts moto (or start \
         `.tools/venv/bin/moto_server -p 5000` and export PD_TEST_MOTO=http://127.0.0.1:5000)",
    )
}

pub fn moto_sfn() -> String {
    std::env::var("PD_TEST_MOTO_SFN").expect(
        "PD_TEST_MOTO_SFN is not set: run ./scripts/test, which starts a second moto server for \
         Step Functions",
    )
}

pub async fn sdk(endpoint: &str) -> SdkConfig {
    perizinan_aws::sdk_loader()
        .endpoint_url(endpoint)
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .load()
        .await
}

fn suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_string()
}

pub struct Fixture {
    pub main: SdkConfig,
    pub sfn: Option<SdkConfig>,
    pub main_endpoint: String,
    pub sfn_endpoint: Option<String>,
    pub table: String,
    pub bucket: String,
    /// The write-once bucket (Object Lock) of signed documents.
    pub signed_bucket: String,
    /// KMS key (ECC_NIST_P256, SIGN_VERIFY).
    pub signing_key: String,
    pub from: String,
    /// `arn:…:stateMachine:pd-<sfx>-`: each permit's state machine is this plus its name.
    pub state_machine_prefix: Option<String>,
    pub complaint_state_machine_arn: Option<String>,
    pub function_arn: Option<String>,
    pub http: reqwest::Client,
}

/// A raw moto call with a SigV4-shaped Authorization header, for services the project has no
/// SDK client of (IAM, Lambda): moto routes on the credential scope and does not check it.
async fn moto_raw(
    http: &reqwest::Client,
    endpoint: &str,
    service: &str,
    path: &str,
    form: Option<&[(&str, &str)]>,
    json_body: Option<Value>,
) -> String {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/{service}/aws4_request, SignedHeaders=host, Signature=0"
    );
    let mut req = http
        .post(format!("{endpoint}{path}"))
        .header("authorization", auth);
    if let Some(f) = form {
        req = req.form(f);
    }
    if let Some(j) = json_body {
        req = req.json(&j);
    }
    let resp = req.send().await.expect("moto reachable");
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    assert!(
        status.is_success(),
        "moto {service} {path}: {status} {text}"
    );
    text
}

impl Fixture {
    /// DynamoDB table, S3 bucket and SES identity on the main moto; with `with_sfn`, also the
    /// case workflow (from `infra/statemachine`) on the Step Functions moto.
    pub async fn new(with_sfn: bool) -> Self {
        let main_endpoint = moto_main();
        let main = sdk(&main_endpoint).await;
        let sfx = suffix();
        let table = format!("pd-{sfx}");
        let bucket = format!("pd-uploads-{sfx}");
        let signed_bucket = format!("pd-signed-{sfx}");
        let from = format!("noreply-{sfx}@perizinan.test");
        DynamoStore::ensure_table(&aws_sdk_dynamodb::Client::new(&main), &table)
            .await
            .expect("table");
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&main)
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket()
            .bucket(&bucket)
            .create_bucket_configuration(
                aws_sdk_s3::types::CreateBucketConfiguration::builder()
                    .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(REGION))
                    .build(),
            )
            .send()
            .await
            .expect("bucket");
        s3.create_bucket()
            .bucket(&signed_bucket)
            .object_lock_enabled_for_bucket(true)
            .create_bucket_configuration(
                aws_sdk_s3::types::CreateBucketConfiguration::builder()
                    .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(REGION))
                    .build(),
            )
            .send()
            .await
            .expect("signed bucket");
        let signing_key = aws_sdk_kms::Client::new(&main)
            .create_key()
            .key_spec(aws_sdk_kms::types::KeySpec::EccNistP256)
            .key_usage(aws_sdk_kms::types::KeyUsageType::SignVerify)
            .send()
            .await
            .expect("KMS key")
            .key_metadata
            .expect("key metadata")
            .key_id;
        aws_sdk_sesv2::Client::new(&main)
            .create_email_identity()
            .email_identity(&from)
            .send()
            .await
            .expect("SES identity");
        let http = reqwest::Client::new();
        let mut fx = Fixture {
            main,
            sfn: None,
            main_endpoint,
            sfn_endpoint: None,
            table,
            bucket,
            signed_bucket,
            signing_key,
            from,
            state_machine_prefix: None,
            complaint_state_machine_arn: None,
            function_arn: None,
            http,
        };
        if with_sfn {
            let ep = moto_sfn();
            fx.http
                .post(format!("{ep}/moto-api/config"))
                .json(&json!({"stepfunctions": {"execute_state_machine": true}, "lambda": {"use_docker": false}}))
                .send()
                .await
                .expect("moto config");
            let role = format!("pd-role-{sfx}");
            moto_raw(
                &fx.http,
                &ep,
                "iam",
                "/",
                Some(&[
                    ("Action", "CreateRole"),
                    ("Version", "2010-05-08"),
                    ("RoleName", &role),
                    ("AssumeRolePolicyDocument", "{}"),
                ]),
                None,
            )
            .await;
            let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/{role}");
            let zip = base64::engine::general_purpose::STANDARD.encode(empty_zip());
            let function = format!("workflow-{sfx}");
            let out = moto_raw(
                &fx.http,
                &ep,
                "lambda",
                "/2015-03-31/functions",
                None,
                Some(
                    json!({"FunctionName": function, "Runtime": "provided.al2023", "Role": role_arn,
                            "Handler": "bootstrap", "Code": {"ZipFile": zip}}),
                ),
            )
            .await;
            let function_arn = serde_json::from_str::<Value>(&out).unwrap()["FunctionArn"]
                .as_str()
                .unwrap()
                .to_string();
            let sfn_sdk = sdk(&ep).await;
            // Each permit's state machine from the same file the embedded executor runs, with
            // the same substitution SAM makes, named as the stack names them: prefix + machine.
            let mut prefix = None;
            for p in local::shipped_catalogue().iter() {
                let definition =
                    moto_definition(&p.workflow.replace("${WorkflowFunctionArn}", &function_arn));
                let sm = aws_sdk_sfn::Client::new(&sfn_sdk)
                    .create_state_machine()
                    .name(format!("pd-{sfx}-{}", p.def.machine()))
                    .definition(definition)
                    .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/sfn-{sfx}"))
                    .send()
                    .await
                    .expect("state machine");
                prefix = sm
                    .state_machine_arn
                    .strip_suffix(p.def.machine())
                    .map(str::to_string);
            }
            fx.state_machine_prefix = prefix;
            let csm = aws_sdk_sfn::Client::new(&sfn_sdk)
                .create_state_machine()
                .name(format!("pengaduan-{sfx}"))
                .definition(
                    perizinan::flows::complaint::COMPLAINT_WORKFLOW
                        .replace("${WorkflowFunctionArn}", &function_arn),
                )
                .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/sfn-{sfx}"))
                .send()
                .await
                .expect("complaint state machine");
            fx.complaint_state_machine_arn = Some(csm.state_machine_arn);
            fx.function_arn = Some(function_arn);
            fx.sfn = Some(sfn_sdk);
            fx.sfn_endpoint = Some(ep);
        }
        fx
    }

    pub fn store(&self) -> DynamoStore {
        DynamoStore::new(aws_sdk_dynamodb::Client::new(&self.main), &self.table)
    }

    pub fn documents(&self, clock: Arc<dyn Clock>) -> S3Documents {
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&self.main)
                .force_path_style(true)
                .build(),
        );
        S3Documents::new(
            s3,
            &self.bucket,
            REGION,
            Some(self.main_endpoint.clone()),
            true,
            self.main.credentials_provider().unwrap(),
            clock,
        )
    }

    pub fn signed_documents(&self, clock: Arc<dyn Clock>) -> S3Documents {
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&self.main)
                .force_path_style(true)
                .build(),
        );
        S3Documents::new(
            s3,
            &self.signed_bucket,
            REGION,
            Some(self.main_endpoint.clone()),
            true,
            self.main.credentials_provider().unwrap(),
            clock,
        )
    }

    pub fn signer(&self) -> perizinan_aws::kms::KmsSigner {
        perizinan_aws::kms::KmsSigner::new(aws_sdk_kms::Client::new(&self.main), &self.signing_key)
    }

    pub fn mailer(&self) -> SesMailer {
        SesMailer::new(aws_sdk_sesv2::Client::new(&self.main), &self.from, None)
    }

    pub fn sms(&self) -> perizinan_aws::sns::SnsSms {
        perizinan_aws::sns::SnsSms::new(
            aws_sdk_sns::Client::new(&self.main),
            "DPMPTSP",
            Some("0.05".into()),
        )
    }

    /// The text messages moto's SNS recorded: (message id, phone number, text).
    pub async fn sms_messages(&self) -> Vec<(String, String, String)> {
        let v: Value = self
            .http
            .get(format!("{}/moto-api/data.json", self.main_endpoint))
            .send()
            .await
            .expect("moto data")
            .json()
            .await
            .expect("moto data json");
        v["sns"]["SMS"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|m| {
                let f = |k: &str| m[k].as_str().unwrap_or_default().to_string();
                (f("message_id"), f("phone_number"), f("message"))
            })
            .collect()
    }

    pub fn step_functions(&self) -> StepFunctions {
        StepFunctions::with_prefix(
            aws_sdk_sfn::Client::new(self.sfn.as_ref().expect("fixture with Step Functions")),
            self.state_machine_prefix.as_deref().unwrap(),
            local::shipped_catalogue().iter().map(|p| p.def.machine()),
        )
    }

    pub fn complaint_step_functions(&self) -> StepFunctions {
        StepFunctions::new(
            aws_sdk_sfn::Client::new(self.sfn.as_ref().expect("fixture with Step Functions")),
            std::collections::BTreeMap::from([(
                perizinan::flows::complaint::COMPLAINT_MACHINE.to_string(),
                self.complaint_state_machine_arn.clone().unwrap(),
            )]),
        )
    }

    pub fn sfn_client(&self) -> aws_sdk_sfn::Client {
        aws_sdk_sfn::Client::new(self.sfn.as_ref().expect("fixture with Step Functions"))
    }

    /// Services on moto, as a Lambda function would build them.
    pub fn services(&self, directory: StaticDirectory) -> Arc<Services> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock::default());
        Arc::new(
            Services::builder(
                perizinan::Ports {
                    store: Arc::new(self.store()),
                    documents: Arc::new(self.documents(clock.clone())),
                    signed_documents: Arc::new(self.signed_documents(clock.clone())),
                    signer: Arc::new(self.signer()),
                    mailer: Arc::new(self.mailer()),
                    sms: Arc::new(self.sms()),
                    orchestrator: Arc::new(self.step_functions()),
                    complaint_orchestrator: Arc::new(self.complaint_step_functions()),
                },
                clock,
            )
            .directory(directory)
            .renderer(perizinan_letters::renderer())
            .verify_base_url("http://api.test")
            .portal_url("http://portal.test/")
            .catalogue(
                Arc::new(local::shipped_catalogue()),
                Arc::new(perizinan::domain::calendar::Calendar::shipped()),
            )
            .build()
            .expect("services on moto"),
        )
    }

    /// The execution of a kantor kas case (its state machine `kantor-kas`).
    pub fn execution_arn(&self, name: &str) -> String {
        self.execution_arn_of("kantor-kas", name)
    }

    /// The execution `name` of state machine `machine`.
    pub fn execution_arn_of(&self, machine: &str, name: &str) -> String {
        format!(
            "{}{machine}:{name}",
            self.state_machine_prefix
                .as_ref()
                .unwrap()
                .replace(":stateMachine:", ":execution:")
        )
    }

    /// Messages moto's SES accepted from this fixture's sender.
    pub async fn ses_messages(&self) -> Vec<Value> {
        let v: Value = self
            .http
            .get(format!("{}/moto-api/data.json", self.main_endpoint))
            .send()
            .await
            .expect("moto data")
            .json()
            .await
            .expect("moto data json");
        v["ses"]["Message"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m["source"] == self.from.as_str())
            .collect()
    }

    /// Puts a String parameter in moto's SSM (the project has no SSM SDK client).
    pub async fn put_ssm_parameter(&self, name: &str, value: &str) {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/ssm/aws4_request, SignedHeaders=host, Signature=0"
        );
        let resp = self
            .http
            .post(format!("{}/", self.main_endpoint))
            .header("authorization", auth)
            .header("x-amz-target", "AmazonSSM.PutParameter")
            .header("content-type", "application/x-amz-json-1.1")
            .body(json!({"Name": name, "Value": value, "Type": "String"}).to_string())
            .send()
            .await
            .expect("moto reachable");
        let status = resp.status();
        assert!(
            status.is_success(),
            "moto ssm PutParameter: {status} {}",
            resp.text().await.unwrap_or_default()
        );
    }

    /// Environment for a local runner on these AWS services.
    pub fn runner_env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("PD_BACKEND", "aws".to_string()),
            // The tests sign in through the dev login, which the AWS backend serves only when
            // asked for loudly.
            ("PD_INSECURE_DEV_SURFACES", "1".to_string()),
            ("AWS_ENDPOINT_URL", self.main_endpoint.clone()),
            ("AWS_REGION", REGION.to_string()),
            ("AWS_ACCESS_KEY_ID", "testing".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
            ("PD_TABLE", self.table.clone()),
            ("PD_UPLOAD_BUCKET", self.bucket.clone()),
            ("PD_MAIL_FROM", self.from.clone()),
            ("PD_S3_PATH_STYLE", "true".to_string()),
            ("PD_SIGNED_BUCKET", self.signed_bucket.clone()),
            ("PD_SIGNING_KEY_ID", self.signing_key.clone()),
            ("PD_VERIFY_BASE_URL", "http://verify.test".to_string()),
            (
                "PD_ROLE_MAILBOXES",
                json!({
                    "front_office": ["frontoffice@dpmptsp-bontang.test"],
                    "back_office": ["backoffice@dpmptsp-bontang.test"],
                    "section_head": ["kasi.perizinan@dpmptsp-bontang.test"],
                    "division_head": ["kabid.perizinan@dpmptsp-bontang.test"],
                    "agency_head": ["kadis@dpmptsp-bontang.test"],
                    "dinas_koperasi_technical": ["tim.teknis@diskop-bontang.test"],
                    "dinas_koperasi_official": ["kadis@diskop-bontang.test"],
                })
                .to_string(),
            ),
        ];
        if let (Some(ep), Some(prefix)) = (&self.sfn_endpoint, &self.state_machine_prefix) {
            env.push(("PD_ORCHESTRATOR", "stepfunctions".to_string()));
            env.push(("AWS_ENDPOINT_URL_SFN", ep.clone()));
            env.push(("PD_STATE_MACHINE_ARN_PREFIX", prefix.clone()));
            env.push((
                "PD_COMPLAINT_STATE_MACHINE_ARN",
                self.complaint_state_machine_arn.clone().unwrap(),
            ));
        }
        env.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }
}

fn empty_zip() -> Vec<u8> {
    // A zip archive with no entries: only the end-of-central-directory record.
    let mut z = vec![0x50, 0x4b, 0x05, 0x06];
    z.extend_from_slice(&[0; 18]);
    z
}

/// Plays Lambda for moto's Step Functions: runs the real workflow function on the payload of
/// every task the execution scheduled, in order, until the execution waits for a token or ends.
pub struct Bridge {
    pub services: Arc<Services>,
    sfn: aws_sdk_sfn::Client,
    /// Tasks run already: (execution, event id); event ids restart in every execution.
    processed: HashSet<(String, i64)>,
    /// The wait the last `pump` returned at (moto may not have taken a completion yet).
    last_wait: Option<(String, i64)>,
    pub invocations: usize,
}

impl Bridge {
    pub fn new(fx: &Fixture, services: Arc<Services>) -> Self {
        Self {
            services,
            sfn: fx.sfn_client(),
            processed: HashSet::new(),
            last_wait: None,
            invocations: 0,
        }
    }

    pub async fn history(&self, execution_arn: &str) -> Vec<aws_sdk_sfn::types::HistoryEvent> {
        let mut out = vec![];
        let mut token = None;
        loop {
            let page = self
                .sfn
                .get_execution_history()
                .execution_arn(execution_arn)
                .max_results(1000)
                .set_next_token(token)
                .send()
                .await
                .expect("history");
            out.extend(page.events);
            token = page.next_token;
            if token.is_none() {
                return out;
            }
        }
    }

    pub async fn status(&self, execution_arn: &str) -> String {
        self.sfn
            .describe_execution()
            .execution_arn(execution_arn)
            .send()
            .await
            .expect("describe")
            .status
            .as_str()
            .to_string()
    }

    /// Returns the status (RUNNING while a callback waits, else SUCCEEDED/FAILED) and the
    /// name of the last state entered.
    pub async fn pump(&mut self, execution_arn: &str) -> (String, String) {
        use aws_sdk_sfn::types::HistoryEventType as T;
        let mut same_wait = 0;
        for _ in 0..400 {
            // Status first: once it is final, the history read after it is complete.
            let status = self.status(execution_arn).await;
            let events = self.history(execution_arn).await;
            let mut ran = false;
            for e in &events {
                if e.r#type == T::TaskScheduled
                    && self.processed.insert((execution_arn.to_string(), e.id))
                {
                    let params: Value = serde_json::from_str(
                        e.task_scheduled_event_details()
                            .map(|d| d.parameters())
                            .unwrap_or("{}"),
                    )
                    .expect("parameters");
                    perizinan::flows::handle(&self.services, params["Payload"].clone())
                        .await
                        .unwrap_or_else(|err| panic!("workflow function failed: {err}"));
                    self.invocations += 1;
                    ran = true;
                }
            }
            let last_state = events
                .iter()
                .rev()
                .find_map(|e| {
                    e.state_entered_event_details()
                        .map(|d| d.name().to_string())
                })
                .unwrap_or_default();
            let wait = events
                .last()
                .filter(|e| e.r#type == T::TaskSubmitted)
                .map(|e| (execution_arn.to_string(), e.id));
            // Still at the wait returned last time: give moto a moment to take the completion
            // (it moves on asynchronously), then accept that nothing was completed.
            if wait.is_some() && wait == self.last_wait && same_wait < 40 {
                same_wait += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            if !ran && (status != "RUNNING" || wait.is_some()) {
                self.last_wait = wait;
                return (status, last_state);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("execution {execution_arn} did not settle");
    }
}

/// The ASL as moto can run it. moto's Lambda without Docker answers an invoke with its request,
/// so a `deadline` task (whose answer a `TimeoutSecondsPath` reads) becomes a `Pass` with an
/// answer of the same shape: 60 days. The answer itself is tested on the embedded executor
/// (`applicant_clock.rs`); here moto checks that the rest of the definition, the paths
/// included, means the same to another interpreter.
fn moto_definition(workflow: &str) -> String {
    let mut d: Value = serde_json::from_str(workflow).expect("workflow JSON");
    if let Some(states) = d["States"].as_object_mut() {
        for st in states.values_mut() {
            if st["Parameters"]["Payload"]["action"] == "deadline" {
                *st = json!({
                    "Type": "Pass",
                    "Comment": "moto stand-in for the deadline task",
                    "Result": {"Payload": {"timeout_seconds": 60 * 86_400}},
                    "ResultPath": st["ResultPath"].clone(),
                    "Next": st["Next"].clone(),
                });
            }
        }
    }
    d.to_string()
}
