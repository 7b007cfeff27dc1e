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
    let mut rec = json!({"outcome": recommendation, "recommendation_number": "500/077/DKUMP/2026", "recommendation_date": today().to_string()});
    if recommendation == "refuse" {
        rec["reason"] = json!("Tingkat kesehatan koperasi belum memenuhi syarat.");
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
        "telah memenuhi komitmen",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }

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
    pades_letter_validates(&TestApp::spawn().await).await;
}

/// The same with the key in KMS (moto): the CMS signature is KMS's `Sign` of the signed
/// attributes (as `RAW`, which moto implements; it does not implement `DIGEST`), under the local
/// CA's certificate issued for the KMS key.
#[tokio::test]
async fn the_kms_signed_letter_carries_a_pades_signature_that_readers_validate() {
    let fx = common::aws::Fixture::new(false).await;
    pades_letter_validates(&TestApp::spawn_with_env(fx.runner_env()).await).await;
}

async fn pades_letter_validates(app: &TestApp) {
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
    let ca = app.data_dir().join("pki").join("ca.pem");
    assert!(ca.is_file(), "the runner made its local CA");

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
            .arg(&ca)
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
}
