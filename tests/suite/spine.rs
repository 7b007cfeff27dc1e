//! One case through all 19 SOP steps, over HTTP against the spawned local runner: the grant
//! path, the revision loop with a return by the division head, the refusal path, and the
//! e-mails each step sends.

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn survey_answers() -> Value {
    json!({"u1": 4, "u2": 3, "u3": 4, "u4": 4, "u5": 3, "u6": 4, "u7": 4, "u8": 3, "u9": 3})
}

#[tokio::test]
async fn grant_path_a_to_s() {
    let app = TestApp::spawn().await;
    let t = app.login("pemohon").await;
    // d, e: account and application.
    let c = app.create_case(&t, application()).await;
    let id = c["id"].as_str().unwrap().to_string();
    assert_eq!(c["status"]["code"], "draft");
    assert_eq!(c["actions"], json!(["edit", "upload", "submit"]));
    // f: the four required documents.
    app.upload_all(&t, &id).await;
    let c = app.case(&t, &id).await;
    let reqs = c["requirements"].as_array().unwrap();
    assert!(
        reqs.iter()
            .filter(|r| r["required"] == true)
            .all(|r| r["document"]["version"] == 1)
    );
    // e → g: submit.
    let (s, c) = app.submit(&t, &id).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let reg = c["registration_number"].as_str().unwrap().to_string();
    assert!(reg.starts_with("KK-20") && reg.len() == 14, "{reg}");
    assert_eq!(c["status"]["code"], "in_process");
    assert_eq!(step_of(&c), "front_office_verification");
    assert_eq!(c["step"]["awaiting_decision"], true);

    // The front office sees it in its queue.
    let fo = app.login("fo").await;
    let (s, q) = app.get(Some(&fo), "/cases").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        q["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == id.as_str())
    );

    // g … p.
    let c = staff_g_to_p(&app, &id, "grant").await;
    assert_eq!(step_of(&c), "survey");
    let letter = &c["letter"]["signed"];
    assert_eq!(letter["kind"], "grant");
    assert!(
        letter["number"]
            .as_str()
            .unwrap()
            .starts_with("503/0001/SPK-KK/DPMPTSP/")
    );

    // q: the applicant answers the survey.
    let v = app.case(&t, &id).await["version"].clone();
    let (s, c) = app
        .post(
            Some(&t),
            &format!("/cases/{id}/survey"),
            json!({"version": v, "answers": survey_answers(), "suggestion": "Pelayanan cepat."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(step_of(&c), "effectuation");
    // A second response is refused.
    let (s, e) = app
        .post(
            Some(&t),
            &format!("/cases/{id}/survey"),
            json!({"version": c["version"], "answers": survey_answers()}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["code"], "invalid_state");

    // r: the back office records the effectuation in OSS.
    let c = app
        .act_ok("bo", &id, "effectuation", json!({"outcome": "effectuated", "oss_permit_number": "KK-OSS-2026-0099", "effective_on": today().to_string()}))
        .await;
    // s: the applicant fetches the final state.
    let c2 = app.case(&t, &id).await;
    assert_eq!(c2["status"]["code"], "issued", "{c}");
    assert!(c2["step"].is_null());
    // The view's `permit` is the permit applied for; what OSS issued is the `issuance`.
    assert_eq!(c2["permit"]["code"], "kantor-kas-ksp");
    assert_eq!(c2["issuance"]["number"], "KK-OSS-2026-0099");

    // The audit trail lists every step in order, with a valid hash chain.
    let ev = app.events(&t, &id).await;
    assert_eq!(ev["chain_valid"], true);
    let decided: Vec<String> = ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "step.decided")
        .map(|e| {
            format!(
                "{}:{}",
                e["step"].as_str().unwrap(),
                e["outcome"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        decided,
        [
            "front_office_verification:complete",
            "back_office_validation:valid",
            "section_head_forwarding:forward",
            "technical_verification:verified",
            "recommendation:grant",
            "letter_drafting:drafted",
            "section_head_validation:approve",
            "division_head_validation:approve",
            "head_signature:sign",
            "survey:answered",
            "effectuation:effectuated",
        ]
    );
    let actions: Vec<&str> = ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.first(), Some(&"application.created"));
    assert_eq!(
        actions.iter().filter(|a| **a == "document.stored").count(),
        4
    );
    assert!(actions.contains(&"case.submitted"));
    assert!(actions.contains(&"notice.sent"), "SOP h is recorded");
    assert_eq!(actions.last(), Some(&"case.closed"));
    // Applicants do not see staff addresses or ids.
    assert!(ev["items"][0].get("source_ip").is_none());
    let staff_ev = app.events(&fo, &id).await;
    assert!(staff_ev["items"][0]["source_ip"].as_str().is_some());

    // The workflow execution ended in the Issued state.
    let ex = app.execution(&id).await;
    assert_eq!(ex["execution"]["status"], "SUCCEEDED");

    // E-mails: to the right people, in Indonesian.
    let mail = app.outbox().await;
    let to_applicant: Vec<&str> = mail
        .iter()
        .filter(|m| m["to"][0] == "pengurus@ksp-sejahtera.test")
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    let expect = [
        format!("Permohonan diterima: {reg}"),
        format!("Berkas sudah lengkap: {reg}"),
        format!("Berkas diteruskan ke Dinas Koperasi: {reg}"),
        format!("Rekomendasi Dinas Koperasi: {reg}"),
        format!("Surat Pemenuhan Komitmen ditandatangani: {reg}"),
        format!("Mohon isi Survei Kepuasan Masyarakat: {reg}"),
        format!("Izin terbit: {reg}"),
    ];
    assert_eq!(
        to_applicant,
        expect.iter().map(String::as_str).collect::<Vec<_>>()
    );
    let file_complete = mail
        .iter()
        .find(|m| {
            m["subject"]
                .as_str()
                .unwrap()
                .starts_with("Berkas sudah lengkap")
        })
        .unwrap();
    assert!(
        file_complete["body"]
            .as_str()
            .unwrap()
            .contains("sudah lengkap")
    );
    assert!(
        file_complete["body"]
            .as_str()
            .unwrap()
            .contains("Jl. Awang Long No. 1")
    );
    // Staff queue notices reach each role's address.
    for (addr, step_title) in [
        ("frontoffice@dpmptsp-bontang.test", "Verifikasi pendaftaran"),
        ("backoffice@dpmptsp-bontang.test", "Validasi pendaftaran"),
        (
            "kasi.perizinan@dpmptsp-bontang.test",
            "Persetujuan kepala seksi",
        ),
        ("tim.teknis@diskop-bontang.test", "Verifikasi teknis"),
        ("kadis@diskop-bontang.test", "Rekomendasi"),
        (
            "kabid.perizinan@dpmptsp-bontang.test",
            "Validasi draf oleh kepala bidang",
        ),
        ("kadis@dpmptsp-bontang.test", "Penandatanganan"),
    ] {
        assert!(
            mail.iter()
                .any(|m| m["to"].as_array().unwrap().iter().any(|t| t == addr)
                    && m["subject"].as_str().unwrap().contains(step_title)),
            "no queue notice to {addr} for {step_title}"
        );
    }
    // Every message is a real .eml on disk.
    let eml = app
        .data_dir()
        .join("outbox")
        .join(mail[0]["file"].as_str().unwrap());
    let raw = std::fs::read_to_string(eml).unwrap();
    assert!(raw.contains("Subject: ") && raw.contains("charset=utf-8"));
}

#[tokio::test]
async fn revision_loop_and_a_return_by_the_division_head() {
    let app = TestApp::spawn().await;
    let id = submitted_case(&app, "pemohon").await;
    let t = app.login("pemohon").await;
    // g: incomplete, the member list must be uploaded again.
    let c = app
        .act_ok("fo", &id, "front_office_verification", json!({"outcome": "incomplete", "reason": "Daftar anggota tidak ditandatangani pengurus.", "missing": ["member_list"]}))
        .await;
    assert_eq!(step_of(&c), "applicant_revision");
    let mine = app.case(&t, &id).await;
    assert_eq!(mine["revision"]["missing"], json!(["member_list"]));
    assert!(
        mine["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "submit")
    );
    // Resubmitting without the new upload is refused, and changes nothing.
    let before = mine["version"].clone();
    let (s, e) = app.submit(&t, &id).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["code"], "requirements_incomplete");
    assert_eq!(e["errors"][0]["code"], "document_not_revised");
    assert_eq!(app.case(&t, &id).await["version"], before);
    // The applicant may also correct the form while in revision.
    let mut form = application();
    form["cash_office"]["member_count"] = json!(31);
    let (s, u) = app
        .put(
            Some(&t),
            &format!("/cases/{id}"),
            json!({"version": before, "application": form}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{u}");
    assert_eq!(u["application"]["cash_office"]["member_count"], 31);
    // Re-upload (version 2 of the member list) and resubmit.
    let (s, d) = app
        .upload(
            &t,
            &id,
            "member_list",
            "application/pdf",
            pdf("daftar anggota v2"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["document"]["version"], 2);
    let (s, c) = app.submit(&t, &id).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(step_of(&c), "front_office_verification");
    // i: invalid also loops back through revision.
    app.act_ok(
        "fo",
        &id,
        "front_office_verification",
        json!({"outcome": "complete"}),
    )
    .await;
    let c = app
        .act_ok("bo", &id, "back_office_validation", json!({"outcome": "invalid", "reason": "Nomor izin operasional tidak cocok dengan dokumen."}))
        .await;
    assert_eq!(step_of(&c), "applicant_revision");
    let (s, c) = app.submit(&t, &id).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    app.act_ok(
        "fo",
        &id,
        "front_office_verification",
        json!({"outcome": "complete"}),
    )
    .await;
    app.act_ok(
        "bo",
        &id,
        "back_office_validation",
        json!({"outcome": "valid"}),
    )
    .await;
    // j: a return to the back office, then forward.
    let c = app
        .act_ok(
            "kasi",
            &id,
            "section_head_forwarding",
            json!({"outcome": "return", "reason": "Lengkapi catatan validasi."}),
        )
        .await;
    assert_eq!(step_of(&c), "back_office_validation");
    app.act_ok(
        "bo",
        &id,
        "back_office_validation",
        json!({"outcome": "valid"}),
    )
    .await;
    app.act_ok(
        "kasi",
        &id,
        "section_head_forwarding",
        json!({"outcome": "forward"}),
    )
    .await;
    app.act_ok(
        "teknis",
        &id,
        "technical_verification",
        json!({"outcome": "verified", "findings": "Sesuai."}),
    )
    .await;
    app.act_ok("diskop", &id, "recommendation", json!({"outcome": "grant", "recommendation_number": "500/046/DKUMP/2026", "recommendation_date": today().to_string()}))
        .await;
    app.act_ok("bo", &id, "letter_drafting", json!({"outcome": "drafted"}))
        .await;
    app.act_ok(
        "kasi",
        &id,
        "section_head_validation",
        json!({"outcome": "approve"}),
    )
    .await;
    // o: the division head sends the draft back; a return needs a reason.
    let kabid = app.login("kabid").await;
    let v = app.case(&kabid, &id).await["version"].clone();
    let (s, e) = app
        .act(
            &kabid,
            &id,
            "division_head_validation",
            json!({"version": v, "outcome": "return"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["errors"][0]["code"], "reason_required");
    let c = app
        .act_ok(
            "kabid",
            &id,
            "division_head_validation",
            json!({"outcome": "return", "reason": "Perbaiki alamat Kantor Kas pada draf."}),
        )
        .await;
    assert_eq!(step_of(&c), "letter_drafting");
    let c = app
        .act_ok(
            "bo",
            &id,
            "letter_drafting",
            json!({"outcome": "drafted", "notes": "Alamat diperbaiki."}),
        )
        .await;
    assert_eq!(
        c["letter"]["drafts"].as_array().unwrap().len(),
        2,
        "both draft versions kept"
    );
    app.act_ok(
        "kasi",
        &id,
        "section_head_validation",
        json!({"outcome": "approve"}),
    )
    .await;
    app.act_ok(
        "kabid",
        &id,
        "division_head_validation",
        json!({"outcome": "approve"}),
    )
    .await;
    let c = app
        .act_ok("kadis", &id, "head_signature", json!({"outcome": "sign"}))
        .await;
    assert_eq!(c["letter"]["signed"]["version"], 2);
    let (s, c) = app
        .post(
            Some(&t),
            &format!("/cases/{id}/survey"),
            json!({"version": c["version"], "answers": survey_answers()}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    app.act_ok("bo", &id, "effectuation", json!({"outcome": "effectuated", "oss_permit_number": "KK-OSS-2026-0100", "effective_on": today().to_string()}))
        .await;
    assert_eq!(app.case(&t, &id).await["status"]["code"], "issued");
    // The revision notice named what was missing.
    let mail = app.outbox().await;
    let rev = mail
        .iter()
        .find(|m| {
            m["subject"]
                .as_str()
                .unwrap()
                .starts_with("Berkas perlu diperbaiki")
        })
        .expect("revision notice");
    let body = rev["body"].as_str().unwrap();
    assert!(
        body.contains("Daftar anggota tidak ditandatangani pengurus."),
        "{body}"
    );
    assert!(body.contains("Daftar anggota Kantor Kas"), "{body}");
    assert_eq!(app.events(&t, &id).await["chain_valid"], true);
}

#[tokio::test]
async fn refusal_path_ends_refused_with_a_signed_letter() {
    let app = TestApp::spawn().await;
    let id = submitted_case(&app, "pemohon").await;
    let c = staff_g_to_p(&app, &id, "refuse").await;
    assert_eq!(c["status"]["code"], "refused", "{c}");
    assert_eq!(c["letter"]["signed"]["kind"], "refusal");
    assert!(c["step"].is_null());
    let t = app.login("pemohon").await;
    let c = app.case(&t, &id).await;
    assert_eq!(c["recommendation"]["outcome"], "refusal");
    assert!(!c["survey_answered"].as_bool().unwrap());
    let ex = app.execution(&id).await;
    assert_eq!(ex["execution"]["status"], "SUCCEEDED");
    assert_eq!(ex["execution"]["state"], "Refused");
    let mail = app.outbox().await;
    let refused = mail
        .iter()
        .find(|m| {
            m["subject"]
                .as_str()
                .unwrap()
                .starts_with("Permohonan ditolak")
        })
        .expect("refusal notice");
    let body = refused["body"].as_str().unwrap();
    assert!(body.contains("Kantor cabang belum memenuhi tingkat kesehatan koperasi."));
    assert!(body.contains("503/0001/SPK-KK/DPMPTSP/"));
    assert!(
        !mail
            .iter()
            .any(|m| m["subject"].as_str().unwrap().starts_with("Izin terbit"))
    );
}
