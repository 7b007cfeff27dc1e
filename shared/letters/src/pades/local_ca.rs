//! A local certification authority for the runner and the tests: a self-signed P-256 CA that
//! issues the head of agency's signing certificate (for the signer port's key, whatever holds
//! it) and the local timestamp authority's certificate. A reader trusts the letters once it
//! trusts this CA; in production the signer certificate comes from a PSrE (BSrE) instead.

use super::cms::{ECDSA_WITH_SHA_256, ecdsa_sha256_algorithm, random_serial};
use der::asn1::{BitString, ObjectIdentifier, OctetString, PrintableStringRef, SetOfVec};
use der::asn1::{GeneralizedTime, UtcTime, Utf8StringRef};
use der::{Any, Decode, DecodePem, Encode, EncodePem};
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use sha2::{Digest, Sha256};
use spki::SubjectPublicKeyInfoOwned;
use std::time::{Duration, SystemTime};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

/// The agency the local certificates name as their organisation.
pub const ORGANIZATION: &str = "DPMPTSP Kota Bontang";
/// countryName of the local certificates (ISO 3166: Indonesia).
pub const COUNTRY: &str = "ID";

const ID_AT_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const ID_AT_COUNTRY_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");
const ID_AT_ORGANIZATION_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
const ID_CE_SUBJECT_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
const ID_CE_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const ID_CE_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const ID_CE_EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const ID_CE_AUTHORITY_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
/// id-kp-timeStamping (RFC 5280, 4.2.1.12).
pub const ID_KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");

const DAY: Duration = Duration::from_secs(86_400);

#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error("ASN.1: {0}")]
    Der(#[from] der::Error),
    #[error("key: {0}")]
    Key(String),
    #[error("random numbers unavailable: {0}")]
    Random(String),
}

/// A fresh P-256 key from the operating system's random numbers.
pub fn generate_key() -> Result<SigningKey, CaError> {
    let mut seed = [0u8; 32];
    loop {
        getrandom::fill(&mut seed)?;
        // Out of range seeds (zero or above the group order) are vanishingly rare; draw again.
        if let Ok(k) = SigningKey::from_slice(&seed) {
            return Ok(k);
        }
    }
}

/// The key's SubjectPublicKeyInfo DER (what the signer port's `public_key_der` returns).
pub fn public_key_der(key: &SigningKey) -> Result<Vec<u8>, CaError> {
    Ok(key
        .verifying_key()
        .to_public_key_der()
        .map_err(|e| CaError::Key(e.to_string()))?
        .into_vec())
}

/// `C=ID, O=<organization>, CN=<common name>`: C as PrintableString (RFC 5280, appendix A.1),
/// the others as UTF8String (RFC 5280, 4.1.2.4) since names carry titles and punctuation. Built
/// attribute by attribute, not parsed from a string, so commas in a name ("Dr. A, M.Si.") need
/// no escaping.
pub fn subject_name(common_name: &str, organization: &str) -> Result<Name, CaError> {
    let rdn = |oid: ObjectIdentifier, value: Any| -> der::Result<RelativeDistinguishedName> {
        Ok(RelativeDistinguishedName(SetOfVec::try_from(vec![
            AttributeTypeAndValue { oid, value },
        ])?))
    };
    Ok(RdnSequence(vec![
        rdn(
            ID_AT_COUNTRY_NAME,
            Any::encode_from(&PrintableStringRef::new(COUNTRY)?)?,
        )?,
        rdn(
            ID_AT_ORGANIZATION_NAME,
            Any::encode_from(&Utf8StringRef::new(organization)?)?,
        )?,
        rdn(
            ID_AT_COMMON_NAME,
            Any::encode_from(&Utf8StringRef::new(common_name)?)?,
        )?,
    ]))
}

/// UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280, 4.1.2.5).
fn x509_time(t: SystemTime) -> Result<Time, CaError> {
    Ok(match UtcTime::from_system_time(t) {
        Ok(u) => Time::UtcTime(u),
        Err(_) => Time::GeneralTime(GeneralizedTime::from_system_time(t)?),
    })
}

/// The key identifier of RFC 7093, 2 (method 1): the leftmost 160 bits of the SHA-256 of the
/// subjectPublicKey bits (RFC 5280, 4.2.1.2 allows any method; SHA-1 is not linked here).
fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Result<OctetString, CaError> {
    let hash = Sha256::digest(spki.subject_public_key.raw_bytes());
    Ok(OctetString::new(hash[..20].to_vec())?)
}

impl From<getrandom::Error> for CaError {
    fn from(e: getrandom::Error) -> Self {
        CaError::Random(e.to_string())
    }
}

fn extension<T: Encode>(
    oid: ObjectIdentifier,
    critical: bool,
    value: &T,
) -> Result<Extension, CaError> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

/// What kind of certificate to issue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Ca,
    /// A natural person's signing certificate: digitalSignature and nonRepudiation (the
    /// "non-repudiation" bit that signature validators such as pyHanko look for on document
    /// signatures; ETSI EN 319 412-2).
    Signer,
    /// A timestamping unit: digitalSignature, and the extended key usage id-kp-timeStamping as
    /// the only purpose and critical (RFC 3161, 2.3).
    Tsa,
}

/// The local CA: its key and self-signed certificate.
pub struct LocalCa {
    key: SigningKey,
    cert: Certificate,
    organization: String,
}

impl LocalCa {
    /// A new CA for `organization`, valid for 20 years.
    pub fn generate(organization: &str) -> Result<Self, CaError> {
        let key = generate_key()?;
        let subject = subject_name(&format!("{organization} Local CA"), organization)?;
        let spki = SubjectPublicKeyInfoOwned::from_der(&public_key_der(&key)?)?;
        let ski = key_identifier(&spki)?;
        let cert = issue(
            &key,
            subject.clone(),
            &ski,
            subject,
            spki,
            Kind::Ca,
            20 * 365 * DAY,
        )?;
        Ok(Self {
            key,
            cert,
            organization: organization.to_string(),
        })
    }

    /// A CA read back from its PKCS#8 key and certificate (PEM), as `key_pem`/`certificate`
    /// wrote them.
    pub fn from_pem(key_pem: &str, cert_pem: &str) -> Result<Self, CaError> {
        let key = SigningKey::from_pkcs8_pem(key_pem).map_err(|e| CaError::Key(e.to_string()))?;
        let cert = Certificate::from_pem(cert_pem)?;
        if public_key_der(&key)? != cert.tbs_certificate.subject_public_key_info.to_der()? {
            return Err(CaError::Key(
                "the CA key does not match its certificate".into(),
            ));
        }
        let organization = name_attribute(&cert.tbs_certificate.subject, ID_AT_ORGANIZATION_NAME)
            .unwrap_or_else(|| ORGANIZATION.to_string());
        Ok(Self {
            key,
            cert,
            organization,
        })
    }

    /// The CA key as PKCS#8 PEM (to keep with mode 0600, like the signer's key).
    pub fn key_pem(&self) -> Result<String, CaError> {
        Ok(self
            .key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| CaError::Key(e.to_string()))?
            .to_string())
    }

    /// The CA's self-signed certificate (the trust anchor to install in a reader).
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    /// A signing certificate for `common_name` (the head of agency) over the signer port's
    /// public key (SPKI DER): the CA signs locally, the certified key stays wherever the port
    /// keeps it (KMS, a key file, a PSrE). Valid for 5 years.
    pub fn issue_signer(
        &self,
        common_name: &str,
        public_key_der: &[u8],
    ) -> Result<Certificate, CaError> {
        let spki = p256_spki(public_key_der)?;
        issue(
            &self.key,
            self.cert.tbs_certificate.subject.clone(),
            &self.ski()?,
            subject_name(common_name, &self.organization)?,
            spki,
            Kind::Signer,
            5 * 365 * DAY,
        )
    }

    /// The local timestamp authority's certificate over its public key (SPKI DER). Valid for
    /// 10 years.
    pub fn issue_tsa(&self, public_key_der: &[u8]) -> Result<Certificate, CaError> {
        let spki = p256_spki(public_key_der)?;
        issue(
            &self.key,
            self.cert.tbs_certificate.subject.clone(),
            &self.ski()?,
            subject_name(
                &format!("{} Local TSA", self.organization),
                &self.organization,
            )?,
            spki,
            Kind::Tsa,
            10 * 365 * DAY,
        )
    }

    fn ski(&self) -> Result<OctetString, CaError> {
        key_identifier(&self.cert.tbs_certificate.subject_public_key_info)
    }
}

/// Accepts only P-256 keys: the signatures this crate makes are ecdsa-with-SHA256 over P-256.
fn p256_spki(public_key_der: &[u8]) -> Result<SubjectPublicKeyInfoOwned, CaError> {
    use p256::pkcs8::DecodePublicKey;
    p256::PublicKey::from_public_key_der(public_key_der)
        .map_err(|e| CaError::Key(format!("not a P-256 public key: {e}")))?;
    Ok(SubjectPublicKeyInfoOwned::from_der(public_key_der)?)
}

fn name_attribute(name: &Name, oid: ObjectIdentifier) -> Option<String> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == oid)
        .and_then(|atv| {
            Utf8StringRef::try_from(&atv.value)
                .map(|s| s.as_str().to_string())
                .ok()
        })
}

#[allow(clippy::too_many_arguments)]
fn issue(
    ca_key: &SigningKey,
    issuer: Name,
    issuer_key_id: &OctetString,
    subject: Name,
    spki: SubjectPublicKeyInfoOwned,
    kind: Kind,
    lifetime: Duration,
) -> Result<Certificate, CaError> {
    // An hour back, so that a reader whose clock is a little behind still sees it valid.
    let now = SystemTime::now() - Duration::from_secs(3600);
    let ski = key_identifier(&spki)?;
    let usages = match kind {
        Kind::Ca => KeyUsages::KeyCertSign | KeyUsages::CRLSign,
        Kind::Signer => KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
        Kind::Tsa => KeyUsages::DigitalSignature.into(),
    };
    let mut extensions = vec![
        // RFC 5280, 4.2.1.9: critical in CA certificates; present in end-entity ones too so
        // that no validator mistakes them for a CA.
        extension(
            ID_CE_BASIC_CONSTRAINTS,
            true,
            &BasicConstraints {
                ca: kind == Kind::Ca,
                path_len_constraint: (kind == Kind::Ca).then_some(0),
            },
        )?,
        extension(ID_CE_KEY_USAGE, true, &KeyUsage(usages))?,
        extension(
            ID_CE_SUBJECT_KEY_IDENTIFIER,
            false,
            &SubjectKeyIdentifier(ski),
        )?,
    ];
    if kind != Kind::Ca {
        extensions.push(extension(
            ID_CE_AUTHORITY_KEY_IDENTIFIER,
            false,
            &AuthorityKeyIdentifier {
                key_identifier: Some(issuer_key_id.clone()),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            },
        )?);
    }
    if kind == Kind::Tsa {
        extensions.push(extension(
            ID_CE_EXT_KEY_USAGE,
            true,
            &ExtendedKeyUsage(vec![ID_KP_TIME_STAMPING]),
        )?);
    }
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(&random_serial()?)?,
        signature: ecdsa_sha256_algorithm(),
        issuer,
        validity: Validity {
            not_before: x509_time(now)?,
            not_after: x509_time(now + lifetime)?,
        },
        subject,
        subject_public_key_info: spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    };
    let signature: DerSignature = ca_key.sign(&tbs.to_der()?);
    Ok(Certificate {
        tbs_certificate: tbs,
        signature_algorithm: ecdsa_sha256_algorithm(),
        signature: BitString::from_bytes(signature.as_bytes())?,
    })
}

/// A certificate as PEM (`-----BEGIN CERTIFICATE-----`), what `certutil -A -i`, pyHanko's
/// `--trust` and a reader's "import certificate" take.
pub fn certificate_pem(cert: &Certificate) -> Result<String, CaError> {
    Ok(cert.to_pem(LineEnding::LF)?)
}

/// A certificate's DER.
pub fn certificate_der(cert: &Certificate) -> Result<Vec<u8>, CaError> {
    Ok(cert.to_der()?)
}

/// Every certificate of a PEM bundle, in order (a configured chain: the signer first).
pub fn certificates_from_pem(pem: &str) -> Result<Vec<Certificate>, CaError> {
    Ok(Certificate::load_pem_chain(pem.as_bytes())?)
}

/// Whether `cert` was signed by `issuer`'s key (ecdsa-with-SHA256 only).
pub fn is_issued_by(cert: &Certificate, issuer: &Certificate) -> bool {
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::{Signature, VerifyingKey};
    use p256::pkcs8::DecodePublicKey;
    if cert.signature_algorithm.oid != ECDSA_WITH_SHA_256 {
        return false;
    }
    let Ok(spki) = issuer.tbs_certificate.subject_public_key_info.to_der() else {
        return false;
    };
    let Ok(key) = VerifyingKey::from_public_key_der(&spki) else {
        return false;
    };
    let (Some(sig), Ok(tbs)) = (cert.signature.as_bytes(), cert.tbs_certificate.to_der()) else {
        return false;
    };
    Signature::from_der(sig).is_ok_and(|sig| key.verify(&tbs, &sig).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issues_a_chain_that_verifies_and_round_trips() {
        let ca = LocalCa::generate(ORGANIZATION).unwrap();
        assert!(is_issued_by(ca.certificate(), ca.certificate()));
        let signer_key = generate_key().unwrap();
        let cert = ca
            .issue_signer(
                "Dr. Ahmad Yani, M.Si.",
                &public_key_der(&signer_key).unwrap(),
            )
            .unwrap();
        assert!(is_issued_by(&cert, ca.certificate()));
        assert_eq!(
            cert.tbs_certificate.subject.to_string(),
            "CN=Dr. Ahmad Yani\\, M.Si.,O=DPMPTSP Kota Bontang,C=ID"
        );
        assert_eq!(
            cert.tbs_certificate
                .subject_public_key_info
                .to_der()
                .unwrap(),
            public_key_der(&signer_key).unwrap()
        );
        let (critical, ku) = cert.tbs_certificate.get::<KeyUsage>().unwrap().unwrap();
        assert!(critical && ku.digital_signature() && ku.non_repudiation());
        assert!(!ku.key_cert_sign());

        let tsa = ca
            .issue_tsa(&public_key_der(&generate_key().unwrap()).unwrap())
            .unwrap();
        let (critical, eku) = tsa
            .tbs_certificate
            .get::<ExtendedKeyUsage>()
            .unwrap()
            .unwrap();
        assert!(critical, "RFC 3161, 2.3: the TSA's EKU is critical");
        assert_eq!(eku.0, vec![ID_KP_TIME_STAMPING]);

        let back = LocalCa::from_pem(
            &ca.key_pem().unwrap(),
            &certificate_pem(ca.certificate()).unwrap(),
        )
        .unwrap();
        assert_eq!(back.certificate(), ca.certificate());
        assert_eq!(back.organization, ORGANIZATION);
        let bundle = format!(
            "{}{}",
            certificate_pem(&cert).unwrap(),
            certificate_pem(ca.certificate()).unwrap()
        );
        assert_eq!(
            certificates_from_pem(&bundle).unwrap(),
            vec![cert, ca.certificate().clone()]
        );
    }

    #[test]
    fn refuses_a_key_that_is_not_p256() {
        let ca = LocalCa::generate(ORGANIZATION).unwrap();
        assert!(ca.issue_signer("X", b"\x30\x00").is_err());
        let other = LocalCa::generate(ORGANIZATION).unwrap();
        assert!(
            LocalCa::from_pem(
                &ca.key_pem().unwrap(),
                &certificate_pem(other.certificate()).unwrap()
            )
            .is_err()
        );
    }
}
