//! PAdES baseline signatures (ETSI EN 319 142-1, level B-T) on the letters this crate renders:
//! an incremental update (PDF 32000-1, 7.5.6) that adds a signature field and a signature
//! dictionary whose /Contents is a detached CMS SignedData (RFC 5652) over the file's byte
//! range, signed through the core's signer port and timestamped by an RFC 3161 authority.
//!
//! The port signs a SHA-256 digest (KMS `Sign` with MessageType DIGEST, a local key's prehash, a
//! PSrE's hash signing), so the CMS signature is made the way RFC 5652, 5.4 defines it: the
//! signature over the SHA-256 of the DER of the signed attributes, one of which is the
//! messageDigest of the signed bytes.

pub mod cms;
pub mod local_ca;
mod pdf_file;
pub mod tsa;
pub mod verify;

pub use local_ca::{CaError, LocalCa};
pub use tsa::{HttpPost, HttpTsa, LocalTsa, TimestampAuthority, TsaError};
pub use verify::{EmbeddedSignature, VerifyError, verify_pdf};
pub use x509_cert::Certificate;

use self::cms::{
    ID_DATA, signed_attributes, signed_attributes_digest, signed_data, signer_info,
    time_stamp_token_attribute,
};
use ::cms::signed_data::EncapsulatedContentInfo;
use chrono::{DateTime, Utc};
use der::Encode;
use pdf_file::{Dict, Obj, PdfFile, write_obj};
use perizinan::ports::signer::{SignError, Signer};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Room for the CMS object in /Contents, in bytes (written as twice as many hex digits). Two
/// P-256 certificates, the signature and a timestamp token with its own two certificates come
/// to about 3 KiB; 16 KiB leaves room for a PSrE chain of RSA-4096 certificates.
pub const CONTENTS_SIZE: usize = 16 * 1024;

/// Width reserved for each number of /ByteRange, fixed before the offsets are known.
const BYTE_RANGE_WIDTH: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum PadesError {
    #[error(transparent)]
    Pdf(#[from] pdf_file::ParseError),
    #[error("the PDF already has a form (/AcroForm); signing a second time is not supported")]
    AlreadySigned,
    #[error("no signer certificate given")]
    NoCertificate,
    #[error("the signer certificate is not for the signer's key ({key_id})")]
    CertificateMismatch { key_id: String },
    #[error("the signer returned a signature that its certificate's key does not verify")]
    BadSignature,
    #[error("signing: {0}")]
    Sign(#[from] SignError),
    #[error("timestamp: {0}")]
    Timestamp(#[from] TsaError),
    #[error("ASN.1: {0}")]
    Der(#[from] der::Error),
    #[error("the signature ({0} bytes) does not fit the {CONTENTS_SIZE} bytes reserved")]
    TooLarge(usize),
}

/// What the signature dictionary says besides the signature (PDF 32000-1, table 252): shown
/// by readers in the signature panel.
#[derive(Clone, Copy, Debug, Default)]
pub struct SignatureDetails<'a> {
    /// /Name: the signer as a reader shows it (the certificate's subject is authoritative).
    pub name: &'a str,
    /// /Reason, e.g. "Penetapan Surat Pemenuhan Komitmen".
    pub reason: &'a str,
    /// /Location, e.g. "Bontang".
    pub location: &'a str,
    /// /ContactInfo, may be empty.
    pub contact: &'a str,
}

/// Signs `pdf` (a file of this crate's renderer) with a PAdES B-T signature: `chain` starts
/// with the signer's certificate (for `signer`'s key), followed by its issuers; `signing_time`
/// goes in /M, the claimed signing time of the PAdES baseline (ETSI EN 319 142-1); the
/// signature timestamp comes from `tsa`. Returns the signed file: `pdf` unchanged, followed by
/// the update.
pub async fn sign_pdf(
    pdf: &[u8],
    signer: &dyn Signer,
    chain: &[Certificate],
    tsa: &dyn TimestampAuthority,
    signing_time: DateTime<Utc>,
    details: &SignatureDetails<'_>,
) -> Result<Vec<u8>, PadesError> {
    let cert = chain.first().ok_or(PadesError::NoCertificate)?;
    let public_key = signer.public_key_der().await?;
    if public_key != cert.tbs_certificate.subject_public_key_info.to_der()? {
        return Err(PadesError::CertificateMismatch {
            key_id: signer.key_id().to_string(),
        });
    }
    let prepared = prepare(pdf, signing_time, details)?;
    let mut out = prepared.bytes;
    let (a, b) = (prepared.contents_start, prepared.contents_end);
    let mut hasher = Sha256::new();
    hasher.update(&out[..a]);
    hasher.update(&out[b..]);
    let digest: [u8; 32] = hasher.finalize().into();
    let cms = cades_detached(&digest, signer, &public_key, chain, tsa).await?;
    if cms.len() > CONTENTS_SIZE {
        return Err(PadesError::TooLarge(cms.len()));
    }
    // The hex digits go after '<'; the rest of the placeholder stays zeros, which readers
    // ignore after the end of the DER object (every signer that reserves room relies on it).
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for (i, byte) in cms.iter().enumerate() {
        out[a + 1 + 2 * i] = HEX[usize::from(byte >> 4)];
        out[a + 2 + 2 * i] = HEX[usize::from(byte & 0x0f)];
    }
    Ok(out)
}

/// What the services hold to sign letters: the port's key, its certificate chain and the
/// timestamp authority, fixed at start-up (the runner's local CA and TSA, or the stack's
/// configured chain and TSA URL).
pub struct PadesSigner {
    signer: Arc<dyn Signer>,
    chain: Vec<Certificate>,
    tsa: Arc<dyn TimestampAuthority>,
    location: String,
}

impl PadesSigner {
    /// `chain` starts with the certificate for `signer`'s key; `location` goes in /Location
    /// (the agency's city).
    pub fn new(
        signer: Arc<dyn Signer>,
        chain: Vec<Certificate>,
        tsa: Arc<dyn TimestampAuthority>,
        location: impl Into<String>,
    ) -> Self {
        Self {
            signer,
            chain,
            tsa,
            location: location.into(),
        }
    }

    /// The signer's certificate chain (the verification page shows its subject and issuer).
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// Signs a rendered letter as `signer_name`, for `reason` (e.g. the letter's title), at
    /// `signed_at` (the decision's time, as printed in the letter).
    pub async fn sign(
        &self,
        pdf: &[u8],
        signed_at: DateTime<Utc>,
        signer_name: &str,
        reason: &str,
    ) -> Result<Vec<u8>, PadesError> {
        let details = SignatureDetails {
            name: signer_name,
            reason,
            location: &self.location,
            contact: "",
        };
        sign_pdf(
            pdf,
            self.signer.as_ref(),
            &self.chain,
            self.tsa.as_ref(),
            signed_at,
            &details,
        )
        .await
    }
}

/// The CMS SignedData of a CAdES detached signature over content with SHA-256 `digest`, as
/// PAdES B-T wants it (ETSI EN 319 142-1, with ETSI EN 319 122-1 for the CAdES attributes):
/// content type id-data without the content, the certificates, one SignerInfo identified by
/// issuer and serial with contentType, messageDigest and signingCertificateV2 signed, and the
/// signature timestamp unsigned. `public_key` is the signer's (SPKI DER), to
/// check what the port returned before it is timestamped and shipped.
pub async fn cades_detached(
    digest: &[u8; 32],
    signer: &dyn Signer,
    public_key: &[u8],
    chain: &[Certificate],
    tsa: &dyn TimestampAuthority,
) -> Result<Vec<u8>, PadesError> {
    let cert = chain.first().ok_or(PadesError::NoCertificate)?;
    let attrs = signed_attributes(ID_DATA, digest, cert)?;
    let to_sign = signed_attributes_digest(&attrs)?;
    // The port signs the DER of the signed attributes (KMS hashes it itself, as RAW).
    let signature = signer.sign_message(&attrs.to_der()?).await?;
    if !perizinan::ports::signer::verify(public_key, &to_sign, &signature) {
        return Err(PadesError::BadSignature);
    }
    // The timestamp covers "the value of the signature field within SignerInfo", the octets
    // of the DER ECDSA-Sig-Value (RFC 3161, appendix A).
    let token = tsa.timestamp(&Sha256::digest(&signature).into()).await?;
    let si = signer_info(
        cert,
        attrs,
        signature,
        Some(time_stamp_token_attribute(&token)?),
    )?;
    let encap = EncapsulatedContentInfo {
        econtent_type: ID_DATA,
        econtent: None,
    };
    Ok(signed_data(encap, chain, si)?.to_der()?)
}

/// The file with the update written and /ByteRange fixed, /Contents still zeros.
struct Prepared {
    bytes: Vec<u8>,
    /// Offset of /Contents' '<'.
    contents_start: usize,
    /// Offset just after its '>'.
    contents_end: usize,
}

/// A PDF text string (PDF 32000-1, 7.9.2.2): a literal string when the text is printable
/// ASCII, otherwise UTF-16BE with its byte order mark, in hex.
fn text_string(s: &str) -> Obj {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        let mut v = vec![b'('];
        for b in s.bytes() {
            if matches!(b, b'(' | b')' | b'\\') {
                v.push(b'\\');
            }
            v.push(b);
        }
        v.push(b')');
        Obj::Raw(v)
    } else {
        let mut v = b"<FEFF".to_vec();
        for unit in s.encode_utf16() {
            v.extend_from_slice(format!("{unit:04X}").as_bytes());
        }
        v.push(b'>');
        Obj::Raw(v)
    }
}

/// A PDF date (PDF 32000-1, 7.9.4), in UTC.
fn pdf_date(t: DateTime<Utc>) -> Obj {
    Obj::Raw(format!("({})", t.format("D:%Y%m%d%H%M%SZ")).into_bytes())
}

fn name(n: &str) -> Obj {
    Obj::Name(n.as_bytes().to_vec())
}

fn prepare(
    pdf: &[u8],
    signing_time: DateTime<Utc>,
    details: &SignatureDetails<'_>,
) -> Result<Prepared, PadesError> {
    let file = PdfFile::parse(pdf)?;
    let root = file.root()?;
    let mut catalog = file.dict(root)?;
    if catalog.get(b"AcroForm").is_some() {
        return Err(PadesError::AlreadySigned);
    }
    let page_ref = file.first_page(&catalog)?;
    let mut page = file.dict(page_ref)?;
    let (acroform, widget, sig) = (file.size, file.size + 1, file.size + 2);
    let widget_ref = Obj::Ref(widget, 0);

    match page.get(b"Annots") {
        None => page.set(b"Annots", Obj::Array(vec![widget_ref.clone()])),
        Some(Obj::Array(a)) => {
            let mut a = a.clone();
            a.push(widget_ref.clone());
            page.set(b"Annots", Obj::Array(a));
        }
        Some(_) => {
            return Err(pdf_file::ParseError("page 1 has an indirect /Annots array".into()).into());
        }
    }
    catalog.set(b"AcroForm", Obj::Ref(acroform, 0));

    // SigFlags 3: SignaturesExist | AppendOnly (PDF 32000-1, 12.7.2, table 219).
    let form = Dict(vec![
        (b"Fields".to_vec(), Obj::Array(vec![widget_ref.clone()])),
        (b"SigFlags".to_vec(), Obj::Int(3)),
    ]);
    // The field and its widget in one dictionary (12.5.6.19, 12.7.4.5): invisible (a zero
    // rectangle) and /F 132 = Print | Locked, on page 1.
    let field = Dict(vec![
        (b"Type".to_vec(), name("Annot")),
        (b"Subtype".to_vec(), name("Widget")),
        (b"FT".to_vec(), name("Sig")),
        (b"T".to_vec(), text_string("Tanda Tangan Elektronik")),
        (b"F".to_vec(), Obj::Int(132)),
        (
            b"Rect".to_vec(),
            Obj::Array(vec![Obj::Int(0), Obj::Int(0), Obj::Int(0), Obj::Int(0)]),
        ),
        (b"P".to_vec(), Obj::Ref(page_ref.0, page_ref.1)),
        (b"V".to_vec(), Obj::Ref(sig, 0)),
    ]);

    let mut out = pdf.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut xref: Vec<(u32, u16, usize)> = Vec::new();
    let mut put = |out: &mut Vec<u8>, id: u32, generation: u16, body: &[u8]| {
        xref.push((id, generation, out.len()));
        out.extend_from_slice(format!("{id} {generation} obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    };
    let ser = |d: Dict| {
        let mut v = Vec::new();
        write_obj(&Obj::Dict(d), &mut v);
        v
    };
    put(&mut out, page_ref.0, page_ref.1, &ser(page));
    put(&mut out, root.0, root.1, &ser(catalog));
    put(&mut out, acroform, 0, &ser(form));
    put(&mut out, widget, 0, &ser(field));

    // The signature dictionary (12.8.1, table 252) with /SubFilter ETSI.CAdES.detached (ETSI EN
    // 319 142-1), written by hand around its two placeholders.
    let mut sig_dict = Dict(vec![
        (b"Type".to_vec(), name("Sig")),
        (b"Filter".to_vec(), name("Adobe.PPKLite")),
        (b"SubFilter".to_vec(), name("ETSI.CAdES.detached")),
        (b"M".to_vec(), pdf_date(signing_time)),
    ]);
    for (key, value) in [
        (&b"Name"[..], details.name),
        (b"Reason", details.reason),
        (b"Location", details.location),
        (b"ContactInfo", details.contact),
    ] {
        if !value.is_empty() {
            sig_dict.set(key, text_string(value));
        }
    }
    let mut body = ser(sig_dict);
    body.truncate(body.len() - 2); // ">>"
    body.extend_from_slice(b"/ByteRange [");
    let byte_range_at = body.len();
    body.extend_from_slice(&[b' '; 4 * (BYTE_RANGE_WIDTH + 1)]);
    body.extend_from_slice(b"]\n/Contents ");
    let contents_at = body.len();
    body.push(b'<');
    body.extend(std::iter::repeat_n(b'0', 2 * CONTENTS_SIZE));
    body.push(b'>');
    body.extend_from_slice(b"\n>>");
    let sig_at = out.len() + format!("{sig} 0 obj\n").len();
    put(&mut out, sig, 0, &body);

    let xref_at = out.len();
    let mut x = String::from("xref\n");
    xref.sort_by_key(|e| e.0);
    for (id, generation, off) in &xref {
        // One subsection per object (7.5.4): the update's objects are not contiguous.
        x.push_str(&format!("{id} 1\n{off:010} {generation:05} n\r\n"));
    }
    out.extend_from_slice(x.as_bytes());
    let mut trailer = Dict(vec![
        (b"Size".to_vec(), Obj::Int(i64::from(sig) + 1)),
        (b"Root".to_vec(), Obj::Ref(root.0, root.1)),
    ]);
    for key in [&b"Info"[..], b"ID"] {
        if let Some(v) = file.trailer.get(key) {
            trailer.set(key, v.clone());
        }
    }
    trailer.set(b"Prev", Obj::Int(file.startxref as i64));
    out.extend_from_slice(b"trailer\n");
    write_obj(&Obj::Dict(trailer), &mut out);
    out.extend_from_slice(format!("\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());

    let contents_start = sig_at + contents_at;
    let contents_end = contents_start + 2 * CONTENTS_SIZE + 2;
    let ranges = format!(
        "0 {contents_start} {contents_end} {}",
        out.len() - contents_end
    );
    let slot = sig_at + byte_range_at;
    out[slot..slot + ranges.len()].copy_from_slice(ranges.as_bytes());
    Ok(Prepared {
        bytes: out,
        contents_start,
        contents_end,
    })
}

#[cfg(all(test, feature = "render"))]
mod tests {
    use super::cms::{ID_AA_SIGNATURE_TIME_STAMP_TOKEN, ID_MESSAGE_DIGEST, ID_SIGNED_DATA};
    use super::*;
    use ::cms::content_info::ContentInfo;
    use ::cms::signed_data::SignedData;
    use async_trait::async_trait;
    use der::asn1::OctetString;
    use der::{Decode, Reader, SliceReader};
    use p256::ecdsa::SigningKey;
    use p256::ecdsa::signature::hazmat::PrehashSigner;

    struct KeySigner(SigningKey);

    #[async_trait]
    impl Signer for KeySigner {
        fn key_id(&self) -> &str {
            "test:unit"
        }
        async fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>, SignError> {
            let sig: p256::ecdsa::Signature = self
                .0
                .sign_prehash(digest)
                .map_err(|e| SignError::Invalid(e.to_string()))?;
            Ok(sig.to_der().as_bytes().to_vec())
        }
        async fn public_key_der(&self) -> Result<Vec<u8>, SignError> {
            local_ca::public_key_der(&self.0).map_err(|e| SignError::Invalid(e.to_string()))
        }
    }

    fn letter() -> Vec<u8> {
        use perizinan::domain::documents::LetterText;
        use perizinan::domain::notices::Agency;
        use perizinan::ports::letters::LetterData;
        let text = LetterText {
            title: "SURAT PENOLAKAN".into(),
            subtitle: "IZIN PEMBUKAAN KANTOR KAS KOPERASI SIMPAN PINJAM".into(),
            opening: "Berdasarkan permohonan:".into(),
            facts: vec![("Nama Koperasi".into(), "KSP Maju".into())],
            body: vec!["tidak memenuhi persyaratan.".into()],
            closing: "Demikian.".into(),
            footer: "Layanan ini tidak dipungut biaya.".into(),
            holder: "KSP Maju".into(),
            dasar_hukum: vec![],
            tembusan: vec!["Arsip".into()],
            objection: None,
        };
        crate::pdf::render_letter(&LetterData {
            agency: &Agency::default(),
            text: &text,
            date: "2026-11-26".parse().unwrap(),
            draft_version: None,
            signature: None,
        })
        .unwrap()
    }

    fn number_after<'a>(s: &'a [u8], key: &[u8]) -> &'a [u8] {
        let at = s.windows(key.len()).rposition(|w| w == key).unwrap() + key.len();
        &s[at..]
    }

    #[tokio::test]
    async fn the_update_is_a_cades_signature_over_the_byte_range() {
        let ca = LocalCa::generate(local_ca::ORGANIZATION).unwrap();
        let tsa = LocalTsa::generate(&ca).unwrap();
        let signer = KeySigner(local_ca::generate_key().unwrap());
        let public = signer.public_key_der().await.unwrap();
        let cert = ca.issue_signer("Kepala Dinas", &public).unwrap();
        let chain = [cert, ca.certificate().clone()];
        let original = letter();
        let details = SignatureDetails {
            name: "Kepala Dinas",
            reason: "Penetapan",
            location: "Bontang",
            contact: "",
        };
        let t: DateTime<Utc> = "2026-11-26T08:30:05Z".parse().unwrap();
        let signed = sign_pdf(&original, &signer, &chain, &tsa, t, &details)
            .await
            .unwrap();
        assert!(signed.starts_with(&original));
        assert!(signed.windows(19).any(|w| w == b"(D:20261126083005Z)"));

        // /ByteRange [0 a b c]: everything but /Contents' hex string, to the end of the file.
        let tail = number_after(&signed, b"/ByteRange [");
        let text =
            std::str::from_utf8(&tail[..tail.iter().position(|&c| c == b']').unwrap()]).unwrap();
        let r: Vec<usize> = text
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!(r[0], 0);
        assert_eq!((signed[r[1]], signed[r[2] - 1]), (b'<', b'>'));
        assert_eq!(r[2] + r[3], signed.len());
        assert_eq!(r[2] - r[1], 2 * CONTENTS_SIZE + 2);
        let mut h = Sha256::new();
        h.update(&signed[..r[1]]);
        h.update(&signed[r[2]..]);
        let digest: [u8; 32] = h.finalize().into();

        let hex = &signed[r[1] + 1..r[2] - 1];
        let bytes: Vec<u8> = hex
            .chunks(2)
            .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
            .collect();
        let mut reader = SliceReader::new(&bytes).unwrap();
        let ci = ContentInfo::decode(&mut reader).unwrap();
        assert!(
            reader.remaining_len() > der::Length::ZERO,
            "zero padding after the CMS"
        );
        assert_eq!(ci.content_type, ID_SIGNED_DATA);
        let sd: SignedData = ci.content.decode_as().unwrap();
        assert_eq!(sd.version, ::cms::content_info::CmsVersion::V1);
        assert_eq!(sd.encap_content_info.econtent_type, ID_DATA);
        assert!(sd.encap_content_info.econtent.is_none(), "detached");
        assert_eq!(sd.certificates.as_ref().unwrap().0.len(), 2);
        let si = sd.signer_infos.0.get(0).unwrap();
        let attrs = si.signed_attrs.as_ref().unwrap();
        let mut oids: Vec<String> = attrs.iter().map(|a| a.oid.to_string()).collect();
        oids.sort();
        // contentType, messageDigest, signingCertificateV2, and no signingTime (9.5).
        assert_eq!(
            oids,
            [
                "1.2.840.113549.1.9.16.2.47",
                "1.2.840.113549.1.9.3",
                "1.2.840.113549.1.9.4"
            ]
        );
        let md = attrs.iter().find(|a| a.oid == ID_MESSAGE_DIGEST).unwrap();
        let md: OctetString = md.values.get(0).unwrap().decode_as().unwrap();
        assert_eq!(md.as_bytes(), &digest);
        assert!(perizinan::ports::signer::verify(
            &public,
            &cms::signed_attributes_digest(attrs).unwrap(),
            si.signature.as_bytes()
        ));
        let ts = si.unsigned_attrs.as_ref().unwrap().get(0).unwrap();
        assert_eq!(ts.oid, ID_AA_SIGNATURE_TIME_STAMP_TOKEN);
        let token: ContentInfo = ts.values.get(0).unwrap().decode_as().unwrap();
        let tst = tsa::tst_info(&token).unwrap();
        assert_eq!(
            tst.message_imprint.hashed_message.as_bytes(),
            Sha256::digest(si.signature.as_bytes()).as_slice()
        );

        // The update reads back: the new catalog has the form, page 1 the widget.
        let file = PdfFile::parse(&signed).unwrap();
        let catalog = file.dict(file.root().unwrap()).unwrap();
        let form = file.dict(catalog.get_ref(b"AcroForm").unwrap()).unwrap();
        assert_eq!(form.get(b"SigFlags"), Some(&Obj::Int(3)));
        let page = file.dict(file.first_page(&catalog).unwrap()).unwrap();
        assert!(matches!(page.get(b"Annots"), Some(Obj::Array(a)) if a.len() == 1));
        assert!(
            page.get(b"Contents").is_some(),
            "the page keeps its content"
        );

        assert!(matches!(
            sign_pdf(&signed, &signer, &chain, &tsa, t, &details).await,
            Err(PadesError::AlreadySigned)
        ));

        // And it verifies here too, as the verification page will read it.
        let v = verify_pdf(&signed).unwrap();
        assert_eq!(v.subject(), "CN=Kepala Dinas,O=DPMPTSP Kota Bontang,C=ID");
        assert_eq!(
            v.issuer(),
            "CN=DPMPTSP Kota Bontang Local CA,O=DPMPTSP Kota Bontang,C=ID"
        );
        assert_eq!(v.serial_hex().len(), 32);
        assert_eq!(v.sub_filter, "ETSI.CAdES.detached");
        assert_eq!(v.claimed_time.as_deref(), Some("D:20261126083005Z"));
        assert!(v.covers_whole_file);
        assert!(v.is_trusted(std::slice::from_ref(ca.certificate())));
        assert!(v.timestamp_is_trusted(std::slice::from_ref(ca.certificate())));
        let stranger = LocalCa::generate(local_ca::ORGANIZATION).unwrap();
        assert!(!v.is_trusted(std::slice::from_ref(stranger.certificate())));
        let ts = v.timestamp.as_ref().unwrap();
        assert!((Utc::now() - ts.time).num_seconds().abs() < 60);

        // One byte changed inside the signed range, or the file unsigned: not verified.
        let mut tampered = signed.clone();
        let at = tampered
            .windows(17)
            .position(|w| w == b"Perizinan Digital")
            .unwrap();
        tampered[at] ^= 0x20;
        assert_eq!(
            verify_pdf(&tampered).unwrap_err(),
            VerifyError::DigestMismatch
        );
        assert_eq!(verify_pdf(&original).unwrap_err(), VerifyError::NotSigned);
        // Bytes appended after the signature (a later update) are not covered, and said so.
        let mut appended = signed.clone();
        appended.extend_from_slice(b"\n% appended\n");
        appended.extend_from_slice(&signed[signed.len() - 30..]);
        assert!(!verify_pdf(&appended).unwrap().covers_whole_file);
    }

    #[tokio::test]
    async fn the_services_signer_signs_what_verify_pdf_accepts() {
        let ca = LocalCa::generate(local_ca::ORGANIZATION).unwrap();
        let key = local_ca::generate_key().unwrap();
        let cert = ca
            .issue_signer("Kepala Dinas", &local_ca::public_key_der(&key).unwrap())
            .unwrap();
        let pades = PadesSigner::new(
            Arc::new(KeySigner(key)),
            vec![cert, ca.certificate().clone()],
            Arc::new(LocalTsa::generate(&ca).unwrap()),
            "Bontang",
        );
        let signed = pades
            .sign(&letter(), Utc::now(), "Kepala Dinas", "Surat Penolakan")
            .await
            .unwrap();
        let v = verify_pdf(&signed).unwrap();
        assert!(v.is_trusted(&pades.chain()[1..]));
        assert!(signed.windows(19).any(|w| w == b"/Location (Bontang)"));
    }

    #[tokio::test]
    async fn refuses_a_certificate_for_another_key() {
        let ca = LocalCa::generate(local_ca::ORGANIZATION).unwrap();
        let tsa = LocalTsa::generate(&ca).unwrap();
        let signer = KeySigner(local_ca::generate_key().unwrap());
        let other = local_ca::public_key_der(&local_ca::generate_key().unwrap()).unwrap();
        let cert = ca.issue_signer("Kepala Dinas", &other).unwrap();
        let r = sign_pdf(
            &letter(),
            &signer,
            &[cert],
            &tsa,
            Utc::now(),
            &SignatureDetails::default(),
        )
        .await;
        assert!(matches!(r, Err(PadesError::CertificateMismatch { .. })));
        let r = sign_pdf(
            &letter(),
            &signer,
            &[],
            &tsa,
            Utc::now(),
            &SignatureDetails::default(),
        )
        .await;
        assert!(matches!(r, Err(PadesError::NoCertificate)));
    }

    /// A port that answers for one key and signs with another (a misconfigured KMS key).
    struct WrongKey(KeySigner, SigningKey);

    #[async_trait]
    impl Signer for WrongKey {
        fn key_id(&self) -> &str {
            "test:wrong"
        }
        async fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>, SignError> {
            KeySigner(self.1.clone()).sign_digest(digest).await
        }
        async fn public_key_der(&self) -> Result<Vec<u8>, SignError> {
            self.0.public_key_der().await
        }
    }

    #[tokio::test]
    async fn refuses_a_signature_its_certificate_does_not_verify() {
        let ca = LocalCa::generate(local_ca::ORGANIZATION).unwrap();
        let tsa = LocalTsa::generate(&ca).unwrap();
        let signer = WrongKey(
            KeySigner(local_ca::generate_key().unwrap()),
            local_ca::generate_key().unwrap(),
        );
        let cert = ca
            .issue_signer("Kepala Dinas", &signer.public_key_der().await.unwrap())
            .unwrap();
        let r = sign_pdf(
            &letter(),
            &signer,
            &[cert],
            &tsa,
            Utc::now(),
            &SignatureDetails::default(),
        )
        .await;
        assert!(matches!(r, Err(PadesError::BadSignature)));
    }

    #[test]
    fn text_strings_escape_or_go_utf16() {
        assert_eq!(text_string("a(b)\\"), Obj::Raw(b"(a\\(b\\)\\\\)".to_vec()));
        assert_eq!(text_string("é"), Obj::Raw(b"<FEFF00E9>".to_vec()));
        let t: DateTime<Utc> = "2026-11-26T08:30:05Z".parse().unwrap();
        assert_eq!(pdf_date(t), Obj::Raw(b"(D:20261126083005Z)".to_vec()));
    }
}
