//! Restart durability: the runner is killed (SIGKILL) in the middle of cases, started again on
//! the same data directory, and every case continues where it was.

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_killed_runner_continues_every_case_after_restart() {
    let mut app = TestApp::spawn().await;
    let a = submitted_case(&app, "pemohon").await;
    let b = submitted_case(&app, "pemohon2").await;
    app.act_ok(
        "fo",
        &a,
        "front_office_verification",
        json!({"outcome": "complete"}),
    )
    .await;
    app.act_ok(
        "bo",
        &a,
        "back_office_validation",
        json!({"outcome": "valid"}),
    )
    .await;
    app.act_ok(
        "kasi",
        &a,
        "section_head_forwarding",
        json!({"outcome": "forward"}),
    )
    .await;
    app.act_ok("fo", &b, "front_office_verification", json!({"outcome": "incomplete", "reason": "Salinan OSS tidak terbaca.", "missing": ["oss_permit_copy"]}))
        .await;
    let mail_before = app.outbox().await.len();
    let reg_a = app.case(&app.login("pemohon").await, &a).await["registration_number"].clone();

    app.kill();
    app.restart().await;

    let t = app.login("pemohon").await;
    let ca = app.case(&t, &a).await;
    assert_eq!(step_of(&ca), "technical_verification");
    assert_eq!(ca["registration_number"], reg_a);
    let t2 = app.login("pemohon2").await;
    assert_eq!(step_of(&app.case(&t2, &b).await), "applicant_revision");
    assert_eq!(
        app.outbox().await.len(),
        mail_before,
        "no notice sent twice"
    );

    // Both cases finish.
    app.act_ok(
        "teknis",
        &a,
        "technical_verification",
        json!({"outcome": "verified", "findings": "Sesuai."}),
    )
    .await;
    app.act_ok("diskop", &a, "recommendation", json!({"outcome": "grant", "recommendation_number": "500/9/DKUMP/2026", "recommendation_date": today().to_string()}))
        .await;
    app.act_ok("bo", &a, "letter_drafting", json!({"outcome": "drafted"}))
        .await;
    // Another crash, between two steps of the letter.
    app.restart().await;
    app.act_ok(
        "kasi",
        &a,
        "section_head_validation",
        json!({"outcome": "approve"}),
    )
    .await;
    app.act_ok(
        "kabid",
        &a,
        "division_head_validation",
        json!({"outcome": "approve"}),
    )
    .await;
    let c = app
        .act_ok("kadis", &a, "head_signature", json!({"outcome": "sign"}))
        .await;
    let t = app.login("pemohon").await;
    let (s, c) = app
        .post(Some(&t), &format!("/cases/{a}/survey"), json!({"version": c["version"], "answers": {"u1": 4, "u2": 4, "u3": 4, "u4": 4, "u5": 4, "u6": 4, "u7": 4, "u8": 4, "u9": 4}}))
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    app.act_ok("bo", &a, "effectuation", json!({"outcome": "effectuated", "oss_permit_number": "OSS-1", "effective_on": today().to_string()}))
        .await;
    assert_eq!(app.case(&t, &a).await["status"]["code"], "issued");
    assert_eq!(app.events(&t, &a).await["chain_valid"], true);

    let (s, d) = app
        .upload(&t2, &b, "oss_permit_copy", "application/pdf", pdf("oss v2"))
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let (s, c) = app.submit(&t2, &b).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(step_of(&c), "front_office_verification");
}

#[tokio::test]
async fn a_decision_stored_before_a_crash_is_delivered_on_restart() {
    let mut app = TestApp::spawn().await;
    let id = submitted_case(&app, "pemohon").await;
    // Simulate the crash window between the decision's commit and its delivery to the
    // executor: record the decision directly in the store as the handler would, then kill.
    app.kill();
    {
        let db = rusqlite_path(&app);
        let conn = rusqlite::Connection::open(db).unwrap();
        let data: String = conn
            .query_row("SELECT data FROM cases WHERE id = ?1", [&id], |r| r.get(0))
            .unwrap();
        let mut case: serde_json::Value = serde_json::from_str(&data).unwrap();
        let token = case["task_token"].as_str().unwrap().to_string();
        case["pending_completion"] = json!({"token": token, "output": {"outcome": "complete"}});
        case.as_object_mut().unwrap().remove("task_token");
        let version = case["version"].as_u64().unwrap() + 1;
        case["version"] = json!(version);
        conn.execute(
            "UPDATE cases SET data = ?2, pending = 1, version = ?3 WHERE id = ?1",
            rusqlite::params![id, case.to_string(), version],
        )
        .unwrap();
    }
    app.restart().await;
    let t = app.login("pemohon").await;
    let c = app.case(&t, &id).await;
    assert_eq!(
        step_of(&c),
        "back_office_validation",
        "the stored decision moved the case on"
    );
    assert!(app.outbox().await.iter().any(|m| {
        m["subject"]
            .as_str()
            .unwrap()
            .starts_with("Berkas sudah lengkap")
    }));
}

fn rusqlite_path(app: &TestApp) -> std::path::PathBuf {
    app.data_dir().join("cases.sqlite")
}
