//! The core's [`SealVerifier`] port: the signature embedded in an uploaded PDF checked
//! ([`verify_pdf`]) and its signer's and timestamp authority's certificates chained to the
//! certificates a deployment trusts (the runner's local CA; in the stack, the CA certificates
//! of `PD_SIGNER_CERT_CHAIN` and any of `PD_TSA_CA_CERTS`). This module needs no PDF renderer:
//! the `verify` function links the crate without its `render` feature.

use crate::pades::local_ca::{CaError, certificates_from_pem};
use crate::pades::{VerifyError, verify_pdf};
use perizinan::ports::letters::{SealCheck, SealCheckFacts, SealProblem, SealVerifier};
use perizinan::settings::{AwsSettings, BootError};
use x509_cert::Certificate;

/// Checks embedded signatures against a fixed set of trusted certificates.
#[derive(Debug, Clone)]
pub struct TrustedSeals {
    anchors: Vec<Certificate>,
}

impl TrustedSeals {
    /// Trusts `anchors` (CA certificates; a signer chains to one of them through the
    /// certificates its signature carries).
    pub fn new(anchors: Vec<Certificate>) -> Self {
        Self { anchors }
    }

    /// Trusts the CA certificates of a configured signer chain (PEM: the signer's certificate
    /// first, then its issuers; a single certificate is trusted itself) and of `extra` (PEM,
    /// e.g. a public TSA's CA).
    pub fn from_chain_pem(chain: &str, extra: Option<&str>) -> Result<Self, CaError> {
        let mut certs = certificates_from_pem(chain)?;
        if certs.len() > 1 {
            certs.remove(0);
        }
        if let Some(pem) = extra {
            certs.extend(certificates_from_pem(pem)?);
        }
        Ok(Self::new(certs))
    }

    /// What a function trusts from its settings: the CA certificates of `PD_SIGNER_CERT_CHAIN`
    /// and `PD_TSA_CA_CERTS`; none without a chain (the stack then seals no letter, and any
    /// embedded signature is reported untrusted).
    pub fn from_settings(aws: &AwsSettings) -> Result<Self, BootError> {
        match &aws.signer_cert_chain {
            Some(chain) => Self::from_chain_pem(chain, aws.tsa_ca_certs.as_deref())
                .map_err(|e| BootError(format!("PD_SIGNER_CERT_CHAIN / PD_TSA_CA_CERTS: {e}"))),
            None => Ok(Self::new(vec![])),
        }
    }

    pub fn anchors(&self) -> &[Certificate] {
        &self.anchors
    }
}

fn problem_of(e: &VerifyError) -> SealProblem {
    match e {
        VerifyError::NotSigned => SealProblem::NotSigned,
        VerifyError::Malformed(_) => SealProblem::Malformed,
        VerifyError::DigestMismatch => SealProblem::DigestMismatch,
        VerifyError::BadSignature => SealProblem::BadSignature,
        VerifyError::SigningCertificateMismatch => SealProblem::SigningCertificateMismatch,
        VerifyError::TimestampMismatch => SealProblem::TimestampMismatch,
        VerifyError::Unsupported(_) => SealProblem::Unsupported,
    }
}

impl SealVerifier for TrustedSeals {
    fn check(&self, pdf: &[u8]) -> SealCheck {
        let sig = match verify_pdf(pdf) {
            Ok(sig) => sig,
            Err(e) => {
                return SealCheck {
                    valid: false,
                    facts: None,
                    problem: Some(problem_of(&e)),
                };
            }
        };
        let facts = SealCheckFacts {
            level: if sig.timestamp.is_some() {
                "B-T"
            } else {
                "B-B"
            }
            .into(),
            subject: sig.subject(),
            issuer: sig.issuer(),
            serial: sig.serial_hex(),
            timestamp: sig.timestamp.as_ref().map(|t| t.time),
        };
        let problem = if !sig.covers_whole_file {
            Some(SealProblem::ModifiedAfterSigning)
        } else if !sig.is_trusted(&self.anchors) {
            Some(SealProblem::Untrusted)
        } else if sig.timestamp.is_none() {
            Some(SealProblem::NoTimestamp)
        } else if !sig.timestamp_is_trusted(&self.anchors) {
            Some(SealProblem::TimestampUntrusted)
        } else {
            None
        };
        SealCheck {
            valid: problem.is_none(),
            facts: Some(facts),
            problem,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pades::local_ca::{self, LocalCa, certificate_pem};

    #[test]
    fn a_chain_trusts_its_ca_certificates_and_a_lone_certificate_itself() {
        let ca = LocalCa::generate("Uji").unwrap();
        let key = local_ca::generate_key().unwrap();
        let leaf = ca
            .issue_signer("Kepala Dinas", &local_ca::public_key_der(&key).unwrap())
            .unwrap();
        let chain = certificate_pem(&leaf).unwrap() + &certificate_pem(ca.certificate()).unwrap();
        let t = TrustedSeals::from_chain_pem(&chain, None).unwrap();
        assert_eq!(t.anchors(), std::slice::from_ref(ca.certificate()));
        let other = LocalCa::generate("Lain").unwrap();
        let t = TrustedSeals::from_chain_pem(
            &chain,
            Some(&certificate_pem(other.certificate()).unwrap()),
        )
        .unwrap();
        assert_eq!(t.anchors().len(), 2);
        let t = TrustedSeals::from_chain_pem(&certificate_pem(ca.certificate()).unwrap(), None)
            .unwrap();
        assert_eq!(t.anchors(), std::slice::from_ref(ca.certificate()));
        assert!(TrustedSeals::from_chain_pem("not pem", None).is_err());
    }

    #[test]
    fn a_file_without_a_signature_is_not_valid() {
        let c = TrustedSeals::new(vec![]).check(b"%PDF-1.7\n%%EOF\n");
        assert!(!c.valid);
        assert!(c.problem.is_some() && c.facts.is_none());
    }
}
