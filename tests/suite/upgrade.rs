//! Data written by release 0.1 (before the permit catalogue) opens with today's code and its open
//! cases finish: `tests/fixtures/release-0.1/` (see its README) holds an embedded data directory
//! and a DynamoDB/S3 dump, both written by the code of commit `57ced94`.
//!
//! The runner starts on a copy of each with its clock at the morning after the fixture was
//! written (`PD_DEV_CLOCK_AT`), so that no deadline has run out because the test runs later.

use crate::common;

use common::aws::Fixture;
use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

const FIXTURE: &str = "tests/fixtures/release-0.1";
/// The fixture was written on 2026-12-01 20:37 UTC (2 December, 04:37 WITA).
const MORNING_AFTER: &str = "2026-12-02T09:00:00+08:00";

fn fixture(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(FIXTURE)
        .join(path)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        let t = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &t);
        } else {
            std::fs::copy(&p, &t).unwrap();
        }
    }
}

fn case_ids(path: &str) -> serde_json::Map<String, Value> {
    serde_json::from_str::<Value>(&std::fs::read_to_string(fixture(path)).unwrap())
        .unwrap()
        .as_object()
        .unwrap()
        .clone()
}

/// The fixture's data directory `data` copied into a fresh temporary directory.
fn data_copy(data: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(data), dir.path());
    dir
}

fn clock_env() -> Vec<(String, String)> {
    vec![
        ("PD_DEV_CLOCK".into(), "1".into()),
        ("PD_DEV_CLOCK_AT".into(), MORNING_AFTER.into()),
    ]
}

async fn survey(app: &TestApp, t: &str, id: &str) {
    let v = app.case(t, id).await["version"].clone();
    let (s, b) = app
        .post(
            Some(t),
            &format!("/cases/{id}/survey"),
            json!({"version": v, "answers": {"u1":4,"u2":4,"u3":4,"u4":4,"u5":4,"u6":4,"u7":4,"u8":4,"u9":4}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "survey: {b}");
}

/// From the survey (q) to issued (r): the survey answered, the permit effectuated.
async fn survey_and_effectuate(app: &TestApp, t: &str, id: &str, oss: &str) -> Value {
    survey(app, t, id).await;
    let c = app
        .act_ok(
            "bo",
            id,
            "effectuation",
            json!({"outcome": "effectuated", "oss_permit_number": oss, "effective_on": "2026-12-02"}),
        )
        .await;
    assert_eq!(c["status"]["code"], "issued", "{c}");
    c
}

/// The decisions of g … p from `from` on (grant).
async fn from_step(app: &TestApp, id: &str, from: &str) {
    let plan = decisions_g_to_p_on("grant", runner_today(app).await);
    let at = plan.iter().position(|(_, st, _)| *st == from).unwrap();
    for (u, st, b) in plan.into_iter().skip(at) {
        app.act_ok(u, id, st, b).await;
    }
}

/// The signed letter of case `c` has its public verification record, and (`check_signature`)
/// the signature is valid by it.
async fn letter_verifies(app: &TestApp, c: &Value, check_signature: bool) {
    let doc = c["letter"]["signed"]["document_id"].as_str().unwrap();
    let (s, v) = app.get(None, &format!("/verify/{doc}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["number"], c["letter"]["signed"]["number"], "{v}");
    if check_signature {
        assert_eq!(v["status"], "valid", "{v}");
        assert_eq!(v["signature_valid"], true, "{v}");
    }
}

fn audit_verify(data_dir: &Path, envs: &[(String, String)]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_perizinan"))
        .arg("audit-verify")
        .arg("--data-dir")
        .arg(data_dir)
        .envs(envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .expect("audit-verify runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[tokio::test]
async fn an_embedded_data_directory_of_release_0_1_opens_and_its_cases_finish() {
    let ids = case_ids("embedded/cases.json");
    let id = |k: &str| ids[k].as_str().unwrap().to_string();
    let app = TestApp::spawn_on(data_copy("embedded/data"), clock_env()).await;
    let t = app.login("pemohon").await;

    // Every case reads as a kantor kas case, where it was left.
    let (s, mine) = app.get(Some(&t), "/cases").await;
    assert_eq!(s, StatusCode::OK, "{mine}");
    assert_eq!(mine["count"], 7, "{mine}");
    for item in mine["items"].as_array().unwrap() {
        assert_eq!(item["permit"]["code"], "kantor-kas-ksp", "{item}");
    }
    for (k, step, status) in [
        ("draft", "", "draft"),
        ("front_office", "front_office_verification", "in_process"),
        ("revision", "applicant_revision", "in_process"),
        (
            "section_head_validation",
            "section_head_validation",
            "in_process",
        ),
        ("survey", "survey", "in_process"),
        ("issued", "", "issued"),
        ("refused", "", "refused"),
    ] {
        let c = app.case(&t, &id(k)).await;
        assert_eq!(step_of(&c), step, "{k}: {c}");
        assert_eq!(c["status"]["code"], status, "{k}: {c}");
        assert_eq!(c["permit"]["code"], "kantor-kas-ksp", "{k}");
    }
    // What the old release issued and refused: the letter verifies, the permit as recorded.
    let issued = app.case(&t, &id("issued")).await;
    assert_eq!(issued["issuance"]["number"], "OSS-KK-0001", "{issued}");
    letter_verifies(&app, &issued, true).await;
    letter_verifies(&app, &app.case(&t, &id("refused")).await, true).await;
    let refused_decisions = app.case(&t, &id("refused")).await["decisions"].clone();
    let rec = refused_decisions
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["step"] == "recommendation")
        .unwrap()
        .clone();
    assert_eq!(rec["outcome"], "refuse", "{rec}");
    assert_eq!(
        rec["details"]["recommendation_number"], "500/045/DKUMP/2026",
        "the old decision's details read: {rec}"
    );

    // The open ones finish.
    let draft = id("draft");
    let (s, c) = app.submit(&t, &draft).await;
    assert_eq!(s, StatusCode::OK, "the old draft submits: {c}");
    staff_g_to_p(&app, &draft, "grant").await;
    survey_and_effectuate(&app, &t, &draft, "OSS-KK-0101").await;

    let fo = id("front_office");
    staff_g_to_p(&app, &fo, "grant").await;
    let c = survey_and_effectuate(&app, &t, &fo, "OSS-KK-0102").await;
    letter_verifies(&app, &c, true).await;

    let rev = id("revision");
    let c = app.case(&t, &rev).await;
    assert_eq!(c["revision"]["missing"], json!(["member_list"]), "{c}");
    let (s, e) = app.submit(&t, &rev).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["errors"][0]["code"], "document_not_revised");
    let (s, _) = app
        .upload(
            &t,
            &rev,
            "member_list",
            "application/pdf",
            pdf("daftar anggota v2"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, c) = app.submit(&t, &rev).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    staff_g_to_p(&app, &rev, "grant").await;
    survey_and_effectuate(&app, &t, &rev, "OSS-KK-0103").await;

    let n = id("section_head_validation");
    from_step(&app, &n, "section_head_validation").await;
    let c = survey_and_effectuate(&app, &t, &n, "OSS-KK-0104").await;
    assert_eq!(c["letter"]["drafts"].as_array().unwrap().len(), 1, "{c}");
    letter_verifies(&app, &c, true).await;

    let q = id("survey");
    survey_and_effectuate(&app, &t, &q, "OSS-KK-0105").await;

    // The counters go on from where release 0.1 left them: no number is given twice.
    let mut registrations = vec![];
    let mut letters = vec![];
    let (_, mine) = app.get(Some(&t), "/cases").await;
    for item in mine["items"].as_array().unwrap() {
        let c = app.case(&t, item["id"].as_str().unwrap()).await;
        assert!(
            c["letter"]["signed"].is_object(),
            "every case has its letter: {c}"
        );
        registrations.push(c["registration_number"].as_str().unwrap().to_string());
        letters.push(
            c["letter"]["signed"]["number"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let fresh = submitted_case_of(
        &app,
        "pemohon",
        application_applied_on(&runner_today(&app).await.to_string()),
    )
    .await;
    let fresh = app.case(&t, &fresh).await;
    registrations.push(fresh["registration_number"].as_str().unwrap().to_string());
    for list in [&registrations, &letters] {
        let mut sorted = list.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), list.len(), "a number given twice: {list:?}");
    }
    assert_eq!(
        fresh["registration_number"], "KK-2026-000008",
        "{registrations:?}"
    );

    // The complaint, open at registration, goes on to its end.
    let cid = id("complaint");
    let adu = app.login("pengaduan").await;
    for (step, body) in [
        ("registration", json!({"outcome": "registered"})),
        (
            "investigation",
            json!({"outcome": "investigated", "findings": "Antrean panjang pada jam istirahat."}),
        ),
        (
            "follow_up",
            json!({"outcome": "followed_up", "follow_up": ["mediation"], "notes": "Jadwal istirahat petugas digilir."}),
        ),
        (
            "satisfaction_check",
            json!({"outcome": "unreachable", "notes": "Pengadu anonim."}),
        ),
    ] {
        let v = app.get(Some(&adu), &format!("/complaints/{cid}")).await.1["version"].clone();
        let mut b = body;
        b["version"] = v;
        let (s, r) = app
            .post(Some(&adu), &format!("/complaints/{cid}/steps/{step}"), b)
            .await;
        assert_eq!(s, StatusCode::OK, "{step}: {r}");
    }
    let c = app.get(Some(&adu), &format!("/complaints/{cid}")).await.1;
    assert_eq!(c["status"], "closed", "{c}");

    // Every audit trail, old events and new, still chains.
    let dir = app.data_dir();
    let mut app = app;
    app.kill();
    let (ok, out) = audit_verify(&dir, &[]);
    assert!(ok, "{out}");
    println!("upgrade (embedded): {}", out.trim());
}

fn attr(v: &Value) -> aws_sdk_dynamodb::types::AttributeValue {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    use base64::Engine;
    let (k, x) = v.as_object().unwrap().iter().next().unwrap();
    match k.as_str() {
        "S" => A::S(x.as_str().unwrap().into()),
        "N" => A::N(x.as_str().unwrap().into()),
        "B" => A::B(aws_sdk_dynamodb::primitives::Blob::new(
            base64::engine::general_purpose::STANDARD
                .decode(x.as_str().unwrap())
                .unwrap(),
        )),
        "BOOL" => A::Bool(x.as_bool().unwrap()),
        "NULL" => A::Null(true),
        "SS" => A::Ss(serde_json::from_value(x.clone()).unwrap()),
        "NS" => A::Ns(serde_json::from_value(x.clone()).unwrap()),
        "L" => A::L(x.as_array().unwrap().iter().map(attr).collect()),
        "M" => A::M(
            x.as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), attr(v)))
                .collect(),
        ),
        other => panic!("attribute type {other}"),
    }
}

/// Loads the fixture's DynamoDB items and uploads into `fx`'s table and bucket.
async fn restore(fx: &Fixture) {
    use base64::Engine;
    let items: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture("dynamodb/table.json")).unwrap())
            .unwrap();
    let ddb = aws_sdk_dynamodb::Client::new(&fx.main);
    for item in &items {
        let mut put = ddb.put_item().table_name(&fx.table);
        for (k, v) in item.as_object().unwrap() {
            put = put.item(k, attr(v));
        }
        put.send().await.expect("put item");
    }
    let objects: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture("dynamodb/uploads.json")).unwrap())
            .unwrap();
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&fx.main)
            .force_path_style(true)
            .build(),
    );
    for o in &objects {
        let body = base64::engine::general_purpose::STANDARD
            .decode(o["body"].as_str().unwrap())
            .unwrap();
        s3.put_object()
            .bucket(&fx.bucket)
            .key(o["key"].as_str().unwrap())
            .set_content_type(o["content_type"].as_str().map(str::to_string))
            .body(body.into())
            .send()
            .await
            .expect("put object");
    }
    println!(
        "restored {} items and {} objects of release 0.1",
        items.len(),
        objects.len()
    );
}

#[tokio::test]
async fn a_dynamodb_table_of_release_0_1_opens_and_its_cases_finish() {
    let fx = Fixture::new(false).await;
    restore(&fx).await;
    let ids = case_ids("dynamodb/cases.json");
    let id = |k: &str| ids[k].as_str().unwrap().to_string();
    let mut env = fx.runner_env();
    env.extend(clock_env());
    let app = TestApp::spawn_on(data_copy("dynamodb/data"), env.clone()).await;
    let t = app.login("pemohon").await;
    for (k, step) in [
        ("draft", ""),
        ("front_office", "front_office_verification"),
        ("section_head_validation", "section_head_validation"),
    ] {
        let c = app.case(&t, &id(k)).await;
        assert_eq!(step_of(&c), step, "{k}: {c}");
        assert_eq!(c["permit"]["code"], "kantor-kas-ksp", "{k}");
    }
    // The staff queue (a GSI of the old table) finds the old case.
    let fo = app.login("fo").await;
    let (s, q) = app
        .get(Some(&fo), "/cases?step=front_office_verification")
        .await;
    assert_eq!(s, StatusCode::OK, "{q}");
    assert!(
        q["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id("front_office")),
        "{q}"
    );

    let draft = id("draft");
    let (s, c) = app.submit(&t, &draft).await;
    assert_eq!(s, StatusCode::OK, "the old draft submits: {c}");
    staff_g_to_p(&app, &draft, "grant").await;
    survey_and_effectuate(&app, &t, &draft, "OSS-KK-0201").await;

    let g = id("front_office");
    staff_g_to_p(&app, &g, "grant").await;
    survey_and_effectuate(&app, &t, &g, "OSS-KK-0202").await;

    let n = id("section_head_validation");
    from_step(&app, &n, "section_head_validation").await;
    let c = survey_and_effectuate(&app, &t, &n, "OSS-KK-0203").await;
    // moto's KMS hashes a digest once more (MessageType=DIGEST is not implemented; see
    // tests/documents.rs), so only the record is checked here, not the signature.
    letter_verifies(&app, &c, false).await;
    let letter = app
        .get(Some(&t), &format!("/cases/{n}/letter/download"))
        .await;
    assert_eq!(letter.0, StatusCode::OK, "{}", letter.1);

    let fresh = submitted_case_of(
        &app,
        "pemohon",
        application_applied_on(&runner_today(&app).await.to_string()),
    )
    .await;
    let fresh = app.case(&t, &fresh).await;
    assert_eq!(fresh["registration_number"], "KK-2026-000004");
    let mut app = app;
    app.kill();
    let (ok, out) = audit_verify(&app.data_dir(), &env);
    assert!(ok, "{out}");
    println!("upgrade (dynamodb): {}", out.trim());
}
