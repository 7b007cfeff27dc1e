//! Many offices on one deployment (`domain::office`, `infra/offices/`): the runner serves the
//! two demo offices, DPMPTSP Kota Bontang (the founding office) and DPMPTSP Kota
//! Pematangsiantar. Each office's cases are numbered, lettered (letterhead, signer, place) and
//! timed (its own days off) by that office; its staff see, queue and report only its own; the
//! public tracking page and the portal's office list work across offices with public facts.

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const PMS: &str = "pematangsiantar";

fn ids(q: &Value) -> Vec<String> {
    q["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

/// A PBG application at `office` (`None`: naming none), its documents uploaded, submitted.
async fn pbg_at(app: &TestApp, token: &str, office: Option<&str>) -> Value {
    let patch = match office {
        Some(o) => json!({ "office": o }),
        None => json!({}),
    };
    apply(app, token, "pbg", patch).await
}

/// Document verification, technical assessment and the SKRD, by `prefix`'s demo staff.
async fn to_payment(app: &TestApp, prefix: &str, id: &str, amount: u64) -> Value {
    app.act_ok(
        &format!("{prefix}putr"),
        id,
        "document_verification",
        json!({"outcome": "complete"}),
    )
    .await;
    app.act_ok(
        &format!("{prefix}putr-teknis"),
        id,
        "technical_assessment",
        json!({"outcome": "compliant", "findings": "Rencana teknis sesuai KRK.",
               "compliance_number": "600/7/PUTR/2026", "compliance_date": today().to_string(),
               "retribution_amount": amount, "retribution_basis": "Luas lantai × indeks × harga satuan"}),
    )
    .await;
    app.act_ok(
        &format!("{prefix}bo"),
        id,
        "skrd_issuance",
        json!({"outcome": "issued"}),
    )
    .await
}

#[tokio::test]
async fn the_offices_are_listed_with_public_facts_and_each_applies_its_own_rules() {
    let app = TestApp::spawn().await;
    let (s, offices) = app.get(None, "/offices").await;
    assert_eq!(s, StatusCode::OK, "{offices}");
    let codes: Vec<&str> = offices["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["bontang", PMS]);
    let pms = &offices["items"][1];
    assert_eq!(pms["name"], "DPMPTSP Kota Pematangsiantar");
    assert_eq!(pms["region"]["province"], "Sumatera Utara");
    assert_eq!(
        pms["agency"]["government"],
        "Pemerintah Kota Pematangsiantar"
    );
    let offered: Vec<&str> = pms["permits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(offered, ["pbg"]);
    assert_eq!(pms["days_off"][0]["date"], "2026-04-24");
    assert_eq!(offices["items"][0]["permits"].as_array().unwrap().len(), 3);
    // Public facts only: no signer's NIP, no staff.
    let text = offices.to_string();
    assert!(
        !text.contains("197205141998032006") && !text.contains("nip"),
        "{text}"
    );

    // The dev login's users carry their office and roles; applicants have none.
    let (s, users) = app.get(None, "/auth/dev/users").await;
    assert_eq!(s, StatusCode::OK, "{users}");
    let user = |name: &str| {
        users["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(user("pms-kadis")["office"], PMS);
    assert_eq!(user("kadis")["office"], "bontang");
    assert_eq!(user("pemohon")["office"], Value::Null);
    assert_eq!(user("pms-kadis")["roles"][0]["code"], "agency_head");

    // An application names an office that exists and offers the permit; nothing is stored
    // otherwise.
    let t = app.login("pemohon").await;
    let (_, mut kk) = app.get(None, "/permits/kantor-kas-ksp/example").await;
    kk["office"] = json!(PMS);
    let (s, e) = app.post(Some(&t), "/cases", kk.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["errors"][0]["field"], "permit", "{e}");
    assert_eq!(e["errors"][0]["code"], "permit_not_offered", "{e}");
    let detail = e["errors"][0]["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("DPMPTSP Kota Pematangsiantar tidak melayani")
            && detail.contains("DPMPTSP Kota Bontang"),
        "{e}"
    );
    kk["office"] = json!("surabaya");
    let (s, e) = app.post(Some(&t), "/cases", kk.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["errors"][0]["code"], "unknown_office", "{e}");
    kk["office"] = json!(12);
    let (s, e) = app.post(Some(&t), "/cases", kk).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["errors"][0]["code"], "invalid_type", "{e}");
    let (_, mine) = app.get(Some(&t), "/cases").await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 0, "{mine}");
}

#[tokio::test]
async fn two_offices_number_letter_and_queue_their_own_cases_and_see_only_them() {
    let _heavy = common::heavy().await;
    let app = TestApp::spawn().await;
    let t = app.login("pemohon").await;
    let pms_case = pbg_at(&app, &t, Some(PMS)).await;
    let btg_case = pbg_at(&app, &t, None).await;
    let pms_id = pms_case["id"].as_str().unwrap().to_string();
    let btg_id = btg_case["id"].as_str().unwrap().to_string();
    // Each office numbers from 1; the other office's numbers lead with its prefix.
    assert_eq!(pms_case["registration_number"], "PMS-PBG-2026-000001");
    assert_eq!(btg_case["registration_number"], "PBG-2026-000001");
    assert_eq!(pms_case["office"]["code"], PMS);
    assert_eq!(btg_case["office"]["code"], "bontang");

    // Tracking works across offices, with the office named.
    let (s, tr) = app.get(None, "/track/PMS-PBG-2026-000001").await;
    assert_eq!(s, StatusCode::OK, "{tr}");
    assert_eq!(tr["office"]["name"], "DPMPTSP Kota Pematangsiantar");

    // Each office's staff queue and see their own office's case only.
    let putr = app.login("putr").await;
    let pms_putr = app.login("pms-putr").await;
    let (_, q) = app
        .get(Some(&pms_putr), "/cases?step=document_verification")
        .await;
    assert_eq!(ids(&q), std::slice::from_ref(&pms_id), "{q}");
    let (_, q) = app
        .get(Some(&putr), "/cases?step=document_verification")
        .await;
    assert_eq!(ids(&q), std::slice::from_ref(&btg_id), "{q}");
    for (token, other) in [(&putr, &pms_id), (&pms_putr, &btg_id)] {
        let (s, v) = app.get(Some(token), &format!("/cases/{other}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
        let (s, v) = app
            .post(
                Some(token),
                &format!("/cases/{other}/steps/document_verification"),
                json!({"version": 3, "outcome": "complete"}),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    }

    // Bills are numbered per office: each office's first SKRD is its 0001.
    let btg = to_payment(&app, "", &btg_id, 900_000).await;
    let pms = to_payment(&app, "pms-", &pms_id, 1_250_000).await;
    let year = today().format("%Y").to_string();
    assert_eq!(
        btg["bill"]["number"],
        format!("974/0001/SKRD-PBG/DPMPTSP/{year}"),
        "{btg}"
    );
    assert_eq!(pms["bill"]["number"], btg["bill"]["number"], "{pms}");
    let skrd = pdftotext(&download(&app, &t, &format!("/cases/{pms_id}/bill/download")).await);
    assert!(
        skrd.contains("PEMERINTAH KOTA PEMATANGSIANTAR") && !skrd.contains("KOTA BONTANG"),
        "{skrd}"
    );

    // The payment and the approval, by Pematangsiantar's operator and head.
    let (s, _) = app
        .upload(&t, &pms_id, "deposit_slip", "application/pdf", pdf("slip"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let v = app.case(&t, &pms_id).await["version"].clone();
    let (s, c) = app
        .act(&t, &pms_id, "retribution_payment", json!({"version": v}))
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    // Bontang's operator cannot verify it: the case is not theirs to see.
    let kasir = app.login("kasir").await;
    let (s, _) = app
        .act(
            &kasir,
            &pms_id,
            "payment_verification",
            json!({"version": c["version"], "outcome": "verified", "payment_reference": "X-1", "paid_on": today().to_string()}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.act_ok(
        "pms-kasir",
        &pms_id,
        "payment_verification",
        json!({"outcome": "verified", "payment_reference": "BANK-SUMUT-4411", "paid_on": today().to_string()}),
    )
    .await;
    let c = app
        .act_ok(
            "pms-kadis",
            &pms_id,
            "pbg_approval",
            json!({"outcome": "sign"}),
        )
        .await;
    assert_eq!(c["status"]["code"], "issued", "{c}");
    // The letter: Pematangsiantar's letterhead, signer (name, NIP, rank) and place.
    let letter = pdftotext(&download(&app, &t, &format!("/cases/{pms_id}/letter/download")).await);
    for want in [
        "PEMERINTAH KOTA PEMATANGSIANTAR",
        "Roslina Simanjuntak",
        "NIP 19720514 199803 2 006",
        "Pematangsiantar,",
        "PMS-PBG-2026-000001",
    ] {
        assert!(letter.contains(want), "{want} not in the letter: {letter}");
    }
    assert!(
        !letter.contains("Kota Bontang") && !letter.contains("KOTA BONTANG"),
        "{letter}"
    );

    // Reports: each office's heads see their own office's stays only.
    let period = format!(
        "from={}&to={}",
        today() - chrono::Duration::days(1),
        today()
    );
    let pms_kadis = app.login("pms-kadis").await;
    let (s, pms_sla) = app
        .get(Some(&pms_kadis), &format!("/reports/sla?{period}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{pms_sla}");
    let kadis = app.login("kadis").await;
    let (_, btg_sla) = app
        .get(Some(&kadis), &format!("/reports/sla?{period}"))
        .await;
    let decided = |r: &Value, step: &str| -> u64 {
        r["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|st| st["step"] == step)
            .map(|st| st["handled"].as_u64().unwrap_or(0))
            .sum()
    };
    // Pematangsiantar decided every step of its case; Bontang those of its own to the SKRD.
    assert_eq!(decided(&pms_sla, "pbg_approval"), 1, "{pms_sla}");
    assert_eq!(decided(&btg_sla, "pbg_approval"), 0, "{btg_sla}");
    assert_eq!(decided(&pms_sla, "skrd_issuance"), 1, "{pms_sla}");
    assert_eq!(decided(&btg_sla, "skrd_issuance"), 1, "{btg_sla}");
    // A cross-office viewer (a province's monitoring) reads every office together, or one;
    // an office's head may not name another office (404, as an unknown one).
    let viewer = app.login("pemantau").await;
    let (s, all) = app
        .get(Some(&viewer), &format!("/reports/sla?{period}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{all}");
    assert_eq!(all["office"], Value::Null);
    assert_eq!(decided(&all, "skrd_issuance"), 2, "{all}");
    let (_, one) = app
        .get(
            Some(&viewer),
            &format!("/reports/sla?{period}&office={PMS}"),
        )
        .await;
    assert_eq!(one["office"], PMS);
    assert_eq!(decided(&one, "skrd_issuance"), 1, "{one}");
    let (s, e) = app
        .get(
            Some(&viewer),
            &format!("/reports/sla?{period}&office=surabaya"),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, _) = app
        .get(Some(&kadis), &format!("/reports/sla?{period}&office={PMS}"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .get(
            Some(&kadis),
            &format!("/reports/sla?{period}&office=bontang"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // `office=` with nothing after it names no office: the caller's own.
    let (s, own) = app
        .get(Some(&kadis), &format!("/reports/sla?{period}&office="))
        .await;
    assert_eq!(
        (s, own["office"].clone()),
        (StatusCode::OK, json!("bontang"))
    );
    // Nor the other office's case, for all that.
    let (s, _) = app.get(Some(&viewer), &format!("/cases/{pms_id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// A regional day off of one office moves only that office's due dates: Friday 24 April 2026
/// is Hari Jadi Kota Pematangsiantar in the demo office file. Submitted on Thursday 23 April,
/// the document verification (2 working days, PBG) is due on Monday 27 April in Bontang and on
/// Tuesday 28 April in Pematangsiantar.
#[tokio::test]
async fn a_regional_day_off_moves_only_its_offices_due_dates() {
    let app = TestApp::spawn_with_env(vec![("PD_DEV_CLOCK".into(), "1".into())]).await;
    set_clock(&app, "2026-04-23T09:00:00+08:00").await;
    let t = app.login("pemohon").await;
    let (_, ex) = app.get(None, "/permits/pbg/example").await;
    assert!(ex.is_object());
    let pms = pbg_at(&app, &t, Some(PMS)).await;
    let btg = pbg_at(&app, &t, None).await;
    let due = |c: &Value| c["deadlines"]["step"]["due_on"].clone();
    assert_eq!(btg["deadlines"]["step"]["step"], "document_verification");
    assert_eq!(due(&btg), "2026-04-27", "{btg}");
    assert_eq!(due(&pms), "2026-04-28", "{pms}");
}
