//! Complaints a–f over HTTP against the local runner: an anonymous portal complaint, a
//! telephone complaint by a named person about a specific case handled with Dinas Koperasi
//! through a dissatisfied round, the confidentiality of the complainant, bad inputs, the
//! complaints report over a seeded period; and the survey's bad inputs and the IKM report.

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn step(app: &TestApp, token: &str, id: &str, step: &str, body: Value) -> Value {
    let c = app.get(Some(token), &format!("/complaints/{id}")).await.1;
    let mut b = json!({ "version": c["version"] });
    for (k, v) in body.as_object().unwrap() {
        b[k] = v.clone();
    }
    let (s, v) = app
        .post(Some(token), &format!("/complaints/{id}/steps/{step}"), b)
        .await;
    assert_eq!(s, StatusCode::OK, "{step}: {v}");
    v
}

#[tokio::test]
async fn complaints_a_to_f_confidential_and_reported() {
    let app = TestApp::spawn().await;
    // a: anonymous, through the portal, without signing in.
    let (s, filed) = crate::complaint_abuse::file_anonymously(
        &app,
        json!({"kind": "complaint", "text": "Antrean di loket perizinan terlalu lama tanpa kepastian.", "anonymous": true}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{filed}");
    let code = filed["tracking_code"].as_str().unwrap().to_string();
    let anon = filed["id"].as_str().unwrap().to_string();
    assert_eq!(filed["tracking"]["step"]["sop"], "b");

    // a: a named complainant by telephone, about a specific case, recorded by the officer.
    let case_id = submitted_case(&app, "pemohon").await;
    let t = app.login("pemohon").await;
    let reg = app.case(&t, &case_id).await["registration_number"]
        .as_str()
        .unwrap()
        .to_string();
    let adu = app.login("pengaduan").await;
    let (s, named) = app
        .post(
            Some(&adu),
            "/complaints/recorded",
            json!({"kind": "complaint", "channel": "telephone", "about": reg,
                   "text": "Kantor kas KSP beroperasi sebelum izin terbit dan menarik dana anggota.",
                   "name": "Sri Handayani", "email": "sri.h@warga.test", "phone": "0812 1111 2222"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{named}");
    let named_id = named["id"].as_str().unwrap().to_string();
    assert_eq!(named["channel"], "telephone");
    assert_eq!(named["complainant"]["name"], "Sri Handayani");

    // b–e for the anonymous one: unreachable at e closes it.
    step(
        &app,
        &adu,
        &anon,
        "registration",
        json!({"outcome": "registered"}),
    )
    .await;
    step(
        &app,
        &adu,
        &anon,
        "investigation",
        json!({"outcome": "investigated", "findings": "Satu loket tutup saat jam istirahat."}),
    )
    .await;
    step(&app, &adu, &anon, "follow_up", json!({"outcome": "followed_up", "follow_up": ["mediation"], "notes": "Jadwal istirahat petugas loket digilir."})).await;
    let closed = step(
        &app,
        &adu,
        &anon,
        "satisfaction_check",
        json!({"outcome": "unreachable", "notes": "Pengadu anonim."}),
    )
    .await;
    assert_eq!(closed["status"], "closed", "{closed}");
    let (_, tracked) = app.get(None, &format!("/complaints/track/{code}")).await;
    assert_eq!(tracked["status"], "Selesai");
    assert_eq!(tracked["follow_up"], json!(["Mediasi"]));
    let text = tracked.to_string();
    assert!(
        !text.contains("Antrean"),
        "no complaint text on the public page"
    );

    // b–e for the named one, with Dinas Koperasi, through a dissatisfied round.
    let reg_c = step(
        &app,
        &adu,
        &named_id,
        "registration",
        json!({"outcome": "registered"}),
    )
    .await;
    assert!(
        reg_c["due_on"].as_str().is_some(),
        "60 days run from registration"
    );
    step(&app, &adu, &named_id, "investigation", json!({"outcome": "investigated", "findings": "Kantor kas sudah membuka layanan tanpa izin."})).await;
    step(&app, &adu, &named_id, "follow_up", json!({"outcome": "followed_up", "follow_up": ["coordination_and_site_check"], "with_dinas_koperasi": true, "notes": "Cek lokasi bersama Dinas Koperasi."})).await;
    let back = step(
        &app,
        &adu,
        &named_id,
        "satisfaction_check",
        json!({"outcome": "dissatisfied", "notes": "Kantor kas masih beroperasi."}),
    )
    .await;
    assert_eq!(
        back["step"], "follow_up",
        "dissatisfied goes back to follow-up: {back}"
    );
    step(&app, &adu, &named_id, "follow_up", json!({"outcome": "followed_up", "follow_up": ["sanction"], "with_dinas_koperasi": true, "notes": "Teguran tertulis dan penutupan sementara."})).await;
    let done = step(
        &app,
        &adu,
        &named_id,
        "satisfaction_check",
        json!({"outcome": "satisfied"}),
    )
    .await;
    assert_eq!(done["status"], "closed");
    let ev = app
        .get(Some(&adu), &format!("/complaints/{named_id}/events"))
        .await
        .1;
    assert_eq!(ev["chain_valid"], true);
    let mail = app.outbox().await;
    let to_sri: Vec<&str> = mail
        .iter()
        .filter(|m| m["to"][0] == "sri.h@warga.test")
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert_eq!(to_sri.len(), 2, "{to_sri:?}");
    assert!(to_sri[0].starts_with("Pengaduan Anda telah kami terima"));
    assert!(to_sri[1].starts_with("Pengaduan selesai ditangani"));
    // Officer e-mails never carry the complainant's name.
    assert!(
        mail.iter()
            .filter(|m| m["to"][0] == "pengaduan@dpmptsp-bontang.test")
            .all(|m| !m["body"].as_str().unwrap().contains("Sri Handayani"))
    );

    // Bad inputs: each a clear 4xx, nothing stored.
    let (s, e) = app
        .post(Some(&adu), "/complaints/recorded", json!({"kind": "complaint", "text": "Terlalu singkat? Tidak, ini cukup panjang.", "channel": "portal", "anonymous": true}))
        .await;
    assert_eq!(
        (s, e["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("channel"))
    );
    let (s, third) = crate::complaint_abuse::file_anonymously(
        &app,
        json!({"kind": "input", "text": "Mohon formulir daring dibuat lebih sederhana.", "anonymous": true}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let third_id = third["id"].as_str().unwrap().to_string();
    step(
        &app,
        &adu,
        &third_id,
        "registration",
        json!({"outcome": "registered"}),
    )
    .await;
    step(
        &app,
        &adu,
        &third_id,
        "investigation",
        json!({"outcome": "investigated", "findings": "Formulir memuat isian ganda."}),
    )
    .await;
    let v = app
        .get(Some(&adu), &format!("/complaints/{third_id}"))
        .await
        .1["version"]
        .clone();
    let (s, e) = app
        .post(Some(&adu), &format!("/complaints/{third_id}/steps/follow_up"), json!({"version": v, "outcome": "followed_up", "follow_up": ["warning_letter"], "notes": "x"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["errors"][0]["code"], "invalid_follow_up");
    let kasi = app.login("kasi").await;
    let (s, e) = app
        .post(Some(&kasi), &format!("/complaints/{third_id}/steps/follow_up"), json!({"version": v, "outcome": "followed_up", "follow_up": ["mediation"], "notes": "x"}))
        .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden_role"))
    );
    let (s, _) = app
        .get(Some(&kasi), &format!("/complaints/{named_id}"))
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the identity is for complaints officers only"
    );
    assert_eq!(
        app.get(Some(&adu), &format!("/complaints/{third_id}"))
            .await
            .1["version"],
        v
    );
    let (s, _) = app.get(None, "/complaints/track/ADU-NOPE0-NOPE0").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The complaints report of the period: known counts, no personal data.
    let today = today();
    let q = format!("/reports/complaints?from={}&to={}", today, today);
    let (s, r) = app.get(Some(&kasi), &q).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["total"], 3);
    let count = |list: &str, code: &str| {
        r[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)
            .unwrap()["count"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(count("per_channel", "portal"), 2);
    assert_eq!(count("per_channel", "telephone"), 1);
    assert_eq!(count("per_kind", "complaint"), 2);
    assert_eq!(count("per_kind", "input"), 1);
    assert_eq!(count("per_follow_up", "mediation"), 1);
    assert_eq!(count("per_follow_up", "coordination_and_site_check"), 1);
    assert_eq!(count("per_follow_up", "sanction"), 1);
    assert_eq!(count("per_outcome", "satisfied"), 1);
    assert_eq!(count("per_outcome", "unreachable"), 1);
    assert_eq!(count("per_outcome", "open"), 1);
    assert_eq!(r["dissatisfied_rounds"], 1);
    assert_eq!(r["with_dinas_koperasi"], 1);
    assert_eq!(r["median_resolution_days"], 0.0);
    assert_eq!(r["open"], 1);
    let text = r.to_string();
    for private in [
        "Sri Handayani",
        "sri.h@",
        "0812",
        "Antrean",
        "Kantor kas KSP beroperasi",
    ] {
        assert!(!text.contains(private), "{private} in the report");
    }
    let csv = app
        .http
        .get(format!("{}{q}&format=csv&table=summary", app.api))
        .bearer_auth(&kasi)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("\u{feff}dimensi,kode,uraian,jumlah\r\n"));
    assert!(
        csv.contains("saluran,telephone,Telepon (0548-20594),1\r\n"),
        "{csv}"
    );
    assert!(csv.contains("jumlah,total,Jumlah pengaduan,3\r\n"));
    // Applicants read no reports.
    let (s, _) = app.get(Some(&t), &q).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// Drives a submitted case to step q.
async fn to_survey(app: &TestApp, id: &str) {
    staff_g_to_p(app, id, "grant").await;
}

#[tokio::test]
async fn survey_bad_inputs_and_the_ikm_report() {
    let app = TestApp::spawn().await;
    let t = app.login("pemohon").await;
    // Not at step q yet: refused.
    let early = submitted_case(&app, "pemohon").await;
    let v = app.case(&t, &early).await["version"].clone();
    let all4 =
        json!({"u1": 4, "u2": 4, "u3": 4, "u4": 4, "u5": 4, "u6": 4, "u7": 4, "u8": 4, "u9": 4});
    let (s, e) = app
        .post(
            Some(&t),
            &format!("/cases/{early}/survey"),
            json!({"version": v, "answers": all4}),
        )
        .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::CONFLICT, Some("invalid_state"))
    );

    // Three cases at q, answered as in the worked example of the IKM unit test.
    let answers = [
        json!({"u1": 4, "u2": 4, "u3": 3, "u4": 4, "u5": 3, "u6": 3, "u7": 4, "u8": 2, "u9": 3}),
        json!({"u1": 3, "u2": 3, "u3": 3, "u4": 4, "u5": 3, "u6": 3, "u7": 3, "u8": 3, "u9": 3}),
        all4.clone(),
    ];
    for (i, a) in answers.iter().enumerate() {
        let id = submitted_case(&app, "pemohon").await;
        to_survey(&app, &id).await;
        let v = app.case(&t, &id).await["version"].clone();
        if i == 0 {
            // A score outside 1–4 and a missing element: 422, nothing stored.
            let mut bad = a.clone();
            bad["u4"] = json!(5);
            bad.as_object_mut().unwrap().remove("u9");
            let (s, e) = app
                .post(
                    Some(&t),
                    &format!("/cases/{id}/survey"),
                    json!({"version": v, "answers": bad}),
                )
                .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
            let codes: Vec<&str> = e["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["code"].as_str().unwrap())
                .collect();
            assert_eq!(codes, ["score_range", "required"]);
            assert_eq!(app.case(&t, &id).await["version"], v);
            // Someone else's case: 404.
            let other = app.login("pemohon2").await;
            let (s, _) = app
                .post(
                    Some(&other),
                    &format!("/cases/{id}/survey"),
                    json!({"version": v, "answers": a}),
                )
                .await;
            assert_eq!(s, StatusCode::NOT_FOUND);
        }
        let (s, c) = app
            .post(
                Some(&t),
                &format!("/cases/{id}/survey"),
                json!({"version": v, "answers": a, "suggestion": format!("Saran {i}"), "profile": {"sex": "p", "education": "s1"}}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{c}");
        // A second response: refused.
        let (s, _) = app
            .post(
                Some(&t),
                &format!("/cases/{id}/survey"),
                json!({"version": c["version"], "answers": a}),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT);
    }
    let kabid = app.login("kabid").await;
    let q = format!("/reports/ikm?from={}&to={}", today(), today());
    let (s, r) = app.get(Some(&kabid), &q).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    // Σ totals 94 over 3 respondents: 2350 / 27 = 87.04 → B (Baik).
    assert_eq!(r["respondents"], 3);
    assert_eq!(r["index"]["ikm"], 87.04);
    assert_eq!(r["index"]["band"], "B");
    assert_eq!(r["index"]["band_label"], "Baik");
    assert_eq!(
        r["index"]["elements"][7]["name"],
        "Penanganan pengaduan, saran dan masukan"
    );
    assert_eq!(r["index"]["elements"][7]["nrr"], 3.0);
    assert_eq!(r["suggestions"], json!(["Saran 0", "Saran 1", "Saran 2"]));
    // A cross-office viewer reads the same index across offices, without the respondents' own
    // words (which may name people).
    let viewer = app.login("pemantau").await;
    let (s, all) = app.get(Some(&viewer), &q).await;
    assert_eq!(s, StatusCode::OK, "{all}");
    assert_eq!(
        (all["respondents"].as_u64(), all["office"].clone()),
        (Some(3), Value::Null)
    );
    assert_eq!(all["index"]["ikm"], 87.04);
    assert_eq!(all["suggestions"], json!([]), "{all}");
    let csv = app
        .http
        .get(format!("{}{q}&format=csv", app.api))
        .bearer_auth(&kabid)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains("U8,\"Penanganan pengaduan, saran dan masukan\",3.0000,0.3333\r\n"),
        "{csv}"
    );
    assert!(csv.contains("IKM,Mutu Baik (B),87.04,\r\n"), "{csv}");
}

/// The three outcomes of registration (b) and the SP4N-LAPOR! channel, on the runner's dev
/// clock: an incomplete complaint completed on its last day is registered with the 60 days
/// counted from its completion and goes on to c; one not completed closes the day after its last
/// day (`closed_incomplete`); one outside the office's authority, received through SP4N-LAPOR!,
/// closes as forwarded to the institution named; the report counts them per channel and outcome.
/// Worked example of the clock (infra/calendar/2026.json): asked on Monday 16 March 2026, ten
/// working days end on Tuesday 7 April 2026 (18–24 March and Good Friday 3 April are off).
#[tokio::test]
async fn registration_outcomes_and_sp4n_lapor() {
    let app = TestApp::spawn_with_env(vec![("PD_DEV_CLOCK".into(), "1".into())]).await;
    set_clock(&app, "2026-03-16T09:00:00+08:00").await;
    let mut adu = app.login("pengaduan").await;
    let file = |email: &'static str| {
        json!({"kind": "complaint", "text": "Petugas meminta biaya tambahan di luar ketentuan.",
               "name": "Warga Bontang", "email": email})
    };
    let (s, a) = crate::complaint_abuse::file_anonymously(&app, file("warga.a@warga.test")).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let (a_id, a_code) = (
        a["id"].as_str().unwrap().to_string(),
        a["tracking_code"].as_str().unwrap().to_string(),
    );
    let (_, b) = crate::complaint_abuse::file_anonymously(&app, file("warga.b@warga.test")).await;
    let (b_id, b_code) = (
        b["id"].as_str().unwrap().to_string(),
        b["tracking_code"].as_str().unwrap().to_string(),
    );
    // Filed without sign-in: both confirm their addresses (else no e-mail reaches them).
    crate::complaint_abuse::confirm_address(&app, &a_code, "warga.a@warga.test").await;
    crate::complaint_abuse::confirm_address(&app, &b_code, "warga.b@warga.test").await;

    // b `incomplete` without saying what is missing: a field error, nothing changed.
    let before = app.get(Some(&adu), &format!("/complaints/{a_id}")).await.1;
    let (s, e) = app
        .post(
            Some(&adu),
            &format!("/complaints/{a_id}/steps/registration"),
            json!({"version": before["version"], "outcome": "incomplete"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["errors"][0]["field"], "missing");
    assert_eq!(e["errors"][0]["code"], "required");
    assert!(e["detail"].as_str().is_some() && e["code"].as_str().is_some());
    let same = app.get(Some(&adu), &format!("/complaints/{a_id}")).await.1;
    assert_eq!(same["version"], before["version"]);

    // Both incomplete: the complainant is asked by e-mail, the clock ends 7 April 2026.
    for id in [&a_id, &b_id] {
        let c = step(&app, &adu, id, "registration", json!({"outcome": "incomplete", "missing": "Sebutkan tanggal kejadian dan loket yang dimaksud."})).await;
        assert_eq!(c["step"], "completion", "{c}");
        assert_eq!(c["completion_due_on"], "2026-04-07");
        assert_eq!(c["awaiting_decision"], false);
        assert!(c["due_on"].is_null(), "no 60 days while incomplete");
    }
    let mail = app.outbox().await;
    let asked = mail
        .iter()
        .find(|m| {
            m["to"][0] == "warga.a@warga.test"
                && m["subject"] == format!("Pengaduan belum lengkap: {a_code}")
        })
        .expect("the complainant is asked to complete it");
    let body = asked["body"].as_str().unwrap();
    assert!(body.contains("Sebutkan tanggal kejadian"), "{body}");
    assert!(body.contains("paling lambat 7 April 2026"), "{body}");
    assert!(
        body.contains(&format!("/#/pengaduan/lacak/{a_code}")),
        "the link opens the portal's tracking page: {body}"
    );
    let (_, t) = app.get(None, &format!("/complaints/track/{a_code}")).await;
    assert_eq!(t["status"], "Belum lengkap");
    assert_eq!(
        t["incomplete"]["message"],
        "Pengaduan belum lengkap — mohon lengkapi sebelum 7 April 2026 pukul 24.00 WITA."
    );
    // The officer cannot register it meanwhile.
    let v = app.get(Some(&adu), &format!("/complaints/{a_id}")).await.1["version"].clone();
    let (s, _) = app
        .post(
            Some(&adu),
            &format!("/complaints/{a_id}/steps/registration"),
            json!({"version": v, "outcome": "registered"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // On the last day the daily job closes nothing; A completes it (a too-short text first).
    set_clock(&app, "2026-04-07T20:00:00+08:00").await;
    // Sessions of the dev clock's past have expired.
    adu = app.login("pengaduan").await;
    let run = run_daily_job(&app).await;
    assert_eq!(run["complaints_expired"], json!([]), "{run}");
    let done = format!("/complaints/track/{a_code}/completion");
    let (s, e) = app.post(None, &done, json!({"text": "Loket 2"})).await;
    assert_eq!(
        (s, e["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("text"))
    );
    let (s, e) = app
        .post(
            None,
            &done,
            json!({"text": "Kamis 12 Maret 2026 pukul 10.00 di loket 2.", "extra": 1}),
        )
        .await;
    assert_eq!(
        (s, e["errors"][0]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_field")),
        "{e}"
    );
    let (s, t) = app
        .post(
            None,
            &done,
            json!({"text": "Kamis 12 Maret 2026 pukul 10.00 di loket 2."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert_eq!(t["status"], "Dalam penanganan");
    assert_eq!(t["step"]["sop"], "b");
    let (s, _) = app
        .post(
            None,
            &done,
            json!({"text": "Sekali lagi, tanggal 12 Maret 2026."}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "completed once");
    let c = app.get(Some(&adu), &format!("/complaints/{a_id}")).await.1;
    assert_eq!(c["step"], "registration", "{c}");
    assert_eq!(c["awaiting_decision"], true);
    assert_eq!(
        c["completion_requests"][0]["addition"],
        "Kamis 12 Maret 2026 pukul 10.00 di loket 2."
    );
    // The day after the last day: the daily job ends B's wait, the workflow closes it.
    set_clock(&app, "2026-04-08T07:00:00+08:00").await;
    let run = run_daily_job(&app).await;
    assert_eq!(run["complaints_expired"], json!([b_code]), "{run}");
    // Registered a week later: the 60 days run from the complete complaint (7 April).
    set_clock(&app, "2026-04-14T09:00:00+08:00").await;
    // Sessions of the dev clock's past have expired.
    adu = app.login("pengaduan").await;
    let c = step(
        &app,
        &adu,
        &a_id,
        "registration",
        json!({"outcome": "registered"}),
    )
    .await;
    assert_eq!(c["due_on"], "2026-06-06", "{c}");
    assert_eq!(
        c["step"], "investigation",
        "registration resumes and proceeds"
    );

    // B was never completed: closed by the daily job of 8 April (already done, nothing again).
    let run = run_daily_job(&app).await;
    assert_eq!(run["complaints_expired"], json!([]), "{run}");
    let c = app.get(Some(&adu), &format!("/complaints/{b_id}")).await.1;
    assert_eq!(
        (c["status"].as_str(), c["closed_as"].as_str()),
        (Some("closed"), Some("closed_incomplete")),
        "{c}"
    );
    let (s, _) = app
        .post(
            None,
            &format!("/complaints/track/{b_code}/completion"),
            json!({"text": "Kamis 12 Maret 2026 di loket 2."}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, t) = app.get(None, &format!("/complaints/track/{b_code}")).await;
    assert_eq!(t["status"], "Ditutup: tidak dilengkapi");
    let ev = app
        .get(Some(&adu), &format!("/complaints/{b_id}/events"))
        .await
        .1;
    assert_eq!(ev["chain_valid"], true);
    let actions: Vec<(&str, &str)> = ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["outcome"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        actions.contains(&("complaint.decided", "registration:incomplete")),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("complaint.completion_expired", "2026-04-07")),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("complaint.closed", "closed_incomplete")),
        "{actions:?}"
    );
    assert!(
        app.outbox()
            .await
            .iter()
            .any(|m| m["to"][0] == "warga.b@warga.test"
                && m["subject"] == format!("Pengaduan ditutup karena tidak dilengkapi: {b_code}"))
    );

    // SP4N-LAPOR!: the reference is required and shaped; refused ones store nothing.
    let open_before = app.get(Some(&adu), "/complaints").await.1["count"].clone();
    let lapor = |r: Option<&str>| {
        let mut b = json!({"kind": "complaint", "channel": "sp4n_lapor",
            "text": "Laporan LAPOR!: jalan di depan kantor kas rusak berat.",
            "name": "Pelapor LAPOR", "email": "pelapor@warga.test"});
        if let Some(r) = r {
            b["lapor_reference"] = json!(r);
        }
        b
    };
    let (s, e) = app
        .post(Some(&adu), "/complaints/recorded", lapor(None))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(
        (
            e["errors"][0]["field"].as_str(),
            e["errors"][0]["code"].as_str()
        ),
        (Some("lapor_reference"), Some("required"))
    );
    let (s, e) = app
        .post(Some(&adu), "/complaints/recorded", lapor(Some("12 34/5")))
        .await;
    assert_eq!(
        (s, e["errors"][0]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("invalid_lapor_reference")
        )
    );
    assert!(
        e["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("SP4N-LAPOR!")
    );
    assert_eq!(
        app.get(Some(&adu), "/complaints").await.1["count"],
        open_before
    );
    let (s, l) = app
        .post(Some(&adu), "/complaints/recorded", lapor(Some("#5123456")))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{l}");
    assert_eq!(
        (
            l["channel"].as_str(),
            l["channel_label"].as_str(),
            l["lapor_reference"].as_str()
        ),
        (Some("sp4n_lapor"), Some("SP4N-LAPOR!"), Some("5123456"))
    );
    let l_id = l["id"].as_str().unwrap().to_string();
    let l_code = l["tracking_code"].as_str().unwrap().to_string();

    // Outside the office's authority: the institution is required; then closed, named, told.
    let v = app.get(Some(&adu), &format!("/complaints/{l_id}")).await.1["version"].clone();
    let (s, e) = app
        .post(
            Some(&adu),
            &format!("/complaints/{l_id}/steps/registration"),
            json!({"version": v, "outcome": "outside_authority", "forwarded_to": " "}),
        )
        .await;
    assert_eq!(
        (s, e["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("forwarded_to"))
    );
    let c = step(&app, &adu, &l_id, "registration", json!({"outcome": "outside_authority", "forwarded_to": "Dinas Pekerjaan Umum dan Penataan Ruang Kota Bontang"})).await;
    assert_eq!(
        (c["status"].as_str(), c["closed_as"].as_str()),
        (Some("closed"), Some("outside_authority")),
        "{c}"
    );
    assert_eq!(
        c["forwarded_to"],
        "Dinas Pekerjaan Umum dan Penataan Ruang Kota Bontang"
    );
    let (_, t) = app.get(None, &format!("/complaints/track/{l_code}")).await;
    assert_eq!(
        t["forwarded_to"],
        "Dinas Pekerjaan Umum dan Penataan Ruang Kota Bontang"
    );
    assert_eq!(t["channel"], "SP4N-LAPOR!");
    let told = app
        .outbox()
        .await
        .into_iter()
        .find(|m| {
            m["to"][0] == "pelapor@warga.test"
                && m["subject"]
                    .as_str()
                    .unwrap()
                    .starts_with("Pengaduan diteruskan")
        })
        .expect("the complainant is told where it went");
    assert!(
        told["body"]
            .as_str()
            .unwrap()
            .contains("kami teruskan kepada Dinas Pekerjaan Umum dan Penataan Ruang Kota Bontang")
    );
    let ev = app
        .get(Some(&adu), &format!("/complaints/{l_id}/events"))
        .await
        .1;
    assert_eq!(ev["chain_valid"], true);
    assert!(
        ev["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "complaint.closed" && e["outcome"] == "outside_authority")
    );

    // The report of 16 March (A, B) and 14 April (the LAPOR! one), per channel and outcome.
    let kasi = app.login("kasi").await;
    let q = "/reports/complaints?from=2026-03-16&to=2026-04-14";
    let (s, r) = app.get(Some(&kasi), q).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let count = |list: &str, code: &str| {
        r[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)
            .unwrap()["count"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(r["total"], 3);
    assert_eq!(count("per_channel", "sp4n_lapor"), 1);
    assert_eq!(count("per_channel", "portal"), 2);
    assert_eq!(count("per_outcome", "closed_incomplete"), 1);
    assert_eq!(count("per_outcome", "outside_authority"), 1);
    assert_eq!(count("per_outcome", "open"), 1);
    let csv = app
        .http
        .get(format!("{}{q}&format=csv&table=summary", app.api))
        .bearer_auth(&kasi)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains("saluran,sp4n_lapor,SP4N-LAPOR!,1\r\n"),
        "{csv}"
    );
    assert!(csv.contains("hasil,outside_authority,"), "{csv}");
    assert!(
        !r.to_string().contains("Pelapor LAPOR"),
        "no personal data in the report"
    );
}
