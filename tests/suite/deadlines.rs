//! Deadlines with a controlled clock (the runner's `/_dev/clock`): both clocks pause and resume
//! at the right steps, due dates match hand-computed working days (across the Nyepi – Idul Fitri
//! block of 18–24 March 2026 and Good Friday 3 April), the overdue job alerts the waiting role and
//! its supervisor once a day, and the SLA report counts the stays.

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn application_in_2026() -> Value {
    let mut a = application();
    a["branch"]["operating_permit_date"] = json!("2025-05-02");
    a["branch"]["business_started_on"] = json!("2025-06-02");
    // Applied for in OSS on Monday 2 March 2026 (SOP huruf c): the applicant's clock starts.
    a["oss_applied_on"] = json!("2026-03-02");
    a
}

fn clocks(c: &Value) -> (&Value, &Value, &Value) {
    let d = &c["deadlines"];
    (&d["applicant"], &d["agency"], &d["step"])
}

#[tokio::test]
async fn clocks_pause_and_resume_and_the_overdue_job_alerts_once_a_day() {
    let app = TestApp::spawn_with_env(vec![("PD_DEV_CLOCK".into(), "1".into())]).await;
    // Monday 2 March 2026, 09:00 WITA: the application starts (the applicant's clock runs).
    set_clock(&app, "2026-03-02T09:00:00+08:00").await;
    let t = app.login("pemohon").await;
    let c = app.create_case(&t, application_in_2026()).await;
    let id = c["id"].as_str().unwrap().to_string();
    let (a, g, _) = clocks(&c);
    assert_eq!(
        (a["running"].as_bool(), a["used_days"].as_u64()),
        (Some(true), Some(0))
    );
    assert_eq!(g["state"], "paused");
    app.upload_all(&t, &id).await;

    // Wednesday 4 March, 10:00: submitted. The applicant used Tue 3 and Wed 4 (2 days).
    set_clock(&app, "2026-03-04T10:00:00+08:00").await;
    let t = app.login("pemohon").await;
    let (s, c) = app.submit(&t, &id).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let (a, g, st) = clocks(&c);
    assert_eq!(a["used_days"], 2);
    assert_eq!(a["running"], false);
    assert_eq!(a["state"], "paused");
    // The agency's clock starts: 30 working days from 4 March, counted by hand (the 18–24
    // March block and 3 April are off): Thu 23 April 2026.
    assert_eq!(g["running"], true);
    assert_eq!(g["used_days"], 0);
    assert_eq!(g["due_on"], "2026-04-23");
    // The front office has 1 working day: Thursday 5 March.
    assert_eq!(st["step"], "front_office_verification");
    assert_eq!(st["due_on"], "2026-03-05");
    assert_eq!(st["state"], "near_due");

    // Thursday 5 March, 11:00: incomplete → revision. The agency used Thu 5 (1 day); the
    // applicant's clock resumes with 28 days left: due 22 April (5 March + 28 working days).
    set_clock(&app, "2026-03-05T11:00:00+08:00").await;
    app.act_ok("fo", &id, "front_office_verification", json!({"outcome": "incomplete", "reason": "Daftar anggota tidak lengkap.", "missing": ["member_list"]}))
        .await;
    let t = app.login("pemohon").await;
    let c = app.case(&t, &id).await;
    let (a, g, st) = clocks(&c);
    assert_eq!(g["used_days"], 1);
    assert_eq!(g["state"], "paused");
    assert_eq!(a["running"], true);
    assert_eq!(a["due_on"], "2026-04-22");
    assert_eq!(st["step"], "applicant_revision");
    assert_eq!(st["due_on"], "2026-04-22");

    // Monday 9 March, 15:00: the applicant used Fri 6 and Mon 9 as well (4 in all).
    set_clock(&app, "2026-03-09T15:00:00+08:00").await;
    let t = app.login("pemohon").await;
    let c = app.case(&t, &id).await;
    let (a, _, _) = clocks(&c);
    assert_eq!(
        (a["used_days"].as_u64(), a["left_days"].as_i64()),
        (Some(4), Some(26))
    );
    let (s, d) = app
        .upload(&t, &id, "member_list", "application/pdf", pdf("v2"))
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let (s, c) = app.submit(&t, &id).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let (a, g, st) = clocks(&c);
    assert_eq!(a["running"], false);
    assert_eq!(a["used_days"], 4);
    // The agency's clock resumes with 29 days left: from Monday 9 March → Monday 27 April.
    assert_eq!(g["running"], true);
    assert_eq!(g["due_on"], "2026-04-27");
    assert_eq!(st["due_on"], "2026-03-10");

    // Thursday 12 March, 08:00: the front office is two working days late (due 10 March).
    set_clock(&app, "2026-03-12T08:00:00+08:00").await;
    let mail_before = app.outbox().await.len();
    let run = run_daily_job(&app).await;
    assert_eq!(run["alerts"].as_array().unwrap().len(), 1, "{run}");
    assert_eq!(run["alerts"][0]["state"], "overdue");
    assert_eq!(run["alerts"][0]["step"], "front_office_verification");
    assert_eq!(
        run["examined"], 1,
        "only what the deadline index returned was read"
    );
    let mail = app.outbox().await;
    let new: Vec<&Value> = mail[mail_before..].iter().collect();
    let to: Vec<&str> = new.iter().map(|m| m["to"][0].as_str().unwrap()).collect();
    assert_eq!(to.len(), 2, "{to:?}");
    assert!(to.contains(&"frontoffice@dpmptsp-bontang.test"));
    assert!(
        to.contains(&"kasi.perizinan@dpmptsp-bontang.test"),
        "the supervisor too"
    );
    assert!(
        new[0]["subject"]
            .as_str()
            .unwrap()
            .starts_with("Batas waktu terlampaui")
    );
    assert!(new[0]["body"].as_str().unwrap().contains("10 Maret 2026"));
    // The same day again: nothing new.
    let again = run_daily_job(&app).await;
    assert_eq!(again["alerts"].as_array().unwrap().len(), 0);
    assert_eq!(again["already_alerted"], 1);
    assert_eq!(app.outbox().await.len(), mail.len());
    let fo = app.login("fo").await;
    let c = app.case(&fo, &id).await;
    let (_, _, st) = clocks(&c);
    assert_eq!(
        (
            st["state"].as_str(),
            st["used_days"].as_u64(),
            st["left_days"].as_i64()
        ),
        (Some("overdue"), Some(3), Some(-2))
    );
    let ev = app.events(&fo, &id).await;
    assert_eq!(
        ev["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "deadline.overdue")
            .count(),
        1
    );
    // The work queue shows the deadline.
    let (_, q) = app.get(Some(&fo), "/cases").await;
    assert_eq!(q["items"][0]["deadline"]["state"], "overdue");

    // Late, but decided: the back office now has 2 days (due Monday 16 March).
    app.act_ok(
        "fo",
        &id,
        "front_office_verification",
        json!({"outcome": "complete"}),
    )
    .await;
    // Friday 13 March: one working day left → near due.
    set_clock(&app, "2026-03-13T08:00:00+08:00").await;
    let run = run_daily_job(&app).await;
    assert_eq!(run["alerts"][0]["state"], "near_due", "{run}");
    assert_eq!(run["alerts"][0]["step"], "back_office_validation");
    assert_eq!(run["alerts"][0]["due_on"], "2026-03-16");

    // The SLA report for March: the front office handled 2 stays (1 and 3 working days):
    // median 2.0, p90 3, one on time (50.0 %). The revision took 2 working days.
    let kasi = app.login("kasi").await;
    let (s, r) = app
        .get(Some(&kasi), "/reports/sla?from=2026-03-01&to=2026-03-31")
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let row = |step: &str| {
        r["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["permit"] == "kantor-kas-ksp" && x["step"] == step)
            .unwrap()
            .clone()
    };
    let fo_row = row("front_office_verification");
    assert_eq!(fo_row["handled"], 2);
    assert_eq!(fo_row["median_days"], 2.0);
    assert_eq!(fo_row["p90_days"], 3);
    assert_eq!(fo_row["on_time"], 1);
    assert_eq!(fo_row["on_time_percent"], 50.0);
    assert_eq!(row("applicant_revision")["median_days"], 2.0);
    assert_eq!(row("back_office_validation")["handled"], 0);
    let csv = app
        .http
        .get(format!(
            "{}/reports/sla?from=2026-03-01&to=2026-03-31&format=csv",
            app.api
        ))
        .bearer_auth(&kasi)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    // Each row names its permit (the catalogue's reports carry the permit); UTF-8 with a byte
    // order mark, so that spreadsheet programs read the letters right.
    assert!(text.starts_with("\u{feff}izin,tahap,sop,peran,target_hari_kerja,ditangani,median_hari_kerja,p90_hari_kerja,tepat_waktu,persen_tepat_waktu\r\n"));
    assert!(text.contains("Izin Pembukaan Kantor Kas KSP,Verifikasi pendaftaran oleh petugas front office,g,Petugas Front Office,1,2,2,3,1,50\r\n"), "{text}");
    // Only the heads read reports; a bad period is a 422.
    let fo = app.login("fo").await;
    let (s, _) = app
        .get(Some(&fo), "/reports/sla?from=2026-03-01&to=2026-03-31")
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, e) = app
        .get(Some(&kasi), "/reports/sla?from=2026-03-31&to=2026-03-01")
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, e) = app
        .get(
            Some(&kasi),
            "/reports/sla?from=2026-03-01&to=2026-03-31&colour=red",
        )
        .await;
    assert_eq!(
        (s, e["errors"][0]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_field"))
    );
}

#[tokio::test]
async fn a_date_in_a_year_without_holiday_data_is_a_loud_warning() {
    let app = TestApp::spawn_with_env(vec![("PD_DEV_CLOCK".into(), "1".into())]).await;
    // 23 December 2026: the agency's 30 days reach into 2027, which has no decree yet.
    set_clock(&app, "2026-12-22T09:00:00+08:00").await;
    let t = app.login("pemohon").await;
    let mut a = application_in_2026();
    a["oss_applied_on"] = json!("2026-12-21");
    let c = app.create_case(&t, a).await;
    let id = c["id"].as_str().unwrap().to_string();
    app.upload_all(&t, &id).await;
    set_clock(&app, "2026-12-23T09:00:00+08:00").await;
    let t = app.login("pemohon").await;
    let (s, c) = app.submit(&t, &id).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let warnings = c["deadlines"]["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{c}");
    assert!(
        warnings[0]
            .as_str()
            .unwrap()
            .contains("tahun 2027 belum tersedia")
    );
}

/// `PD_STAFF_NOTICES=daily`: no e-mail per arrival; each morning one digest per staff role with a
/// queue, once a day.
#[tokio::test]
async fn staff_get_one_queue_digest_a_day() {
    let app = TestApp::spawn_with_env(vec![("PD_STAFF_NOTICES".into(), "daily".into())]).await;
    let a = submitted_case(&app, "pemohon").await;
    let b = submitted_case(&app, "pemohon2").await;
    let mail = app.outbox().await;
    assert!(
        !mail
            .iter()
            .any(|m| m["subject"].as_str().unwrap().contains("menunggu tindakan")),
        "no e-mail per arrival"
    );
    assert!(
        mail.iter().any(|m| m["subject"]
            .as_str()
            .unwrap()
            .starts_with("Permohonan diterima")),
        "applicants are still told at once"
    );
    let t = app.login("pemohon").await;
    let reg_a = app.case(&t, &a).await["registration_number"]
        .as_str()
        .unwrap()
        .to_string();

    let run = run_daily_job(&app).await;
    assert_eq!(run["queue_digests"], 1, "{run}");
    let digests: Vec<Value> = app
        .outbox()
        .await
        .into_iter()
        .filter(|m| m["subject"].as_str().unwrap().starts_with("Antrean Anda"))
        .collect();
    assert_eq!(digests.len(), 1);
    let subject = digests[0]["subject"].as_str().unwrap();
    assert!(subject.contains("2 berkas menunggu"), "{subject}");
    let body = digests[0]["body"].as_str().unwrap().to_string();
    assert!(
        body.contains(&reg_a) && body.contains("Petugas Front Office"),
        "{body}"
    );

    // A second run the same day sends nothing new.
    assert_eq!(run_daily_job(&app).await["queue_digests"], 0);
    // The back office gets work: its digest goes out, the front office's not again.
    app.act_ok(
        "fo",
        &b,
        "front_office_verification",
        json!({"outcome": "complete"}),
    )
    .await;
    assert_eq!(run_daily_job(&app).await["queue_digests"], 1);
    let n = app
        .outbox()
        .await
        .iter()
        .filter(|m| m["subject"].as_str().unwrap().starts_with("Antrean Anda"))
        .count();
    assert_eq!(n, 2);
}
