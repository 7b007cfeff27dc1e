//! The retention schedule (UU 27/2022 Pasal 43; `infra/config/retention.json`: drafts 90 days,
//! complainants' identity 365 days after closing) run by the daily job with a controlled clock,
//! and `perizinan audit-verify` over the resulting store, before and after tampering.
//!
//! Worked example: a draft last changed on 1 December 2026 09:00 WITA is abandoned after 90
//! days, i.e. from 1 March 2027 09:00 WITA; a draft touched on 20 February 2027 lives until
//! 21 May 2027. A complaint closed on 1 December 2026 keeps its complainant's identity until
//! 1 December 2027.

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::process::Command;

async fn retention_run(app: &TestApp) -> Value {
    run_daily_job(app).await["retention"].clone()
}

/// Files of a case under the runner's document store.
fn files_of(app: &TestApp, case_id: &str) -> usize {
    fn walk(dir: &std::path::Path, needle: &str, n: &mut usize) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, needle, n);
            } else if p.to_string_lossy().contains(needle) {
                *n += 1;
            }
        }
    }
    let mut n = 0;
    walk(&app.data_dir().join("files"), case_id, &mut n);
    n
}

async fn close_complaint(app: &TestApp, adu: &str, id: &str) {
    for (step, body) in [
        ("registration", json!({"outcome": "registered"})),
        (
            "investigation",
            json!({"outcome": "investigated", "findings": "Petugas loket terlambat membuka layanan."}),
        ),
        (
            "follow_up",
            json!({"outcome": "followed_up", "follow_up": ["mediation"], "notes": "Jadwal loket diperbaiki."}),
        ),
        (
            "satisfaction_check",
            json!({"outcome": "satisfied", "notes": "Pengadu puas."}),
        ),
    ] {
        let c = app.get(Some(adu), &format!("/complaints/{id}")).await.1;
        let mut b = body;
        b["version"] = c["version"].clone();
        let (s, v) = app
            .post(Some(adu), &format!("/complaints/{id}/steps/{step}"), b)
            .await;
        assert_eq!(s, StatusCode::OK, "{step}: {v}");
    }
}

fn audit_verify(app: &TestApp) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_perizinan"))
        .arg("audit-verify")
        .arg("--data-dir")
        .arg(app.data_dir())
        .output()
        .expect("audit-verify runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test]
async fn retention_erases_what_the_schedule_allows_and_audit_verify_detects_tampering() {
    let mut app = TestApp::spawn_with_env(vec![("PD_DEV_CLOCK".into(), "1".into())]).await;
    set_clock(&app, "2026-12-01T09:00:00+08:00").await;
    let t = app.login("pemohon").await;
    let abandoned = app
        .create_case(&t, application_applied_on("2026-11-30"))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    for r in &REQUIRED[..2] {
        let (s, v) = app
            .upload(&t, &abandoned, r, "application/pdf", pdf(r))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    assert_eq!(files_of(&app, &abandoned), 2);
    let kept = app
        .create_case(&t, application_applied_on("2026-11-30"))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let submitted = submitted_case_of(&app, "pemohon", application_applied_on("2026-11-30")).await;

    let adu = app.login("pengaduan").await;
    let (s, named) = app
        .post(
            Some(&adu),
            "/complaints/recorded",
            json!({"kind": "complaint", "channel": "telephone",
                   "text": "Loket perizinan dibuka terlambat setengah jam.",
                   "name": "Sri Handayani", "email": "sri.h@warga.test", "phone": "0812 1111 2222"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{named}");
    let complaint = named["id"].as_str().unwrap().to_string();
    close_complaint(&app, &adu, &complaint).await;

    // Nothing is due yet.
    let run = retention_run(&app).await;
    assert_eq!(run["drafts_expired"], 0, "{run}");
    assert_eq!(run["complaint_identities_erased"], 0, "{run}");

    // 20 February 2027: the applicant comes back to the second draft.
    set_clock(&app, "2027-02-20T10:00:00+08:00").await;
    let t = app.login("pemohon").await;
    let (s, v) = app
        .upload(&t, &kept, REQUIRED[0], "application/pdf", pdf("lagi"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // 1 March 2027 08:59 WITA: one minute short of 90 days.
    set_clock(&app, "2027-03-01T08:59:00+08:00").await;
    assert_eq!(retention_run(&app).await["drafts_expired"], 0);

    // 1 March 2027 09:01 WITA: the first draft is past 90 days untouched.
    set_clock(&app, "2027-03-01T09:01:00+08:00").await;
    let run = retention_run(&app).await;
    assert_eq!(run["drafts_expired"], 1, "{run}");
    assert_eq!(run["files_deleted"], 2, "{run}");
    assert_eq!(run["files_failed"], 0, "{run}");
    assert_eq!(run["complaint_identities_erased"], 0, "{run}");
    assert_eq!(files_of(&app, &abandoned), 0, "the uploads are deleted");
    let t = app.login("pemohon").await;
    let gone = app.case(&t, &abandoned).await;
    assert_eq!(gone["status"]["code"], "lapsed", "{gone}");
    assert_eq!(
        gone["status"]["label"],
        "Draf kedaluwarsa (tidak diajukan; data pribadi dihapus)"
    );
    let text = gone.to_string();
    assert!(!text.contains("@koperasi"), "no e-mail left: {text}");
    assert_eq!(gone["application"]["contact"]["email"], "[dihapus]");
    assert_eq!(gone["application"]["cash_office"]["head_name"], "[dihapus]");
    let events = app.events(&t, &abandoned).await;
    assert!(events.to_string().contains("draft.expired"), "{events}");
    assert_eq!(app.case(&t, &kept).await["status"]["code"], "draft");
    // The submitted case is not the retention schedule's: its data stay. Left at the front
    // office since December it is by now deemed granted by law (fiktif positif, the morning
    // job of the same run), not erased.
    let s = app.case(&t, &submitted).await;
    assert_eq!(s["status"]["code"], "deemed_granted", "{s}");
    assert_eq!(
        s["application"]["contact"]["email"],
        "pengurus@ksp-sejahtera.test"
    );
    // A second run the same day changes nothing.
    let again = retention_run(&app).await;
    assert_eq!(again["drafts_expired"], 0, "{again}");
    assert_eq!(again["files_deleted"], 0, "{again}");

    // 1 December 2027 09:30 WITA: a year after the complaint closed; the second draft is
    // past its 90 days too.
    set_clock(&app, "2027-12-01T09:30:00+08:00").await;
    let run = retention_run(&app).await;
    assert_eq!(run["complaint_identities_erased"], 1, "{run}");
    assert_eq!(run["drafts_expired"], 1, "{run}");
    assert_eq!(run["files_deleted"], 1, "{run}");
    let adu = app.login("pengaduan").await;
    let (s, c) = app
        .get(Some(&adu), &format!("/complaints/{complaint}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(c["complainant"].is_null(), "{c}");
    let text = c.to_string();
    assert!(
        // The phone as given (0812 1111 2222) or as kept (+6281211112222); not just "1111",
        // which a timestamp's nanoseconds may hold.
        !text.contains("Sri Handayani")
            && !text.contains("sri.h@")
            && !text.contains("1111 2222")
            && !text.contains("81211112222"),
        "{text}"
    );
    assert_eq!(c["status"], "closed");
    let again = retention_run(&app).await;
    assert_eq!(again["complaint_identities_erased"], 0, "{again}");
    assert_eq!(again["drafts_expired"], 0, "{again}");

    // The audit trails are intact: 3 cases, 1 complaint.
    let (ok, out) = audit_verify(&app);
    assert!(ok, "{out}");
    assert!(out.contains("3 permohonan, 1 pengaduan"), "{out}");
    assert!(out.contains("jejak audit utuh"), "{out}");
    let digest = out
        .lines()
        .find_map(|l| l.strip_prefix("digest "))
        .expect("digest")
        .to_string();
    let (_, again) = audit_verify(&app);
    assert!(again.contains(&digest), "the same store, the same digest");

    // Tampering needs the database itself: the triggers refuse an update even there.
    app.kill();
    let db = rusqlite::Connection::open(app.data_dir().join("cases.sqlite")).unwrap();
    let refused = db.execute(
        "UPDATE audit_events SET data = replace(data, 'draft.expired', 'draft.kept')
         WHERE case_id = ?1",
        [&abandoned],
    );
    assert!(refused.is_err(), "append-only even in SQL");
    db.execute_batch("DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;")
        .unwrap();
    let changed = db
        .execute(
            "UPDATE audit_events SET data = replace(data, 'draft.expired', 'draft.kept')
             WHERE case_id = ?1 AND data LIKE '%draft.expired%'",
            [&abandoned],
        )
        .unwrap();
    assert_eq!(changed, 1, "one event rewritten");
    let removed = db
        .execute(
            "DELETE FROM audit_events WHERE case_id = ?1
             AND seq = (SELECT max(seq) FROM audit_events WHERE case_id = ?1)",
            [&submitted],
        )
        .unwrap();
    assert_eq!(removed, 1);
    drop(db);
    let (ok, out) = audit_verify(&app);
    assert!(!ok, "tampering is detected: {out}");
    assert!(
        out.contains(&format!("RUSAK  case {abandoned}: event")) && out.contains("was altered"),
        "{out}"
    );
    assert!(
        out.contains(&format!("RUSAK  case {submitted}: the record states")),
        "{out}"
    );
    assert!(out.contains("2 jejak audit rusak"), "{out}");
    // The records (and so the digest over their heads) are unchanged: the trails no longer
    // lead to them.
    assert!(out.contains(&digest), "{out}");
}
