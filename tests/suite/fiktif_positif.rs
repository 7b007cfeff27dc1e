//! Fiktif positif with a controlled clock: a case left undecided at the agency's steps past its
//! stage's 30 working days is deemed granted by law (UU 30/2014 Pasal 53 as amended by UU
//! 6/2023), once, with one set of notices; the back office records the permit OSS issued by
//! itself (PP 28/2025), which closes the case as issued.
//!
//! Hand-counted with the 2026 SKB: submitted Wednesday 4 March 2026, the stage's 30 working
//! days end Thursday 23 April (18–24 March and 3 April are off; the agency clock's due date in
//! `deadlines.rs`). The warning goes out 3 working days before: Monday 20 April.

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn count(mail: &[Value], subject_start: &str) -> usize {
    mail.iter()
        .filter(|m| m["subject"].as_str().unwrap().starts_with(subject_start))
        .count()
}

fn recipients(mail: &[Value], subject_start: &str) -> Vec<String> {
    let mut to: Vec<String> = mail
        .iter()
        .filter(|m| m["subject"].as_str().unwrap().starts_with(subject_start))
        .map(|m| m["to"][0].as_str().unwrap().to_string())
        .collect();
    to.sort();
    to
}

#[tokio::test]
async fn an_undecided_case_is_deemed_granted_once_and_the_oss_issuance_closes_it() {
    let app = TestApp::spawn_with_env(vec![("PD_DEV_CLOCK".into(), "1".into())]).await;
    set_clock(&app, "2026-03-02T09:00:00+08:00").await;
    let t = app.login("pemohon").await;
    let mut a = application_applied_on("2026-03-02");
    a["branch"]["operating_permit_date"] = json!("2025-05-02");
    a["branch"]["business_started_on"] = json!("2025-06-02");
    let c = app.create_case(&t, a).await;
    let id = c["id"].as_str().unwrap().to_string();
    app.upload_all(&t, &id).await;
    set_clock(&app, "2026-03-04T10:00:00+08:00").await;
    let t = app.login("pemohon").await;
    let (s, c) = app.submit(&t, &id).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let deemed = &c["deadlines"]["deemed"][0];
    assert_eq!(deemed["title"], "Batas fiktif positif", "{c}");
    assert_eq!(deemed["due_on"], "2026-04-23");
    assert_eq!(deemed["target_days"], 30);
    assert!(deemed["source"].as_str().unwrap().contains("Pasal 53"));
    // The front office's own day stays its deadline (earlier than the stage's).
    assert_eq!(c["deadlines"]["step"]["due_on"], "2026-03-05");

    // Friday 17 April: 4 working days left, no warning yet.
    set_clock(&app, "2026-04-17T08:00:00+08:00").await;
    let run = run_daily_job(&app).await;
    assert_eq!(run["deemed_warnings"].as_array().unwrap().len(), 0, "{run}");

    // Monday 20 April: 3 working days left: the waiting role, its supervisor and the head.
    set_clock(&app, "2026-04-20T08:00:00+08:00").await;
    let run = run_daily_job(&app).await;
    assert_eq!(run["deemed_warnings"].as_array().unwrap().len(), 1, "{run}");
    assert_eq!(run["deemed_warnings"][0]["due_on"], "2026-04-23");
    let mail = app.outbox().await;
    assert_eq!(
        recipients(&mail, "Peringatan fiktif positif"),
        [
            "frontoffice@dpmptsp-bontang.test",
            "kadis@dpmptsp-bontang.test",
            "kasi.perizinan@dpmptsp-bontang.test"
        ]
    );
    let warning = mail
        .iter()
        .find(|m| {
            m["subject"]
                .as_str()
                .unwrap()
                .starts_with("Peringatan fiktif positif")
        })
        .unwrap();
    assert!(
        warning["body"]
            .as_str()
            .unwrap()
            .contains("paling lambat 23 April 2026"),
        "{warning}"
    );
    // Once per stage, not once a day.
    set_clock(&app, "2026-04-21T08:00:00+08:00").await;
    let run = run_daily_job(&app).await;
    assert_eq!(run["deemed_warnings"].as_array().unwrap().len(), 0, "{run}");

    // Thursday 23 April 20:00: the last day still counts.
    set_clock(&app, "2026-04-23T20:00:00+08:00").await;
    let run = run_daily_job(&app).await;
    assert_eq!(run["deemed_granted"].as_array().unwrap().len(), 0, "{run}");

    // Friday 24 April 07:00: granted by law.
    set_clock(&app, "2026-04-24T07:00:00+08:00").await;
    let run = run_daily_job(&app).await;
    assert_eq!(run["deemed_granted"].as_array().unwrap().len(), 1, "{run}");
    let fo = app.login("fo").await;
    let mut c = app.case(&fo, &id).await;
    for _ in 0..50 {
        if step_of(&c) == "deemed_issuance" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        c = app.case(&fo, &id).await;
    }
    assert_eq!(c["status"]["code"], "deemed_granted", "{c}");
    assert_eq!(c["status"]["label"], "Dianggap dikabulkan (fiktif positif)");
    assert_eq!(step_of(&c), "deemed_issuance", "{c}");
    assert_eq!(c["deadlines"]["deemed"][0]["lapsed"], true);
    let mail = app.outbox().await;
    assert_eq!(count(&mail, "Permohonan dianggap dikabulkan"), 1);
    assert_eq!(
        recipients(&mail, "Fiktif positif: berkas"),
        [
            "frontoffice@dpmptsp-bontang.test",
            "kadis@dpmptsp-bontang.test",
            "kasi.perizinan@dpmptsp-bontang.test"
        ]
    );
    let applicant = mail
        .iter()
        .find(|m| {
            m["subject"]
                .as_str()
                .unwrap()
                .starts_with("Permohonan dianggap dikabulkan")
        })
        .unwrap();
    assert_eq!(applicant["to"][0], "pengurus@ksp-sejahtera.test");
    assert!(
        applicant["body"]
            .as_str()
            .unwrap()
            .contains("dianggap dikabulkan secara hukum"),
        "{applicant}"
    );

    // Once: a second run the same day, and the next day, add nothing.
    for at in ["2026-04-24T09:00:00+08:00", "2026-04-27T08:00:00+08:00"] {
        set_clock(&app, at).await;
        let run = run_daily_job(&app).await;
        assert_eq!(run["deemed_granted"].as_array().unwrap().len(), 0, "{run}");
    }
    let mail = app.outbox().await;
    assert_eq!(count(&mail, "Permohonan dianggap dikabulkan"), 1);
    assert_eq!(count(&mail, "Fiktif positif: berkas"), 3);

    // The front office can no longer decide; the back office records OSS's issuance.
    let fo = app.login("fo").await;
    let version = app.case(&fo, &id).await["version"].clone();
    let (s, e) = app
        .act(
            &fo,
            &id,
            "front_office_verification",
            json!({"version": version, "outcome": "complete"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    app.act_ok(
        "bo",
        &id,
        "deemed_issuance",
        json!({"outcome": "recorded", "oss_permit_number": "KK-OSS-2026-0042", "effective_on": "2026-04-24"}),
    )
    .await;
    let t = app.login("pemohon").await;
    let mut c = app.case(&t, &id).await;
    for _ in 0..50 {
        if c["status"]["code"] == "issued" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        c = app.case(&t, &id).await;
    }
    assert_eq!(c["status"]["code"], "issued", "{c}");
    assert_eq!(c["issuance"]["number"], "KK-OSS-2026-0042", "{c}");
    let ev = app.events(&app.login("kasi").await, &id).await;
    let deemed_events = ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "case.deemed_granted")
        .count();
    assert_eq!(deemed_events, 1, "{ev}");
}
