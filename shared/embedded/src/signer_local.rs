//! The embedded signer: a P-256 key in a PKCS#8 PEM file of the data directory (created on first
//! run, mode 0600).

use async_trait::async_trait;
use p256::ecdsa::SigningKey;
use p256::ecdsa::signature::hazmat::PrehashSigner;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use perizinan::ports::signer::{SignError, Signer};
use sha2::{Digest, Sha256};
use std::path::Path;

pub struct LocalSigner {
    key: SigningKey,
    key_id: String,
    public_der: Vec<u8>,
}

impl LocalSigner {
    pub fn from_key(key: SigningKey) -> Result<Self, SignError> {
        let public_der = key
            .verifying_key()
            .to_public_key_der()
            .map_err(|e| SignError::Invalid(e.to_string()))?
            .as_bytes()
            .to_vec();
        let key_id = format!("local:{}", &hex::encode(Sha256::digest(&public_der))[..16]);
        Ok(Self {
            key,
            key_id,
            public_der,
        })
    }

    /// Reads the key at `path`, creating a new one there if the file does not exist.
    pub fn open_or_create(path: &Path) -> Result<Self, SignError> {
        match std::fs::read_to_string(path) {
            Ok(pem) => Self::from_key(
                SigningKey::from_pkcs8_pem(&pem).map_err(|e| SignError::Invalid(e.to_string()))?,
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut seed = [0u8; 32];
                let key = loop {
                    getrandom::fill(&mut seed).map_err(|e| SignError::Invalid(e.to_string()))?;
                    if let Ok(k) = SigningKey::from_slice(&seed) {
                        break k;
                    }
                };
                let pem = key
                    .to_pkcs8_pem(LineEnding::LF)
                    .map_err(|e| SignError::Invalid(e.to_string()))?;
                write_private(path, pem.as_bytes())
                    .map_err(|e| SignError::Unavailable(Box::new(e)))?;
                Self::from_key(key)
            }
            Err(e) => Err(SignError::Unavailable(Box::new(e))),
        }
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[async_trait]
impl Signer for LocalSigner {
    fn key_id(&self) -> &str {
        &self.key_id
    }

    async fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>, SignError> {
        let sig: p256::ecdsa::Signature = self
            .key
            .sign_prehash(digest)
            .map_err(|e| SignError::Invalid(e.to_string()))?;
        Ok(sig.to_der().as_bytes().to_vec())
    }

    async fn public_key_der(&self) -> Result<Vec<u8>, SignError> {
        Ok(self.public_der.clone())
    }
}
