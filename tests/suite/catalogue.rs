//! The permit catalogue end to end over HTTP: a grant walk for each new permit and a refusal for
//! one of them, each letter (and PBG's SKRD) read back with pdftotext; a permit added as data
//! only (a copied folder with an extra step) walked through a runner started on it; broken
//! definitions refused at start with messages naming the file, the state and the problem; and
//! the SAM template and Cognito groups checked against the catalogue and the roles.

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The staff and applicant steps of the kantor cabang pembantu (KCP), g … p.
fn kcp_decisions(recommendation: &str) -> Vec<(&'static str, &'static str, Value)> {
    decisions_g_to_p(recommendation)
}

#[tokio::test]
async fn kantor_cabang_pembantu_grant_and_refusal_with_their_letters() {
    let app = TestApp::spawn().await;
    let t = app.login("pemohon").await;
    // The conditional requirement: without a branch in the city, the mayor's approval is needed.
    let (s, ex) = app
        .get(None, "/permits/kantor-cabang-pembantu-ksp/example")
        .await;
    assert_eq!(s, StatusCode::OK);
    let mut body = ex.clone();
    body["has_branch_in_city"] = json!(false);
    let c = app.create_case(&t, body).await;
    let reqs = c["requirements"].as_array().unwrap();
    let approval = reqs
        .iter()
        .find(|r| r["code"] == "regional_head_approval")
        .unwrap();
    assert_eq!(approval["required"], true, "{approval}");
    let id = c["id"].as_str().unwrap().to_string();
    for r in reqs.iter().filter(|r| r["required"] == true) {
        if r["code"] == "regional_head_approval" {
            continue;
        }
        let code = r["code"].as_str().unwrap();
        app.upload(&t, &id, code, "application/pdf", pdf(code))
            .await;
    }
    let (s, e) = app.submit(&t, &id).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(
        e["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["field"] == "documents.regional_head_approval"),
        "{e}"
    );

    // Grant: g … p, survey, effectuation; the letter shows the KCP's facts.
    let c = apply(&app, &t, "kantor-cabang-pembantu-ksp", json!({})).await;
    let id = c["id"].as_str().unwrap().to_string();
    let reg = c["registration_number"].as_str().unwrap().to_string();
    assert!(reg.starts_with("KCP-"), "{reg}");
    assert_eq!(c["permit"]["code"], "kantor-cabang-pembantu-ksp");
    for (u, st, b) in kcp_decisions("grant") {
        app.act_ok(u, &id, st, b).await;
    }
    let c = app.case(&t, &id).await;
    assert_eq!(step_of(&c), "survey", "{c}");
    assert!(
        c["letter"]["signed"]["number"]
            .as_str()
            .unwrap()
            .contains("/SPK-KCP/"),
        "{c}"
    );
    let letter = pdftotext(&download(&app, &t, &format!("/cases/{id}/letter/download")).await);
    for want in [
        "SURAT PEMENUHAN KOMITMEN",
        "IZIN PEMBUKAAN KANTOR CABANG PEMBANTU KOPERASI SIMPAN PINJAM",
        "KSP Maju Bersama",
        "Alamat Kantor Cabang Pembantu : Jl. Pupuk Raya No. 3, Bontang Selatan",
        "Calon Kepala KCP : Dewi Kartika",
        "Sertifikat Kompetensi : LSP-KOP/2025/00123",
        &reg,
    ] {
        assert!(letter.contains(want), "{want} not in the letter: {letter}");
    }
    let v = c["version"].clone();
    let (s, b) = app
        .post(
            Some(&t),
            &format!("/cases/{id}/survey"),
            json!({"version": v, "answers": {"u1":4,"u2":4,"u3":4,"u4":4,"u5":4,"u6":4,"u7":4,"u8":4,"u9":4}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let c = app
        .act_ok("bo", &id, "effectuation", json!({"outcome": "effectuated", "oss_permit_number": "OSS-KCP-0001", "effective_on": today().to_string()}))
        .await;
    assert_eq!(c["status"]["code"], "issued", "{c}");
    assert_eq!(c["issuance"]["number"], "OSS-KCP-0001");

    // Refusal: the refusal letter with the recommendation's reason.
    let c = apply(&app, &t, "kantor-cabang-pembantu-ksp", json!({})).await;
    let id = c["id"].as_str().unwrap().to_string();
    for (u, st, b) in kcp_decisions("refuse") {
        app.act_ok(u, &id, st, b).await;
    }
    let c = app.case(&t, &id).await;
    assert_eq!(c["status"]["code"], "refused", "{c}");
    let letter = pdftotext(&download(&app, &t, &format!("/cases/{id}/letter/download")).await);
    assert!(letter.contains("SURAT PENOLAKAN PERMOHONAN"), "{letter}");
    assert!(
        letter.contains("tidak dapat diberikan Izin Pembukaan Kantor Cabang Pembantu Koperasi Simpan Pinjam (DITOLAK) dengan alasan : Kantor cabang belum memenuhi tingkat kesehatan koperasi."),
        "{letter}"
    );
    // The KCP's own counters: registration and letter numbers start at 1 beside kantor kas's.
    assert!(
        c["letter"]["signed"]["number"]
            .as_str()
            .unwrap()
            .starts_with("503/0002/SPK-KCP/")
    );
    let mail: Vec<String> = app
        .outbox()
        .await
        .iter()
        .map(|m| m["subject"].as_str().unwrap().to_string())
        .collect();
    assert!(
        mail.iter()
            .any(|s| s.starts_with("Permohonan ditolak: KCP-")),
        "{mail:?}"
    );
}

#[tokio::test]
async fn pbg_bill_payment_slip_and_approval() {
    let app = TestApp::spawn().await;
    let t = app.login("pemohon").await;
    // The form's own rules and types: a NIK of 15 digits, a choice outside its options.
    let (s, ex) = app.get(None, "/permits/pbg/example").await;
    assert_eq!(s, StatusCode::OK);
    let mut bad = ex.clone();
    bad["owner"]["nik"] = json!("647401010180000");
    bad["building"]["function"] = json!("gudang");
    let (s, e) = app.post(Some(&t), "/cases", bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let codes: Vec<(String, String)> = e["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["field"].as_str().unwrap().into(),
                x["code"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        codes.contains(&("owner.nik".into(), "nik_format".into())),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("building.function".into(), "invalid_choice".into())),
        "{codes:?}"
    );

    let c = apply(&app, &t, "pbg", json!({})).await;
    let id = c["id"].as_str().unwrap().to_string();
    let reg = c["registration_number"].as_str().unwrap().to_string();
    assert!(reg.starts_with("PBG-"), "{reg}");
    assert_eq!(step_of(&c), "document_verification");
    app.act_ok(
        "putr",
        &id,
        "document_verification",
        json!({"outcome": "complete"}),
    )
    .await;
    // The technical agency computes the retribution: its amount is required with `compliant`.
    let putr = app.login("putr-teknis").await;
    let v = app.case(&putr, &id).await["version"].clone();
    let (s, e) = app
        .act(
            &putr,
            &id,
            "technical_assessment",
            json!({"version": v, "outcome": "compliant", "findings": "Sesuai KRK.", "compliance_number": "600/12/PUTR/2026", "compliance_date": today().to_string()}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["errors"][0]["field"], "retribution_amount", "{e}");
    app.act_ok(
        "putr-teknis",
        &id,
        "technical_assessment",
        json!({"outcome": "compliant", "findings": "Rencana teknis sesuai KRK; konsultasi 1 kali.",
               "compliance_number": "600/12/PUTR/2026", "compliance_date": today().to_string(),
               "retribution_amount": 1_250_000, "retribution_basis": "Luas lantai 180,5 m² × indeks terintegrasi × harga satuan retribusi"}),
    )
    .await;
    // Staff queues are per role across permits; the permit filter narrows them.
    let bo = app.login("bo").await;
    let ids = |q: &Value| -> Vec<String> {
        q["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (s, q) = app.get(Some(&bo), "/cases?permit=pbg").await;
    assert_eq!(s, StatusCode::OK, "{q}");
    assert!(ids(&q).contains(&id), "{q}");
    let (_, q) = app.get(Some(&bo), "/cases?permit=kantor-kas-ksp").await;
    assert!(!ids(&q).contains(&id), "{q}");
    let (_, q) = app.get(Some(&bo), "/cases?step=skrd_issuance").await;
    assert!(ids(&q).contains(&id), "{q}");
    let (s, e) = app.get(Some(&bo), "/cases?permit=izin-tidak-ada").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["errors"][0]["code"], "unknown_permit");
    // The SKRD: numbered, with the amount in figures and in words.
    let c = app
        .act_ok("bo", &id, "skrd_issuance", json!({"outcome": "issued"}))
        .await;
    assert_eq!(step_of(&c), "retribution_payment", "{c}");
    let bill = &c["bill"];
    assert_eq!(bill["amount"], 1_250_000);
    let number = bill["number"].as_str().unwrap().to_string();
    assert!(number.starts_with("974/0001/SKRD-PBG/"), "{number}");
    let skrd = pdftotext(&download(&app, &t, &format!("/cases/{id}/bill/download")).await);
    for want in [
        "SURAT KETETAPAN RETRIBUSI DAERAH (SKRD)",
        number.as_str(),
        "Jumlah retribusi : Rp1.250.000",
        "Terbilang : satu juta dua ratus lima puluh ribu rupiah",
        "Wajib retribusi : Hendra Wijaya",
        reg.as_str(),
    ] {
        assert!(skrd.contains(want), "{want} not in the SKRD: {skrd}");
    }
    // The applicant's upload step: nothing uploaded yet → refused; a slip uploaded → on.
    let (s, e) = app
        .act(
            &t,
            &id,
            "retribution_payment",
            json!({"version": c["version"]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["errors"][0]["field"], "documents.deposit_slip", "{e}");
    let (s, _) = app
        .upload(&t, &id, "deposit_slip", "application/pdf", pdf("slip 1"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let v = app.case(&t, &id).await["version"].clone();
    let (s, c) = app
        .act(&t, &id, "retribution_payment", json!({"version": v}))
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(step_of(&c), "payment_verification");
    // A wrong slip goes back to the applicant, with the reason in the notice.
    let c = app
        .act_ok(
            "kasir",
            &id,
            "payment_verification",
            json!({"outcome": "rejected", "reason": "Nominal slip tidak sesuai SKRD."}),
        )
        .await;
    assert_eq!(step_of(&c), "retribution_payment", "{c}");
    let v = app.case(&t, &id).await["version"].clone();
    let (s, e) = app
        .act(&t, &id, "retribution_payment", json!({"version": v}))
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the old slip does not count again: {e}"
    );
    let (s, _) = app
        .upload(&t, &id, "deposit_slip", "application/pdf", pdf("slip 2"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let v = app.case(&t, &id).await["version"].clone();
    let (s, c) = app
        .act(&t, &id, "retribution_payment", json!({"version": v}))
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let c = app
        .act_ok("kasir", &id, "payment_verification", json!({"outcome": "verified", "payment_reference": "BPD-KALTIM-778899", "paid_on": today().to_string()}))
        .await;
    assert_eq!(c["payment"]["reference"], "BPD-KALTIM-778899");
    assert!(c["payment"]["document_id"].is_string());
    let c = app
        .act_ok("kadis", &id, "pbg_approval", json!({"outcome": "sign"}))
        .await;
    assert_eq!(c["status"]["code"], "issued", "{c}");
    let letter = pdftotext(&download(&app, &t, &format!("/cases/{id}/letter/download")).await);
    for want in [
        "PERSETUJUAN BANGUNAN GEDUNG",
        "Nama Pemilik : Hendra Wijaya",
        "Fungsi Bangunan : Hunian",
        "Luas Lantai : 180,5 m²",
        "Surat Pemenuhan Standar Teknis Dinas Pekerjaan Umum dan Penataan Ruang Nomor 600/12/PUTR/2026",
        number.as_str(),
        "Rp1.250.000",
    ] {
        assert!(letter.contains(want), "{want} not in the PBG: {letter}");
    }
    let mail: Vec<Value> = app.outbox().await;
    let subjects: Vec<&str> = mail
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    for want in [
        format!("SKRD terbit, mohon bayar retribusi: {reg}"),
        format!("PBG terbit: {reg}"),
    ] {
        assert!(subjects.contains(&want.as_str()), "{want}: {subjects:?}");
    }
    let rejected = mail
        .iter()
        .filter(|m| m["subject"] == format!("SKRD terbit, mohon bayar retribusi: {reg}"))
        .any(|m| {
            m["body"]
                .as_str()
                .unwrap()
                .contains("Catatan petugas: Nominal slip tidak sesuai SKRD.")
        });
    assert!(rejected, "the second payment notice says why");
}

/// Copies the shipped catalogue into `dir`, and `kantor-cabang-pembantu-ksp` a second time as
/// `code`, renamed, with `edit` applied to its permit.json and workflow.asl.json.
fn catalogue_with_copy(
    dir: &Path,
    code: &str,
    edit: impl FnOnce(&mut Value, &mut Value),
) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("infra/permits");
    let out = copy_shipped_catalogue(dir);
    let src = root.join("kantor-cabang-pembantu-ksp");
    let read = |f: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(src.join(f)).unwrap()).unwrap()
    };
    let (mut permit, mut workflow, mut example) = (
        read("permit.json"),
        read("workflow.asl.json"),
        read("example.json"),
    );
    permit["code"] = json!(code);
    permit["name"] = json!("Izin Pembukaan Kantor Cabang Pembantu KSP (uji katalog)");
    example["permit"] = json!(code);
    edit(&mut permit, &mut workflow);
    let to = out.join(code);
    std::fs::create_dir_all(&to).unwrap();
    for (f, v) in [
        ("permit.json", &permit),
        ("workflow.asl.json", &workflow),
        ("example.json", &example),
    ] {
        std::fs::write(to.join(f), serde_json::to_string_pretty(v).unwrap()).unwrap();
    }
    out
}

/// One extra step between k and l: the technical team schedules the site visit (a date that
/// may be in the future), 2 working days more on the agency's clock.
fn add_site_visit_scheduling(permit: &mut Value, workflow: &mut Value) {
    let steps = permit["steps"].as_array_mut().unwrap();
    let at = steps
        .iter()
        .position(|s| s["code"] == "recommendation")
        .unwrap();
    steps.insert(
        at,
        json!({
            "code": "site_visit_scheduling", "sop": "k2",
            "title": "Penjadwalan kunjungan lapangan oleh Tim Teknis Dinas Koperasi",
            "role": "dinas_koperasi_technical", "function": "recommend", "kind": "decision",
            "sla": {"clock": "agency", "days": 2},
            "outcomes": [{"code": "scheduled", "label": "Kunjungan dijadwalkan", "positive": true}],
            "fields": [
                {"path": "visit_on", "type": "date", "label": "Tanggal kunjungan", "not_future": false},
                {"path": "visit_notes", "type": "text", "label": "Catatan", "required": false, "max_length": 500}
            ]
        }),
    );
    permit["clocks"]["agency"]["days"] = json!(32);
    let states = workflow["States"].as_object_mut().unwrap();
    let mut task = states["TechnicalVerification"].clone();
    task["Comment"] = json!("The extra step: the site visit is scheduled.");
    task["Parameters"]["Payload"]["step"] = json!("site_visit_scheduling");
    task["TimeoutSeconds"] = json!(4 * 86_400);
    task["Catch"][0]["Next"] = json!("EscalateSiteVisitScheduling");
    task["Next"] = json!("Recommendation");
    let mut esc = states["EscalateTechnicalVerification"].clone();
    esc["Parameters"]["Payload"]["step"] = json!("site_visit_scheduling");
    esc["Next"] = json!("SiteVisitScheduling");
    states.insert("SiteVisitScheduling".into(), task);
    states.insert("EscalateSiteVisitScheduling".into(), esc);
    states["TechnicalVerification"]["Next"] = json!("SiteVisitScheduling");
}

#[tokio::test]
async fn a_permit_added_as_data_only_is_served_with_its_extra_step() {
    let dir = tempfile::tempdir().unwrap();
    let code = "kantor-cabang-pembantu-ksp-uji";
    let permits = catalogue_with_copy(dir.path(), code, add_site_visit_scheduling);
    let app = TestApp::spawn_with_env(vec![(
        "PD_PERMITS_DIR".into(),
        permits.display().to_string(),
    )])
    .await;
    let (s, list) = app.get(None, "/permits").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["code"] == code),
        "{list}"
    );
    let (_, def) = app.get(None, &format!("/permits/{code}")).await;
    assert!(
        def["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["code"] == "site_visit_scheduling"),
        "{def}"
    );
    let t = app.login("pemohon").await;
    let c = apply(&app, &t, code, json!({})).await;
    let id = c["id"].as_str().unwrap().to_string();
    assert_eq!(c["permit"]["code"], code);
    let plan = decisions_g_to_p("grant");
    let (before, after) = plan.split_at(4);
    for (u, st, b) in before {
        app.act_ok(u, &id, st, b.clone()).await;
    }
    let c = app.case(&t, &id).await;
    assert_eq!(step_of(&c), "site_visit_scheduling", "{c}");
    assert_eq!(c["step"]["fields"][0]["path"], "visit_on");
    let next_week = (today() + chrono::Duration::days(7)).to_string();
    app.act_ok(
        "teknis2",
        &id,
        "site_visit_scheduling",
        json!({"outcome": "scheduled", "visit_on": next_week}),
    )
    .await;
    for (u, st, b) in after {
        app.act_ok(u, &id, st, b.clone()).await;
    }
    let c = app.case(&t, &id).await;
    assert_eq!(step_of(&c), "survey", "{c}");
    let d = c["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["step"] == "site_visit_scheduling")
        .unwrap()
        .clone();
    assert_eq!(d["details"]["visit_on"], next_week);
    // The SLA report knows the new step.
    let kasi = app.login("kasi").await;
    let (s, r) = app
        .get(
            Some(&kasi),
            &format!("/reports/sla?from={}&to={}&permit={code}", today(), today()),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let row = r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["step"] == "site_visit_scheduling")
        .cloned()
        .expect("a row for the new step");
    assert_eq!(row["handled"], 1);
    assert_eq!(row["target_days"], 2);
}

/// Starts the runner on `permits` and returns (exit status, stderr) of a start that must fail.
fn refused_start(permits: &Path) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_perizinan"))
        .args(["--port", "0", "--data-dir"])
        .arg(dir.path())
        .env("PD_PERMITS_DIR", permits)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the runner runs");
    assert!(!out.status.success(), "a broken catalogue was served");
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn broken_definitions_are_refused_at_start_with_a_clear_message() {
    let code = "kcp-rusak";
    type Edit = fn(&mut Value, &mut Value);
    let cases: [(&str, Edit, &[&str]); 5] = [
        (
            "an unrouted outcome",
            |_, w| {
                w["States"]["SectionHeadForwardingOutcome"]["Choices"]
                    .as_array_mut()
                    .unwrap()
                    .retain(|c| c["StringEquals"] != "return");
            },
            &[
                "kcp-rusak/workflow.asl.json",
                "state `SectionHeadForwardingOutcome`",
                "outcome `return` of step `section_head_forwarding` has no route",
            ],
        ),
        (
            "an unknown role",
            |p, _| p["steps"][0]["role"] = json!("tukang_parkir"),
            &[
                "kcp-rusak/permit.json",
                "step `front_office_verification`",
                "unknown role `tukang_parkir`",
            ],
        ),
        (
            "a step no function handles",
            |p, _| p["steps"][0]["function"] = json!("survey"),
            &[
                "kcp-rusak/permit.json",
                "step `front_office_verification`",
                "no function handles this step",
            ],
        ),
        (
            "a rule on a missing field",
            |p, _| p["rules"][1]["field"] = json!("sub_branch.members"),
            &[
                "kcp-rusak/permit.json",
                "rule `min_members`",
                "field `sub_branch.members` is not a form field",
            ],
        ),
        (
            "a timeout above the SLA",
            |_, w| w["States"]["FrontOfficeVerification"]["TimeoutSeconds"] = json!(14 * 86_400),
            &[
                "kcp-rusak/workflow.asl.json",
                "state `FrontOfficeVerification`",
                "TimeoutSeconds 1209600 is above the SLA of step `front_office_verification`",
            ],
        ),
    ];
    for (what, edit, wants) in cases {
        let dir = tempfile::tempdir().unwrap();
        let permits = catalogue_with_copy(dir.path(), code, edit);
        let err = refused_start(&permits);
        for w in wants {
            assert!(err.contains(w), "{what}: `{w}` not in the message:\n{err}");
        }
        println!("{what}: refused: {}", err.lines().last().unwrap_or(""));
    }
}

fn yaml(path: &str) -> serde_norway::Value {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    serde_norway::from_str(&text).unwrap()
}

fn untag(v: &serde_norway::Value) -> &serde_norway::Value {
    match v {
        serde_norway::Value::Tagged(t) => untag(&t.value),
        other => other,
    }
}

/// Every string in `v` (tags stripped).
fn strings(v: &serde_norway::Value, out: &mut Vec<String>) {
    match untag(v) {
        serde_norway::Value::String(s) => out.push(s.clone()),
        serde_norway::Value::Sequence(s) => s.iter().for_each(|x| strings(x, out)),
        serde_norway::Value::Mapping(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

#[test]
fn the_stack_carries_every_permit_and_every_role() {
    let t = yaml("infra/template.yaml");
    let resources = untag(&t["Resources"]).as_mapping().unwrap();
    let cat = catalogue();
    // One state machine per permit, named after its machine, from its folder's ASL.
    let machines: Vec<(String, String)> = resources
        .values()
        .filter(|r| untag(&r["Type"]).as_str() == Some("AWS::Serverless::StateMachine"))
        .map(|r| {
            let mut name = vec![];
            strings(&r["Properties"]["Name"], &mut name);
            (
                name.concat(),
                untag(&r["Properties"]["DefinitionUri"])
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    for p in cat.iter() {
        let want = (
            format!("${{AWS::StackName}}-{}", p.def.machine()),
            format!("permits/{}/workflow.asl.json", p.def.code),
        );
        assert!(
            machines.contains(&want),
            "no state machine {want:?}: {machines:?}"
        );
    }
    // Every policy naming one permit's state machine names them all (each function may act on
    // every permit's cases).
    for (name, r) in resources {
        let mut all = vec![];
        strings(r, &mut all);
        let mentions = |m: &str| {
            all.iter()
                .any(|s| s.ends_with(&format!(":stateMachine:${{AWS::StackName}}-{m}")))
        };
        let some = cat.iter().any(|p| mentions(p.def.machine()));
        if some {
            for p in cat.iter() {
                assert!(
                    mentions(p.def.machine()),
                    "{name:?} names a permit's state machine but not {}",
                    p.def.machine()
                );
            }
        }
    }
    // The Cognito groups are the roles of infra/roles.json.
    let mut groups: Vec<String> = resources
        .values()
        .filter(|r| untag(&r["Type"]).as_str() == Some("AWS::Cognito::UserPoolGroup"))
        .map(|r| {
            untag(&r["Properties"]["GroupName"])
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    groups.sort();
    let mut roles: Vec<String> = perizinan::domain::roles::Roles::current()
        .roles
        .iter()
        .map(|r| r.code.to_string())
        .collect();
    roles.sort();
    assert_eq!(groups, roles, "Cognito groups and infra/roles.json differ");
}

#[tokio::test]
async fn the_definition_and_the_caller_carry_what_the_console_names() {
    let app = TestApp::spawn().await;
    // Notices titled as the audit trail names them; text fields with their length limits.
    let (_, def) = app.get(None, "/permits/pbg").await;
    assert_eq!(
        def["notices"]["payment_requested"], "SKRD terbit, mohon bayar retribusi",
        "{}",
        def["notices"]
    );
    let field = |path: &str| {
        def["form"]["sections"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["fields"].as_array().unwrap().iter())
            .find(|f| f["path"] == path)
            .unwrap()
            .clone()
    };
    let limits = |f: Value| (f["min_length"].clone(), f["max_length"].clone());
    // A name of its own limit (up to 200), an address of the type's (5–300).
    assert_eq!(limits(field("owner.name")), (json!(3), json!(200)));
    assert_eq!(limits(field("owner.address")), (json!(5), json!(300)));
    // What each caller may do beyond the steps, from infra/roles.json.
    for (user, want, not) in [
        ("kadis", "revoke_letters", "complaints"),
        ("kasi", "reports", "revoke_letters"),
        ("pengaduan", "complaints", "reports"),
    ] {
        let (_, me) = app.get(Some(&app.login(user).await), "/me").await;
        let caps: Vec<&str> = me["capabilities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert!(
            caps.contains(&want) && !caps.contains(&not),
            "{user}: {caps:?}"
        );
    }
    let (_, me) = app.get(Some(&app.login("pemohon").await), "/me").await;
    assert_eq!(me["capabilities"], json!([]));
    // Audit events name the acting role.
    let id = submitted_case(&app, "pemohon").await;
    app.act_ok(
        "fo",
        &id,
        "front_office_verification",
        json!({"outcome": "complete"}),
    )
    .await;
    let events = app.events(&app.login("kasi").await, &id).await;
    let decided = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "step.decided")
        .unwrap()
        .clone();
    assert_eq!(decided["actor"]["role"], "front_office");
    assert_eq!(
        decided["actor"]["role_label"], "Petugas Front Office",
        "{decided}"
    );
}
