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
    let (s, filed) = app
        .post(
            None,
            "/complaints",
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
    let (s, third) = app
        .post(None, "/complaints", json!({"kind": "input", "text": "Mohon formulir daring dibuat lebih sederhana.", "anonymous": true}))
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
