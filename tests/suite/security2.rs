//! Security round 2 (issue 17), the items of this module: anonymous callers share no
//! idempotency scope; the applicant's own view of a case carries no staff account ids and no
//! internal letter drafts; the API's answers carry security headers; upload tickets are capped
//! per requirement and expire; anonymous complaints are limited per source; staff see a case
//! on a need to know.

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn anonymous_complaint(
    app: &TestApp,
    key: &str,
    text: &str,
    proof: &Value,
) -> (StatusCode, Value, bool) {
    let r = app
        .http
        .post(format!("{}/complaints", app.api))
        .header("Idempotency-Key", key)
        .json(&json!({"kind": "complaint", "text": text, "anonymous": true, "proof": proof}))
        .send()
        .await
        .unwrap();
    let s = r.status();
    let replayed = r
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true");
    (s, r.json().await.unwrap(), replayed)
}

#[tokio::test]
async fn anonymous_idempotency_keys_bind_to_their_request() {
    let app = TestApp::spawn().await;
    let key = "kunci-yang-sama-0001";
    let first = crate::complaint_abuse::solved_proof(&app).await;
    let (s, a, replayed) = anonymous_complaint(
        &app,
        key,
        "Loket perizinan dibuka terlambat setengah jam.",
        &first,
    )
    .await;
    assert_eq!((s, replayed), (StatusCode::CREATED, false), "{a}");
    // Someone else with the same key and another complaint: a complaint of its own, neither a
    // 422 telling them the key is taken nor the first complainant's response.
    let (s, b, replayed) = anonymous_complaint(
        &app,
        key,
        "Petugas tidak menjelaskan persyaratan dengan jelas.",
        &crate::complaint_abuse::solved_proof(&app).await,
    )
    .await;
    assert_eq!((s, replayed), (StatusCode::CREATED, false), "{b}");
    assert_ne!(a["id"], b["id"]);
    assert_ne!(a["tracking_code"], b["tracking_code"]);
    // The first complainant's retry is still a replay of their own response.
    let (s, again, replayed) = anonymous_complaint(
        &app,
        key,
        "Loket perizinan dibuka terlambat setengah jam.",
        &first,
    )
    .await;
    assert_eq!((s, replayed), (StatusCode::CREATED, true), "{again}");
    assert_eq!(again["id"], a["id"]);
}

fn subs_in(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(s)) = o.get("sub") {
                out.push(s.clone());
            }
            o.values().for_each(|x| subs_in(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| subs_in(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_applicants_view_has_no_staff_ids_or_drafts() {
    let app = TestApp::spawn().await;
    let id = submitted_case(&app, "pemohon").await;
    staff_g_to_p(&app, &id, "grant").await;
    let mut staff_subs = vec![];
    for user in ["fo", "bo", "kasi", "kabid", "kadis", "teknis", "diskop"] {
        let t = app.login(user).await;
        let (_, me) = app.get(Some(&t), "/me").await;
        staff_subs.push(me["sub"].as_str().unwrap().to_string());
    }
    // Staff see who did what, and the drafts.
    let kasi = app.login("kasi").await;
    let staff_view = app.case(&kasi, &id).await;
    let mut seen = vec![];
    subs_in(&staff_view, &mut seen);
    assert!(seen.iter().any(|s| staff_subs.contains(s)), "{staff_view}");
    assert!(
        !staff_view["letter"]["drafts"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The applicant sees what was decided, by which role and official, not their account ids.
    let t = app.login("pemohon").await;
    let own = app.case(&t, &id).await;
    let text = own.to_string();
    for sub in &staff_subs {
        assert!(
            !text.contains(sub.as_str()),
            "staff id {sub} in the applicant's view: {own}"
        );
    }
    let mut seen = vec![];
    subs_in(&own, &mut seen);
    assert!(seen.is_empty(), "{seen:?}");
    assert!(own["letter"].get("drafts").is_none(), "{own}");
    assert!(
        own["letter"]["signed"]["number"].is_string(),
        "the signed letter is theirs: {own}"
    );
    assert_eq!(
        own["decisions"][0]["actor"]["role"], "front_office",
        "{own}"
    );
    assert!(own["decisions"][0]["actor"]["name"].is_string());
}

#[tokio::test]
async fn every_api_answer_says_it_is_data() {
    let app = TestApp::spawn().await;
    let t = app.login("pemohon").await;
    for (token, path) in [(None, "/permits"), (Some(t.as_str()), "/cases")] {
        let mut req = app.http.get(format!("{}{path}", app.api));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        let h = r.headers();
        assert_eq!(
            h["content-security-policy"],
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
            "{path}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["cache-control"], "no-store", "{path}");
    }
}

async fn ticket(app: &TestApp, t: &str, id: &str) -> (StatusCode, Value) {
    app.post(
        Some(t),
        &format!("/cases/{id}/documents"),
        json!({"requirement": "member_list", "file_name": "daftar.pdf", "media_type": "application/pdf", "size": 1000}),
    )
    .await
}

#[tokio::test]
async fn upload_tickets_are_capped_per_requirement_and_expire() {
    let app = TestApp::spawn_with_env(vec![("PD_DEV_CLOCK".into(), "1".into())]).await;
    set_clock(&app, "2026-12-07T09:00:00+08:00").await;
    let t = app.login("pemohon").await;
    let c = app
        .create_case(&t, application_applied_on("2026-12-04"))
        .await;
    let id = c["id"].as_str().unwrap().to_string();
    let mut first = None;
    for _ in 0..5 {
        let (s, v) = ticket(&app, &t, &id).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        first.get_or_insert(v["document"]["id"].as_str().unwrap().to_string());
    }
    let (s, e) = ticket(&app, &t, &id).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::CONFLICT, Some("invalid_state")),
        "{e}"
    );
    assert!(
        e["detail"].as_str().unwrap().contains("5 alamat unggah"),
        "{e}"
    );
    // Another requirement is not held up.
    let (s, v) = app
        .post(
            Some(&t),
            &format!("/cases/{id}/documents"),
            json!({"requirement": "oss_permit_copy", "file_name": "oss.pdf", "media_type": "application/pdf", "size": 1000}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    // 16 minutes on, the five URLs have expired: a new one is handed out; the first ticket can
    // no longer be confirmed 31 minutes after it was handed out.
    set_clock(&app, "2026-12-07T09:16:00+08:00").await;
    let t = app.login("pemohon").await;
    let (s, v) = ticket(&app, &t, &id).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    set_clock(&app, "2026-12-07T09:31:00+08:00").await;
    let t = app.login("pemohon").await;
    let first = first.unwrap();
    let (s, e) = app
        .post(
            Some(&t),
            &format!("/cases/{id}/documents/{first}/confirm"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["detail"].as_str().unwrap().contains("kedaluwarsa"), "{e}");
}

/// 1,000 anonymous complaints from one address: the first 20 of the hour are filed (each starts
/// its workflow and tells the officer); the rest are 429 with `Retry-After`, and start nothing.
/// A signed-in officer recording complaints is not limited.
#[tokio::test]
async fn anonymous_complaints_from_one_source_are_throttled() {
    let app = TestApp::spawn().await;
    let mut filed = 0;
    let mut throttled = 0;
    for i in 0..1000 {
        let r = app
            .http
            .post(format!("{}/complaints", app.api))
            .json(&json!({"kind": "complaint", "text": format!("Pengaduan berulang nomor {i} tentang antrean."), "anonymous": true,
                "proof": crate::complaint_abuse::solved_proof(&app).await}))
            .send()
            .await
            .unwrap();
        match r.status() {
            StatusCode::CREATED => filed += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                throttled += 1;
                let wait: u64 = r.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!((1..=3600).contains(&wait), "{wait}");
                if throttled == 1 {
                    let e: Value = r.json().await.unwrap();
                    assert_eq!(e["code"], "too_many_requests", "{e}");
                    assert!(
                        e["detail"].as_str().unwrap().contains("Coba lagi dalam"),
                        "{e}"
                    );
                }
            }
            other => panic!("complaint {i}: {other}"),
        }
    }
    assert_eq!((filed, throttled), (20, 980));
    let adu = app.login("pengaduan").await;
    let (s, register) = app.get(Some(&adu), "/complaints").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(register["count"], 20, "only the filed ones exist");
    let officer_mail = app
        .outbox()
        .await
        .iter()
        .filter(|m| m["to"][0] == "pengaduan@dpmptsp-bontang.test")
        .count();
    assert!(officer_mail <= 20, "{officer_mail} e-mails to the officer");
    let (s, v) = app
        .post(
            Some(&adu),
            "/complaints/recorded",
            json!({"kind": "complaint", "channel": "telephone", "text": "Pengaduan lewat telepon tentang antrean.", "anonymous": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

/// Need to know: Dinas Koperasi sees a case from its first step on; the complaints officer and
/// another permit's agency never; the office's own staff from submission on.
#[tokio::test]
async fn staff_see_a_case_only_when_they_need_to() {
    let app = TestApp::spawn().await;
    let id = submitted_case(&app, "pemohon").await;
    let get = |user: &'static str| {
        let (app, id) = (&app, id.clone());
        async move {
            let t = app.login(user).await;
            let (s, _) = app.get(Some(&t), &format!("/cases/{id}")).await;
            let (d, _) = app.get(Some(&t), &format!("/cases/{id}/documents")).await;
            (s, d)
        }
    };
    for user in ["teknis", "diskop", "pengaduan", "putr", "kasir"] {
        assert_eq!(
            get(user).await,
            (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND),
            "{user} at the front office's step"
        );
    }
    for user in ["fo", "bo", "kasi", "kabid", "kadis"] {
        assert_eq!(get(user).await, (StatusCode::OK, StatusCode::OK), "{user}");
    }
    // Forwarded to Dinas Koperasi: its technical team and official see it now (the official
    // supervises the team).
    for (user, step, body) in decisions_g_to_p("grant").into_iter().take(3) {
        app.act_ok(user, &id, step, body).await;
    }
    let t = app.login("pemohon").await;
    assert_eq!(step_of(&app.case(&t, &id).await), "technical_verification");
    for user in ["teknis", "diskop"] {
        assert_eq!(get(user).await, (StatusCode::OK, StatusCode::OK), "{user}");
    }
    for user in ["pengaduan", "putr", "kasir"] {
        assert_eq!(
            get(user).await,
            (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND),
            "{user}"
        );
    }
}
