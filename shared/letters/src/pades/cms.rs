//! The CMS parts shared by the PDF signature and the local timestamp authority's tokens: object
//! identifiers, the ESS signing-certificate attribute (RFC 5035), signed attributes (RFC 5652,
//! 5.3 and 11) and the `SignedData` around one `SignerInfo` (RFC 5652, 5.1).

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier,
    SignerInfo, SignerInfos, UnsignedAttributes,
};
use der::asn1::{ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Decode, Encode, Sequence};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;

/// id-data (RFC 5652, 4): the detached content of a PAdES signature.
pub const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
/// id-signedData (RFC 5652, 5.1).
pub const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// id-contentType (RFC 5652, 11.1).
pub const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
/// id-messageDigest (RFC 5652, 11.2).
pub const ID_MESSAGE_DIGEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
/// id-aa-signingCertificateV2 (RFC 5035).
pub const ID_AA_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// id-aa-signatureTimeStampToken (RFC 3161, appendix A).
pub const ID_AA_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");
/// id-ct-TSTInfo (RFC 3161, 2.4.2).
pub const ID_CT_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// id-sha256 (RFC 5754, 2.2).
pub const ID_SHA_256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
/// ecdsa-with-SHA256 (RFC 5758, 3.2).
pub const ECDSA_WITH_SHA_256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// SHA-256 with absent parameters (RFC 5754, 2: "the parameters field SHOULD be absent").
pub fn sha256_algorithm() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: ID_SHA_256,
        parameters: None,
    }
}

/// ecdsa-with-SHA256; its parameters MUST be absent (RFC 5758, 3.2).
pub fn ecdsa_sha256_algorithm() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: ECDSA_WITH_SHA_256,
        parameters: None,
    }
}

/// `SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies ... OPTIONAL }`
/// (RFC 5035). Binds the signature to its certificate, so that a certificate with the same
/// key cannot be substituted (why the PAdES baseline requires it: ETSI EN 319 142-1, B-B level).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SigningCertificateV2 {
    pub certs: Vec<EssCertIdV2>,
    /// PolicyInformation values; none in ours, kept so that others' signatures decode.
    #[asn1(optional = "true")]
    pub policies: Option<Vec<Any>>,
}

/// `ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT {algorithm id-sha256},
/// certHash OCTET STRING, issuerSerial IssuerSerial OPTIONAL }` (RFC 5035). `None` is the
/// default, SHA-256, which DER leaves out (X.690, 11.5); held as an optional field because the
/// `der` derive cannot encode a non-`Copy` DEFAULT.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EssCertIdV2 {
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    pub cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// `IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }`
/// (RFC 5035).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct IssuerSerial {
    pub issuer: Vec<GeneralName>,
    pub serial_number: SerialNumber,
}

fn attribute(oid: ObjectIdentifier, value: Any) -> der::Result<Attribute> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value])?,
    })
}

/// The ESS signingCertificateV2 attribute naming `cert` by its SHA-256 and issuer/serial.
pub fn signing_certificate_v2(cert: &Certificate) -> der::Result<Attribute> {
    let hash = Sha256::digest(cert.to_der()?);
    let value = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(hash.to_vec())?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(
                    cert.tbs_certificate.issuer.clone(),
                )],
                serial_number: cert.tbs_certificate.serial_number.clone(),
            }),
        }],
        policies: None,
    };
    attribute(ID_AA_SIGNING_CERTIFICATE_V2, Any::encode_from(&value)?)
}

/// contentType, messageDigest and signingCertificateV2: the signed attributes both a PAdES
/// signature (ETSI EN 319 142-1, B-B level) and a timestamp token (RFC 3161, 2.4.2; RFC 5816)
/// carry. No signingTime: the PAdES baseline forbids it and takes the claimed time from the
/// signature dictionary's /M instead, and a token's time is its TSTInfo's genTime.
pub fn signed_attributes(
    content_type: ObjectIdentifier,
    digest: &[u8; 32],
    cert: &Certificate,
) -> der::Result<SignedAttributes> {
    SetOfVec::try_from(vec![
        attribute(ID_CONTENT_TYPE, Any::encode_from(&content_type)?)?,
        attribute(
            ID_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(digest.to_vec())?)?,
        )?,
        signing_certificate_v2(cert)?,
    ])
}

/// What is signed: "the DER encoding of the SignedAttrs value" with its SET OF tag, not the
/// `[0] IMPLICIT` tag it has inside the SignerInfo (RFC 5652, 5.4).
pub fn signed_attributes_digest(attrs: &SignedAttributes) -> der::Result<[u8; 32]> {
    Ok(Sha256::digest(attrs.to_der()?).into())
}

/// A SignerInfo identified by issuer and serial (version 1, RFC 5652, 5.3).
pub fn signer_info(
    cert: &Certificate,
    signed_attrs: SignedAttributes,
    signature_der: Vec<u8>,
    unsigned_attrs: Option<UnsignedAttributes>,
) -> der::Result<SignerInfo> {
    Ok(SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: cert.tbs_certificate.issuer.clone(),
            serial_number: cert.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: sha256_algorithm(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: ecdsa_sha256_algorithm(),
        signature: OctetString::new(signature_der)?,
        unsigned_attrs,
    })
}

/// The unsigned attribute holding a signature timestamp token (RFC 3161, appendix A).
pub fn time_stamp_token_attribute(token_der: &[u8]) -> der::Result<UnsignedAttributes> {
    let token = Any::from_der(token_der)?;
    SetOfVec::try_from(vec![attribute(ID_AA_SIGNATURE_TIME_STAMP_TOKEN, token)?])
}

/// `ContentInfo { id-signedData, SignedData }` with one signer. The version is 1 for id-data
/// content and 3 for any other content type such as TSTInfo (RFC 5652, 5.1).
pub fn signed_data(
    encap: EncapsulatedContentInfo,
    certificates: &[Certificate],
    signer: SignerInfo,
) -> der::Result<ContentInfo> {
    let version = if encap.econtent_type == ID_DATA {
        CmsVersion::V1
    } else {
        CmsVersion::V3
    };
    let certs = certificates
        .iter()
        .cloned()
        .map(CertificateChoices::Certificate)
        .collect::<Vec<_>>();
    let sd = SignedData {
        version,
        digest_algorithms: SetOfVec::try_from(vec![sha256_algorithm()])?,
        encap_content_info: encap,
        certificates: Some(CertificateSet::try_from(certs)?),
        crls: None,
        signer_infos: SignerInfos::try_from(vec![signer])?,
    };
    Ok(ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&sd)?,
    })
}

/// A positive, minimally encoded random integer of 16 bytes (certificate and token serials,
/// nonces): the top bit clear keeps it positive, the next one set keeps the first byte nonzero.
pub fn random_serial() -> Result<[u8; 16], getrandom::Error> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b)?;
    b[0] = (b[0] & 0x7f) | 0x40;
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Decode;

    #[test]
    fn the_default_sha256_is_left_out_of_an_ess_cert_id() {
        let id = EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(vec![7u8; 32]).unwrap(),
            issuer_serial: None,
        };
        let der = id.to_der().unwrap();
        // SEQUENCE { OCTET STRING (32) } and nothing else (RFC 5035: DEFAULT id-sha256).
        assert_eq!(&der[..4], &[0x30, 34, 0x04, 32]);
        assert_eq!(EssCertIdV2::from_der(&der).unwrap(), id);
    }

    #[test]
    fn serials_are_positive_and_minimal() {
        for _ in 0..64 {
            let s = random_serial().unwrap();
            assert!(s[0] & 0x80 == 0 && s[0] != 0);
            der::asn1::Int::new(&s).unwrap();
        }
    }
}
