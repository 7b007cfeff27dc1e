//! Signed documents over HTTP: the letter's PDF rendered and read back with poppler
//! (`pdftotext`, `pdftoppm`), its QR code decoded with `zbarimg`, the verification page and API,
//! the signature checked with `openssl dgst`, a changed byte detected, revocation; drafts for
//! staff only; grant and refusal letters. The signer port's contract on the local key and KMS.

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

fn tool(name: &str) -> String {
    let ok = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "{name} is missing: ./scripts/test installs poppler-utils and zbar-tools"
    );
    name.to_string()
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(tool(cmd)).args(args).output().expect("runs");
    assert!(
        out.status.success() || cmd == "openssl",
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

async fn to_signature(app: &TestApp, id: &str, recommendation: &str) -> Value {
    to_signature_because(
        app,
        id,
        recommendation,
        "Tingkat kesehatan koperasi belum memenuhi syarat.",
    )
    .await
}

/// [`to_signature`] with this reason for a refusal.
async fn to_signature_because(
    app: &TestApp,
    id: &str,
    recommendation: &str,
    reason: &str,
) -> Value {
    let mut rec = json!({"outcome": recommendation, "recommendation_number": "500/077/DKUMP/2026", "recommendation_date": today().to_string()});
    if recommendation == "refuse" {
        rec["reason"] = json!(reason);
    }
    for (u, st, body) in [
        (
            "fo",
            "front_office_verification",
            json!({"outcome": "complete"}),
        ),
        ("bo", "back_office_validation", json!({"outcome": "valid"})),
        (
            "kasi",
            "section_head_forwarding",
            json!({"outcome": "forward"}),
        ),
        (
            "teknis",
            "technical_verification",
            json!({"outcome": "verified", "findings": "Sesuai."}),
        ),
        ("diskop", "recommendation", rec),
        ("bo", "letter_drafting", json!({"outcome": "drafted"})),
        (
            "kasi",
            "section_head_validation",
            json!({"outcome": "return", "reason": "Perbaiki redaksi."}),
        ),
        (
            "bo",
            "letter_drafting",
            json!({"outcome": "drafted", "notes": "Redaksi diperbaiki."}),
        ),
        (
            "kasi",
            "section_head_validation",
            json!({"outcome": "approve"}),
        ),
        (
            "kabid",
            "division_head_validation",
            json!({"outcome": "approve"}),
        ),
    ] {
        app.act_ok(u, id, st, body).await;
    }
    app.act_ok("kadis", id, "head_signature", json!({"outcome": "sign"}))
        .await
}

async fn fetch(app: &TestApp, url: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let r = app.http.get(url).send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn the_signed_letter_is_a_real_pdf_with_a_verifiable_signature_and_qr() {
    // External validators (pyHanko, pdfsig, poppler) load the machine: not beside the timed
    // tests (faults, races).
    let _heavy = common::heavy().await;
    let app = TestApp::spawn().await;
    let id = submitted_case(&app, "pemohon").await;
    let c = to_signature(&app, &id, "grant").await;
    let signed = &c["letter"]["signed"];
    let number = signed["number"].as_str().unwrap().to_string();
    let doc_id = signed["document_id"].as_str().unwrap().to_string();
    assert_eq!(c["letter"]["drafts"].as_array().unwrap().len(), 2);
    assert_eq!(signed["version"], 2);
    let dir = tempfile::tempdir().unwrap();

    // The applicant downloads the signed letter (a short-lived URL, as an attachment).
    let t = app.login("pemohon").await;
    let (s, dl) = app
        .get(Some(&t), &format!("/cases/{id}/letter/download"))
        .await;
    assert_eq!(s, StatusCode::OK, "{dl}");
    let (s, headers, pdf) = fetch(&app, dl["url"].as_str().unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert!(pdf.starts_with(b"%PDF-"));
    let pdf_path = dir.path().join("surat.pdf");
    std::fs::write(&pdf_path, &pdf).unwrap();
    let p = pdf_path.to_str().unwrap();

    // The text, as pdftotext extracts it.
    let text = run("pdftotext", &["-layout", p, "-"]);
    for expected in [
        "PEMERINTAH KOTA BONTANG",
        "DINAS PENANAMAN MODAL DAN PELAYANAN TERPADU SATU PINTU",
        "Jl. Awang Long No. 1",
        "SURAT PEMENUHAN KOMITMEN",
        &format!("Nomor: {number}"),
        "KSP Sejahtera Bersama",
        "9120001234567",
        "Jl. Ahmad Yani No. 5, Bontang Selatan",
        "25 orang",
        "Rahmat Hidayat",
        "500/077/DKUMP/2026",
        "Ditandatangani secara elektronik",
        "Ahmad Yani",
        "Pembina Utama Muda (IV/c)",
        "NIP 19700312 199503 1 004",
        "telah memenuhi komitmen",
        "Dasar hukum:",
        "Undang-Undang Nomor 25 Tahun 1992 tentang Perkoperasian",
        "Tembusan:",
        "Wali Kota Bontang (sebagai laporan)",
        "Halaman 1 dari 1",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(
        !text.contains("keberatan"),
        "a grant has no right to object"
    );

    // The QR code on the rendered page opens the verification URL.
    let png = dir.path().join("page");
    run(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "150",
            "-f",
            "1",
            "-l",
            "1",
            p,
            png.to_str().unwrap(),
        ],
    );
    let png_file = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "png"))
        .expect("a page image");
    let qr = run("zbarimg", &["-q", "--raw", png_file.to_str().unwrap()]);
    let url = qr.lines().next().unwrap().trim().to_string();
    assert_eq!(url, format!("{}/verify/{doc_id}", app.api));

    // What the QR opens: JSON for programs, HTML for phones.
    let (s, v) = app.get(None, &format!("/verify/{doc_id}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "valid");
    assert_eq!(v["signature_valid"], true);
    assert_eq!(v["number"], number.as_str());
    assert_eq!(v["holder"], "KSP Sejahtera Bersama");
    assert_eq!(v["decision"], "Izin diberikan");
    assert_eq!(v["signer"], "Ahmad Yani");
    assert!(v["position"].as_str().unwrap().starts_with("Kepala Dinas"));
    let sha = hex_sha256(&pdf);
    assert_eq!(v["sha256"], sha.as_str());
    assert!(
        !v.to_string().contains("Rahmat Hidayat"),
        "nothing beyond what the letter shows"
    );
    let html = app
        .http
        .get(&url)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Dokumen asli dan sah") && html.contains(&number),
        "{html}"
    );

    // Uploaded bytes: the signed ones match; one changed byte does not.
    let check = async |bytes: Vec<u8>| -> Value {
        app.http
            .post(&url)
            .header("content-type", "application/pdf")
            .body(bytes)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    };
    assert_eq!(check(pdf.clone()).await["matches"], true);
    let mut changed = pdf.clone();
    let i = changed.len() / 2;
    changed[i] ^= 0x01;
    assert_eq!(check(changed.clone()).await["matches"], false);

    // The signature verifies with a standard tool outside the project.
    let pem = app
        .http
        .get(format!("{}/verify/public-key", app.api))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let pem_path = dir.path().join("pub.pem");
    std::fs::write(&pem_path, pem).unwrap();
    let sig_path = dir.path().join("sig.der");
    use base64::Engine;
    std::fs::write(
        &sig_path,
        base64::engine::general_purpose::STANDARD
            .decode(v["signature"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    let verify = |file: &Path| {
        run(
            "openssl",
            &[
                "dgst",
                "-sha256",
                "-verify",
                pem_path.to_str().unwrap(),
                "-signature",
                sig_path.to_str().unwrap(),
                file.to_str().unwrap(),
            ],
        )
    };
    assert!(verify(&pdf_path).contains("Verified OK"));
    let changed_path = dir.path().join("changed.pdf");
    std::fs::write(&changed_path, &changed).unwrap();
    assert!(verify(&changed_path).contains("Verification failure"));

    // Drafts: each version for staff, never for applicants.
    let kasi = app.login("kasi").await;
    for v in [1, 2] {
        let (s, d) = app
            .get(
                Some(&kasi),
                &format!("/cases/{id}/letter/drafts/{v}/download"),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{d}");
        let (_, _, draft) = fetch(&app, d["url"].as_str().unwrap()).await;
        let dp = dir.path().join(format!("draft{v}.pdf"));
        std::fs::write(&dp, &draft).unwrap();
        let text = run("pdftotext", &[dp.to_str().unwrap(), "-"]);
        assert!(text.contains(&format!("DRAF VERSI {v}")), "{text}");
    }
    let (s, _) = app
        .get(Some(&t), &format!("/cases/{id}/letter/drafts/1/download"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let other = app.login("pemohon2").await;
    let (s, _) = app
        .get(Some(&other), &format!("/cases/{id}/letter/download"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "never another applicant's");

    // Revocation by the head of agency (with a reason); others may not.
    let (s, _) = app
        .post(
            Some(&kasi),
            &format!("/documents/{doc_id}/revoke"),
            json!({"reason": "Salah ketik nama."}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let kadis = app.login("kadis").await;
    let (s, e) = app
        .post(
            Some(&kadis),
            &format!("/documents/{doc_id}/revoke"),
            json!({}),
        )
        .await;
    assert_eq!(
        (s, e["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason"))
    );
    let (s, r) = app
        .post(
            Some(&kadis),
            &format!("/documents/{doc_id}/revoke"),
            json!({"reason": "Diterbitkan ulang dengan perbaikan alamat."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (_, v) = app.get(None, &format!("/verify/{doc_id}")).await;
    assert_eq!(v["status"], "revoked");
    assert_eq!(
        v["revoked_reason"],
        "Diterbitkan ulang dengan perbaikan alamat."
    );
    let html = app
        .http
        .get(&url)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Dokumen telah dicabut"));
    let ev = app.events(&kadis, &id).await;
    assert!(
        ev["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "letter.revoked")
    );
    assert_eq!(ev["chain_valid"], true);
    let (s, _) = app
        .get(None, "/verify/00000000-0000-0000-0000-000000000000")
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

fn hex_sha256(b: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(b))
}

#[tokio::test]
async fn a_refusal_letter_is_signed_too() {
    // External validators (pyHanko, pdfsig, poppler) load the machine: not beside the timed
    // tests (faults, races).
    let _heavy = common::heavy().await;
    let app = TestApp::spawn().await;
    let id = submitted_case(&app, "pemohon").await;
    let c = to_signature(&app, &id, "refuse").await;
    assert_eq!(c["status"]["code"], "refused");
    let doc_id = c["letter"]["signed"]["document_id"]
        .as_str()
        .unwrap()
        .to_string();
    let t = app.login("pemohon").await;
    let (_, dl) = app
        .get(Some(&t), &format!("/cases/{id}/letter/download"))
        .await;
    let (_, _, pdf) = fetch(&app, dl["url"].as_str().unwrap()).await;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("tolak.pdf");
    std::fs::write(&p, &pdf).unwrap();
    let text = run("pdftotext", &["-layout", p.to_str().unwrap(), "-"]);
    assert!(text.contains("SURAT PENOLAKAN PERMOHONAN"), "{text}");
    assert!(
        text.contains("DITOLAK")
            && text.contains("Tingkat kesehatan koperasi belum memenuhi syarat.")
    );
    let flat = flat_text(&p);
    for expected in [
        "Hak mengajukan keberatan:",
        "21 (dua puluh satu) hari kerja",
        "NIP 19700312 199503 1 004",
        "Tembusan:",
        "Dasar hukum:",
    ] {
        assert!(flat.contains(expected), "missing {expected:?} in:\n{flat}");
    }
    let (_, v) = app.get(None, &format!("/verify/{doc_id}")).await;
    assert_eq!(
        (v["status"].as_str(), v["decision"].as_str()),
        (Some("valid"), Some("Permohonan ditolak"))
    );
}

#[tokio::test]
async fn signer_contract_local_key_and_kms() {
    use perizinan::ports::Signer;
    use perizinan::ports::signer::verify;
    let dir = tempfile::tempdir().unwrap();
    let local =
        perizinan_embedded::signer_local::LocalSigner::open_or_create(&dir.path().join("k.pem"))
            .unwrap();
    let again =
        perizinan_embedded::signer_local::LocalSigner::open_or_create(&dir.path().join("k.pem"))
            .unwrap();
    assert_eq!(local.key_id(), again.key_id(), "the key file is reused");
    let fx = common::aws::Fixture::new(false).await;
    let kms = fx.signer();
    let message = b"%PDF-1.7 surat pemenuhan komitmen";
    let digest: [u8; 32] = {
        use sha2::Digest;
        sha2::Sha256::digest(message).into()
    };
    for (name, signer, moto) in [
        ("local", &local as &dyn Signer, false),
        ("kms", &kms as &dyn Signer, true),
    ] {
        let sig = signer.sign_digest(&digest).await.unwrap();
        let public = signer.public_key_der().await.unwrap();
        // moto does not implement KMS's MessageType=DIGEST: it hashes what it is given once
        // more, so there the signature is over SHA-256 of the digest. Real KMS signs the digest.
        let signed_digest: [u8; 32] = if moto {
            use sha2::Digest;
            sha2::Sha256::digest(digest).into()
        } else {
            digest
        };
        assert!(verify(&public, &signed_digest, &sig), "{name}");
        let mut other = signed_digest;
        other[0] ^= 1;
        assert!(!verify(&public, &other, &sig), "{name}: another digest");
        assert!(
            !verify(&public, &signed_digest, &sig[..sig.len() - 1]),
            "{name}: a cut signature"
        );
        if !moto {
            // And with openssl, on the message itself.
            let pem = dir.path().join(format!("{name}.pem"));
            std::fs::write(&pem, perizinan::ports::signer::public_key_pem(&public)).unwrap();
            let sig_p = dir.path().join(format!("{name}.sig"));
            std::fs::write(&sig_p, &sig).unwrap();
            let msg_p = dir.path().join(format!("{name}.msg"));
            std::fs::write(&msg_p, message).unwrap();
            let out = run(
                "openssl",
                &[
                    "dgst",
                    "-sha256",
                    "-verify",
                    pem.to_str().unwrap(),
                    "-signature",
                    sig_p.to_str().unwrap(),
                    msg_p.to_str().unwrap(),
                ],
            );
            assert!(out.contains("Verified OK"), "{name}: {out}");
        }
    }
}

/// The signed letter carries its signature inside (PAdES B-T, issue 15), made by the runner's
/// signer port with a certificate of its local CA and a timestamp of its local TSA: poppler's
/// `pdfsig`, with that CA trusted in an NSS database, and pyHanko validate it; one changed byte
/// and both refuse it. The verification page names the certificate and the timestamp.
#[tokio::test]
async fn the_signed_letter_carries_a_pades_signature_that_readers_validate() {
    // External validators (pyHanko, pdfsig, poppler) load the machine: not beside the timed
    // tests (faults, races).
    let _heavy = common::heavy().await;
    let app = TestApp::spawn().await;
    pades_letter_validates(&app, &app.data_dir().join("pki").join("ca.pem")).await;
}

/// The same with the key in KMS (moto): the CMS signature is KMS's `Sign` of the signed
/// attributes (as `RAW`, which moto implements; it does not implement `DIGEST`), under the local
/// CA's certificate issued for the KMS key.
#[tokio::test]
async fn the_kms_signed_letter_carries_a_pades_signature_that_readers_validate() {
    // External validators (pyHanko, pdfsig, poppler) load the machine: not beside the timed
    // tests (faults, races).
    let _heavy = common::heavy().await;
    let fx = common::aws::Fixture::new(false).await;
    let app = TestApp::spawn_with_env(fx.runner_env()).await;
    pades_letter_validates(&app, &app.data_dir().join("pki").join("ca.pem")).await;
}

/// A tiny RFC 3161 authority over HTTP (`POST /tsa`), wrapping the letters crate's `LocalTsa`
/// under `ca`: its address, and how many requests it answered.
async fn http_tsa(
    ca: &perizinan_letters::pades::LocalCa,
) -> (
    std::net::SocketAddr,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let tsa = Arc::new(perizinan_letters::pades::LocalTsa::generate(ca).unwrap());
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    let router = axum::Router::new().route(
        "/tsa",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let tsa = tsa.clone();
                let count = count.clone();
                async move {
                    assert_eq!(
                        headers.get("content-type").unwrap(),
                        "application/timestamp-query"
                    );
                    count.fetch_add(1, Ordering::SeqCst);
                    (
                        [("content-type", "application/timestamp-reply")],
                        tsa.respond(&body),
                    )
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (addr, served)
}

/// The public key (SPKI DER) of the fixture's KMS key, as `GetPublicKey` gives it.
async fn kms_public_key(fx: &common::aws::Fixture) -> Vec<u8> {
    aws_sdk_kms::Client::new(&fx.main)
        .get_public_key()
        .key_id(&fx.signing_key)
        .send()
        .await
        .unwrap()
        .public_key
        .unwrap()
        .into_inner()
}

/// The stack's sealer (the sign function's): the chain issued by another CA (a PSrE's stand-in)
/// for moto's KMS key in an SSM parameter (`PD_SIGNER_CERT_CHAIN_PARAMETER`), the timestamps from an HTTP TSA at
/// `PD_TSA_URL`. pdfsig and pyHanko validate the letter against that CA, `POST /verify/{id}`
/// trusts it, and the signer certificate is the configured one.
#[tokio::test]
async fn the_stack_seals_letters_with_its_configured_chain_and_http_tsa() {
    // External validators (pyHanko, pdfsig, poppler) load the machine: not beside the timed
    // tests (faults, races).
    let _heavy = common::heavy().await;
    use perizinan_letters::pades::local_ca::certificate_pem;
    let fx = common::aws::Fixture::new(false).await;
    let ca = perizinan_letters::pades::LocalCa::generate("PSrE Uji").unwrap();
    let leaf = ca
        .issue_signer("Kepala Dinas Uji", &kms_public_key(&fx).await)
        .unwrap();
    let (addr, served) = http_tsa(&ca).await;
    let trust = tempfile::tempdir().unwrap();
    let ca_pem = trust.path().join("psre-ca.pem");
    std::fs::write(&ca_pem, certificate_pem(ca.certificate()).unwrap()).unwrap();
    // As in the stack: the chain in an SSM parameter, read at start (signed GetParameter).
    let parameter = format!("/perizinan/{}/signer-cert-chain", fx.table);
    fx.put_ssm_parameter(
        &parameter,
        &(certificate_pem(&leaf).unwrap() + &certificate_pem(ca.certificate()).unwrap()),
    )
    .await;
    let mut env = fx.runner_env();
    env.push(("PD_SIGNER_CERT_CHAIN_PARAMETER".into(), parameter));
    env.push(("PD_TSA_URL".into(), format!("http://{addr}/tsa")));
    let app = TestApp::spawn_with_env(env).await;
    let serial = pades_letter_validates(&app, &ca_pem).await;
    let leaf_serial: String = leaf
        .tbs_certificate
        .serial_number
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        serial, leaf_serial,
        "sealed under the configured certificate"
    );
    assert!(
        served.load(std::sync::atomic::Ordering::SeqCst) >= 1,
        "the timestamp came from PD_TSA_URL"
    );
}

/// A chain issued for another key than the KMS key stops the start, naming the variable; so
/// does a TSA URL without a chain.
#[tokio::test]
async fn a_chain_for_another_key_stops_the_start() {
    use perizinan_letters::pades::local_ca::{self, certificate_pem};
    let fx = common::aws::Fixture::new(false).await;
    let ca = perizinan_letters::pades::LocalCa::generate("PSrE Uji").unwrap();
    let other = local_ca::public_key_der(&local_ca::generate_key().unwrap()).unwrap();
    let leaf = ca.issue_signer("Kepala Dinas Uji", &other).unwrap();
    let chain = certificate_pem(&leaf).unwrap() + &certificate_pem(ca.certificate()).unwrap();
    for (extra, expected) in [
        (
            vec![
                ("PD_SIGNER_CERT_CHAIN", chain.as_str()),
                ("PD_TSA_URL", "http://127.0.0.1:9/tsa"),
            ],
            "PD_SIGNER_CERT_CHAIN: sertifikat pertama bukan untuk kunci penanda tangan",
        ),
        (
            vec![("PD_TSA_URL", "http://127.0.0.1:9/tsa")],
            "PD_SIGNER_CERT_CHAIN: wajib diisi bersama PD_TSA_URL",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_perizinan"))
            .args(["--port", "0", "--data-dir"])
            .arg(dir.path().join("data"))
            .envs(fx.runner_env())
            .envs(extra)
            .output()
            .expect("the runner runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
}

/// Validates the signed letter of a new case with `ca` trusted; returns the embedded
/// signature's serial.
async fn pades_letter_validates(app: &TestApp, ca: &Path) -> String {
    let id = submitted_case(app, "pemohon").await;
    let c = to_signature(app, &id, "grant").await;
    let doc_id = c["letter"]["signed"]["document_id"]
        .as_str()
        .unwrap()
        .to_string();
    let t = app.login("pemohon").await;
    let (_, dl) = app
        .get(Some(&t), &format!("/cases/{id}/letter/download"))
        .await;
    let (s, _, pdf) = fetch(app, dl["url"].as_str().unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("surat.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let mut bad = pdf.clone();
    let at = bad
        .windows(17)
        .position(|w| w == b"Perizinan Digital")
        .expect("the creator in /Info");
    bad[at] = b'Q';
    let tampered = dir.path().join("diubah.pdf");
    std::fs::write(&tampered, &bad).unwrap();
    assert!(ca.is_file(), "the CA to trust: {}", ca.display());

    let db = format!("sql:{}", dir.path().display());
    run("certutil", &["-N", "--empty-password", "-d", &db]);
    run(
        "certutil",
        &[
            "-A",
            "-n",
            "ca",
            "-t",
            "CT,C,C",
            "-i",
            ca.to_str().unwrap(),
            "-d",
            &db,
        ],
    );
    let pdfsig = |f: &Path| {
        let out = Command::new(tool("pdfsig"))
            .args(["-nssdir", &db])
            .arg(f)
            .output()
            .expect("pdfsig runs");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let out = pdfsig(&file);
    for line in [
        "Signature Type: ETSI.CAdES.detached",
        "Signature Validation: Signature is Valid.",
        "Certificate Validation: Certificate is Trusted.",
        "Total document signed",
    ] {
        assert!(out.contains(line), "missing {line:?}:\n{out}");
    }
    let out = pdfsig(&tampered);
    assert!(
        out.contains("Signature Validation: Digest Mismatch."),
        "{out}"
    );

    let pyhanko = Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/venv/bin/pyhanko");
    let validate = |f: &Path| {
        let out = Command::new(&pyhanko)
            .args(["sign", "validate", "--trust-replace", "--trust"])
            .arg(ca)
            .arg(f)
            .output()
            .expect("pyhanko runs (./scripts/test installs it into .tools/venv)");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (ok, out) = validate(&file);
    assert!(
        ok && out
            .trim_end()
            .ends_with(":INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,UNTOUCHED"),
        "{out}"
    );
    let (ok, out) = validate(&tampered);
    assert!(!ok && out.contains(":INVALID"), "{out}");

    // POST /verify/{id} checks the uploaded file's own signature as well as its bytes.
    let genuine = post_pdf(app, &doc_id, pdf.clone()).await;
    assert_eq!(genuine["matches"], true, "{genuine}");
    let e = &genuine["uploaded_embedded_signature"];
    assert_eq!(
        (&e["checked"], &e["valid"], &e["problem"]),
        (&json!(true), &json!(true), &Value::Null),
        "{genuine}"
    );
    assert_eq!(e["format"], "PAdES B-T");
    assert_eq!(e["serial"], genuine["embedded_signature"]["serial"]);
    assert!(
        genuine["embedded_signature_label"]
            .as_str()
            .unwrap()
            .starts_with("Tanda tangan elektronik di dalam PDF sah:"),
        "{genuine}"
    );
    // One changed byte: neither the bytes nor the embedded signature.
    let changed = post_pdf(app, &doc_id, bad.clone()).await;
    assert_eq!(changed["matches"], false, "{changed}");
    let e = &changed["uploaded_embedded_signature"];
    assert_eq!(
        (&e["valid"], &e["problem"]),
        (&json!(false), &json!("digest_mismatch")),
        "{changed}"
    );
    assert!(
        changed["embedded_signature_label"]
            .as_str()
            .unwrap()
            .contains("TIDAK SAH: Isi berkas telah diubah"),
        "{changed}"
    );
    // A letter sealed by another deployment (its own local CA and TSA): a valid signature that
    // this deployment does not trust.
    let foreign = foreign_sealed_letter(dir.path()).await;
    let other = post_pdf(app, &doc_id, foreign).await;
    let e = &other["uploaded_embedded_signature"];
    assert_eq!(
        (&other["matches"], &e["valid"], &e["problem"]),
        (&json!(false), &json!(false), &json!("untrusted")),
        "{other}"
    );
    assert_eq!(
        e["format"], "PAdES B-T",
        "its facts are still read: {other}"
    );
    // A file without a signature inside.
    let plain = post_pdf(app, &doc_id, b"%PDF-1.7\n%%EOF\n".to_vec()).await;
    assert_eq!(
        plain["uploaded_embedded_signature"]["problem"], "malformed",
        "{plain}"
    );

    // The verification page: the certificate and the timestamp of the embedded signature.
    let (s, v) = app.get(None, &format!("/verify/{doc_id}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let e = &v["embedded_signature"];
    assert_eq!(e["format"], "PAdES B-T", "{v}");
    assert!(
        e["subject"].as_str().unwrap().contains("CN=Kepala Dinas"),
        "{e}"
    );
    assert!(e["issuer"].as_str().unwrap().contains("Local CA"), "{e}");
    assert!(!e["serial"].as_str().unwrap().is_empty());
    assert!(
        e["timestamp_label"].as_str().unwrap().contains("WITA"),
        "{e}"
    );
    let html = app
        .http
        .get(format!("{}/verify/{doc_id}", app.api))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Cap waktu (RFC 3161)") && html.contains("PAdES B-T"),
        "{html}"
    );
    e["serial"].as_str().unwrap().to_string()
}

/// `POST /verify/{doc_id}` with `pdf`: the answer (200).
async fn post_pdf(app: &TestApp, doc_id: &str, pdf: Vec<u8>) -> Value {
    let r = app
        .http
        .post(format!("{}/verify/{doc_id}", app.api))
        .header("content-type", "application/pdf")
        .body(pdf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// A letter rendered and sealed (PAdES B-T) by another deployment: its own key, local CA and
/// timestamp authority under `dir/elsewhere`.
async fn foreign_sealed_letter(dir: &Path) -> Vec<u8> {
    use perizinan::domain::documents::LetterText;
    use perizinan::domain::notices::Agency;
    use perizinan::ports::letters::{LetterData, LetterSealer};
    let home = dir.join("elsewhere");
    std::fs::create_dir_all(&home).unwrap();
    let signer =
        perizinan_embedded::signer_local::LocalSigner::open_or_create(&home.join("key.pem"))
            .unwrap();
    let pki =
        perizinan_letters::sealer::LocalPki::load_or_create(&home.join("pki"), "Kepala Dinas")
            .unwrap();
    let text = LetterText {
        title: "SURAT PEMENUHAN KOMITMEN".into(),
        subtitle: "IZIN PEMBUKAAN KANTOR KAS KOPERASI SIMPAN PINJAM".into(),
        opening: "Berdasarkan permohonan:".into(),
        facts: vec![("Nama Koperasi".into(), "KSP Lain".into())],
        body: vec!["telah memenuhi komitmen.".into()],
        closing: "Demikian.".into(),
        footer: "Layanan ini tidak dipungut biaya.".into(),
        holder: "KSP Lain".into(),
        dasar_hukum: vec![],
        tembusan: vec!["Arsip".into()],
        objection: None,
    };
    let pdf = perizinan_letters::pdf::render_letter(&LetterData {
        agency: &Agency::default(),
        text: &text,
        date: "2026-11-26".parse().unwrap(),
        draft_version: None,
        signature: None,
    })
    .unwrap();
    pki.seal(
        &pdf,
        &signer,
        chrono::Utc::now(),
        "Kepala Dinas",
        "Uji",
        "Bontang",
    )
    .await
    .unwrap()
    .pdf
}

/// One word of `pdftotext -bbox`: its page (from 1), text and box (points, y from the top).
#[derive(Debug, Clone, PartialEq)]
struct Word {
    page: usize,
    text: String,
    x_min: f64,
    y_min: f64,
    x_max: f64,
    y_max: f64,
}

/// The pages' sizes and the words of `pdftotext -bbox` output.
fn bbox_words(pdf: &Path) -> (Vec<(f64, f64)>, Vec<Word>) {
    let html = run("pdftotext", &["-bbox", pdf.to_str().unwrap(), "-"]);
    let attr = |tag: &str, name: &str| -> f64 {
        let at = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        let end = at + tag[at..].find('"').unwrap();
        tag[at..end].parse().unwrap()
    };
    let (mut pages, mut words) = (vec![], vec![]);
    for line in html.lines().map(str::trim) {
        if line.starts_with("<page ") {
            pages.push((attr(line, "width"), attr(line, "height")));
        } else if line.starts_with("<word ") {
            let open = line.find('>').unwrap();
            let close = line.rfind("</word>").unwrap();
            words.push(Word {
                page: pages.len(),
                text: line[open + 1..close]
                    .replace("&amp;", "&")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'"),
                x_min: attr(line, "xMin"),
                y_min: attr(line, "yMin"),
                x_max: attr(line, "xMax"),
                y_max: attr(line, "yMax"),
            });
        }
    }
    (pages, words)
}

/// `pdftotext` of the whole file with its white space collapsed (wrapped lines read as one).
fn flat_text(pdf: &Path) -> String {
    run("pdftotext", &[pdf.to_str().unwrap(), "-"])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Issue 15 items 4 and 5: a refusal with the longest reason a decision takes (2,000
/// characters, `domain::actions`) and every application field at its maximum length flows onto
/// more pages; every word stays inside the page's margins (62 pt each side, A4); the signature
/// block, the QR code and the tembusan are together on the last page; the letter carries the
/// signer's rank and NIP, the tembusan, the dasar hukum and the right to object; the draft
/// reviewed at n, o and p breaks its pages where the signed letter does.
#[tokio::test]
async fn a_refusal_at_every_limit_stays_inside_the_page_and_signs_on_its_last() {
    // External validators (pyHanko, pdfsig, poppler) load the machine: not beside the timed
    // tests (faults, races).
    let _heavy = common::heavy().await;
    let app = TestApp::spawn().await;
    let fill = |unit: &str, n: usize| -> String {
        let s: String = unit
            .repeat(n / unit.chars().count() + 1)
            .chars()
            .take(n)
            .collect();
        s.trim_end().to_string() + &"x".repeat(n - s.trim_end().chars().count())
    };
    let mut a = application();
    a["cooperative_name"] = json!(fill("Koperasi Simpan Pinjam Sejahtera Bersama ", 200));
    // A reference is one long word: it must be cut, not run off the page.
    a["legal_entity_number"] = json!(fill(&format!("AHU-{}", "0123456789".repeat(10)), 100));
    a["oss_reference"] = json!(fill(&format!("I-{}", "2026112600".repeat(10)), 100));
    a["branch"]["address"] = json!(fill("Jl. Bhayangkara No. 10, Bontang Utara ", 300));
    a["branch"]["operating_permit_number"] = json!(fill("503/112/DPMPTSP/2024/", 100));
    a["cash_office"]["address"] = json!(fill("Jl. Ahmad Yani No. 5, Bontang Selatan ", 300));
    a["cash_office"]["head_name"] = json!(fill("Rahmat Hidayat Nugraha Pratama ", 120));
    let id = submitted_case_of(&app, "pemohon", a).await;
    let sentence = "Tingkat kesehatan koperasi belum memenuhi syarat menurut hasil pemeriksaan. ";
    // A 132-character word first, then sentences up to 2,000 characters.
    let reason = format!(
        "{} {}",
        "Laporankeuangantahunan".repeat(6),
        fill(sentence, 2000 - 133)
    );
    assert_eq!(reason.chars().count(), 2000);
    let c = to_signature_because(&app, &id, "refuse", &reason).await;
    assert_eq!(c["status"]["code"], "refused", "{c}");

    let t = app.login("pemohon").await;
    let (_, dl) = app
        .get(Some(&t), &format!("/cases/{id}/letter/download"))
        .await;
    let (s, _, pdf) = fetch(&app, dl["url"].as_str().unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tolak.pdf");
    std::fs::write(&file, &pdf).unwrap();

    // Every word inside the margins, on every page.
    let (pages, words) = bbox_words(&file);
    let n = pages.len();
    assert!(
        n >= 2,
        "a letter at every limit takes more than one page: {n}"
    );
    let margin = 62.0;
    for w in &words {
        let (width, height) = pages[w.page - 1];
        assert!(
            w.x_min >= margin - 1.0
                && w.x_max <= width - margin + 1.0
                && w.y_min >= 20.0
                && w.y_max <= height - 20.0,
            "outside the margins of a {width}×{height} page: {w:?}"
        );
    }
    // The signature block and the tembusan on the last page, and nowhere else.
    let on = |text: &str| -> Vec<usize> {
        words
            .iter()
            .filter(|w| w.text == text)
            .map(|w| w.page)
            .collect()
    };
    for word in ["Ditandatangani", "NIP", "(IV/c)", "Tembusan:"] {
        assert_eq!(on(word), vec![n], "{word}");
    }
    assert_eq!(on("Halaman").len(), n, "a page number on every page");
    // The QR code: decoded on the last page, on no other.
    let doc_id = c["letter"]["signed"]["document_id"].as_str().unwrap();
    for page in 1..=n {
        let prefix = dir.path().join(format!("p{page}"));
        let p = page.to_string();
        run(
            "pdftoppm",
            &[
                "-png",
                "-r",
                "150",
                "-f",
                &p,
                "-l",
                &p,
                "-singlefile",
                file.to_str().unwrap(),
                prefix.to_str().unwrap(),
            ],
        );
        let png = format!("{}.png", prefix.display());
        let out = Command::new(tool("zbarimg"))
            .args(["-q", "--raw", &png])
            .output()
            .unwrap();
        let qr = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if page == n {
            assert_eq!(qr, format!("{}/verify/{doc_id}", app.api));
        } else {
            assert_eq!(qr, "", "no QR code on page {page}");
        }
    }

    // What the letter says: the Tata Naskah Dinas parts and the whole reason.
    let text = flat_text(&file);
    for expected in [
        "SURAT PENOLAKAN PERMOHONAN",
        "Dasar hukum:",
        "Undang-Undang Nomor 25 Tahun 1992 tentang Perkoperasian",
        "Undang-Undang Nomor 30 Tahun 2014 tentang Administrasi Pemerintahan",
        "Hak mengajukan keberatan:",
        "mengajukan keberatan secara tertulis kepada Kepala Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kota Bontang paling lama 21 (dua puluh satu) hari kerja",
        "Pasal 75 dan Pasal 77 Undang-Undang Nomor 30 Tahun 2014",
        "KEPALA DINAS PENANAMAN MODAL DAN PELAYANAN TERPADU SATU PINTU KOTA BONTANG,",
        "Ahmad Yani",
        "Pembina Utama Muda (IV/c)",
        "NIP 19700312 199503 1 004",
        "Tembusan:",
        "Kepala Dinas Koperasi, Usaha Kecil Menengah, dan Perdagangan Kota Bontang",
        "Wali Kota Bontang (sebagai laporan)",
        &format!("Halaman 1 dari {n}"),
        &format!("Halaman {n} dari {n}"),
        sentence.trim(),
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let sentences = text.matches(sentence.trim()).count();
    assert_eq!(sentences, (2000 - 133) / sentence.len(), "the whole reason");

    // The draft the heads reviewed: the same pages, every line of the flow where the signed
    // letter has it (the draft mark in the top band and the number line aside).
    let kasi = app.login("kasi").await;
    let (s, d) = app
        .get(
            Some(&kasi),
            &format!("/cases/{id}/letter/drafts/2/download"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let (_, _, draft) = fetch(&app, d["url"].as_str().unwrap()).await;
    let draft_file = dir.path().join("draf.pdf");
    std::fs::write(&draft_file, &draft).unwrap();
    let (draft_pages, draft_words) = bbox_words(&draft_file);
    assert_eq!(
        draft_pages.len(),
        n,
        "the draft breaks where the letter does"
    );
    let number_y = |ws: &[Word]| ws.iter().find(|w| w.text == "Nomor:").unwrap().y_min;
    let flow = |ws: &[Word]| -> Vec<(usize, String, i64, i64)> {
        let skip = number_y(ws);
        let block = ws
            .iter()
            .find(|w| w.page == n && w.text == "Bontang,")
            .map(|w| w.y_min)
            .unwrap();
        ws.iter()
            .filter(|w| w.y_min > 45.0 && (w.y_min - skip).abs() > 1.0)
            .filter(|w| w.page < n || w.y_min < block - 1.0)
            .map(|w| {
                (
                    w.page,
                    w.text.clone(),
                    w.x_min.round() as i64,
                    w.y_min.round() as i64,
                )
            })
            .collect()
    };
    assert_eq!(flow(&draft_words), flow(&words));
    let draft_text = flat_text(&draft_file);
    assert_eq!(
        draft_text.matches("DRAF VERSI 2").count(),
        n,
        "{draft_text}"
    );
    assert!(draft_text.contains("NIP (…)") && !draft_text.contains("19700312"));
}

/// An acting official signs: "Plh." before the position on the letter and on the verification
/// page, with the official's own rank and NIP from the agency file (`PD_AGENCY_FILE`).
#[tokio::test]
async fn an_acting_official_signs_as_plh_with_their_own_rank_and_nip() {
    // External validators (pyHanko, pdfsig, poppler) load the machine: not beside the timed
    // tests (faults, races).
    let _heavy = common::heavy().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("agency.json");
    std::fs::write(
        &file,
        json!({
            "name": "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
            "government": "Pemerintah Kota Bontang", "address": "Jl. Awang Long No. 1, Bontang 75311",
            "phone": "(0548) 20594", "fax": "(0548) 20598",
            "website": "dpmptsp.bontangkota.go.id", "email": "dpmptsp@bontangkota.go.id",
            "officials": [{"name": "Ahmad Yani", "nip": "19711224 200003 1 002",
                           "golongan": "IV/b", "acting": "plh"}]
        })
        .to_string(),
    )
    .unwrap();
    let app = TestApp::spawn_with_env(vec![(
        "PD_AGENCY_FILE".into(),
        file.to_str().unwrap().into(),
    )])
    .await;
    let id = submitted_case(&app, "pemohon").await;
    let c = to_signature(&app, &id, "grant").await;
    let doc_id = c["letter"]["signed"]["document_id"].as_str().unwrap();
    let t = app.login("pemohon").await;
    let (_, dl) = app
        .get(Some(&t), &format!("/cases/{id}/letter/download"))
        .await;
    let (_, _, pdf) = fetch(&app, dl["url"].as_str().unwrap()).await;
    let p = dir.path().join("surat.pdf");
    std::fs::write(&p, &pdf).unwrap();
    let text = flat_text(&p);
    for expected in [
        "Plh. KEPALA DINAS PENANAMAN MODAL",
        "Pembina Tingkat I (IV/b)",
        "NIP 19711224 200003 1 002",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(!text.contains("19700312"), "not the default head's NIP");
    let (_, v) = app.get(None, &format!("/verify/{doc_id}")).await;
    assert_eq!(
        v["position"],
        "Plh. Kepala Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kota Bontang",
        "{v}"
    );
}
