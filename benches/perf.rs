//! The benchmark: speed, store work and cost of complete cases, measured on this machine.
//!
//! ```sh
//! ./scripts/bench                                  # release build, moto, Lambda binaries, zips
//! cargo bench --bench perf -- [--cases N] [--concurrency C] [--skip-lambda]
//! cargo test --bench perf -- --smoke               # a quick run (the test command does this)
//! ```
//!
//! It prints: lifecycle throughput over HTTP against the local runner (N complete cases, all
//! 19 steps, uploads, e-mails, the signed letter and its download) with p50/p99 per request
//! type, and the raw-storage ceiling (the same SQLite transactions with no logic) in the same
//! run, as a ratio; store round trips per request of one case, on SQLite and (with
//! `PD_TEST_MOTO`) on DynamoDB with its request units; handler overhead in process (no HTTP, the
//! store on tmpfs); Lambda init of each function binary under a minimal Runtime API emulator;
//! the arm64 zip sizes; and the cost of one case at AWS list prices. See docs/performance.md.

// The test suite's helpers; the benchmark uses a few of them.
#[path = "../tests/suite/common/mod.rs"]
#[allow(dead_code)]
mod common;

use common::{REQUIRED, TestApp, application, call_router, caller, decisions_g_to_p, today};
use perizinan::domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Args {
    cases: usize,
    concurrency: usize,
    smoke: bool,
    skip_lambda: bool,
    overhead_iterations: usize,
}

fn args() -> Args {
    let mut a = Args {
        cases: 200,
        concurrency: 8,
        smoke: false,
        skip_lambda: false,
        overhead_iterations: 2000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        match x.as_str() {
            "--smoke" => {
                a.smoke = true;
                a.cases = 4;
                a.concurrency = 2;
                a.overhead_iterations = 50;
            }
            "--cases" => a.cases = it.next().and_then(|v| v.parse().ok()).expect("--cases N"),
            "--concurrency" => {
                a.concurrency = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--concurrency C")
            }
            "--skip-lambda" => a.skip_lambda = true,
            // `cargo bench` passes --bench; libtest-style flags are ignored.
            _ => {}
        }
    }
    a
}

fn main() {
    let a = args();
    // Handler overhead runs an embedded store in this process: its environment is set before
    // any thread starts.
    let shm = tmpfs_dir();
    // SAFETY: no other thread exists yet (the runtime is built below).
    unsafe {
        std::env::set_var("PD_DATA_DIR", shm.path());
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(a));
    drop(shm);
}

fn tmpfs_dir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        tempfile::tempdir_in(shm).expect("tmpfs dir")
    } else {
        tempfile::tempdir().expect("temp dir")
    }
}

async fn run(a: Args) {
    println!(
        "benchmark on {} ({} CPUs), {} build{}",
        std::env::consts::ARCH,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        if a.smoke { ", smoke mode" } else { "" }
    );
    let life = lifecycle(&a).await;
    let probe_sqlite = life.probe.clone();
    let probe_dynamo = if std::env::var("PD_TEST_MOTO").is_ok() {
        Some(probe_on_dynamodb().await)
    } else {
        println!("\n(no PD_TEST_MOTO: the DynamoDB probe is skipped)");
        None
    };
    print_round_trips(&probe_sqlite, probe_dynamo.as_ref());
    handler_overhead(&a).await;
    catalogue_load(&a);
    let init = if a.skip_lambda {
        None
    } else {
        lambda_init(&a).await
    };
    package_sizes();
    cost_per_case(
        probe_dynamo.as_ref().unwrap_or(&probe_sqlite),
        &probe_sqlite,
        &life,
        init.as_ref(),
    );
}

// ---------------------------------------------------------------------------------------------
// HTTP driver with latency recording

#[derive(Default)]
struct Recorder {
    latencies: Mutex<BTreeMap<&'static str, Vec<Duration>>>,
    requests: AtomicU64,
    retries: AtomicU64,
}

impl Recorder {
    fn record(&self, kind: &'static str, d: Duration) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.latencies
            .lock()
            .unwrap()
            .entry(kind)
            .or_default()
            .push(d);
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Driver {
    http: reqwest::Client,
    api: String,
    tokens: BTreeMap<&'static str, String>,
    rec: Arc<Recorder>,
}

const USERS: [&str; 8] = [
    "pemohon", "fo", "bo", "kasi", "teknis", "diskop", "kabid", "kadis",
];

impl Driver {
    async fn new(app: &TestApp) -> Self {
        let mut tokens = BTreeMap::new();
        for u in USERS {
            tokens.insert(u, app.login(u).await);
        }
        Self {
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(64)
                .timeout(Duration::from_secs(120))
                .build()
                .unwrap(),
            api: app.api.clone(),
            tokens,
            rec: Arc::new(Recorder::default()),
        }
    }

    async fn send(&self, kind: &'static str, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let t = Instant::now();
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let bytes = resp.bytes().await.expect("body");
        self.rec.record(kind, t.elapsed());
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    fn api(&self, method: reqwest::Method, user: &str, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.api))
            .bearer_auth(&self.tokens[user])
    }

    async fn get_case(&self, user: &str, id: &str) -> Value {
        let (s, v) = self
            .send(
                "GET case",
                self.api(reqwest::Method::GET, user, &format!("/cases/{id}")),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v
    }

    /// Waits until the case is at `step` (the workflow moves it on).
    async fn at_step(&self, user: &str, id: &str, step: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let c = self.get_case(user, id).await;
            if c["step"]["code"] == step {
                return c;
            }
            assert!(Instant::now() < deadline, "{id} never reached {step}: {c}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn decide(&self, kind: &'static str, user: &str, id: &str, path: &str, extra: &Value) {
        for _ in 0..20 {
            let c = self.get_case(user, id).await;
            let mut body = json!({ "version": c["version"] });
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            let (s, v) = self
                .send(
                    kind,
                    self.api(reqwest::Method::POST, user, path)
                        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
                        .json(&body),
                )
                .await;
            if s == StatusCode::OK {
                return;
            }
            assert_eq!(s, StatusCode::CONFLICT, "{path}: {v}");
            self.rec.retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{path}: still conflicting after 20 tries");
    }

    async fn upload(&self, id: &str, requirement: &str, bytes: &[u8]) {
        let (s, v) = self
            .send(
                "POST documents (ticket)",
                self.api(
                    reqwest::Method::POST,
                    "pemohon",
                    &format!("/cases/{id}/documents"),
                )
                .json(&json!({
                    "requirement": requirement,
                    "file_name": format!("{requirement}.pdf"),
                    "media_type": "application/pdf",
                    "size": bytes.len(),
                })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let ticket = &v["upload"];
        let url = ticket["url"].as_str().unwrap();
        let t = Instant::now();
        let sent = if ticket["method"] == "POST" {
            let mut form = reqwest::multipart::Form::new();
            for (k, f) in ticket["fields"].as_object().unwrap() {
                form = form.text(k.clone(), f.as_str().unwrap().to_string());
            }
            form = form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes.to_vec())
                    .file_name("f.pdf")
                    .mime_str("application/pdf")
                    .unwrap(),
            );
            self.http.post(url).multipart(form).send().await
        } else {
            self.http
                .put(url)
                .header("content-type", "application/pdf")
                .body(bytes.to_vec())
                .send()
                .await
        }
        .expect("upload");
        assert!(sent.status().is_success());
        self.rec.record("upload bytes (signed URL)", t.elapsed());
        let doc = v["document"]["id"].as_str().unwrap();
        let (s, v) = self
            .send(
                "POST documents confirm",
                self.api(
                    reqwest::Method::POST,
                    "pemohon",
                    &format!("/cases/{id}/documents/{doc}/confirm"),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }

    /// One case through all 19 steps; `mark` is called after each request group when probing.
    async fn one_case(&self, pdf: &[u8], mut mark: impl AsyncMark) {
        let (s, c) = self
            .send(
                "POST cases (create)",
                self.api(reqwest::Method::POST, "pemohon", "/cases")
                    .json(&application_choosing_sms()),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        let id = c["id"].as_str().unwrap().to_string();
        mark.mark("create application (d, e)").await;
        for r in REQUIRED {
            self.upload(&id, r, pdf).await;
        }
        mark.mark("upload 4 documents (f)").await;
        self.decide(
            "POST submit",
            "pemohon",
            &id,
            &format!("/cases/{id}/submit"),
            &json!({}),
        )
        .await;
        mark.mark("submit (e → g)").await;
        for (user, step, body) in decisions_g_to_p("grant") {
            self.at_step(user, &id, step).await;
            mark.settle().await;
            self.decide(
                "POST decision",
                user,
                &id,
                &format!("/cases/{id}/steps/{step}"),
                &body,
            )
            .await;
            mark.mark(step).await;
        }
        self.at_step("pemohon", &id, "survey").await;
        mark.settle().await;
        self.decide(
            "POST survey",
            "pemohon",
            &id,
            &format!("/cases/{id}/survey"),
            &json!({"answers": {"u1": 4, "u2": 3, "u3": 4, "u4": 4, "u5": 3, "u6": 4, "u7": 4, "u8": 3, "u9": 3}}),
        )
        .await;
        mark.mark("survey").await;
        self.at_step("bo", &id, "effectuation").await;
        mark.settle().await;
        self.decide(
            "POST decision",
            "bo",
            &id,
            &format!("/cases/{id}/steps/effectuation"),
            &json!({"outcome": "effectuated", "oss_permit_number": "KK-OSS-2026-0099", "effective_on": today().to_string()}),
        )
        .await;
        mark.mark("effectuation").await;
        let c = self.get_case("pemohon", &id).await;
        assert_eq!(c["status"]["code"], "issued", "{c}");
        let (s, v) = self
            .send(
                "GET letter download",
                self.api(
                    reqwest::Method::GET,
                    "pemohon",
                    &format!("/cases/{id}/letter/download"),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let t = Instant::now();
        let pdf = self
            .http
            .get(v["url"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        self.rec.record("letter bytes (signed URL)", t.elapsed());
        mark.mark("letter download (s)").await;
    }
}

/// A realistic upload: a PDF padded to `size` bytes.
fn padded_pdf(size: usize) -> Vec<u8> {
    let mut v = common::pdf("lampiran");
    while v.len() < size {
        v.extend_from_slice(b"% padding padding padding padding padding padding padding\n");
    }
    v
}

#[async_trait::async_trait]
trait AsyncMark: Send {
    /// The work since the previous mark belongs to `label`.
    async fn mark(&mut self, label: &str);
    /// Excludes the work since the previous mark (waiting for the workflow).
    async fn settle(&mut self);
}

struct NoMark;

#[async_trait::async_trait]
impl AsyncMark for NoMark {
    async fn mark(&mut self, _label: &str) {}
    async fn settle(&mut self) {}
}

// ---------------------------------------------------------------------------------------------
// Stats of the runner

#[derive(Debug, Clone, Default)]
struct Stats {
    round_trips: u64,
    task_round_trips: u64,
    task_invocations: u64,
    transitions: u64,
    executor_writes: u64,
    read_units: f64,
    write_units: f64,
    ports: BTreeMap<String, u64>,
}

impl Stats {
    fn minus(&self, b: &Stats) -> Stats {
        let mut ports = self.ports.clone();
        for (k, v) in &b.ports {
            *ports.entry(k.clone()).or_default() -= v;
        }
        ports.retain(|_, v| *v > 0);
        Stats {
            round_trips: self.round_trips - b.round_trips,
            task_round_trips: self.task_round_trips - b.task_round_trips,
            task_invocations: self.task_invocations - b.task_invocations,
            transitions: self.transitions - b.transitions,
            executor_writes: self.executor_writes - b.executor_writes,
            read_units: self.read_units - b.read_units,
            write_units: self.write_units - b.write_units,
            ports,
        }
    }

    fn port(&self, prefix: &str) -> u64 {
        self.ports
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(_, v)| v)
            .sum()
    }

    /// Store calls that write (the rest read).
    fn store_writes(&self) -> u64 {
        [
            "store.commit",
            "store.commit_complaint",
            "store.put_pending_document",
            "store.claim",
            "store.complete",
            "store.release",
            "store.record_security_event",
        ]
        .iter()
        .map(|k| self.ports.get(*k).copied().unwrap_or(0))
        .sum()
    }
}

async fn stats(http: &reqwest::Client, base: &str) -> Stats {
    let v: Value = http
        .get(format!("{base}/_dev/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ports = v["ports"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    Stats {
        round_trips: v["store"]["round_trips"].as_u64().unwrap_or(0),
        task_round_trips: v["task"]["round_trips"].as_u64().unwrap_or(0),
        task_invocations: v["task"]["invocations"].as_u64().unwrap_or(0),
        transitions: v["executor"]["transitions"].as_u64().unwrap_or(0),
        executor_writes: v["executor"]["writes"].as_u64().unwrap_or(0),
        read_units: v["store"]["request_units"]["read"].as_f64().unwrap_or(0.0),
        write_units: v["store"]["request_units"]["write"].as_f64().unwrap_or(0.0),
        ports,
    }
}

/// Per-request-group store work of one case run alone.
#[derive(Debug, Clone, Default)]
struct Probe {
    /// (label, handler round trips, workflow-task round trips, requests).
    rows: Vec<(String, u64, u64, u64)>,
    total: Stats,
    requests: u64,
}

struct ProbeMark<'a> {
    http: &'a reqwest::Client,
    base: &'a str,
    rec: Arc<Recorder>,
    last: Stats,
    last_requests: u64,
    probe: &'a mut Probe,
}

#[async_trait::async_trait]
impl AsyncMark for ProbeMark<'_> {
    async fn mark(&mut self, label: &str) {
        let now = stats(self.http, self.base).await;
        let d = now.minus(&self.last);
        let reqs = self.rec.requests.load(Ordering::Relaxed);
        self.probe.rows.push((
            label.to_string(),
            d.round_trips - d.task_round_trips,
            d.task_round_trips,
            reqs - self.last_requests,
        ));
        self.last = now;
        self.last_requests = reqs;
    }
    async fn settle(&mut self) {
        // The waiting reads (GET case until the step is reached) are the console's, not the
        // decision's: start the next group from here.
        self.last = stats(self.http, self.base).await;
        self.last_requests = self.rec.requests.load(Ordering::Relaxed);
    }
}

async fn probe_case(app: &TestApp, driver: &Driver, pdf: &[u8]) -> Probe {
    let http = reqwest::Client::new();
    let mut probe = Probe::default();
    let start = stats(&http, &app.base).await;
    let req0 = driver.rec.requests.load(Ordering::Relaxed);
    {
        let mark = ProbeMark {
            http: &http,
            base: &app.base,
            rec: driver.rec.clone(),
            last: start.clone(),
            last_requests: req0,
            probe: &mut probe,
        };
        driver.one_case(pdf, mark).await;
    }
    probe.total = stats(&http, &app.base).await.minus(&start);
    probe.requests = driver.rec.requests.load(Ordering::Relaxed) - req0;
    probe
}

// ---------------------------------------------------------------------------------------------
// 1. Lifecycle throughput and the raw-storage ceiling

struct Lifecycle {
    probe: Probe,
    /// p50 latency per request kind, in ms.
    p50: BTreeMap<&'static str, f64>,
}

async fn lifecycle(a: &Args) -> Lifecycle {
    println!(
        "\n== lifecycle: {} complete cases over HTTP, {} at a time (local runner, SQLite) ==",
        a.cases, a.concurrency
    );
    let app = TestApp::spawn_with_env(vec![
        ("PD_PORT_METER".into(), "1".into()),
        ("RUST_LOG".into(), "error".into()),
    ])
    .await;
    let driver = Arc::new(Driver::new(&app).await);
    let pdf = Arc::new(padded_pdf(256 * 1024));
    let http = reqwest::Client::new();
    // A warm-up case (connections, page cache), not counted.
    driver.one_case(&pdf, NoMark).await;
    let before = stats(&http, &app.base).await;
    driver.rec.latencies.lock().unwrap().clear();
    let req0 = driver.rec.requests.load(Ordering::Relaxed);
    let done = Arc::new(AtomicU64::new(0));
    let sem = Arc::new(tokio::sync::Semaphore::new(a.concurrency));
    let t = Instant::now();
    let mut tasks = vec![];
    for _ in 0..a.cases {
        let (driver, pdf, done, sem) = (driver.clone(), pdf.clone(), done.clone(), sem.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire().await.unwrap();
            driver.one_case(&pdf, NoMark).await;
            done.fetch_add(1, Ordering::Relaxed);
        }));
    }
    let total = a.cases as u64;
    let progress = {
        let done = done.clone();
        tokio::spawn(async move {
            loop {
                let n = done.load(Ordering::Relaxed);
                let filled = (n * 30 / total.max(1)) as usize;
                eprint!(
                    "\r  [{}{}] {n}/{total} cases",
                    "#".repeat(filled),
                    ".".repeat(30 - filled)
                );
                let _ = std::io::stderr().flush();
                if n >= total {
                    eprintln!();
                    break;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
    };
    for t in tasks {
        t.await.expect("a case failed");
    }
    let wall = t.elapsed();
    progress.await.unwrap();
    let work = stats(&http, &app.base).await.minus(&before);
    let requests = driver.rec.requests.load(Ordering::Relaxed) - req0;
    let cps = a.cases as f64 / wall.as_secs_f64();
    println!(
        "  {} cases in {:.2} s: {:.2} cases/s, {} requests ({:.0}/s), {} retried after 409",
        a.cases,
        wall.as_secs_f64(),
        cps,
        requests,
        requests as f64 / wall.as_secs_f64(),
        driver.rec.retries.load(Ordering::Relaxed)
    );
    println!(
        "  {:<28} {:>7} {:>9} {:>9}",
        "request", "count", "p50 ms", "p99 ms"
    );
    let mut p50 = BTreeMap::new();
    for (kind, v) in driver.rec.latencies.lock().unwrap().iter_mut() {
        v.sort();
        let (a50, a99) = (ms(percentile(v, 0.5)), ms(percentile(v, 0.99)));
        p50.insert(*kind, a50);
        println!("  {kind:<28} {:>7} {a50:>9.2} {a99:>9.2}", v.len());
    }

    // The same SQLite transactions, no logic.
    let n = a.cases as u64;
    let reads = work.round_trips - work.store_writes();
    let writes = work.store_writes();
    println!(
        "  per case: {:.1} store round trips ({:.1} writing), {:.1} executor writes, {:.1} state transitions",
        work.round_trips as f64 / n as f64,
        writes as f64 / n as f64,
        work.executor_writes as f64 / n as f64,
        work.transitions as f64 / n as f64,
    );
    let raw = raw_sqlite(&app.data_dir(), reads, writes + work.executor_writes);
    let raw_cps = a.cases as f64 / raw.as_secs_f64();
    println!(
        "  raw-storage ceiling: {} reads + {} write transactions (4 KB rows, WAL, synchronous=FULL) in {:.2} s = {:.2} cases/s",
        reads,
        writes + work.executor_writes,
        raw.as_secs_f64(),
        raw_cps
    );
    println!(
        "  ratio lifecycle / raw storage: {:.2} (goal ≥ 0.5)",
        cps / raw_cps
    );

    println!("\n== one case alone (SQLite), store round trips per request group ==");
    let probe = probe_case(&app, &driver, &pdf).await;
    Lifecycle { probe, p50 }
}

/// Runs `reads` point reads and `writes` single-row write transactions on a fresh SQLite file
/// beside the runner's (same disk, same pragmas as the store), sequentially.
fn raw_sqlite(beside: &Path, reads: u64, writes: u64) -> Duration {
    let path = beside.join("raw-ceiling.sqlite");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.pragma_update(None, "journal_mode", "WAL").unwrap();
    c.pragma_update(None, "synchronous", "FULL").unwrap();
    c.execute_batch("CREATE TABLE kv (id INTEGER PRIMARY KEY, version INTEGER, data TEXT)")
        .unwrap();
    let blob = "x".repeat(4096);
    let rows = 1000u64;
    {
        let tx = c.unchecked_transaction().unwrap();
        for i in 0..rows {
            tx.execute(
                "INSERT INTO kv VALUES (?1, 0, ?2)",
                rusqlite::params![i, blob],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }
    let t = Instant::now();
    let mut r = 0u64;
    let mut w = 0u64;
    let mut i = 0u64;
    while r < reads || w < writes {
        i = i
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let id = (i >> 33) % rows;
        if r * writes.max(1) <= w * reads.max(1) && r < reads || w >= writes {
            let _: String = c
                .query_row("SELECT data FROM kv WHERE id = ?1", [id], |x| x.get(0))
                .unwrap();
            r += 1;
        } else {
            let tx = c.unchecked_transaction().unwrap();
            tx.execute(
                "UPDATE kv SET version = version + 1, data = ?2 WHERE id = ?1",
                rusqlite::params![id, blob],
            )
            .unwrap();
            tx.commit().unwrap();
            w += 1;
        }
    }
    let d = t.elapsed();
    drop(c);
    let _ = std::fs::remove_file(&path);
    d
}

// ---------------------------------------------------------------------------------------------
// 2. Round trips per request, SQLite and DynamoDB

async fn probe_on_dynamodb() -> Probe {
    println!("\n== one case alone on DynamoDB, S3 and SES (moto) ==");
    let fx = common::aws::Fixture::new(false).await;
    let mut env = fx.runner_env();
    env.push(("PD_PORT_METER".into(), "1".into()));
    // As the stack deploys it: staff get a morning digest, not an e-mail per arrival.
    env.push(("PD_STAFF_NOTICES".into(), "daily".into()));
    env.push(("RUST_LOG".into(), "error".into()));
    let app = TestApp::spawn_with_env(env).await;
    let driver = Driver::new(&app).await;
    let pdf = padded_pdf(256 * 1024);
    let probe = probe_case(&app, &driver, &pdf).await;
    println!(
        "  request units per case: {:.1} read, {:.1} write (computed from item sizes by the adapter)",
        probe.total.read_units, probe.total.write_units
    );
    probe
}

fn print_round_trips(sqlite: &Probe, dynamo: Option<&Probe>) {
    println!(
        "\n== store round trips per request group of one case (handler | workflow task it triggers) =="
    );
    println!(
        "  {:<28} {:>9} {:>13} {:>11} {:>13}",
        "group", "requests", "SQLite", "DynamoDB", "goal"
    );
    for (i, (label, h, w, reqs)) in sqlite.rows.iter().enumerate() {
        let d = dynamo
            .and_then(|p| p.rows.get(i))
            .map_or("-".to_string(), |(_, h, w, _)| format!("{h} | {w}"));
        let staff = !matches!(
            label.as_str(),
            "create application (d, e)"
                | "upload 4 documents (f)"
                | "submit (e → g)"
                | "survey"
                | "letter download (s)"
        );
        // A decision group is a GET of the case (1 read) and the POST.
        println!(
            "  {label:<28} {reqs:>9} {:>13} {d:>11} {:>13}",
            format!("{h} | {w}"),
            if staff { "POST ≤ 2" } else { "" }
        );
    }
    println!(
        "  (a decision group is the console's GET of the case, one read, and the POST: at most 2 for the POST is the goal; tests/round_trips.rs asserts it per action on DynamoDB)"
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Handler overhead in process

/// The permit catalogue's load at start: definitions only (every Lambda's cold start) and with
/// every workflow parsed and checked (the local runner).
fn catalogue_load(a: &Args) {
    use perizinan::catalogue::{Catalogue, Checks};
    use perizinan::domain::calendar::Calendar;
    use perizinan::domain::roles::Roles;
    let n = if a.smoke { 5 } else { 51 };
    println!(
        "\n== permit catalogue load ({} permits embedded), median of {n} ==",
        Catalogue::shipped(&Roles::shipped(), &Calendar::shipped())
            .unwrap()
            .iter()
            .count()
    );
    let (roles, calendar) = (Roles::shipped(), Calendar::shipped());
    for (label, checks) in [
        ("definitions (each function's init)", Checks::Definitions),
        ("definitions and workflows (the runner)", Checks::Workflows),
    ] {
        let mut t: Vec<Duration> = (0..n)
            .map(|_| {
                let start = Instant::now();
                Catalogue::shipped_with(&roles, &calendar, checks).expect("the catalogue loads");
                start.elapsed()
            })
            .collect();
        t.sort();
        println!("  {label:<40} {:>8.0} µs", t[n / 2].as_secs_f64() * 1e6);
    }
}

async fn handler_overhead(a: &Args) {
    println!(
        "\n== handler overhead in process: the router called directly (no HTTP), embedded store on tmpfs, {} iterations ==",
        a.overhead_iterations
    );
    let services = perizinan_embedded::from_env(Some(perizinan_letters::renderer()))
        .await
        .expect("services");
    let app = local::api_routes(&services.catalogue).with_state(services.clone());
    let applicant = caller("bench-applicant", Role::new("applicant"));
    let fo = caller("bench-fo", Role::new("front_office"));
    let (s, c) = call_router(&app, &applicant, "POST", "/cases", Some(application())).await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_str().unwrap().to_string();
    let pdf = common::pdf("lampiran");
    for r in REQUIRED {
        let (s, v) = call_router(
            &app,
            &applicant,
            "POST",
            &format!("/cases/{id}/documents"),
            Some(json!({"requirement": r, "file_name": "a.pdf", "media_type": "application/pdf", "size": pdf.len()})),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        let doc = v["document"]["id"].as_str().unwrap().to_string();
        let rec = services
            .store
            .document(
                perizinan::domain::CaseId::parse(&id).unwrap(),
                uuid::Uuid::parse_str(&doc).unwrap(),
            )
            .await
            .unwrap()
            .unwrap();
        services
            .documents
            .put(&rec.key, pdf.clone().into(), "application/pdf")
            .await
            .unwrap();
        let (s, v) = call_router(
            &app,
            &applicant,
            "POST",
            &format!("/cases/{id}/documents/{doc}/confirm"),
            None,
        )
        .await;
        assert_eq!(s, 200, "{v}");
    }
    let (s, v) = call_router(
        &app,
        &applicant,
        "POST",
        &format!("/cases/{id}/submit"),
        Some(json!({"version": c["version"].as_u64().unwrap() + 4})),
    )
    .await;
    assert_eq!(s, 200, "{v}");

    let mut rows: Vec<(&str, Vec<Duration>)> = vec![];
    let n = a.overhead_iterations;
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let (s, _) = call_router(&app, &fo, "GET", &format!("/cases/{id}"), None).await;
        v.push(t.elapsed());
        assert_eq!(s, 200);
    }
    rows.push(("GET /cases/{id} (staff view)", v));
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let (s, _) = call_router(&app, &applicant, "POST", "/cases", Some(application())).await;
        v.push(t.elapsed());
        assert_eq!(s, 201);
    }
    rows.push(("POST /cases (validate + commit)", v));
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let mut bad = application();
        bad["nib"] = json!("12");
        bad["cash_office"]["member_count"] = json!(3);
        let t = Instant::now();
        let (s, _) = call_router(&app, &applicant, "POST", "/cases", Some(bad)).await;
        v.push(t.elapsed());
        assert_eq!(s, 422);
    }
    rows.push(("POST /cases refused (422)", v));
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let (s, _) = call_router(
            &app,
            &fo,
            "POST",
            &format!("/cases/{id}/steps/front_office_verification"),
            Some(json!({"version": 1, "outcome": "complete"})),
        )
        .await;
        v.push(t.elapsed());
        assert_eq!(s, 409);
    }
    rows.push(("POST decision, stale (409)", v));
    println!(
        "  {:<34} {:>9} {:>9} {:>9}",
        "request", "p50 µs", "p99 µs", "max µs"
    );
    for (name, mut v) in rows {
        v.sort();
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        println!(
            "  {name:<34} {:>9.0} {:>9.0} {:>9.0}",
            us(percentile(&v, 0.5)),
            us(percentile(&v, 0.99)),
            us(*v.last().unwrap())
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Lambda init under a minimal Runtime API emulator

const FUNCTIONS: [&str; 10] = [
    "submit",
    "upload",
    "verify",
    "recommend",
    "sign",
    "survey",
    "workflow",
    "complaint",
    "overdue",
    "reports",
];

/// The event each function answers first: a route it owns (HTTP API payload 2.0), or a task
/// payload; none needs the network except the refused-request log and the overdue run, which
/// reach the emulator's stand-in AWS endpoint and get an error back at once.
fn first_event(f: &str) -> Value {
    let http = |method: &str, path: &str| {
        json!({
            "version": "2.0", "routeKey": format!("{method} {path}"), "rawPath": path,
            "rawQueryString": "", "headers": {"host": "api.example", "content-type": "application/json"},
            "requestContext": {"accountId": "123456789012", "apiId": "bench", "domainName": "api.example",
                "domainPrefix": "api", "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.1", "userAgent": "bench"}, "requestId": "bench-1",
                "routeKey": format!("{method} {path}"), "stage": "$default",
                "time": "26/Nov/2026:08:00:00 +0000", "timeEpoch": 1795680000000u64},
            "isBase64Encoded": false
        })
    };
    match f {
        "survey" => http("GET", "/survey/questions"),
        "submit" => http("GET", "/cases"),
        "upload" => http("POST", "/cases/0/documents"),
        "verify" => http("POST", "/cases/0/steps/front_office_verification"),
        "recommend" => http("POST", "/cases/0/steps/recommendation"),
        "sign" => http("POST", "/cases/0/steps/head_signature"),
        "complaint" => http("GET", "/complaints"),
        "reports" => http("GET", "/reports/sla"),
        "workflow" => json!({"bench": "not a task payload"}),
        _ => {
            json!({"version": "0", "id": "bench", "detail-type": "Scheduled Event", "source": "aws.scheduler", "detail": {}})
        }
    }
}

struct Emulator {
    addr: std::net::SocketAddr,
    event: Arc<Mutex<Option<Value>>>,
    answered: Arc<tokio::sync::Notify>,
    outcome: Arc<Mutex<Option<&'static str>>>,
}

async fn emulator() -> Emulator {
    use axum::extract::State;
    use axum::http::HeaderMap;
    use axum::routing::{get, post};
    #[derive(Clone)]
    struct St {
        event: Arc<Mutex<Option<Value>>>,
        answered: Arc<tokio::sync::Notify>,
        outcome: Arc<Mutex<Option<&'static str>>>,
    }
    async fn next(State(s): State<St>) -> (HeaderMap, String) {
        let ev = s.event.lock().unwrap().take();
        let Some(ev) = ev else {
            // One event per start: the process is stopped after answering it.
            std::future::pending::<()>().await;
            unreachable!()
        };
        let mut h = HeaderMap::new();
        let deadline = (std::time::SystemTime::now() + Duration::from_secs(30))
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis();
        h.insert("lambda-runtime-aws-request-id", "bench-1".parse().unwrap());
        h.insert(
            "lambda-runtime-deadline-ms",
            deadline.to_string().parse().unwrap(),
        );
        h.insert(
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:ap-southeast-3:123456789012:function:bench"
                .parse()
                .unwrap(),
        );
        h.insert("lambda-runtime-trace-id", "Root=1-0-0".parse().unwrap());
        (h, ev.to_string())
    }
    async fn response(State(s): State<St>) -> &'static str {
        *s.outcome.lock().unwrap() = Some("response");
        s.answered.notify_one();
        "{}"
    }
    async fn error(State(s): State<St>) -> &'static str {
        *s.outcome.lock().unwrap() = Some("error");
        s.answered.notify_one();
        "{}"
    }
    async fn aws() -> (axum::http::StatusCode, &'static str) {
        (
            axum::http::StatusCode::BAD_REQUEST,
            r#"{"__type":"com.amazon.coral.validate#ValidationException","message":"benchmark stand-in"}"#,
        )
    }
    let st = St {
        event: Arc::new(Mutex::new(None)),
        answered: Arc::new(tokio::sync::Notify::new()),
        outcome: Arc::new(Mutex::new(None)),
    };
    let app = axum::Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(error))
        .fallback(aws)
        .with_state(st.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Emulator {
        addr,
        event: st.event,
        answered: st.answered,
        outcome: st.outcome,
    }
}

struct Init {
    /// Median ms from process start to the first event answered, per function.
    median_ms: BTreeMap<&'static str, f64>,
}

async fn lambda_init(a: &Args) -> Option<Init> {
    let dir = std::env::var("PD_BENCH_FN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release"));
    let missing: Vec<_> = FUNCTIONS
        .iter()
        .filter(|f| !dir.join(f).is_file())
        .collect();
    if !missing.is_empty() {
        println!(
            "\n== Lambda init: skipped (no release binaries in {}; ./scripts/bench builds them) ==",
            dir.display()
        );
        return None;
    }
    let starts = if a.smoke { 3 } else { 9 };
    println!(
        "\n== Lambda init: process start → first event answered, SDK clients built (native {} release binaries, median of {starts}) ==",
        std::env::consts::ARCH
    );
    let emu = emulator().await;
    let mut out = BTreeMap::new();
    println!(
        "  {:<10} {:>10} {:>10} {:>10}  answer",
        "function", "median ms", "min ms", "max ms"
    );
    for f in FUNCTIONS {
        let mut times = vec![];
        let mut answer = "";
        for _ in 0..starts {
            *emu.event.lock().unwrap() = Some(first_event(f));
            *emu.outcome.lock().unwrap() = None;
            let t = Instant::now();
            let mut child = std::process::Command::new(dir.join(f))
                .env_clear()
                .env("AWS_LAMBDA_RUNTIME_API", emu.addr.to_string())
                .env("AWS_LAMBDA_FUNCTION_NAME", f)
                .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
                .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
                .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench")
                .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
                .env("AWS_REGION", "ap-southeast-3")
                .env("AWS_ACCESS_KEY_ID", "bench")
                .env("AWS_SECRET_ACCESS_KEY", "bench")
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .env("AWS_ENDPOINT_URL", format!("http://{}", emu.addr))
                .env("PD_BACKEND", "aws")
                .env("PD_TABLE", "bench")
                .env("PD_UPLOAD_BUCKET", "bench-uploads")
                .env("PD_SIGNED_BUCKET", "bench-signed")
                .env("PD_SIGNING_KEY_ID", "alias/bench")
                .env("PD_MAIL_FROM", "noreply@perizinan-digital.test")
                .env("PD_VERIFY_BASE_URL", "https://perizinan.example/api")
                .env("PD_PORTAL_URL", "https://perizinan.example/")
                .env(
                    "PD_STATE_MACHINE_ARN_PREFIX",
                    "arn:aws:states:ap-southeast-3:123456789012:stateMachine:bench-",
                )
                .env(
                    "PD_COMPLAINT_STATE_MACHINE_ARN",
                    "arn:aws:states:ap-southeast-3:123456789012:stateMachine:bench-pengaduan",
                )
                .env("PD_ROLE_MAILBOXES", "{}")
                .env("RUST_LOG", "error")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("function starts");
            tokio::time::timeout(Duration::from_secs(30), emu.answered.notified())
                .await
                .unwrap_or_else(|_| panic!("{f} did not answer"));
            times.push(t.elapsed());
            answer = emu.outcome.lock().unwrap().unwrap_or("?");
            let _ = child.kill();
            let _ = child.wait();
        }
        times.sort();
        let med = ms(times[times.len() / 2]);
        out.insert(f, med);
        println!(
            "  {f:<10} {med:>10.1} {:>10.1} {:>10.1}  {answer}",
            ms(times[0]),
            ms(*times.last().unwrap())
        );
    }
    println!(
        "  (goal ≤ 20 ms; the reference hello-world Rust function: ~14 ms on provided.al2023 arm64)"
    );
    Some(Init { median_ms: out })
}

// ---------------------------------------------------------------------------------------------
// 5. Package sizes

fn package_sizes() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/lambda");
    println!("\n== package size: cargo lambda build --release --arm64 --output-format zip ==");
    let mut any = false;
    for f in FUNCTIONS {
        let zip = dir.join(f).join("bootstrap.zip");
        if let Ok(m) = std::fs::metadata(&zip) {
            any = true;
            let unzipped = std::fs::metadata(dir.join(f).join("bootstrap"))
                .map(|m| format!("{:.2} MB", m.len() as f64 / 1e6))
                .unwrap_or_else(|_| "-".into());
            println!(
                "  {f:<10} zip {:>6.2} MB  (binary {unzipped}){}",
                m.len() as f64 / 1e6,
                if m.len() > 5_000_000 {
                    "  over the 5 MB goal"
                } else {
                    ""
                }
            );
        }
    }
    if !any {
        println!("  (no zips in target/lambda: ./scripts/bench or the test command builds them)");
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Cost per case

/// The benchmark's application: the applicant chose e-mail and SMS (the costlier choice).
fn application_choosing_sms() -> serde_json::Value {
    let mut a = application();
    a["contact"]["notify_by"] = serde_json::json!("both");
    a
}

/// AWS list prices used (USD). Sources and dates: docs/performance.md. Where no Asia Pacific
/// (Jakarta, ap-southeast-3) figure was found, the us-east-1 price is used and marked.
mod price {
    /// Lambda arm64, per GB-second (ap-southeast-3).
    pub const LAMBDA_GB_S: f64 = 0.000_013_333_4;
    /// Lambda requests, per request.
    pub const LAMBDA_REQUEST: f64 = 0.20 / 1e6;
    /// HTTP API requests (us-east-1).
    pub const HTTP_API_REQUEST: f64 = 1.00 / 1e6;
    /// Step Functions Standard, per state transition (us-east-1).
    pub const SFN_TRANSITION: f64 = 0.025 / 1000.0;
    /// DynamoDB on-demand, per write / read request unit (us-east-1, after November 2024).
    pub const DDB_WRU: f64 = 0.625 / 1e6;
    pub const DDB_RRU: f64 = 0.125 / 1e6;
    /// S3 PUT/POST/LIST (ap-southeast-3) and GET/HEAD (us-east-1), per request.
    pub const S3_PUT: f64 = 0.005 / 1000.0;
    pub const S3_GET: f64 = 0.0004 / 1000.0;
    /// SES outbound, per message.
    pub const SES_MESSAGE: f64 = 0.10 / 1000.0;
    /// KMS asymmetric Sign (ECC / RSA 3072+), per request.
    pub const KMS_SIGN: f64 = 0.15 / 10_000.0;
    /// One SMS part to an Indonesian number (SNS / AWS End User Messaging, sender ID):
    /// ASSUMED, not read from AWS's page (not reachable from the build machine); set
    /// `PD_BENCH_SMS_PRICE_USD` to the current figure of the pricing page for Indonesia.
    pub const SMS_PART_ASSUMED: f64 = 0.035;
    pub fn sms_part() -> f64 {
        std::env::var("PD_BENCH_SMS_PRICE_USD")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(SMS_PART_ASSUMED)
    }
}

/// Assumed in-region latency of each AWS call, ms (Lambda bills the wait).
mod latency {
    pub const DYNAMODB: f64 = 6.0;
    pub const S3: f64 = 20.0;
    pub const SES: f64 = 30.0;
    pub const SFN: f64 = 20.0;
    pub const KMS: f64 = 25.0;
}

fn cost_per_case(p: &Probe, immediate: &Probe, life: &Lifecycle, init: Option<&Init>) {
    let t = &p.total;
    println!(
        "\n== cost of one case at AWS list prices (Jakarta where found, else us-east-1; docs/performance.md) =="
    );
    // API requests the portal and console make for the case (the probe's, including the
    // console's reads), one Lambda invocation each; uploads and the letter go straight to S3
    // by signed URL (recorded by the driver, not API requests). The workflow function runs once
    // per task state.
    let direct_s3 = (REQUIRED.len() + 1) as f64;
    let api_requests = p.requests as f64 - direct_s3;
    let invocations = api_requests + t.task_invocations as f64;
    // Duration: this machine's median in-process time per request (from the lifecycle run)
    // plus the assumed latency of each AWS call the case made.
    let cpu_ms: f64 = life.p50.values().sum::<f64>() / life.p50.len().max(1) as f64;
    let s3_reads = ["get", "head", "scan_status"]
        .iter()
        .map(|op| t.port(&format!("documents.{op}")) + t.port(&format!("signed_documents.{op}")))
        .sum::<u64>();
    let s3_writes = ["put", "delete"]
        .iter()
        .map(|op| t.port(&format!("documents.{op}")) + t.port(&format!("signed_documents.{op}")))
        .sum::<u64>();
    let ses = t.port("mailer.send");
    // Each SMS of the case is one part (the notices' texts are fitted to one where they can:
    // tests/suite/sms.rs checks the segment count).
    let sms = t.port("sms.send");
    let sign = t.port("signer.sign_digest");
    let sfn_calls = t.port("orchestrator.start") + t.port("orchestrator.complete");
    let wait_ms = t.round_trips as f64 * latency::DYNAMODB
        + (s3_reads + s3_writes) as f64 * latency::S3
        + ses as f64 * latency::SES
        + sfn_calls as f64 * latency::SFN
        + sign as f64 * latency::KMS;
    let billed_ms = invocations * cpu_ms + wait_ms;
    let gb_s = billed_ms / 1000.0 * 0.25;
    let s3_requests_put = s3_writes as f64 + direct_s3 - 1.0; // uploads are POSTs
    let s3_requests_get = s3_reads as f64 + 1.0; // the letter's download
    let transitions = t.transitions as f64;
    let (rru, wru) = if t.read_units + t.write_units > 0.0 {
        (t.read_units, t.write_units)
    } else {
        // SQLite probe: one read unit per read trip, two write units per item written.
        let w = t.store_writes() as f64;
        ((t.round_trips as f64 - w), w * 6.0)
    };
    let lines: Vec<(&str, String, f64)> = vec![
        (
            "HTTP API requests",
            format!("{api_requests:.0}"),
            api_requests * price::HTTP_API_REQUEST,
        ),
        (
            "Lambda requests",
            format!("{invocations:.0}"),
            invocations * price::LAMBDA_REQUEST,
        ),
        (
            "Lambda duration (arm64, 256 MB)",
            format!("{:.0} ms = {gb_s:.3} GB-s", billed_ms),
            gb_s * price::LAMBDA_GB_S,
        ),
        (
            "Step Functions transitions",
            format!("{transitions:.0}"),
            transitions * price::SFN_TRANSITION,
        ),
        (
            "DynamoDB read units",
            format!("{rru:.1}"),
            rru * price::DDB_RRU,
        ),
        (
            "DynamoDB write units",
            format!("{wru:.1}"),
            wru * price::DDB_WRU,
        ),
        (
            "S3 PUT/POST",
            format!("{s3_requests_put:.0}"),
            s3_requests_put * price::S3_PUT,
        ),
        (
            "S3 GET/HEAD",
            format!("{s3_requests_get:.0}"),
            s3_requests_get * price::S3_GET,
        ),
        (
            "SES messages",
            format!("{ses}"),
            ses as f64 * price::SES_MESSAGE,
        ),
        ("KMS Sign", format!("{sign}"), sign as f64 * price::KMS_SIGN),
        (
            "SMS parts (applicant chose SMS)",
            format!("{sms}"),
            sms as f64 * price::sms_part(),
        ),
    ];
    let total: f64 = lines.iter().map(|l| l.2).sum();
    let without_sms = total - sms as f64 * price::sms_part();
    println!(
        "  {:<34} {:>24} {:>12} {:>6}",
        "item", "quantity", "USD", "share"
    );
    for (name, q, usd) in &lines {
        println!(
            "  {name:<34} {q:>24} {usd:>12.6} {:>5.1}%",
            usd / total * 100.0
        );
    }
    println!("  {:<34} {:>24} {total:>12.6}", "total per case", "");
    println!(
        "  without SMS (the applicant chose e-mail, the form's default): {without_sms:.6}; goal ≤ $0.002 per case: {}",
        if without_sms <= 0.002 {
            "met"
        } else {
            "NOT met"
        }
    );
    println!(
        "  with SMS: {total:.6} per case, {:.0}× the goal, at an assumed ${:.3} per part (PD_BENCH_SMS_PRICE_USD)",
        total / 0.002,
        price::sms_part()
    );
    let extra = immediate.total.port("mailer.send") as f64 - ses as f64;
    if extra > 0.0 {
        println!(
            "  with an e-mail to staff at every arrival (PD_STAFF_NOTICES=immediate): +{extra:.0} messages, total {:.6}",
            without_sms + extra * price::SES_MESSAGE
        );
    }
    println!(
        "  fixed per office and month, not per case: the staff digests (7 roles × 22 working days = 154 messages, ${:.4}), the KMS key ($1)",
        154.0 * price::SES_MESSAGE
    );
    if let Some(i) = init {
        let worst = i.median_ms.values().cloned().fold(0.0, f64::max);
        println!(
            "  (cold starts add at most {worst:.0} ms of init per new execution environment; not billed separately on provided.al2023 beyond the init duration)"
        );
    }
}
