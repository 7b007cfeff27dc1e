//! Signing documents: ECDSA P-256 over the SHA-256 of the final bytes. An AWS KMS asymmetric key
//! in production, a local key file in the embedded default; one verifier for both.

use async_trait::async_trait;

pub const ALGORITHM: &str = "ECDSA_P256_SHA256";

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("signing key unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("signing key invalid: {0}")]
    Invalid(String),
}

#[async_trait]
pub trait Signer: Send + Sync {
    /// Identifies the key (a KMS key ARN/id, or `local:<fingerprint>`).
    fn key_id(&self) -> &str;
    /// Signs a SHA-256 digest; the signature is DER-encoded (as `openssl dgst` expects).
    async fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>, SignError>;
    /// Signs a short message (ECDSA over its SHA-256), e.g. a CMS signature's signed
    /// attributes: the same signature as [`Signer::sign_digest`] of its SHA-256, which is what
    /// this default does; a signer that can hash for itself may send the message instead (KMS
    /// takes up to 4,096 bytes as `RAW`).
    async fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        use sha2::Digest;
        self.sign_digest(&sha2::Sha256::digest(message).into())
            .await
    }
    /// The public key as SubjectPublicKeyInfo DER.
    async fn public_key_der(&self) -> Result<Vec<u8>, SignError>;
}

/// Checks a DER signature over a SHA-256 digest with an SPKI DER public key.
pub fn verify(public_key_der: &[u8], digest: &[u8; 32], signature_der: &[u8]) -> bool {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    use p256::ecdsa::{Signature, VerifyingKey};
    use p256::pkcs8::DecodePublicKey;
    let Ok(key) = VerifyingKey::from_public_key_der(public_key_der) else {
        return false;
    };
    let Ok(sig) = Signature::from_der(signature_der) else {
        return false;
    };
    key.verify_prehash(digest, &sig).is_ok()
}

/// PEM of an SPKI DER public key (what `openssl dgst -verify` reads).
pub fn public_key_pem(der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END PUBLIC KEY-----\n");
    pem
}
