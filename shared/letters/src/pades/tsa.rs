//! Timestamp authorities (RFC 3161): the port a PAdES B-T signature takes its signature
//! timestamp from, a local authority for the runner and the tests, and a client of a remote one
//! over HTTP (RFC 3161, 3.4).

use super::cms::{
    ID_CT_TST_INFO, ID_SHA_256, ID_SIGNED_DATA, random_serial, sha256_algorithm, signed_attributes,
    signed_attributes_digest, signed_data, signer_info,
};
use super::local_ca::{CaError, LocalCa, generate_key, public_key_der};
use async_trait::async_trait;
use cmpv2::status::{PkiStatus, PkiStatusInfo};
use cms::signed_data::{EncapsulatedContentInfo, SignedData};
use der::asn1::{GeneralizedTime, Int, ObjectIdentifier, OctetString};
use der::{Any, Decode, Encode};
use p256::ecdsa::signature::hazmat::PrehashSigner;
use p256::ecdsa::{Signature, SigningKey};
use sha2::{Digest, Sha256};
use std::time::SystemTime;
use x509_cert::Certificate;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

/// The policy the local authority's tokens name by default. RFC 3161 requires one
/// (TSTInfo.policy) and the local authority follows no registered practice statement, so it
/// must not claim a real one such as ETSI TS 119 421's best practices policy: this sits under
/// IANA's private enterprise number 0, reserved and held by no one (the examples arc 2.999 has
/// a second arc above what `const-oid` encodes). `LocalTsa::with_policy` sets the office's own.
pub const LOCAL_TSA_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.0.3161.1");

#[derive(Debug, thiserror::Error)]
pub enum TsaError {
    #[error("timestamp authority unreachable: {0}")]
    Transport(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("timestamp request refused: {0}")]
    Refused(String),
    #[error("timestamp response invalid: {0}")]
    Invalid(String),
    #[error("timestamp authority: {0}")]
    Local(#[from] CaError),
}

impl From<der::Error> for TsaError {
    fn from(e: der::Error) -> Self {
        TsaError::Invalid(e.to_string())
    }
}

/// Where a signature's timestamp comes from.
#[async_trait]
pub trait TimestampAuthority: Send + Sync {
    /// A TimeStampToken (RFC 3161, 2.4.2: a CMS `ContentInfo` of SignedData over a TSTInfo) for
    /// data with this SHA-256, as DER.
    async fn timestamp(&self, digest_sha256: &[u8; 32]) -> Result<Vec<u8>, TsaError>;
}

/// A timestamp authority in-process: its own P-256 key and certificate (issued by the local CA
/// with the critical id-kp-timeStamping extended key usage) and the system clock.
pub struct LocalTsa {
    key: SigningKey,
    cert: Certificate,
    /// Certificates sent with each token after the TSA's own (its CA), so that a validator
    /// can build the path from the token alone.
    chain: Vec<Certificate>,
    policy: ObjectIdentifier,
}

impl LocalTsa {
    /// A TSA of `key` whose certificate is `cert`, followed in tokens by `chain`.
    pub fn new(
        key: SigningKey,
        cert: Certificate,
        chain: Vec<Certificate>,
    ) -> Result<Self, TsaError> {
        if public_key_der(&key)? != cert.tbs_certificate.subject_public_key_info.to_der()? {
            return Err(TsaError::Invalid(
                "the TSA key does not match its certificate".into(),
            ));
        }
        Ok(Self {
            key,
            cert,
            chain,
            policy: LOCAL_TSA_POLICY,
        })
    }

    /// A TSA read back from its PKCS#8 key and certificate (PEM), as `key_pem` and
    /// `local_ca::certificate_pem` wrote them, with its CA's certificate.
    pub fn from_pem(key_pem: &str, cert_pem: &str, ca: Certificate) -> Result<Self, TsaError> {
        use der::DecodePem;
        use p256::pkcs8::DecodePrivateKey;
        let key = SigningKey::from_pkcs8_pem(key_pem)
            .map_err(|e| TsaError::Local(CaError::Key(e.to_string())))?;
        Self::new(key, Certificate::from_pem(cert_pem)?, vec![ca])
    }

    /// The TSA key as PKCS#8 PEM (to keep with mode 0600 beside its certificate).
    pub fn key_pem(&self) -> Result<String, TsaError> {
        use p256::pkcs8::{EncodePrivateKey, LineEnding};
        Ok(self
            .key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| TsaError::Local(CaError::Key(e.to_string())))?
            .to_string())
    }

    /// A TSA with a new key and a certificate from `ca`.
    pub fn generate(ca: &LocalCa) -> Result<Self, TsaError> {
        let key = generate_key()?;
        let cert = ca.issue_tsa(&public_key_der(&key)?)?;
        Self::new(key, cert, vec![ca.certificate().clone()])
    }

    /// Names `policy` in the tokens instead of [`LOCAL_TSA_POLICY`].
    pub fn with_policy(mut self, policy: ObjectIdentifier) -> Self {
        self.policy = policy;
        self
    }

    /// The TSA's certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    /// The TSA's key (to keep beside its certificate).
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// A token for `imprint` at `at`, echoing `nonce` (RFC 3161, 2.4.2).
    pub fn token(
        &self,
        imprint: MessageImprint,
        nonce: Option<Int>,
        at: SystemTime,
    ) -> Result<Vec<u8>, TsaError> {
        let tst = TstInfo {
            version: TspVersion::V1,
            policy: self.policy,
            message_imprint: imprint,
            serial_number: Int::new(&random_serial().map_err(CaError::from)?)?,
            gen_time: GeneralizedTime::from_system_time(at)?,
            accuracy: None,
            ordering: false,
            nonce,
            tsa: None,
            extensions: None,
        };
        let tst_der = tst.to_der()?;
        let digest: [u8; 32] = Sha256::digest(&tst_der).into();
        let attrs = signed_attributes(ID_CT_TST_INFO, &digest, &self.cert)?;
        let signature: Signature = self
            .key
            .sign_prehash(&signed_attributes_digest(&attrs)?)
            .map_err(|e| TsaError::Invalid(e.to_string()))?;
        let si = signer_info(
            &self.cert,
            attrs,
            signature.to_der().as_bytes().to_vec(),
            None,
        )?;
        let mut certs = vec![self.cert.clone()];
        certs.extend(self.chain.iter().cloned());
        let encap = EncapsulatedContentInfo {
            econtent_type: ID_CT_TST_INFO,
            econtent: Some(Any::encode_from(&OctetString::new(tst_der)?)?),
        };
        Ok(signed_data(encap, &certs, si)?.to_der()?)
    }

    /// Answers a DER TimeStampReq with a DER TimeStampResp (RFC 3161, 2.4.1 and 2.4.2): what a
    /// `/tsa` HTTP endpoint of the runner would serve as `application/timestamp-reply`.
    /// Requests for another hash than SHA-256, or for a policy not its own, are rejected with
    /// badAlg or unacceptedPolicy.
    pub fn respond(&self, request_der: &[u8]) -> Vec<u8> {
        use cmpv2::status::PkiFailureInfoValues as F;
        let reject = |fail: F| TimeStampResp {
            status: PkiStatusInfo {
                status: PkiStatus::Rejection,
                status_string: None,
                fail_info: Some(fail.into()),
            },
            time_stamp_token: None,
        };
        let resp = match TimeStampReq::from_der(request_der) {
            Err(_) => reject(F::BadDataFormat),
            Ok(req)
                if req.message_imprint.hash_algorithm.oid != ID_SHA_256
                    || req.message_imprint.hashed_message.as_bytes().len() != 32 =>
            {
                reject(F::BadAlg)
            }
            Ok(req) if req.req_policy.is_some_and(|p| p != self.policy) => {
                reject(F::UnacceptedPolicy)
            }
            Ok(req) => {
                let token = self
                    .token(req.message_imprint, req.nonce, SystemTime::now())
                    .and_then(|der| Ok(cms::content_info::ContentInfo::from_der(&der)?));
                match token {
                    Ok(t) => TimeStampResp {
                        status: PkiStatusInfo {
                            status: PkiStatus::Accepted,
                            status_string: None,
                            fail_info: None,
                        },
                        time_stamp_token: Some(t),
                    },
                    Err(_) => reject(F::SystemFailure),
                }
            }
        };
        // Every part above is well formed, so encoding cannot fail; an empty body would be
        // refused by any client as undecodable.
        resp.to_der().unwrap_or_default()
    }
}

#[async_trait]
impl TimestampAuthority for LocalTsa {
    async fn timestamp(&self, digest_sha256: &[u8; 32]) -> Result<Vec<u8>, TsaError> {
        let imprint = MessageImprint {
            hash_algorithm: sha256_any(),
            hashed_message: OctetString::new(digest_sha256.to_vec())?,
        };
        self.token(imprint, None, SystemTime::now())
    }
}

fn sha256_any() -> spki::AlgorithmIdentifier<Any> {
    let a = sha256_algorithm();
    spki::AlgorithmIdentifier {
        oid: a.oid,
        parameters: a.parameters,
    }
}

/// The HTTP transport of an RFC 3161 client: one POST, the response body back. Kept as a port
/// so that this crate links no HTTP stack; the deployment wires its own client (with TLS).
#[async_trait]
pub trait HttpPost: Send + Sync {
    /// POSTs `body` with `Content-Type: content_type` to `url`; the body of a 2xx response,
    /// any other status an error.
    async fn post(
        &self,
        url: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>>;
}

/// A remote timestamp authority spoken to over HTTP (RFC 3161, 3.4).
pub struct HttpTsa<H> {
    url: String,
    http: H,
    policy: Option<ObjectIdentifier>,
}

impl<H: HttpPost> HttpTsa<H> {
    pub fn new(url: impl Into<String>, http: H) -> Self {
        Self {
            url: url.into(),
            http,
            policy: None,
        }
    }

    /// Asks for tokens under this policy (TimeStampReq.reqPolicy).
    pub fn with_policy(mut self, policy: ObjectIdentifier) -> Self {
        self.policy = Some(policy);
        self
    }
}

#[async_trait]
impl<H: HttpPost> TimestampAuthority for HttpTsa<H> {
    async fn timestamp(&self, digest_sha256: &[u8; 32]) -> Result<Vec<u8>, TsaError> {
        let nonce = Int::new(&random_serial().map_err(CaError::from)?[..8])?;
        let imprint = MessageImprint {
            hash_algorithm: sha256_any(),
            hashed_message: OctetString::new(digest_sha256.to_vec())?,
        };
        let req = TimeStampReq {
            version: TspVersion::V1,
            message_imprint: imprint,
            req_policy: self.policy,
            nonce: Some(nonce.clone()),
            // The TSA's certificate in the token: a validator checks the token against it and
            // finds it nowhere else in a B-T signature.
            cert_req: true,
            extensions: None,
        };
        let body = self
            .http
            .post(&self.url, "application/timestamp-query", req.to_der()?)
            .await
            .map_err(TsaError::Transport)?;
        token_from_response(&body, digest_sha256, Some(&nonce))
    }
}

/// The token of a DER TimeStampResp, after the checks RFC 3161, 2.4.2 asks of a client: the
/// status granted, the token a SignedData over a TSTInfo, its messageImprint the one asked for,
/// its nonce echoed, and the TSA's certificate included.
pub fn token_from_response(
    response_der: &[u8],
    digest_sha256: &[u8; 32],
    nonce: Option<&Int>,
) -> Result<Vec<u8>, TsaError> {
    let resp = TimeStampResp::from_der(response_der)?;
    match resp.status.status {
        PkiStatus::Accepted | PkiStatus::GrantedWithMods => {}
        other => {
            let text: Vec<&str> = resp
                .status
                .status_string
                .iter()
                .flatten()
                .map(|s| s.as_str())
                .collect();
            return Err(TsaError::Refused(format!(
                "status {other:?}, failure {:?}: {}",
                resp.status.fail_info,
                text.join("; ")
            )));
        }
    }
    let token = resp
        .time_stamp_token
        .ok_or_else(|| TsaError::Invalid("granted without a token".into()))?;
    let tst = tst_info(&token)?;
    if tst.message_imprint.hash_algorithm.oid != ID_SHA_256
        || tst.message_imprint.hashed_message.as_bytes() != digest_sha256
    {
        return Err(TsaError::Invalid(
            "the token's messageImprint is not the digest sent".into(),
        ));
    }
    if nonce.is_some() && tst.nonce.as_ref() != nonce {
        return Err(TsaError::Invalid(
            "the token's nonce is not the one sent".into(),
        ));
    }
    let sd: SignedData = token.content.decode_as()?;
    if sd.certificates.as_ref().is_none_or(|c| c.0.is_empty()) {
        return Err(TsaError::Invalid(
            "the token carries no certificate (certReq was set)".into(),
        ));
    }
    Ok(token.to_der()?)
}

/// The TSTInfo inside a token.
pub fn tst_info(token: &cms::content_info::ContentInfo) -> Result<TstInfo, TsaError> {
    if token.content_type != ID_SIGNED_DATA {
        return Err(TsaError::Invalid("the token is not a SignedData".into()));
    }
    let sd: SignedData = token.content.decode_as()?;
    if sd.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err(TsaError::Invalid(
            "the token's content is not a TSTInfo".into(),
        ));
    }
    let content = sd
        .encap_content_info
        .econtent
        .ok_or_else(|| TsaError::Invalid("the token has no content".into()))?;
    let octets: OctetString = content.decode_as()?;
    Ok(TstInfo::from_der(octets.as_bytes())?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pades::local_ca::{ORGANIZATION, is_issued_by};
    use cms::content_info::ContentInfo;
    use p256::ecdsa::VerifyingKey;
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    use std::sync::Mutex;

    /// An HTTP transport that hands the request to a local TSA's responder, recording it; and
    /// optionally tampers with the answer.
    struct Loopback<'a> {
        tsa: &'a LocalTsa,
        seen: Mutex<Vec<(String, String)>>,
        swap_digest: bool,
    }

    #[async_trait]
    impl HttpPost for Loopback<'_> {
        async fn post(
            &self,
            url: &str,
            content_type: &str,
            body: Vec<u8>,
        ) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
            self.seen
                .lock()
                .unwrap()
                .push((url.to_string(), content_type.to_string()));
            let mut req = TimeStampReq::from_der(&body)?;
            if self.swap_digest {
                req.message_imprint.hashed_message = OctetString::new(vec![0u8; 32])?;
            }
            Ok(self.tsa.respond(&req.to_der()?))
        }
    }

    #[tokio::test]
    async fn a_local_token_is_signed_by_the_tsa_over_its_tst_info() {
        let ca = LocalCa::generate(ORGANIZATION).unwrap();
        let tsa = LocalTsa::generate(&ca).unwrap();
        assert!(is_issued_by(tsa.certificate(), ca.certificate()));
        let pem = crate::pades::local_ca::certificate_pem(tsa.certificate()).unwrap();
        let back =
            LocalTsa::from_pem(&tsa.key_pem().unwrap(), &pem, ca.certificate().clone()).unwrap();
        assert_eq!(back.certificate(), tsa.certificate());
        assert!(
            LocalTsa::from_pem(
                &LocalTsa::generate(&ca).unwrap().key_pem().unwrap(),
                &pem,
                ca.certificate().clone()
            )
            .is_err()
        );
        let digest = [42u8; 32];
        let der = tsa.timestamp(&digest).await.unwrap();
        let token = ContentInfo::from_der(&der).unwrap();
        let tst = tst_info(&token).unwrap();
        assert_eq!(tst.message_imprint.hashed_message.as_bytes(), &digest);
        assert_eq!(tst.policy, LOCAL_TSA_POLICY);

        let sd: SignedData = token.content.decode_as().unwrap();
        assert_eq!(sd.version, cms::content_info::CmsVersion::V3);
        let si = sd.signer_infos.0.get(0).unwrap();
        let attrs = si.signed_attrs.as_ref().unwrap();
        let key = VerifyingKey::from(tsa.key());
        let sig = Signature::from_der(si.signature.as_bytes()).unwrap();
        key.verify_prehash(&signed_attributes_digest(attrs).unwrap(), &sig)
            .unwrap();
        // The messageDigest attribute is the SHA-256 of the TSTInfo's DER.
        let econtent: OctetString = sd.encap_content_info.econtent.unwrap().decode_as().unwrap();
        let md = attrs
            .iter()
            .find(|a| a.oid == crate::pades::cms::ID_MESSAGE_DIGEST)
            .unwrap();
        let md: OctetString = md.values.get(0).unwrap().decode_as().unwrap();
        assert_eq!(
            md.as_bytes(),
            Sha256::digest(econtent.as_bytes()).as_slice()
        );
    }

    #[tokio::test]
    async fn the_http_client_checks_what_it_is_given() {
        let ca = LocalCa::generate(ORGANIZATION).unwrap();
        let tsa = LocalTsa::generate(&ca).unwrap();
        let http = Loopback {
            tsa: &tsa,
            seen: Mutex::new(vec![]),
            swap_digest: false,
        };
        let client = HttpTsa::new("https://tsa.test/tsr", http);
        let der = client.timestamp(&[9u8; 32]).await.unwrap();
        let tst = tst_info(&ContentInfo::from_der(&der).unwrap()).unwrap();
        assert!(tst.nonce.is_some(), "the nonce is sent and echoed");
        assert_eq!(
            client.http.seen.lock().unwrap().as_slice(),
            &[(
                "https://tsa.test/tsr".to_string(),
                "application/timestamp-query".to_string()
            )]
        );

        // A token over another digest is refused.
        let lying = HttpTsa::new(
            "https://tsa.test/tsr",
            Loopback {
                tsa: &tsa,
                seen: Mutex::new(vec![]),
                swap_digest: true,
            },
        );
        let err = lying.timestamp(&[9u8; 32]).await.unwrap_err();
        assert!(matches!(err, TsaError::Invalid(_)), "{err}");

        // Another policy than the TSA's is rejected, and the client says so.
        let other = HttpTsa::new(
            "u",
            Loopback {
                tsa: &tsa,
                seen: Mutex::new(vec![]),
                swap_digest: false,
            },
        )
        .with_policy(ObjectIdentifier::new_unwrap("1.2.3.4"));
        let err = other.timestamp(&[9u8; 32]).await.unwrap_err();
        assert!(matches!(err, TsaError::Refused(_)), "{err}");
        assert!(matches!(
            token_from_response(b"\x30\x00", &[0; 32], None),
            Err(TsaError::Invalid(_))
        ));
    }
}
