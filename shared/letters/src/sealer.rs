//! The core's [`LetterSealer`] port over the PAdES module: which certificates a letter is sealed
//! with and where its timestamp comes from.
//!
//! The runner's [`LocalPki`] keeps a local CA and a local RFC 3161 timestamp authority in the
//! data directory (`pki/`, created on first start; keys mode 0600) and issues the signer's
//! certificate for whatever key the signer port holds (a local key file, or KMS on moto), once
//! per key. A demo trusts `pki/ca.pem` to see "Certificate is Trusted" in a reader (README).

use crate::pades::local_ca::{self, LocalCa};
use crate::pades::{LocalTsa, PadesError, SignatureDetails, TimestampAuthority, verify_pdf};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use perizinan::ports::Signer;
use perizinan::ports::letters::{LetterSealer, SealError, SealFacts, Sealed};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use x509_cert::Certificate;

fn seal_err(e: impl std::fmt::Display) -> SealError {
    SealError(e.to_string())
}

/// The facts of the signature embedded in `pdf` (the PAdES level is B-T when it carries a
/// signature timestamp).
pub fn facts_of(pdf: &[u8]) -> Result<SealFacts, SealError> {
    let sig = verify_pdf(pdf).map_err(seal_err)?;
    let ts = sig
        .timestamp
        .as_ref()
        .ok_or_else(|| SealError("the embedded signature has no timestamp".into()))?;
    Ok(SealFacts {
        level: "B-T".into(),
        subject: sig.subject(),
        issuer: sig.issuer(),
        serial: sig.serial_hex(),
        timestamp: ts.time,
    })
}

/// The runner's certificates: a local CA, its TSA, and the signer certificates it issued.
pub struct LocalPki {
    dir: PathBuf,
    ca: LocalCa,
    tsa: Arc<LocalTsa>,
    /// Who the signer certificate names (the head of agency's position).
    common_name: String,
    /// The signer certificate issued for the key last seen (SPKI DER, certificate).
    issued: Mutex<Option<(Vec<u8>, Certificate)>>,
}

/// Writes `text` to `path` (mode 0600 where `secret`), atomically.
fn write(path: &Path, text: &str, secret: bool) -> std::io::Result<()> {
    let tmp = path.with_extension("part");
    std::fs::write(&tmp, text)?;
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = secret;
    std::fs::rename(&tmp, path)
}

impl LocalPki {
    /// Reads the CA and TSA from `dir` (e.g. `data/pki`), creating both on first start.
    /// `common_name` goes in the signer certificate (the head of agency's position).
    pub fn load_or_create(dir: &Path, common_name: &str) -> Result<Self, SealError> {
        std::fs::create_dir_all(dir).map_err(seal_err)?;
        let read = |name: &str| std::fs::read_to_string(dir.join(name));
        let ca = match (read("ca.key.pem"), read("ca.pem")) {
            (Ok(k), Ok(c)) => LocalCa::from_pem(&k, &c).map_err(seal_err)?,
            _ => {
                let ca = LocalCa::generate(local_ca::ORGANIZATION).map_err(seal_err)?;
                write(
                    &dir.join("ca.key.pem"),
                    &ca.key_pem().map_err(seal_err)?,
                    true,
                )
                .map_err(seal_err)?;
                write(
                    &dir.join("ca.pem"),
                    &local_ca::certificate_pem(ca.certificate()).map_err(seal_err)?,
                    false,
                )
                .map_err(seal_err)?;
                ca
            }
        };
        let tsa = match (read("tsa.key.pem"), read("tsa.pem")) {
            (Ok(k), Ok(c)) => {
                LocalTsa::from_pem(&k, &c, ca.certificate().clone()).map_err(seal_err)?
            }
            _ => {
                let key = local_ca::generate_key().map_err(seal_err)?;
                let cert = ca
                    .issue_tsa(&local_ca::public_key_der(&key).map_err(seal_err)?)
                    .map_err(seal_err)?;
                let tsa = LocalTsa::new(key, cert.clone(), vec![ca.certificate().clone()])
                    .map_err(seal_err)?;
                write(
                    &dir.join("tsa.key.pem"),
                    &tsa.key_pem().map_err(seal_err)?,
                    true,
                )
                .map_err(seal_err)?;
                write(
                    &dir.join("tsa.pem"),
                    &local_ca::certificate_pem(&cert).map_err(seal_err)?,
                    false,
                )
                .map_err(seal_err)?;
                tsa
            }
        };
        Ok(Self {
            dir: dir.to_path_buf(),
            ca,
            tsa: Arc::new(tsa),
            common_name: common_name.to_string(),
            issued: Mutex::new(None),
        })
    }

    /// The check of uploaded letters' embedded signatures, trusting this CA.
    pub fn trusted_seals(&self) -> crate::trust::TrustedSeals {
        crate::trust::TrustedSeals::new(vec![self.ca.certificate().clone()])
    }

    /// The CA certificate (PEM) a reader must trust.
    pub fn ca_pem(&self) -> Result<String, SealError> {
        local_ca::certificate_pem(self.ca.certificate()).map_err(seal_err)
    }

    /// The signer certificate for the key `spki`, issued on first use and kept
    /// (`pki/signer.pem`, for reference).
    fn signer_certificate(&self, spki: &[u8]) -> Result<Certificate, SealError> {
        let mut issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((key, cert)) = issued.as_ref()
            && key == spki
        {
            return Ok(cert.clone());
        }
        let cert = self
            .ca
            .issue_signer(&self.common_name, spki)
            .map_err(seal_err)?;
        write(
            &self.dir.join("signer.pem"),
            &local_ca::certificate_pem(&cert).map_err(seal_err)?,
            false,
        )
        .map_err(seal_err)?;
        *issued = Some((spki.to_vec(), cert.clone()));
        Ok(cert)
    }
}

#[async_trait]
impl LetterSealer for LocalPki {
    async fn seal(
        &self,
        pdf: &[u8],
        signer: &dyn Signer,
        signed_at: DateTime<Utc>,
        signer_name: &str,
        reason: &str,
        location: &str,
    ) -> Result<Sealed, SealError> {
        let spki = signer.public_key_der().await.map_err(seal_err)?;
        let chain = vec![
            self.signer_certificate(&spki)?,
            self.ca.certificate().clone(),
        ];
        let tsa: &dyn TimestampAuthority = self.tsa.as_ref();
        let sealed = crate::pades::sign_pdf(
            pdf,
            signer,
            &chain,
            tsa,
            signed_at,
            &SignatureDetails {
                name: signer_name,
                reason,
                location,
                contact: "",
            },
        )
        .await
        .map_err(|e: PadesError| seal_err(e))?;
        let facts = facts_of(&sealed)?;
        Ok(Sealed { pdf: sealed, facts })
    }

    fn facts(&self, pdf: &[u8]) -> Result<SealFacts, SealError> {
        facts_of(pdf)
    }
}

/// The stack's certificates: a chain issued for the signer port's key (`PD_SIGNER_CERT_CHAIN`:
/// the key's certificate, then its CA chain) and a timestamp authority (`PD_TSA_URL`, over
/// the deployment's HTTP transport).
pub struct ChainSealer {
    chain: Vec<Certificate>,
    tsa: Arc<dyn TimestampAuthority>,
}

impl ChainSealer {
    /// Parses `chain_pem` (the signer's certificate first).
    pub fn new(chain_pem: &str, tsa: Arc<dyn TimestampAuthority>) -> Result<Self, SealError> {
        let chain = local_ca::certificates_from_pem(chain_pem).map_err(seal_err)?;
        if chain.is_empty() {
            return Err(SealError("the certificate chain is empty".into()));
        }
        Ok(Self { chain, tsa })
    }

    /// Checks that the chain's first certificate is for `signer`'s key (KMS `GetPublicKey`): a
    /// chain for another key would seal letters no reader validates, so a deployment refuses
    /// to start with one.
    pub async fn check_key(&self, signer: &dyn Signer) -> Result<(), SealError> {
        use der::Encode;
        let key = signer.public_key_der().await.map_err(seal_err)?;
        let leaf = self.chain[0]
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(seal_err)?;
        if key != leaf {
            return Err(SealError(format!(
                "the chain's first certificate ({}) is not for the signing key {}",
                self.chain[0].tbs_certificate.subject,
                signer.key_id()
            )));
        }
        Ok(())
    }

    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }
}

#[async_trait]
impl LetterSealer for ChainSealer {
    async fn seal(
        &self,
        pdf: &[u8],
        signer: &dyn Signer,
        signed_at: DateTime<Utc>,
        signer_name: &str,
        reason: &str,
        location: &str,
    ) -> Result<Sealed, SealError> {
        let sealed = crate::pades::sign_pdf(
            pdf,
            signer,
            &self.chain,
            self.tsa.as_ref(),
            signed_at,
            &SignatureDetails {
                name: signer_name,
                reason,
                location,
                contact: "",
            },
        )
        .await
        .map_err(|e: PadesError| seal_err(e))?;
        let facts = facts_of(&sealed)?;
        Ok(Sealed { pdf: sealed, facts })
    }

    fn facts(&self, pdf: &[u8]) -> Result<SealFacts, SealError> {
        facts_of(pdf)
    }
}
