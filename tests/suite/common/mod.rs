//! Test helper: spawns the real local runner (`cargo run`'s binary) on a free port with its own
//! data directory, and talks HTTP to it.

pub mod aws;

use chrono::{Months, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The suite is one binary, so tests from every module run side by side. The tests that time
/// concurrent requests against each other (races, faults: waits for an idempotent request in
/// progress, retries, client timeouts) take this gate alone; the ones that load the machine
/// most (thousands of cases: `overdue_scale`) share it. Everything else runs freely.
static LOAD_GATE: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// For a test whose timings must not meet another's load (see [`LOAD_GATE`]).
pub async fn alone() -> tokio::sync::RwLockWriteGuard<'static, ()> {
    LOAD_GATE.write().await
}

/// For a test that loads the machine (see [`LOAD_GATE`]).
pub async fn heavy() -> tokio::sync::RwLockReadGuard<'static, ()> {
    LOAD_GATE.read().await
}

pub struct TestApp {
    child: Option<Child>,
    envs: Vec<(String, String)>,
    pub base: String,
    pub api: String,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
}

fn spawn_runner(dir: &Path, envs: &[(String, String)]) -> (Child, String) {
    // `PD_TEST_LOG_FILE` in `envs`: the runner's log (stderr) goes to that file.
    let log_file = envs
        .iter()
        .find(|(k, _)| k == "PD_TEST_LOG_FILE")
        .map(|(_, v)| std::fs::File::create(v).expect("log file"));
    let stderr = match log_file {
        Some(f) => Stdio::from(f),
        None if std::env::var("TEST_LOG").is_ok() => Stdio::inherit(),
        None => Stdio::null(),
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_perizinan"))
        .args(["--port", "0", "--data-dir"])
        .arg(dir)
        .env(
            "RUST_LOG",
            std::env::var("TEST_LOG").unwrap_or_else(|_| "warn".into()),
        )
        // A low proof of work for anonymous complaints (default 18 bits): the tests solve it in
        // an unoptimised build; a test may set its own (`complaint_abuse` does).
        .env("PD_COMPLAINT_POW_BITS", "8")
        // After the default, so that a test may set RUST_LOG itself.
        .envs(envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("the runner starts");
    let stdout = child.stdout.take().expect("stdout piped");
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("the runner printed its address before exiting")
            .expect("stdout readable");
        if let Some(url) = line.strip_prefix("listening on ") {
            break url.trim().to_string();
        }
    };
    // Keep draining stdout so the runner never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, base)
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with_env(vec![]).await
    }

    /// A runner with extra environment (e.g. the AWS backends on moto).
    pub async fn spawn_with_env(envs: Vec<(String, String)>) -> Self {
        Self::spawn_on(tempfile::tempdir().expect("temp dir"), envs).await
    }

    /// A runner on a data directory already filled (e.g. with data of an earlier release).
    pub async fn spawn_on(dir: tempfile::TempDir, envs: Vec<(String, String)>) -> Self {
        let (child, base) = spawn_runner(dir.path(), &envs);
        let app = Self {
            child: Some(child),
            envs,
            api: format!("{base}/api"),
            base,
            dir,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("client"),
        };
        app.wait_ready().await;
        app
    }

    async fn wait_ready(&self) {
        for _ in 0..100 {
            if self
                .http
                .get(format!("{}/", self.base))
                .send()
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("runner did not answer");
    }

    /// Kills the runner without warning (SIGKILL), as a crash or power cut would.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().expect("kill");
            c.wait().expect("wait");
        }
    }

    /// Starts the runner again on the same data directory (a new port).
    pub async fn restart(&mut self) {
        self.kill();
        let (child, base) = spawn_runner(self.dir.path(), &self.envs);
        self.child = Some(child);
        self.api = format!("{base}/api");
        self.base = base;
        self.wait_ready().await;
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    pub async fn login(&self, username: &str) -> String {
        let (s, v) = self
            .post(None, "/auth/dev/login", json!({ "username": username }))
            .await;
        assert_eq!(s, StatusCode::OK, "login {username}: {v}");
        v["token"].as_str().expect("token").to_string()
    }

    async fn send(&self, req: reqwest::RequestBuilder, token: Option<&str>) -> (StatusCode, Value) {
        let req = match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, v)
    }

    pub async fn get(&self, token: Option<&str>, path: &str) -> (StatusCode, Value) {
        self.send(self.http.get(format!("{}{path}", self.api)), token)
            .await
    }

    pub async fn post(&self, token: Option<&str>, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(
            self.http.post(format!("{}{path}", self.api)).json(&body),
            token,
        )
        .await
    }

    pub async fn put(&self, token: Option<&str>, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(
            self.http.put(format!("{}{path}", self.api)).json(&body),
            token,
        )
        .await
    }

    /// Creates a draft; panics unless 201.
    pub async fn create_case(&self, token: &str, body: Value) -> Value {
        let (s, v) = self.post(Some(token), "/cases", body).await;
        assert_eq!(s, StatusCode::CREATED, "create: {v}");
        v
    }

    pub async fn case(&self, token: &str, id: &str) -> Value {
        let (s, v) = self.get(Some(token), &format!("/cases/{id}")).await;
        assert_eq!(s, StatusCode::OK, "get case: {v}");
        v
    }

    /// Requests an upload URL, sends the bytes, confirms. Returns the confirm response.
    pub async fn upload(
        &self,
        token: &str,
        case_id: &str,
        requirement: &str,
        media_type: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        let (s, v) = self
            .post(
                Some(token),
                &format!("/cases/{case_id}/documents"),
                json!({
                    "requirement": requirement,
                    "file_name": format!("{requirement}.pdf"),
                    "media_type": media_type,
                    "size": bytes.len(),
                }),
            )
            .await;
        if s != StatusCode::CREATED {
            return (s, v);
        }
        let ticket = &v["upload"];
        let url = ticket["url"].as_str().expect("upload url").to_string();
        let sent = if ticket["method"] == "POST" {
            // A presigned S3 POST: the policy's fields, then the file.
            let mut form = reqwest::multipart::Form::new();
            for (k, f) in ticket["fields"].as_object().expect("fields") {
                form = form.text(k.clone(), f.as_str().unwrap().to_string());
            }
            form = form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name(format!("{requirement}.pdf"))
                    .mime_str(media_type)
                    .unwrap(),
            );
            self.http.post(&url).multipart(form).send().await
        } else {
            self.http
                .put(&url)
                .header("content-type", media_type)
                .body(bytes)
                .send()
                .await
        }
        .expect("upload sent");
        assert!(sent.status().is_success(), "upload: {}", sent.status());
        let doc = v["document"]["id"].as_str().expect("doc id").to_string();
        self.send(
            self.http.post(format!(
                "{}/cases/{case_id}/documents/{doc}/confirm",
                self.api
            )),
            Some(token),
        )
        .await
    }

    pub async fn upload_all(&self, token: &str, case_id: &str) {
        for r in REQUIRED {
            let (s, v) = self
                .upload(token, case_id, r, "application/pdf", pdf(r))
                .await;
            assert_eq!(s, StatusCode::OK, "upload {r}: {v}");
        }
    }

    /// A decision at a step; returns (status, body).
    pub async fn act(
        &self,
        token: &str,
        case_id: &str,
        step: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        self.post(Some(token), &format!("/cases/{case_id}/steps/{step}"), body)
            .await
    }

    /// A decision that must succeed; returns the case after it.
    pub async fn act_ok(&self, user: &str, case_id: &str, step: &str, extra: Value) -> Value {
        let token = self.login(user).await;
        let version = self.case(&token, case_id).await["version"].clone();
        let mut body = json!({ "version": version });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        let (s, v) = self.act(&token, case_id, step, body).await;
        assert_eq!(s, StatusCode::OK, "{user} at {step}: {v}");
        v
    }

    pub async fn submit(&self, token: &str, case_id: &str) -> (StatusCode, Value) {
        let version = self.case(token, case_id).await["version"].clone();
        self.post(
            Some(token),
            &format!("/cases/{case_id}/submit"),
            json!({ "version": version }),
        )
        .await
    }

    pub async fn outbox(&self) -> Vec<Value> {
        let v: Value = self
            .http
            .get(format!("{}/_outbox", self.base))
            .send()
            .await
            .expect("outbox")
            .json()
            .await
            .expect("outbox json");
        v["items"].as_array().cloned().unwrap_or_default()
    }

    pub async fn events(&self, token: &str, case_id: &str) -> Value {
        let (s, v) = self
            .get(Some(token), &format!("/cases/{case_id}/events"))
            .await;
        assert_eq!(s, StatusCode::OK, "events: {v}");
        v
    }

    pub async fn execution(&self, case_id: &str) -> Value {
        self.http
            .get(format!("{}/_dev/executions/{case_id}", self.base))
            .send()
            .await
            .expect("execution")
            .json()
            .await
            .expect("execution json")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.kill();
    }
}

pub const REQUIRED: [&str; 4] = [
    "branch_operating_permit",
    "branch_activity_proof",
    "member_list",
    "oss_permit_copy",
];

/// A small but real PDF.
pub fn pdf(title: &str) -> Vec<u8> {
    format!(
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n% {title}\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    .into_bytes()
}

/// Today's date in WITA.
pub fn today() -> chrono::NaiveDate {
    (Utc::now() + chrono::Duration::hours(8)).date_naive()
}

pub fn months_ago(n: u32) -> String {
    today()
        .checked_sub_months(Months::new(n))
        .unwrap()
        .to_string()
}

/// [`application`] applied for in OSS on `date` (`oss_applied_on`, where the applicant's 30
/// working days start).
pub fn application_applied_on(date: &str) -> Value {
    let mut a = application();
    a["oss_applied_on"] = json!(date);
    a
}

pub fn application() -> Value {
    json!({
        "permit": "kantor-kas-ksp",
        "cooperative_name": "KSP Sejahtera Bersama",
        "legal_entity_number": "AHU-0001234.AH.01.26.TAHUN 2019",
        "nib": "9120001234567",
        "branch": {
            "address": "Jl. Bhayangkara No. 10, Bontang Utara",
            "operating_permit_number": "503/112/DPMPTSP/2024",
            "operating_permit_date": months_ago(10),
            "business_started_on": months_ago(8)
        },
        "cash_office": {
            "address": "Jl. Ahmad Yani No. 5, Bontang Selatan",
            "member_count": 25,
            "head_name": "Rahmat Hidayat"
        },
        "oss_reference": "I-202611260001",
        "oss_applied_on": today().to_string(),
        "contact": {"email": "pengurus@ksp-sejahtera.test", "phone": "0812-3456-7890"}
    })
}

/// A submitted case waiting at front office verification; returns its id.
pub async fn submitted_case(app: &TestApp, applicant: &str) -> String {
    submitted_case_of(app, applicant, application()).await
}

/// [`submitted_case`] with this application (e.g. an OSS application date that fits the
/// runner's controlled clock).
pub async fn submitted_case_of(app: &TestApp, applicant: &str, application: Value) -> String {
    let t = app.login(applicant).await;
    let c = app.create_case(&t, application).await;
    let id = c["id"].as_str().unwrap().to_string();
    app.upload_all(&t, &id).await;
    let (s, v) = app.submit(&t, &id).await;
    assert_eq!(s, StatusCode::OK, "submit: {v}");
    assert_eq!(v["step"]["code"], "front_office_verification", "{v}");
    id
}

pub fn step_of(case: &Value) -> &str {
    case["step"]["code"].as_str().unwrap_or("")
}

/// The staff decisions g … p, in order: (user, step, body without `version`). The
/// recommendation's outcome is `grant` or `refuse` (with its reason).
pub fn decisions_g_to_p(recommendation: &str) -> Vec<(&'static str, &'static str, Value)> {
    decisions_g_to_p_on(recommendation, today())
}

/// [`decisions_g_to_p`] with the dates of `today` (the runner's, when its clock is set).
pub fn decisions_g_to_p_on(
    recommendation: &str,
    today: chrono::NaiveDate,
) -> Vec<(&'static str, &'static str, Value)> {
    let today = today.to_string();
    let mut rec = json!({
        "outcome": recommendation,
        "recommendation_number": "500/045/DKUMP/2026",
        "recommendation_date": today,
    });
    if recommendation == "refuse" {
        rec["reason"] = json!("Kantor cabang belum memenuhi tingkat kesehatan koperasi.");
    }
    vec![
        (
            "fo",
            "front_office_verification",
            json!({"outcome": "complete"}),
        ),
        ("bo", "back_office_validation", json!({"outcome": "valid"})),
        (
            "kasi",
            "section_head_forwarding",
            json!({"outcome": "forward"}),
        ),
        (
            "teknis",
            "technical_verification",
            json!({"outcome": "verified", "findings": "Lokasi sesuai; papan nama terpasang.", "site_visit_on": today}),
        ),
        ("diskop", "recommendation", rec),
        ("bo", "letter_drafting", json!({"outcome": "drafted"})),
        (
            "kasi",
            "section_head_validation",
            json!({"outcome": "approve"}),
        ),
        (
            "kabid",
            "division_head_validation",
            json!({"outcome": "approve"}),
        ),
        ("kadis", "head_signature", json!({"outcome": "sign"})),
    ]
}

/// g … p on the grant path, from a case waiting at front office verification.
pub async fn staff_g_to_p(app: &TestApp, id: &str, recommendation: &str) -> Value {
    let mut last = Value::Null;
    let today = runner_today(app).await;
    for (user, step, body) in decisions_g_to_p_on(recommendation, today) {
        last = app.act_ok(user, id, step, body).await;
    }
    last
}

/// The runner's date in WITA (its clock may be set: `PD_DEV_CLOCK_AT`, `/_dev/clock`), so that
/// dates a decision states are not after the runner's today.
pub async fn runner_today(app: &TestApp) -> chrono::NaiveDate {
    let v: Value = app
        .http
        .get(format!("{}/_dev/clock", app.base))
        .send()
        .await
        .expect("dev clock")
        .json()
        .await
        .expect("dev clock json");
    let now: chrono::DateTime<Utc> = v["now"].as_str().unwrap().parse().unwrap();
    (now + chrono::Duration::hours(8)).date_naive()
}

/// Moves the runner's settable clock (`PD_DEV_CLOCK=1`) to an instant, e.g.
/// `2026-03-02T09:00:00+08:00`.
pub async fn set_clock(app: &TestApp, wita: &str) {
    let r = app
        .http
        .post(format!("{}/_dev/clock", app.base))
        .json(&json!({ "set": wita }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
}

/// Runs the daily job (deadline alerts, redelivery, retention) now; returns its report.
pub async fn run_daily_job(app: &TestApp) -> Value {
    let r = app
        .http
        .post(format!("{}/_jobs/overdue", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// A caller as the gateway would authenticate it (for calling a router in process): staff of
/// the founding office.
pub fn caller(sub: &str, role: perizinan::domain::Role) -> perizinan::domain::Caller {
    let office = role
        .is_staff()
        .then(perizinan::domain::office::founding_code);
    perizinan::domain::Caller {
        sub: sub.into(),
        name: sub.into(),
        email: None,
        roles: vec![role],
        office,
        acting: vec![],
        issued_at: None,
    }
}

/// Calls a function's router in process (no HTTP), authenticated as `who`; returns the status
/// and the JSON body (`Null` when there is none).
pub async fn call_router(
    app: &axum::Router,
    who: &perizinan::domain::Caller,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    use tower::ServiceExt;
    let mut req = http::Request::builder()
        .method(method)
        .uri(path)
        .extension(perizinan::auth::Authenticated(who.clone()))
        .extension(perizinan::api::extract::RequestOrigin(
            perizinan::domain::Origin::default(),
        ));
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let req = req
        .body(axum::body::Body::from(
            body.map_or_else(String::new, |b| b.to_string()),
        ))
        .expect("request");
    let resp = app.clone().oneshot(req).await.expect("router answers");
    let status = resp.status().as_u16();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 22)
        .await
        .expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// The shipped permit catalogue (`infra/permits/`).
pub fn catalogue() -> perizinan::catalogue::Catalogue {
    local::shipped_catalogue()
}

/// A kantor kas draft of `owner` with the form of [`application`], as the API would store it.
pub fn kantor_kas_draft(owner: &str) -> perizinan::domain::Case {
    let cat = catalogue();
    let def = cat
        .def("kantor-kas-ksp")
        .expect("kantor kas is in the catalogue");
    let form = perizinan::domain::permit::form::parse_application(def, &application(), today())
        .expect("the test application is valid");
    perizinan::domain::Case::new_draft(def.code.clone(), owner.into(), form, Utc::now())
}

/// Copies the shipped permit catalogue (`infra/permits/*/`) to `dir/permits` (for a runner with
/// `PD_PERMITS_DIR` and an edited copy); returns that folder.
pub fn copy_shipped_catalogue(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("infra/permits");
    let out = dir.join("permits");
    for e in std::fs::read_dir(&root).unwrap() {
        let e = e.unwrap();
        if !e.path().is_dir() {
            continue;
        }
        let to = out.join(e.file_name());
        std::fs::create_dir_all(&to).unwrap();
        for f in ["permit.json", "workflow.asl.json", "example.json"] {
            std::fs::copy(e.path().join(f), to.join(f)).unwrap();
        }
    }
    out
}

/// The text of a PDF as pdftotext reads it, its layout's runs of spaces collapsed.
pub fn pdftotext(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("doc.pdf");
    std::fs::write(&f, bytes).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout", f.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext is installed (./scripts/test installs poppler-utils)");
    assert!(out.status.success());
    // Collapse the layout's runs of spaces and line breaks inside values, and write every
    // label–value colon as ` : ` (a long label leaves no gap before its colon).
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" : ", ": ")
        .replace(": ", " : ")
}

pub async fn download(app: &TestApp, token: &str, path: &str) -> Vec<u8> {
    let (s, v) = app.get(Some(token), path).await;
    assert_eq!(s, StatusCode::OK, "{path}: {v}");
    let r = app
        .http
        .get(v["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    r.bytes().await.unwrap().to_vec()
}

/// A draft of `permit` from its example (`GET /permits/{code}/example`, changed by `patch`),
/// with every document its case view asks for uploaded, submitted. Returns the case after
/// submission.
pub async fn apply(app: &TestApp, token: &str, permit: &str, patch: Value) -> Value {
    let (s, mut body) = app.get(None, &format!("/permits/{permit}/example")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    merge(&mut body, &patch);
    let c = app.create_case(token, body).await;
    let id = c["id"].as_str().unwrap().to_string();
    for r in c["requirements"].as_array().unwrap() {
        if r["required"] == true && r["step"].is_null() {
            let code = r["code"].as_str().unwrap();
            let (s, v) = app
                .upload(token, &id, code, "application/pdf", pdf(code))
                .await;
            assert_eq!(s, StatusCode::OK, "upload {code}: {v}");
        }
    }
    let (s, v) = app.submit(token, &id).await;
    assert_eq!(s, StatusCode::OK, "submit: {v}");
    v
}

pub fn merge(a: &mut Value, b: &Value) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (a, b) => *a = b.clone(),
    }
}
