//! A rendered letter signed with PAdES B-T through the signer port and the local timestamp
//! authority, then checked by two independent validators: poppler's `pdfsig` (NSS, with the
//! local CA in a fresh NSS database) and pyHanko (`pyhanko sign validate --trust`). One changed
//! byte inside the signed range must make both report the signature invalid. The local TSA's
//! replies are checked by OpenSSL's RFC 3161 client as well. Skips, saying so, only where a
//! tool is missing (`scripts/test` installs them).

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use p256::ecdsa::SigningKey;
use p256::ecdsa::signature::hazmat::PrehashSigner;
use perizinan::domain::documents::LetterText;
use perizinan::domain::notices::Agency;
use perizinan::ports::letters::{LetterData, Signature};
use perizinan::ports::signer::{SignError, Signer};
use perizinan_letters::pades::local_ca::{self, LocalCa};
use perizinan_letters::pades::{LocalTsa, SignatureDetails, sign_pdf};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The signer port over a P-256 key, signing the digest it is given as a prehash (as KMS signs
/// with MessageType DIGEST).
struct TestSigner {
    key: SigningKey,
}

#[async_trait]
impl Signer for TestSigner {
    fn key_id(&self) -> &str {
        "test:pades"
    }
    async fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>, SignError> {
        let sig: p256::ecdsa::Signature = self
            .key
            .sign_prehash(digest)
            .map_err(|e| SignError::Invalid(e.to_string()))?;
        Ok(sig.to_der().as_bytes().to_vec())
    }
    async fn public_key_der(&self) -> Result<Vec<u8>, SignError> {
        local_ca::public_key_der(&self.key).map_err(|e| SignError::Invalid(e.to_string()))
    }
}

fn letter() -> Vec<u8> {
    let text = LetterText {
        title: "SURAT PEMENUHAN KOMITMEN".into(),
        subtitle: "IZIN PEMBUKAAN KANTOR KAS KOPERASI SIMPAN PINJAM".into(),
        opening: "Berdasarkan permohonan, dengan ini Kepala Dinas menerangkan bahwa:".into(),
        facts: vec![("Nama Koperasi".into(), "KSP Sejahtera Bersama".into())],
        // Long enough to take more than one page: the signature is added to a multi-page file.
        body: vec!["telah memenuhi komitmen sesuai persyaratan yang ditetapkan. ".repeat(60)],
        closing: "Demikian surat ini dibuat untuk dipergunakan sebagaimana mestinya.".into(),
        footer: "Layanan perizinan ini tidak dipungut biaya.".into(),
        holder: "KSP Sejahtera Bersama".into(),
        dasar_hukum: vec!["Undang-Undang Nomor 25 Tahun 1992 tentang Perkoperasian".into()],
        tembusan: vec!["Arsip".into()],
        objection: None,
    };
    let agency = Agency::default();
    perizinan_letters::pdf::render_letter(&LetterData {
        agency: &agency,
        text: &text,
        date: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
        draft_version: None,
        signature: Some(Signature {
            number: "503/0001/SPK-KK/DPMPTSP/2026",
            signer: "Dr. Ahmad Yani, M.Si.",
            acting: None,
            signed_at: Utc::now(),
            verify_url: "https://perizinan.test/verify/abc",
        }),
    })
    .unwrap()
}

struct Signed {
    dir: tempfile::TempDir,
    pdf: PathBuf,
    tampered: PathBuf,
    ca_pem: PathBuf,
}

async fn signed_letter() -> Signed {
    let ca = LocalCa::generate(local_ca::ORGANIZATION).unwrap();
    let tsa = LocalTsa::generate(&ca).unwrap();
    let signer = TestSigner {
        key: local_ca::generate_key().unwrap(),
    };
    let cert = ca
        .issue_signer(
            "Dr. Ahmad Yani, M.Si.",
            &signer.public_key_der().await.unwrap(),
        )
        .unwrap();
    let original = letter();
    assert!(
        original
            .windows(8)
            .any(|w| w == b"/Count 2" || w == b"/Count 3"),
        "the letter takes more than one page"
    );
    let signed = sign_pdf(
        &original,
        &signer,
        &[cert, ca.certificate().clone()],
        &tsa,
        Utc::now(),
        &SignatureDetails {
            name: "Dr. Ahmad Yani, M.Si.",
            reason: "Penetapan Surat Pemenuhan Komitmen",
            location: "Bontang",
            contact: "",
        },
    )
    .await
    .unwrap();
    assert!(signed.starts_with(&original), "an incremental update");
    let ours = perizinan_letters::pades::verify_pdf(&signed).unwrap();
    assert!(ours.is_trusted(std::slice::from_ref(ca.certificate())));

    // One byte of the document information (inside the first signed range) changed: the file
    // still parses, only its digest differs.
    let mut tampered = signed.clone();
    let at = tampered
        .windows(17)
        .position(|w| w == b"Perizinan Digital")
        .expect("the creator in /Info");
    tampered[at] = b'Q';

    let dir = tempfile::tempdir().unwrap();
    let (pdf, bad, ca_pem) = (
        dir.path().join("signed.pdf"),
        dir.path().join("tampered.pdf"),
        dir.path().join("ca.pem"),
    );
    std::fs::write(&pdf, &signed).unwrap();
    std::fs::write(&bad, &tampered).unwrap();
    std::fs::write(
        &ca_pem,
        local_ca::certificate_pem(ca.certificate()).unwrap(),
    )
    .unwrap();
    if let Ok(keep) = std::env::var("PD_PDF_SAMPLES") {
        std::fs::write(Path::new(&keep).join("pades-signed.pdf"), &signed).unwrap();
        std::fs::copy(&ca_pem, Path::new(&keep).join("pades-ca.pem")).unwrap();
    }
    Signed {
        dir,
        pdf,
        tampered: bad,
        ca_pem,
    }
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn found(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(tool))
            .find(|p| p.is_file())
    })
}

#[tokio::test]
async fn pdfsig_validates_the_signature_and_trusts_the_local_ca() {
    let (Some(pdfsig), Some(certutil)) = (found("pdfsig"), found("certutil")) else {
        eprintln!(
            "SKIPPED: pdfsig (poppler-utils) and certutil (libnss3-tools) are needed; \
             scripts/test installs them"
        );
        return;
    };
    let s = signed_letter().await;
    let nss = s.dir.path().join("nss");
    std::fs::create_dir(&nss).unwrap();
    let db = format!("sql:{}", nss.display());
    let (ok, out) = run(Command::new(&certutil).args(["-N", "--empty-password", "-d", &db]));
    assert!(ok, "certutil -N: {out}");
    let (ok, out) = run(Command::new(&certutil)
        .args(["-A", "-n", "ca", "-t", "CT,C,C", "-i"])
        .arg(&s.ca_pem)
        .args(["-d", &db]));
    assert!(ok, "certutil -A: {out}");

    let (_, out) = run(Command::new(&pdfsig).args(["-nssdir", &db]).arg(&s.pdf));
    println!("pdfsig, signed:\n{out}");
    assert!(
        out.contains("Signature Validation: Signature is Valid."),
        "{out}"
    );
    assert!(
        out.contains("Certificate Validation: Certificate is Trusted."),
        "{out}"
    );
    assert!(out.contains("Signature Type: ETSI.CAdES.detached"), "{out}");
    assert!(
        out.contains("Signer Certificate Common Name: Dr. Ahmad Yani, M.Si."),
        "{out}"
    );
    assert!(out.contains("Total document signed"), "{out}");

    // Without the CA in the database the signature still verifies but its certificate is not
    // trusted: the trust comes from the CA, not from anything in the file.
    let empty = s.dir.path().join("empty-nss");
    std::fs::create_dir(&empty).unwrap();
    let empty_db = format!("sql:{}", empty.display());
    let (ok, out) = run(Command::new(&certutil).args(["-N", "--empty-password", "-d", &empty_db]));
    assert!(ok, "certutil -N: {out}");
    let (_, out) = run(Command::new(&pdfsig)
        .args(["-nssdir", &empty_db])
        .arg(&s.pdf));
    assert!(
        out.contains("Signature Validation: Signature is Valid."),
        "{out}"
    );
    assert!(
        !out.contains("Certificate Validation: Certificate is Trusted."),
        "{out}"
    );

    let (_, out) = run(Command::new(&pdfsig)
        .args(["-nssdir", &db])
        .arg(&s.tampered));
    println!("pdfsig, one byte changed:\n{out}");
    assert!(
        out.contains("Signature Validation: Digest Mismatch."),
        "{out}"
    );
}

fn pyhanko() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/venv/bin/pyhanko");
    if venv.is_file() {
        return Some(venv);
    }
    found("pyhanko")
}

#[tokio::test]
async fn pyhanko_validates_the_signature_with_its_timestamp() {
    let Some(pyhanko) = pyhanko() else {
        eprintln!(
            "SKIPPED: pyhanko not found (.tools/venv/bin or PATH); scripts/test installs it \
             from scripts/tools/requirements.txt"
        );
        return;
    };
    let s = signed_letter().await;
    let validate = |command: &str, file: &Path, pretty: bool| {
        let mut c = Command::new(&pyhanko);
        c.args(["sign", command, "--trust-replace", "--trust"])
            .arg(&s.ca_pem);
        if command == "adesverify" {
            // The AdES model (ETSI EN 319 102-1) wants revocation information for the signer's
            // certificate; the local CA publishes none (no CRL or OCSP: that is B-LT work).
            c.arg("--no-revocation-check");
        }
        if pretty {
            c.arg("--pretty-print");
        }
        run(c.arg(file))
    };
    // The summary line: the signature intact and trusted, its timestamp token intact and
    // trusted, and nothing after the signature (no modification by a later update).
    let (ok, out) = validate("validate", &s.pdf, false);
    println!("pyhanko sign validate, signed:\n{out}");
    assert!(ok, "{out}");
    assert!(
        out.trim_end()
            .ends_with(":INTACT:TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,UNTOUCHED"),
        "{out}"
    );
    let (ok, out) = validate("validate", &s.pdf, true);
    println!("pyhanko sign validate --pretty-print, signed:\n{out}");
    assert!(ok, "{out}");
    for line in [
        "The signer's certificate is trusted.",
        "The signature is cryptographically sound.",
        "The timestamp token is cryptographically sound.",
        "The TSA certificate is trusted.",
        "The signature covers the entire file.",
        "The signature is judged VALID.",
    ] {
        assert!(out.contains(line), "missing {line:?}:\n{out}");
    }
    // The AdES validation model agrees, revocation aside.
    let (ok, out) = validate("adesverify", &s.pdf, true);
    println!("pyhanko sign adesverify --pretty-print, signed:\n{out}");
    assert!(
        ok && out.contains("The signature is judged VALID."),
        "{out}"
    );

    let (ok, out) = validate("validate", &s.tampered, false);
    println!("pyhanko sign validate, one byte changed:\n{out}");
    assert!(!ok, "{out}");
    assert!(out.contains(":INVALID"), "{out}");
    let (_, out) = validate("validate", &s.tampered, true);
    assert!(
        out.contains("The signature is cryptographically unsound.")
            && out.contains("The signature is judged INVALID."),
        "{out}"
    );
}

/// The local TSA as an RFC 3161 responder, checked by OpenSSL's own client: a query made by
/// `openssl ts -query`, answered by `LocalTsa::respond`, verified by `openssl ts -verify`
/// (which also requires the TSA certificate's critical id-kp-timeStamping extended key usage).
#[test]
fn openssl_verifies_the_local_tsa_replies() {
    let Some(openssl) = found("openssl") else {
        eprintln!("SKIPPED: openssl not found; scripts/test installs it");
        return;
    };
    let ca = LocalCa::generate(local_ca::ORGANIZATION).unwrap();
    let tsa = LocalTsa::generate(&ca).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    std::fs::write(p("data"), letter()).unwrap();
    std::fs::write(
        p("ca.pem"),
        local_ca::certificate_pem(ca.certificate()).unwrap(),
    )
    .unwrap();
    let (ok, out) = run(Command::new(&openssl)
        .args(["ts", "-query", "-sha256", "-cert", "-data"])
        .arg(p("data"))
        .arg("-out")
        .arg(p("q.tsq")));
    assert!(ok, "openssl ts -query: {out}");
    let reply = tsa.respond(&std::fs::read(p("q.tsq")).unwrap());
    std::fs::write(p("r.tsr"), reply).unwrap();
    let (ok, out) = run(Command::new(&openssl)
        .args(["ts", "-verify", "-queryfile"])
        .arg(p("q.tsq"))
        .arg("-in")
        .arg(p("r.tsr"))
        .arg("-CAfile")
        .arg(p("ca.pem")));
    println!("openssl ts -verify:\n{out}");
    assert!(ok && out.contains("Verification: OK"), "{out}");

    // A reply to another query (another nonce and digest) does not verify against this one.
    let (ok, out) = run(Command::new(&openssl)
        .args(["ts", "-query", "-sha256", "-cert", "-digest"])
        .arg("00".repeat(32))
        .arg("-out")
        .arg(p("other.tsq")));
    assert!(ok, "{out}");
    let (ok, out) = run(Command::new(&openssl)
        .args(["ts", "-verify", "-queryfile"])
        .arg(p("other.tsq"))
        .arg("-in")
        .arg(p("r.tsr"))
        .arg("-CAfile")
        .arg(p("ca.pem")));
    assert!(!ok && !out.contains("Verification: OK"), "{out}");
}
