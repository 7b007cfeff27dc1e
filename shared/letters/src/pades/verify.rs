//! Reading back the PAdES signature of a letter (what `POST /verify/{id}` and the public
//! verification page need): the signature dictionary found through the form, the byte range
//! checked to cover everything but /Contents, the CMS checked the way RFC 5652, 5.4 and 5.6
//! define (messageDigest over the byte range, the signature over the signed attributes), the
//! ESS signing certificate (RFC 5035) and the signature timestamp (RFC 3161, appendix A).
//! Signature checks are for P-256 keys, the ones this project's signers hold; a validator such
//! as pyHanko or a PDF reader covers every algorithm.

use super::cms::{
    ID_AA_SIGNATURE_TIME_STAMP_TOKEN, ID_AA_SIGNING_CERTIFICATE_V2, ID_CONTENT_TYPE,
    ID_CT_TST_INFO, ID_DATA, ID_MESSAGE_DIGEST, ID_SHA_256, SigningCertificateV2,
    signed_attributes_digest,
};
use super::local_ca::is_issued_by;
use super::pdf_file::{Obj, PdfFile};
use super::tsa::tst_info;
use ::cms::cert::CertificateChoices;
use ::cms::content_info::ContentInfo;
use ::cms::signed_data::{SignedAttributes, SignedData, SignerIdentifier, SignerInfo};
use chrono::{DateTime, Utc};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode, SliceReader};
use sha2::{Digest, Sha256};
use std::time::SystemTime;
use x509_cert::Certificate;
use x509_cert::ext::pkix::BasicConstraints;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("the PDF has no signature")]
    NotSigned,
    #[error("the signature is malformed: {0}")]
    Malformed(String),
    #[error("the signed bytes do not match the signature's digest (the file was changed)")]
    DigestMismatch,
    #[error("the signature does not verify with its certificate")]
    BadSignature,
    #[error("the signing certificate attribute does not name the signer's certificate")]
    SigningCertificateMismatch,
    #[error("the timestamp does not cover this signature")]
    TimestampMismatch,
    #[error("not checked here: {0} (a PDF reader or pyHanko checks it)")]
    Unsupported(String),
}

fn malformed(e: impl std::fmt::Display) -> VerifyError {
    VerifyError::Malformed(e.to_string())
}

/// The signature timestamp of a signature.
#[derive(Debug, Clone)]
pub struct SignatureTimestamp {
    /// TSTInfo.genTime.
    pub time: DateTime<Utc>,
    /// The timestamp authority's certificate, from the token.
    pub tsa: Certificate,
    /// The token's certificates (the TSA's and any issuers), for its trust check.
    pub certificates: Vec<Certificate>,
}

/// A signature that verified: who signed, what the file claims, and when it was timestamped.
#[derive(Debug, Clone)]
pub struct EmbeddedSignature {
    /// The signer's certificate (subject, issuer and serial for the verification page).
    pub signer: Certificate,
    /// Every certificate the CMS carries, the signer's among them.
    pub certificates: Vec<Certificate>,
    /// /SubFilter, e.g. `ETSI.CAdES.detached`.
    pub sub_filter: String,
    /// /M as written, without its parentheses (the claimed signing time, `D:…`).
    pub claimed_time: Option<String>,
    /// Whether the byte range reaches the end of the file: false when an update was appended
    /// after signing, which a validator then has to judge.
    pub covers_whole_file: bool,
    pub timestamp: Option<SignatureTimestamp>,
}

impl EmbeddedSignature {
    /// The signer's subject, RFC 4514 style (`CN=…,O=…,C=ID`).
    pub fn subject(&self) -> String {
        self.signer.tbs_certificate.subject.to_string()
    }

    pub fn issuer(&self) -> String {
        self.signer.tbs_certificate.issuer.to_string()
    }

    /// The signer certificate's serial number in hex.
    pub fn serial_hex(&self) -> String {
        self.signer
            .tbs_certificate
            .serial_number
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Whether the signer's certificate chains to one of `anchors` through the certificates
    /// in the signature, each valid at the timestamp's time (or now, without a timestamp).
    pub fn is_trusted(&self, anchors: &[Certificate]) -> bool {
        let at = self
            .timestamp
            .as_ref()
            .map_or_else(SystemTime::now, |t| t.time.into());
        chains_to(&self.signer, &self.certificates, anchors, at)
    }

    /// The same for the timestamp authority's certificate.
    pub fn timestamp_is_trusted(&self, anchors: &[Certificate]) -> bool {
        self.timestamp
            .as_ref()
            .is_some_and(|t| chains_to(&t.tsa, &t.certificates, anchors, t.time.into()))
    }
}

fn valid_at(cert: &Certificate, at: SystemTime) -> bool {
    let v = &cert.tbs_certificate.validity;
    v.not_before.to_system_time() <= at && at <= v.not_after.to_system_time()
}

fn is_ca(cert: &Certificate) -> bool {
    matches!(
        cert.tbs_certificate.get::<BasicConstraints>(),
        Ok(Some((_, bc))) if bc.ca
    )
}

/// A path from `leaf` to an anchor, each certificate signed by the next (RFC 5280, 6.1, without
/// policies or revocation: enough for the local CA and for a configured PSrE chain).
fn chains_to(
    leaf: &Certificate,
    pool: &[Certificate],
    anchors: &[Certificate],
    at: SystemTime,
) -> bool {
    let mut current = leaf.clone();
    for _ in 0..8 {
        if !valid_at(&current, at) {
            return false;
        }
        let issued = |c: &&Certificate| {
            c.tbs_certificate.subject == current.tbs_certificate.issuer
                && is_ca(c)
                && is_issued_by(&current, c)
        };
        if let Some(anchor) = anchors.iter().find(issued) {
            return valid_at(anchor, at);
        }
        match pool.iter().find(issued) {
            Some(next) if next != &current => current = next.clone(),
            _ => return false,
        }
    }
    false
}

fn hex_decode(hex: &[u8]) -> Result<Vec<u8>, VerifyError> {
    let digits: Vec<u8> = hex
        .iter()
        .copied()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    digits
        .chunks(2)
        .map(|p| {
            let s = std::str::from_utf8(p).map_err(malformed)?;
            // An odd final digit is followed by an implied 0 (PDF 32000-1, 7.3.4.3).
            let s = if s.len() == 1 {
                format!("{s}0")
            } else {
                s.to_string()
            };
            u8::from_str_radix(&s, 16).map_err(malformed)
        })
        .collect()
}

fn attr_value<'a, T: der::Choice<'a> + der::DecodeValue<'a>>(
    attrs: &'a SignedAttributes,
    oid: ObjectIdentifier,
) -> Result<T, VerifyError> {
    let a = attrs
        .iter()
        .find(|a| a.oid == oid)
        .ok_or_else(|| malformed(format!("attribute {oid} missing")))?;
    if a.values.len() != 1 {
        return Err(malformed(format!("attribute {oid} has several values")));
    }
    a.values
        .get(0)
        .ok_or_else(|| malformed(format!("attribute {oid} empty")))?
        .decode_as()
        .map_err(malformed)
}

fn certificates(sd: &SignedData) -> Vec<Certificate> {
    sd.certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => Some(c.clone()),
            CertificateChoices::Other(_) => None,
        })
        .collect()
}

fn signer_certificate(si: &SignerInfo, certs: &[Certificate]) -> Result<Certificate, VerifyError> {
    let SignerIdentifier::IssuerAndSerialNumber(id) = &si.sid else {
        return Err(VerifyError::Unsupported(
            "a signer identified by key identifier".into(),
        ));
    };
    certs
        .iter()
        .find(|c| {
            c.tbs_certificate.issuer == id.issuer
                && c.tbs_certificate.serial_number == id.serial_number
        })
        .cloned()
        .ok_or_else(|| malformed("the signer's certificate is not in the signature"))
}

/// Checks one SignerInfo over content with SHA-256 `digest` of type `content_type`.
fn check_signer_info(
    si: &SignerInfo,
    cert: &Certificate,
    content_type: ObjectIdentifier,
    digest: &[u8],
) -> Result<(), VerifyError> {
    if si.digest_alg.oid != ID_SHA_256 {
        return Err(VerifyError::Unsupported(format!(
            "digest algorithm {}",
            si.digest_alg.oid
        )));
    }
    let attrs = si
        .signed_attrs
        .as_ref()
        .ok_or_else(|| malformed("no signed attributes"))?;
    let ct: ObjectIdentifier = attr_value(attrs, ID_CONTENT_TYPE)?;
    if ct != content_type {
        return Err(malformed(
            "the contentType attribute is not the content's type",
        ));
    }
    let md: OctetString = attr_value(attrs, ID_MESSAGE_DIGEST)?;
    if md.as_bytes() != digest {
        return Err(VerifyError::DigestMismatch);
    }
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(malformed)?;
    {
        use p256::pkcs8::DecodePublicKey;
        if p256::PublicKey::from_public_key_der(&spki).is_err() {
            return Err(VerifyError::Unsupported("a key other than P-256".into()));
        }
    }
    let to_sign = signed_attributes_digest(attrs).map_err(malformed)?;
    if !perizinan::ports::signer::verify(&spki, &to_sign, si.signature.as_bytes()) {
        return Err(VerifyError::BadSignature);
    }
    // ESS signingCertificateV2 (RFC 5035): its first certificate is the signer's.
    let sc: SigningCertificateV2 = attr_value(attrs, ID_AA_SIGNING_CERTIFICATE_V2)?;
    let first = sc
        .certs
        .first()
        .ok_or(VerifyError::SigningCertificateMismatch)?;
    let hash = Sha256::digest(cert.to_der().map_err(malformed)?);
    if first
        .hash_algorithm
        .as_ref()
        .is_some_and(|a| a.oid != ID_SHA_256)
        || first.cert_hash.as_bytes() != hash.as_slice()
    {
        return Err(VerifyError::SigningCertificateMismatch);
    }
    Ok(())
}

/// The signature timestamp of `si`, checked: over its signature value, signed by the TSA.
fn check_timestamp(si: &SignerInfo) -> Result<Option<SignatureTimestamp>, VerifyError> {
    let Some(attr) = si
        .unsigned_attrs
        .iter()
        .flat_map(|a| a.iter())
        .find(|a| a.oid == ID_AA_SIGNATURE_TIME_STAMP_TOKEN)
    else {
        return Ok(None);
    };
    let token: ContentInfo = attr
        .values
        .get(0)
        .ok_or_else(|| malformed("empty timestamp attribute"))?
        .decode_as()
        .map_err(malformed)?;
    let tst = tst_info(&token).map_err(malformed)?;
    if tst.message_imprint.hash_algorithm.oid != ID_SHA_256
        || tst.message_imprint.hashed_message.as_bytes()
            != Sha256::digest(si.signature.as_bytes()).as_slice()
    {
        return Err(VerifyError::TimestampMismatch);
    }
    let sd: SignedData = token.content.decode_as().map_err(malformed)?;
    let certs = certificates(&sd);
    let tsi = sd
        .signer_infos
        .0
        .get(0)
        .ok_or_else(|| malformed("timestamp without signer"))?;
    let tsa = signer_certificate(tsi, &certs)?;
    let econtent: OctetString = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| malformed("timestamp without content"))?
        .decode_as()
        .map_err(malformed)?;
    check_signer_info(
        tsi,
        &tsa,
        ID_CT_TST_INFO,
        &Sha256::digest(econtent.as_bytes()),
    )
    .map_err(|e| match e {
        VerifyError::DigestMismatch | VerifyError::BadSignature => VerifyError::TimestampMismatch,
        other => other,
    })?;
    let time = DateTime::<Utc>::from(tst.gen_time.to_system_time());
    Ok(Some(SignatureTimestamp {
        time,
        tsa,
        certificates: certs,
    }))
}

/// Verifies the signature of a signed letter (the first signature field with a value).
pub fn verify_pdf(pdf: &[u8]) -> Result<EmbeddedSignature, VerifyError> {
    let file = PdfFile::parse(pdf).map_err(malformed)?;
    let catalog = file
        .dict(file.root().map_err(malformed)?)
        .map_err(malformed)?;
    let form = match catalog.get(b"AcroForm") {
        Some(Obj::Ref(n, g)) => file.dict((*n, *g)).map_err(malformed)?,
        Some(Obj::Dict(d)) => d.clone(),
        _ => return Err(VerifyError::NotSigned),
    };
    let Some(Obj::Array(fields)) = form.get(b"Fields") else {
        return Err(VerifyError::NotSigned);
    };
    let sig = fields
        .iter()
        .filter_map(|f| match f {
            Obj::Ref(n, g) => file.dict((*n, *g)).ok(),
            _ => None,
        })
        .filter(|f| matches!(f.get(b"FT"), Some(Obj::Name(n)) if n == b"Sig"))
        .find_map(|f| f.get_ref(b"V"))
        .ok_or(VerifyError::NotSigned)?;
    let sig = file.dict(sig).map_err(malformed)?;

    let range: Vec<usize> = match sig.get(b"ByteRange") {
        Some(Obj::Array(a)) if a.len() == 4 => a
            .iter()
            .map(|o| match o {
                Obj::Int(n) => usize::try_from(*n).map_err(malformed),
                _ => Err(malformed("/ByteRange holds a non-integer")),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(malformed("no /ByteRange of four numbers")),
    };
    let (a, b, c) = (range[1], range[2], range[3]);
    // One gap, exactly a hex string: the signature covers every other byte from the start.
    if range[0] != 0
        || a >= b
        || b.checked_add(c).is_none_or(|end| end > pdf.len())
        || pdf[a] != b'<'
        || pdf[b - 1] != b'>'
    {
        return Err(malformed("/ByteRange does not frame /Contents"));
    }
    let mut h = Sha256::new();
    h.update(&pdf[..a]);
    h.update(&pdf[b..b + c]);
    let digest = h.finalize();

    let der = hex_decode(&pdf[a + 1..b - 1])?;
    let mut reader = SliceReader::new(&der).map_err(malformed)?;
    let ci = ContentInfo::decode(&mut reader).map_err(malformed)?;
    let sd: SignedData = ci.content.decode_as().map_err(malformed)?;
    if sd.encap_content_info.econtent.is_some() {
        return Err(malformed("not a detached signature"));
    }
    let certs = certificates(&sd);
    let si = sd
        .signer_infos
        .0
        .get(0)
        .ok_or_else(|| malformed("no SignerInfo"))?;
    let signer = signer_certificate(si, &certs)?;
    check_signer_info(si, &signer, ID_DATA, &digest)?;
    let timestamp = check_timestamp(si)?;
    let sub_filter = match sig.get(b"SubFilter") {
        Some(Obj::Name(n)) => String::from_utf8_lossy(n).into_owned(),
        _ => String::new(),
    };
    let claimed_time = match sig.get(b"M") {
        Some(Obj::Raw(r)) => Some(
            String::from_utf8_lossy(r)
                .trim_start_matches('(')
                .trim_end_matches(')')
                .to_string(),
        ),
        _ => None,
    };
    Ok(EmbeddedSignature {
        signer,
        certificates: certs,
        sub_filter,
        claimed_time,
        covers_whole_file: b + c == pdf.len(),
        timestamp,
    })
}
