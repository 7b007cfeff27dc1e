//! Fault injection: the runner with 10 % of the calls to every port failing (errors, throttling,
//! and timeouts whose work was done but whose answer was lost), and the workflow's task
//! function failing as often. Many cases go through the whole grant path with clients that
//! retry as real ones do (same `Idempotency-Key` on a retry; on a conflict after a lost answer,
//! reload and see whether the action took effect). Then: no transition lost or doubled, no
//! execution stuck, every audit trail intact and consistent with its case, registration and
//! letter numbers without gaps or duplicates.

use crate::common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const CASES: usize = 24;
const PARALLEL: usize = 6;

/// A client that retries like a browser app would.
struct Client {
    app: Arc<TestApp>,
    requests: AtomicU64,
    retries: AtomicU64,
}

impl Client {
    /// Sends until the answer is not a server error (or `idempotency_in_progress`), with one
    /// idempotency key for all attempts of this action.
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let key = uuid::Uuid::new_v4().to_string();
        for attempt in 0..60u32 {
            self.requests.fetch_add(1, Ordering::Relaxed);
            if attempt > 0 {
                self.retries.fetch_add(1, Ordering::Relaxed);
                let ms = (10u64 << attempt.min(5)).min(300);
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            let mut req = self
                .app
                .http
                .request(method.clone(), format!("{}{path}", self.app.api))
                .bearer_auth(token);
            if method != Method::GET {
                req = req.header("Idempotency-Key", &key);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let Ok(resp) = req.send().await else { continue };
            let status = resp.status();
            let v: Value = resp.json().await.unwrap_or(Value::Null);
            let in_progress =
                status == StatusCode::CONFLICT && v["code"] == "idempotency_in_progress";
            if status.is_server_error() || in_progress {
                continue;
            }
            return (status, v);
        }
        panic!("{method} {path}: still failing after 60 attempts");
    }

    async fn case(&self, token: &str, id: &str) -> Value {
        let (s, v) = self
            .call(Method::GET, &format!("/cases/{id}"), token, None)
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v
    }

    /// Uploads one requirement: ticket, bytes, confirmation (each retried).
    async fn upload(&self, token: &str, id: &str, requirement: &str) {
        let bytes = pdf(requirement);
        {
            let (s, ticket) = self
                .call(
                    Method::POST,
                    &format!("/cases/{id}/documents"),
                    token,
                    Some(&json!({"requirement": requirement, "file_name": format!("{requirement}.pdf"), "media_type": "application/pdf", "size": bytes.len()})),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{ticket}");
            let url = ticket["upload"]["url"].as_str().unwrap();
            let put = self
                .app
                .http
                .put(url)
                .header("content-type", "application/pdf")
                .body(bytes.clone())
                .send()
                .await
                .unwrap();
            assert!(put.status().is_success());
            let doc = ticket["document"]["id"].as_str().unwrap();
            let (s, v) = self
                .call(
                    Method::POST,
                    &format!("/cases/{id}/documents/{doc}/confirm"),
                    token,
                    None,
                )
                .await;
            match s {
                StatusCode::OK => {}
                // The confirmation's answer was lost after it was stored: the document counts.
                StatusCode::CONFLICT if v["code"] == "invalid_state" => {}
                other => panic!("confirm {requirement}: {other} {v}"),
            }
        }
    }

    /// A decision at `step`: retried with the same key; a conflict after a lost answer is
    /// checked against the case (did my decision land?) before trying again with its version.
    async fn decide(&self, user_token: &str, id: &str, step: &str, extra: Value) {
        let path = if step == "survey" {
            format!("/cases/{id}/survey")
        } else {
            format!("/cases/{id}/steps/{step}")
        };
        let deadline = Instant::now() + Duration::from_secs(180);
        while Instant::now() < deadline {
            let case = self.case(user_token, id).await;
            if step_of(&case) != step {
                // Moved on: the decision landed in an earlier attempt whose answer was lost.
                return;
            }
            if case["step"]["awaiting_decision"] == false {
                // Decided, and the workflow has not moved yet.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            let mut body = extra.clone();
            body["version"] = case["version"].clone();
            let (s, v) = self
                .call(Method::POST, &path, user_token, Some(&body))
                .await;
            match s {
                s if s.is_success() => return,
                StatusCode::CONFLICT => continue,
                other => panic!("{step} on {id}: {other} {v}"),
            }
        }
        let case = self.case(user_token, id).await;
        panic!(
            "{step} on {id}: no decision within 180 s; {}",
            stuck_report(&self.app, id, &case).await
        );
    }
}

/// What a stuck case looks like: its step and version, and the last events of its execution.
async fn stuck_report(app: &TestApp, id: &str, case: &Value) -> String {
    let x = app.execution(id).await;
    let history = x["history"].as_array().cloned().unwrap_or_default();
    let tail: Vec<String> = history
        .iter()
        .rev()
        .take(12)
        .rev()
        .map(|e| e.to_string())
        .collect();
    format!(
        "case step {} version {} status {}; execution {}; last events:\n{}",
        case["step"],
        case["version"],
        case["status"]["code"],
        x["execution"],
        tail.join("\n")
    )
}

async fn one_case(c: &Client, tokens: &BTreeMap<&str, String>) -> String {
    let applicant = &tokens["pemohon"];
    let (s, created) = c
        .call(Method::POST, "/cases", applicant, Some(&application()))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    for r in REQUIRED {
        c.upload(applicant, &id, r).await;
    }
    // Submit (a retry after a lost answer starts the workflow if it did not start).
    loop {
        let case = c.case(applicant, &id).await;
        if case["status"]["code"] != "draft" && case["step"].is_object() {
            break;
        }
        let (s, v) = c
            .call(
                Method::POST,
                &format!("/cases/{id}/submit"),
                applicant,
                Some(&json!({"version": case["version"]})),
            )
            .await;
        assert!(
            s == StatusCode::OK || s == StatusCode::CONFLICT,
            "submit: {s} {v}"
        );
        if s == StatusCode::CONFLICT {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let today = today().to_string();
    let mut steps = decisions_g_to_p("grant");
    steps.extend([
        (
            "pemohon",
            "survey",
            json!({"answers": {"u1": 4, "u2": 3, "u3": 4, "u4": 4, "u5": 3, "u6": 4, "u7": 4, "u8": 3, "u9": 3}}),
        ),
        (
            "bo",
            "effectuation",
            json!({"outcome": "effectuated", "oss_permit_number": "KK-OSS-2026-0099", "effective_on": today}),
        ),
    ]);
    for (user, step, extra) in steps {
        // Wait until the workflow has the case at this step (read as its applicant: a
        // technical agency sees the case only from its own step on).
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let case = c.case(applicant, &id).await;
            let at = step_of(&case);
            if at == step {
                break;
            }
            if Instant::now() >= deadline {
                panic!(
                    "{id} never reached {step} (at {at:?}); {}",
                    stuck_report(&c.app, &id, &case).await
                );
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
        c.decide(&tokens[user], &id, step, extra).await;
    }
    id
}

const DECIDED: [&str; 10] = [
    "front_office_verification",
    "back_office_validation",
    "section_head_forwarding",
    "technical_verification",
    "recommendation",
    "letter_drafting",
    "section_head_validation",
    "division_head_validation",
    "head_signature",
    "effectuation",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_percent_faults_on_every_port() {
    let _alone = common::alone().await;
    let app = Arc::new(
        TestApp::spawn_with_env(vec![
            ("PD_FAULT_RATE".into(), "0.1".into()),
            ("PD_FAULT_SEED".into(), "20261126".into()),
            ("PD_RETRY_TIME_SCALE".into(), "0.01".into()),
            ("PD_TIMER_MS".into(), "200".into()),
            ("PD_IDEMPOTENCY_LOCK_SECONDS".into(), "3".into()),
        ])
        .await,
    );
    let mut tokens = BTreeMap::new();
    for u in [
        "pemohon", "fo", "bo", "kasi", "teknis", "diskop", "kabid", "kadis",
    ] {
        tokens.insert(u, app.login(u).await);
    }
    let client = Arc::new(Client {
        app: app.clone(),
        requests: AtomicU64::new(0),
        retries: AtomicU64::new(0),
    });
    let started = Instant::now();
    let tokens = Arc::new(tokens);
    let mut ids = vec![];
    for wave in 0..CASES.div_ceil(PARALLEL) {
        let n = PARALLEL.min(CASES - wave * PARALLEL);
        let runs = (0..n).map(|_| {
            let c = client.clone();
            let t = tokens.clone();
            tokio::spawn(async move { one_case(&c, &t).await })
        });
        for r in futures::future::join_all(runs).await {
            ids.push(r.expect("case task"));
        }
    }
    let drive_time = started.elapsed();

    // Every case closes as issued, and its execution ends.
    let kadis = &tokens["kadis"];
    let mut stuck = vec![];
    let mut registrations = vec![];
    let mut letters = vec![];
    let mut lost = 0usize;
    let mut doubled = 0usize;
    for id in &ids {
        let deadline = Instant::now() + Duration::from_secs(60);
        let case = loop {
            let c = client.case(kadis, id).await;
            if c["status"]["code"] == "issued" || Instant::now() > deadline {
                break c;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let exec = app.execution(id).await["execution"].clone();
        if case["status"]["code"] != "issued" || exec["status"] != "SUCCEEDED" {
            stuck.push(format!(
                "{id}: case {} execution {} {}",
                case["status"]["code"], exec["status"], exec["error"]
            ));
            continue;
        }
        registrations.push(case["registration_number"].as_str().unwrap().to_string());
        letters.push(
            case["letter"]["signed"]["number"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        let (s, trail) = client
            .call(Method::GET, &format!("/cases/{id}/events"), kadis, None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(trail["chain_valid"], true, "{id}: hash chain broken");
        let items = trail["items"].as_array().unwrap();
        for (i, e) in items.iter().enumerate() {
            assert_eq!(
                e["seq"].as_u64(),
                Some(i as u64 + 1),
                "{id}: gap in the trail"
            );
        }
        // Each step decided exactly once, in order, matching the case's own decisions.
        let decided: Vec<&str> = items
            .iter()
            .filter(|e| e["action"] == "step.decided")
            .filter_map(|e| e["step"].as_str())
            .filter(|s| *s != "survey")
            .collect();
        for step in DECIDED {
            match decided.iter().filter(|s| **s == step).count() {
                0 => lost += 1,
                1 => {}
                _ => doubled += 1,
            }
        }
        let in_case: Vec<&str> = case["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d["step"].as_str())
            .filter(|s| *s != "survey")
            .collect();
        assert_eq!(decided, in_case, "{id}: trail and case disagree");
        assert_eq!(decided, DECIDED.to_vec(), "{id}: steps out of order");
        let submitted = items
            .iter()
            .filter(|e| e["action"] == "case.submitted")
            .count();
        assert_eq!(submitted, 1, "{id}: submitted {submitted} times");
        assert_eq!(
            items
                .iter()
                .filter(|e| e["action"] == "case.closed")
                .count(),
            1,
            "{id}: closed more than once"
        );
    }
    let faults: Value = app
        .http
        .get(format!("{}/_dev/faults", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let injected: u64 = faults["injected"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(Value::as_u64)
        .sum();
    println!(
        "fault injection: {CASES} cases × 11 decisions, {} requests ({} retries) in {:.1}s; {} port calls, {injected} faults injected ({:.1} %): {}",
        client.requests.load(Ordering::Relaxed),
        client.retries.load(Ordering::Relaxed),
        drive_time.as_secs_f64(),
        faults["calls"],
        100.0 * injected as f64 / faults["calls"].as_f64().unwrap_or(1.0),
        faults["injected"]
    );
    println!(
        "  lost transitions: {lost}, doubled transitions: {doubled}, stuck executions: {}",
        stuck.len()
    );
    assert!(stuck.is_empty(), "stuck: {stuck:#?}");
    assert_eq!(lost, 0);
    assert_eq!(doubled, 0);
    assert!(injected > 500, "faults were injected ({injected})");

    // Numbers claimed exactly once each: no gaps, no duplicates.
    registrations.sort();
    let seq: Vec<u64> = registrations
        .iter()
        .map(|r| r.rsplit('-').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        seq,
        (1..=CASES as u64).collect::<Vec<_>>(),
        "{registrations:?}"
    );
    let mut letter_numbers: Vec<String> = letters.clone();
    letter_numbers.sort();
    letter_numbers.dedup();
    assert_eq!(
        letter_numbers.len(),
        CASES,
        "letter numbers unique: {letters:?}"
    );
    println!("  registration numbers 1..{CASES} without gaps; {CASES} distinct letter numbers");
}
