//! The applicant's clock held, with a controlled clock (the runner's `/_dev/clock`): 30 working
//! days of pemenuhan komitmen from the application in OSS (`oss_applied_on`, SOP huruf c and
//! Waktu Penyelesaian), across the draft and every revision. Dates counted by hand with the 2026
//! SKB (the Nyepi – Idul Fitri block 18–24 March and Good Friday 3 April are off).
//!
//! From Monday 2 March 2026 the working days run 3–6 March (4), 9–13 (9), 16–17 (11), 25–27
//! (14), 30–31 (16), 1–2 April (18), 6–10 (23), 13–17 (28), 20 (29), 21 (30): the 30th working
//! day is Tuesday 21 April, the 31st Wednesday 22 April.

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn applied_on_2_march() -> Value {
    let mut a = application_applied_on("2026-03-02");
    a["branch"]["operating_permit_date"] = json!("2025-05-02");
    a["branch"]["business_started_on"] = json!("2025-06-02");
    a
}

async fn draft(app: &TestApp, token: &str) -> String {
    let c = app.create_case(token, applied_on_2_march()).await;
    let id = c["id"].as_str().unwrap().to_string();
    app.upload_all(token, &id).await;
    id
}

#[tokio::test]
async fn a_draft_applied_for_in_oss_thirty_one_working_days_ago_cannot_be_submitted() {
    let app = TestApp::spawn_with_env(vec![("PD_DEV_CLOCK".into(), "1".into())]).await;
    set_clock(&app, "2026-03-10T09:00:00+08:00").await;
    let t = app.login("pemohon").await;
    // Created here a week after the OSS application: the clock still runs from 2 March.
    let on_time = draft(&app, &t).await;
    let late = draft(&app, &t).await;
    let c = app.case(&t, &late).await;
    assert_eq!(
        c["deadlines"]["applicant"]["started_at"], "2026-03-01T16:00:00Z",
        "00:00 WITA on the OSS date: {c}"
    );
    assert_eq!(
        c["deadlines"]["applicant"]["used_days"], 6,
        "3–6 and 9–10 March"
    );
    assert_eq!(c["deadlines"]["applicant"]["due_on"], "2026-04-21");

    // Tuesday 21 April, the 30th working day: still in time.
    set_clock(&app, "2026-04-21T16:00:00+08:00").await;
    let t = app.login("pemohon").await;
    let (s, c) = app.submit(&t, &on_time).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["deadlines"]["applicant"]["used_days"], 30);
    assert_eq!(c["deadlines"]["applicant"]["left_days"], 0);

    // Wednesday 22 April, the 31st: refused with the dates, and nothing changes.
    set_clock(&app, "2026-04-22T08:00:00+08:00").await;
    let t = app.login("pemohon").await;
    let before = app.case(&t, &late).await;
    let (s, e) = app.submit(&t, &late).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::CONFLICT, Some("applicant_time_lapsed")),
        "{e}"
    );
    let detail = e["detail"].as_str().unwrap();
    assert!(
        detail.contains("30 hari kerja")
            && detail.contains("sejak permohonan di OSS tanggal 2 Maret 2026")
            && detail.contains("berakhir pada 21 April 2026")
            && detail.contains("terpakai 31 hari kerja")
            && detail.contains("permohonan baru melalui OSS"),
        "{detail}"
    );
    let after = app.case(&t, &late).await;
    assert_eq!(after["status"]["code"], "draft");
    assert_eq!(after["version"], before["version"]);
    assert_eq!(after["deadlines"]["applicant"]["state"], "overdue");
}

#[tokio::test]
async fn the_oss_date_is_required_not_in_the_future_and_not_before_the_nib() {
    let app = TestApp::spawn_with_env(vec![("PD_DEV_CLOCK".into(), "1".into())]).await;
    set_clock(&app, "2026-03-10T09:00:00+08:00").await;
    let t = app.login("pemohon").await;
    let cases = [
        ("missing", json!(null), None, "oss_applied_on", "required"),
        (
            "tomorrow",
            json!("2026-03-11"),
            None,
            "oss_applied_on",
            "future_date",
        ),
        (
            "before the NIB",
            json!("2026-02-27"),
            Some("2026-03-02"),
            "oss_applied_on",
            "oss_applied_before_nib",
        ),
    ];
    for (what, oss, nib, field, code) in cases {
        let mut a = applied_on_2_march();
        match oss {
            Value::Null => {
                a.as_object_mut().unwrap().remove("oss_applied_on");
            }
            v => a["oss_applied_on"] = v,
        }
        if let Some(n) = nib {
            a["nib_issued_on"] = json!(n);
        }
        let (s, e) = app.post(Some(&t), "/cases", a).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {e}");
        let errs = e["errors"].as_array().unwrap();
        assert!(
            errs.iter()
                .any(|x| x["field"] == field && x["code"] == code),
            "{what}: {e}"
        );
    }
    // On the NIB's day itself is fine.
    let mut a = applied_on_2_march();
    a["nib_issued_on"] = json!("2026-03-02");
    let (s, c) = app.post(Some(&t), "/cases", a).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
}

#[tokio::test]
async fn a_revision_lapses_at_the_end_of_the_applicants_thirtieth_working_day() {
    let app = TestApp::spawn_with_env(vec![("PD_DEV_CLOCK".into(), "1".into())]).await;
    set_clock(&app, "2026-03-02T09:00:00+08:00").await;
    let t = app.login("pemohon").await;
    let id = draft(&app, &t).await;
    // Submitted Wednesday 4 March (3 and 4 March used); the front office asks for a revision on
    // Thursday 5 March (an agency day). 28 days are left: 5 March + 28 working days, across the
    // 18–24 March block and 3 April, is Wednesday 22 April.
    set_clock(&app, "2026-03-04T10:00:00+08:00").await;
    let t = app.login("pemohon").await;
    let (s, c) = app.submit(&t, &id).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    set_clock(&app, "2026-03-05T11:00:00+08:00").await;
    app.act_ok(
        "fo",
        &id,
        "front_office_verification",
        json!({"outcome": "incomplete", "reason": "Daftar anggota tidak lengkap.", "missing": ["member_list"]}),
    )
    .await;
    let t = app.login("pemohon").await;
    let c = app.case(&t, &id).await;
    assert_eq!(step_of(&c), "applicant_revision", "{c}");
    assert_eq!(c["deadlines"]["step"]["due_on"], "2026-04-22");

    // The workflow waits until 23 April 00:00 WITA: 48 days 13 h from 5 March 11:00 WITA (the
    // deadline task's answer, read by TimeoutSecondsPath; the dev clock ticks on, so a few
    // seconds less).
    let ex = app.execution(&id).await;
    let waits: Vec<u64> = ex["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "TaskSubmitted" && e["state"] == "ApplicantRevision")
        .filter_map(|e| e["detail"]["timeout_seconds"].as_u64())
        .collect();
    let expected = 48 * 86_400 + 13 * 3_600;
    assert!(
        waits.len() == 1 && (expected - 30..=expected).contains(&waits[0]),
        "{waits:?}: {ex}"
    );

    // 22 April 23:59 WITA: the last minute of the last day; nothing lapses.
    set_clock(&app, "2026-04-22T23:59:00+08:00").await;
    fire_timeouts(&app).await;
    let t = app.login("pemohon").await;
    let c = app.case(&t, &id).await;
    assert_eq!(c["status"]["code"], "in_process", "{c}");

    // 23 April 00:01 WITA: the revision lapses; the applicant is told what happened and what to
    // do now.
    set_clock(&app, "2026-04-23T00:01:00+08:00").await;
    fire_timeouts(&app).await;
    let t = app.login("pemohon").await;
    let c = wait_for_status(&app, &t, &id, "lapsed").await;
    assert_eq!(c["status"]["code"], "lapsed");
    let mail = app.outbox().await;
    let lapsed: Vec<&Value> = mail
        .iter()
        .filter(|m| {
            m["subject"]
                .as_str()
                .unwrap()
                .starts_with("Permohonan gugur")
        })
        .collect();
    assert_eq!(lapsed.len(), 1, "one notice");
    let body = lapsed[0]["body"].as_str().unwrap();
    assert!(
        body.contains("30 hari kerja sejak permohonan di OSS")
            && body.contains("ajukan permohonan baru melalui OSS"),
        "{body}"
    );
}

async fn fire_timeouts(app: &TestApp) {
    let r = app
        .http
        .post(format!("{}/_dev/timeouts", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

async fn wait_for_status(app: &TestApp, token: &str, id: &str, status: &str) -> Value {
    for _ in 0..100 {
        let c = app.case(token, id).await;
        if c["status"]["code"] == status {
            return c;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "case {id} never reached {status}: {}",
        app.case(token, id).await
    )
}

/// The survey waits its SLA (5 working days in `permit.json`), counted in working days to the
/// end of that day (WITA), not 14 calendar days.
#[tokio::test]
async fn the_survey_waits_its_sla_in_working_days() {
    let app = TestApp::spawn().await;
    let id = submitted_case(&app, "pemohon").await;
    staff_g_to_p(&app, &id, "grant").await;
    let t = app.login("pemohon").await;
    let c = app.case(&t, &id).await;
    assert_eq!(step_of(&c), "survey", "{c}");
    let cal = perizinan::domain::calendar::Calendar::shipped();
    let due = cal.add_working_days(today(), 5).value;
    assert_eq!(c["deadlines"]["step"]["due_on"], due.to_string(), "{c}");
    let expected = perizinan::domain::deadlines::seconds_until_end_of(due, chrono::Utc::now());
    let ex = app.execution(&id).await;
    let waits: Vec<u64> = ex["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "TaskSubmitted" && e["state"] == "Survey")
        .filter_map(|e| e["detail"]["timeout_seconds"].as_u64())
        .collect();
    assert!(
        waits.len() == 1 && waits[0] <= expected + 1 && waits[0] + 120 >= expected,
        "{waits:?} vs {expected}"
    );
}
