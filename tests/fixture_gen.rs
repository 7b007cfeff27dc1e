//! Writes the release-0.1 data fixture (`tests/fixtures/release-0.1/`) with this release's own
//! code: a data directory of the embedded default and a DynamoDB/S3 dump of the AWS adapters on
//! moto, each with cases left at several steps. Run once, by hand, before the permit
//! catalogue changed the stored shapes:
//!
//! ```sh
//! PD_FIXTURE_OUT=tests/fixtures/release-0.1 PD_TEST_MOTO=http://127.0.0.1:5000 \
//!   cargo test --test fixture_gen -- --ignored --nocapture
//! ```

mod common;

use base64::Engine;
use common::aws::Fixture;
use common::*;
use reqwest::StatusCode;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

fn out_dir() -> PathBuf {
    PathBuf::from(std::env::var("PD_FIXTURE_OUT").expect("PD_FIXTURE_OUT"))
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

async fn draft(app: &TestApp, t: &str) -> String {
    let c = app.create_case(t, application()).await;
    let id = c["id"].as_str().unwrap().to_string();
    app.upload_all(t, &id).await;
    id
}

async fn submitted(app: &TestApp, t: &str) -> String {
    let id = draft(app, t).await;
    let (s, v) = app.submit(t, &id).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    id
}

/// Walks `id` through the first `n` of the staff decisions g … p (grant or refuse).
async fn walk(app: &TestApp, id: &str, rec: &str, n: usize) {
    for (u, st, body) in decisions_g_to_p(rec).into_iter().take(n) {
        app.act_ok(u, id, st, body).await;
    }
}

#[tokio::test]
#[ignore]
async fn write_embedded_fixture() {
    let mut app = TestApp::spawn().await;
    let t = app.login("pemohon").await;
    let mut cases = Map::new();
    // A draft with every document uploaded, never submitted.
    cases.insert("draft".into(), json!(draft(&app, &t).await));
    // Waiting at g.
    cases.insert("front_office".into(), json!(submitted(&app, &t).await));
    // Sent back at g, waiting for the applicant's revision.
    let id = submitted(&app, &t).await;
    app.act_ok(
        "fo",
        &id,
        "front_office_verification",
        json!({"outcome": "incomplete", "reason": "Daftar anggota belum ditandatangani.", "missing": ["member_list"]}),
    )
    .await;
    cases.insert("revision".into(), json!(id));
    // Waiting at n (a draft letter exists).
    let id = submitted(&app, &t).await;
    walk(&app, &id, "grant", 6).await;
    cases.insert("section_head_validation".into(), json!(id));
    // Signed, waiting at the survey (q).
    let id = submitted(&app, &t).await;
    walk(&app, &id, "grant", 9).await;
    cases.insert("survey".into(), json!(id));
    // Issued, with its survey answered.
    let id = submitted(&app, &t).await;
    walk(&app, &id, "grant", 9).await;
    let v = app.case(&t, &id).await["version"].clone();
    let (s, b) = app
        .post(
            Some(&t),
            &format!("/cases/{id}/survey"),
            json!({"version": v, "answers": {"u1":4,"u2":4,"u3":3,"u4":4,"u5":4,"u6":4,"u7":4,"u8":3,"u9":3}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    app.act_ok(
        "bo",
        &id,
        "effectuation",
        json!({"outcome": "effectuated", "oss_permit_number": "OSS-KK-0001", "effective_on": today().to_string()}),
    )
    .await;
    cases.insert("issued".into(), json!(id));
    // Refused after a refusal recommendation.
    let id = submitted(&app, &t).await;
    walk(&app, &id, "refuse", 9).await;
    cases.insert("refused".into(), json!(id));
    // An open complaint (filed on the portal, registered).
    let (s, c) = app
        .post(
            None,
            "/complaints",
            json!({"kind": "complaint", "text": "Antrean di loket perizinan terlalu lama tanpa kepastian.", "anonymous": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    cases.insert("complaint".into(), c["id"].clone());
    for (k, id) in &cases {
        if k == "complaint" {
            continue;
        }
        let c = app.case(&t, id.as_str().unwrap()).await;
        println!(
            "{k}: {} {} v{}",
            c["status"]["code"], c["step"]["code"], c["version"]
        );
    }
    app.kill();
    let out = out_dir().join("embedded");
    copy_dir(&app.data_dir(), &out.join("data"));
    std::fs::write(
        out.join("cases.json"),
        serde_json::to_string_pretty(&Value::Object(cases)).unwrap(),
    )
    .unwrap();
}

fn attr_json(a: &aws_sdk_dynamodb::types::AttributeValue) -> Value {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    match a {
        A::S(s) => json!({"S": s}),
        A::N(n) => json!({"N": n}),
        A::B(b) => json!({"B": base64::engine::general_purpose::STANDARD.encode(b.as_ref())}),
        A::Bool(b) => json!({"BOOL": b}),
        A::Null(_) => json!({"NULL": true}),
        A::Ss(v) => json!({ "SS": v }),
        A::Ns(v) => json!({ "NS": v }),
        A::L(v) => json!({"L": v.iter().map(attr_json).collect::<Vec<_>>()}),
        A::M(m) => json!({"M": m.iter().map(|(k, v)| (k.clone(), attr_json(v))).collect::<Map<_, _>>()}),
        other => panic!("attribute {other:?}"),
    }
}

async fn dump_bucket(fx: &Fixture, bucket: &str) -> Value {
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&fx.main)
            .force_path_style(true)
            .build(),
    );
    let list = s3.list_objects_v2().bucket(bucket).send().await.unwrap();
    let mut out = vec![];
    for o in list.contents() {
        let key = o.key().unwrap().to_string();
        let obj = s3.get_object().bucket(bucket).key(&key).send().await.unwrap();
        let ct = obj.content_type().map(str::to_string);
        let bytes = obj.body.collect().await.unwrap().into_bytes();
        out.push(json!({"key": key, "content_type": ct,
            "body": base64::engine::general_purpose::STANDARD.encode(&bytes)}));
    }
    json!(out)
}

#[tokio::test]
#[ignore]
async fn write_dynamodb_fixture() {
    let fx = Fixture::new(false).await;
    let mut app = TestApp::spawn_with_env(fx.runner_env()).await;
    let t = app.login("pemohon").await;
    let mut cases = Map::new();
    cases.insert("draft".into(), json!(draft(&app, &t).await));
    cases.insert("front_office".into(), json!(submitted(&app, &t).await));
    let id = submitted(&app, &t).await;
    walk(&app, &id, "grant", 6).await;
    cases.insert("section_head_validation".into(), json!(id));
    app.kill();
    let ddb = aws_sdk_dynamodb::Client::new(&fx.main);
    let mut items = vec![];
    let mut start = None;
    loop {
        let page = ddb
            .scan()
            .table_name(&fx.table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        for it in page.items() {
            items.push(json!(it.iter().map(|(k, v)| (k.clone(), attr_json(v))).collect::<Map<_, _>>()));
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            break;
        }
    }
    let out = out_dir().join("dynamodb");
    copy_dir(&app.data_dir(), &out.join("data"));
    std::fs::write(
        out.join("table.json"),
        serde_json::to_string_pretty(&json!(items)).unwrap(),
    )
    .unwrap();
    std::fs::write(
        out.join("uploads.json"),
        serde_json::to_string_pretty(&dump_bucket(&fx, &fx.bucket).await).unwrap(),
    )
    .unwrap();
    std::fs::write(
        out.join("cases.json"),
        serde_json::to_string_pretty(&Value::Object(cases)).unwrap(),
    )
    .unwrap();
}
