//! The spine once more over HTTP, with the local runner configured for the AWS adapters:
//! DynamoDB, S3 (presigned POST uploads), SESv2 on moto, and Step Functions on moto running the
//! infra ASL. Lambda is played by the bridge, which runs the real workflow function on each
//! scheduled task; e-mails are read back from moto's SES store.

use crate::common;

use common::aws::{Bridge, Fixture};
use common::*;
use perizinan::domain::Role;
use perizinan::ports::directory::StaticDirectory;
use reqwest::StatusCode;
use serde_json::{Value, json};

struct Flow {
    app: TestApp,
    fx: Fixture,
    bridge: Bridge,
}

impl Flow {
    async fn new() -> Self {
        let fx = Fixture::new(true).await;
        let app = TestApp::spawn_with_env(fx.runner_env()).await;
        let staff = StaticDirectory {
            entries: vec![
                (
                    perizinan::domain::office::founding_code(),
                    Role::new("front_office"),
                    "frontoffice@dpmptsp-bontang.test".into(),
                ),
                (
                    perizinan::domain::office::founding_code(),
                    Role::new("back_office"),
                    "backoffice@dpmptsp-bontang.test".into(),
                ),
            ],
        };
        let bridge = Bridge::new(&fx, fx.services(staff));
        Self { app, fx, bridge }
    }

    /// Lets the workflow catch up with the last action; returns the case as the applicant
    /// sees it.
    async fn settle(&mut self, id: &str) -> Value {
        self.bridge.pump(&self.fx.execution_arn(id)).await;
        let t = self.app.login("pemohon").await;
        self.app.case(&t, id).await
    }

    async fn act(&mut self, user: &str, id: &str, step: &str, extra: Value) -> Value {
        self.app.act_ok(user, id, step, extra).await;
        self.settle(id).await
    }
}

#[tokio::test]
async fn grant_path_over_http_on_aws_adapters() {
    let mut f = Flow::new().await;
    let t = f.app.login("pemohon").await;
    let c = f.app.create_case(&t, application()).await;
    let id = c["id"].as_str().unwrap().to_string();
    // Uploads go straight to S3 with a presigned POST; confirm checks what arrived.
    let (s, v) = f
        .app
        .post(
            Some(&t),
            &format!("/cases/{id}/documents"),
            json!({"requirement": "member_list", "file_name": "daftar.pdf", "media_type": "application/pdf", "size": 100}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["upload"]["method"], "POST");
    assert!(v["upload"]["fields"]["Policy"].as_str().is_some());
    f.app.upload_all(&t, &id).await;
    // Bytes that are not what was declared are rejected and deleted from S3.
    let (s, e) = f
        .app
        .upload(&t, &id, "office_photo", "image/png", pdf("not a png"))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["errors"][0]["code"], "content_mismatch");

    let (s, c) = f.app.submit(&t, &id).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let reg = c["registration_number"].as_str().unwrap().to_string();
    let c = f.settle(&id).await;
    assert_eq!(step_of(&c), "front_office_verification");

    f.act("fo", &id, "front_office_verification", json!({"outcome": "incomplete", "reason": "Daftar anggota belum ditandatangani.", "missing": ["member_list"]}))
        .await;
    let (s, _) = f
        .app
        .upload(&t, &id, "member_list", "application/pdf", pdf("v2"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, c) = f.app.submit(&t, &id).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let c = f.settle(&id).await;
    assert_eq!(step_of(&c), "front_office_verification");
    f.act(
        "fo",
        &id,
        "front_office_verification",
        json!({"outcome": "complete"}),
    )
    .await;
    f.act(
        "bo",
        &id,
        "back_office_validation",
        json!({"outcome": "valid"}),
    )
    .await;
    f.act(
        "kasi",
        &id,
        "section_head_forwarding",
        json!({"outcome": "forward"}),
    )
    .await;
    f.act(
        "teknis",
        &id,
        "technical_verification",
        json!({"outcome": "verified", "findings": "Sesuai."}),
    )
    .await;
    f.act("diskop", &id, "recommendation", json!({"outcome": "grant", "recommendation_number": "500/7/DKUMP/2026", "recommendation_date": today().to_string()}))
        .await;
    f.act("bo", &id, "letter_drafting", json!({"outcome": "drafted"}))
        .await;
    f.act(
        "kasi",
        &id,
        "section_head_validation",
        json!({"outcome": "approve"}),
    )
    .await;
    f.act(
        "kabid",
        &id,
        "division_head_validation",
        json!({"outcome": "return", "reason": "Perbaiki tanggal."}),
    )
    .await;
    f.act("bo", &id, "letter_drafting", json!({"outcome": "drafted"}))
        .await;
    f.act(
        "kasi",
        &id,
        "section_head_validation",
        json!({"outcome": "approve"}),
    )
    .await;
    f.act(
        "kabid",
        &id,
        "division_head_validation",
        json!({"outcome": "approve"}),
    )
    .await;
    let c = f
        .act("kadis", &id, "head_signature", json!({"outcome": "sign"}))
        .await;
    assert_eq!(step_of(&c), "survey");
    let (s, c) = f
        .app
        .post(
            Some(&t),
            &format!("/cases/{id}/survey"),
            json!({"version": c["version"], "answers": {"u1": 4, "u2": 4, "u3": 4, "u4": 4, "u5": 4, "u6": 4, "u7": 4, "u8": 4, "u9": 4}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    f.settle(&id).await;
    let c = f
        .act("bo", &id, "effectuation", json!({"outcome": "effectuated", "oss_permit_number": "OSS-9", "effective_on": today().to_string()}))
        .await;
    assert_eq!(c["status"]["code"], "issued");
    // The drafts are the staff's (the applicant's own view has the signed letter only).
    let kasi = f.app.login("kasi").await;
    let staff = f.app.case(&kasi, &id).await;
    assert_eq!(staff["letter"]["drafts"].as_array().unwrap().len(), 2);
    assert!(c["letter"].get("drafts").is_none(), "{c}");

    // The trail on DynamoDB is complete and its chain holds.
    let ev = f.app.events(&t, &id).await;
    assert_eq!(ev["chain_valid"], true);
    assert_eq!(
        ev["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "step.decided")
            .count(),
        16
    );
    // The execution ended where the embedded executor ends.
    let arn = f.fx.execution_arn(&id);
    assert_eq!(f.bridge.status(&arn).await, "SUCCEEDED");

    // E-mails through SES, read back from moto.
    let mail = f.fx.ses_messages().await;
    let to_applicant: Vec<&str> = mail
        .iter()
        .filter(|m| m["destinations"]["ToAddresses"][0] == "pengurus@ksp-sejahtera.test")
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    for want in [
        format!("Permohonan diterima: {reg}"),
        format!("Berkas perlu diperbaiki: {reg}"),
        format!("Berkas sudah lengkap: {reg}"),
        format!("Berkas diteruskan ke Dinas Koperasi: {reg}"),
        format!("Rekomendasi Dinas Koperasi: {reg}"),
        format!("Surat Pemenuhan Komitmen ditandatangani: {reg}"),
        format!("Mohon isi Survei Kepuasan Masyarakat: {reg}"),
        format!("Izin terbit: {reg}"),
    ] {
        assert!(
            to_applicant.contains(&want.as_str()),
            "missing {want}: {to_applicant:?}"
        );
    }
    assert!(
        mail.iter()
            .any(|m| m["destinations"]["ToAddresses"][0] == "frontoffice@dpmptsp-bontang.test"),
        "queue notice to the front office"
    );
}

#[tokio::test]
async fn refusal_and_bad_input_over_http_on_aws_adapters() {
    let mut f = Flow::new().await;
    let t = f.app.login("pemohon").await;
    let id = f.app.create_case(&t, application()).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    f.app.upload_all(&t, &id).await;
    let (s, c) = f.app.submit(&t, &id).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(step_of(&f.settle(&id).await), "front_office_verification");
    // Conflicts surface as on SQLite: a stale version is a 409 and changes nothing.
    let fo = f.app.login("fo").await;
    let v = f.app.case(&fo, &id).await["version"].as_u64().unwrap();
    let (s, e) = f
        .app
        .act(
            &fo,
            &id,
            "front_office_verification",
            json!({"version": v - 1, "outcome": "complete"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["code"], "version_conflict");
    let other = f.app.login("pemohon2").await;
    let (s, _) = f.app.get(Some(&other), &format!("/cases/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    for (u, st, body) in decisions_g_to_p("refuse") {
        f.act(u, &id, st, body).await;
    }
    let t = f.app.login("pemohon").await;
    let c = f.app.case(&t, &id).await;
    assert_eq!(c["status"]["code"], "refused", "{c}");
    assert_eq!(c["letter"]["signed"]["kind"], "refusal");
    assert!(f.fx.ses_messages().await.iter().any(|m| {
        m["subject"]
            .as_str()
            .unwrap()
            .starts_with("Permohonan ditolak")
    }));
}

/// Two offices on the AWS adapters (`domain::office`): each office's counter in DynamoDB, its
/// work queue by its own index key, and its staff blind to the other office's case.
#[tokio::test]
async fn two_offices_on_aws_adapters() {
    let mut f = Flow::new().await;
    let t = f.app.login("pemohon").await;
    let pms = apply(&f.app, &t, "pbg", json!({"office": "pematangsiantar"})).await;
    let btg = apply(&f.app, &t, "pbg", json!({})).await;
    assert_eq!(pms["registration_number"], "PMS-PBG-2026-000001", "{pms}");
    assert_eq!(btg["registration_number"], "PBG-2026-000001", "{btg}");
    let pms_id = pms["id"].as_str().unwrap().to_string();
    let btg_id = btg["id"].as_str().unwrap().to_string();
    for id in [&pms_id, &btg_id] {
        let c = pbg_settle(&mut f, id).await;
        assert_eq!(step_of(&c), "document_verification", "{c}");
    }
    let queue = |q: &Value| -> Vec<String> {
        q["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    let pms_putr = f.app.login("pms-putr").await;
    let putr = f.app.login("putr").await;
    let (s, q) = f
        .app
        .get(Some(&pms_putr), "/cases?step=document_verification")
        .await;
    assert_eq!(s, StatusCode::OK, "{q}");
    assert_eq!(queue(&q), std::slice::from_ref(&pms_id), "{q}");
    let (_, q) = f
        .app
        .get(Some(&putr), "/cases?step=document_verification")
        .await;
    assert_eq!(queue(&q), std::slice::from_ref(&btg_id), "{q}");
    let (s, _) = f.app.get(Some(&putr), &format!("/cases/{pms_id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Pematangsiantar's verifier decides its case; the workflow moves it on.
    f.app
        .act_ok(
            "pms-putr",
            &pms_id,
            "document_verification",
            json!({"outcome": "complete"}),
        )
        .await;
    let c = pbg_settle(&mut f, &pms_id).await;
    assert_eq!(step_of(&c), "technical_assessment", "{c}");
}

/// [`Flow::settle`] for a PBG case (its own state machine).
async fn pbg_settle(f: &mut Flow, id: &str) -> Value {
    let machine = common::catalogue()
        .def("pbg")
        .map(|d| d.machine().to_string())
        .unwrap();
    f.bridge.pump(&f.fx.execution_arn_of(&machine, id)).await;
    let t = f.app.login("pemohon").await;
    f.app.case(&t, id).await
}
