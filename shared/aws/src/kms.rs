//! The document signer on AWS KMS: an asymmetric ECC_NIST_P256 key with usage SIGN_VERIFY;
//! `Sign` with `MessageType = DIGEST` and `ECDSA_SHA_256` returns a DER signature. The private
//! key never leaves KMS; the public key is fetched once.

use async_trait::async_trait;
use aws_sdk_kms::Client;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{MessageType, SigningAlgorithmSpec};
use perizinan::ports::signer::{SignError, Signer};
use tokio::sync::OnceCell;

pub struct KmsSigner {
    client: Client,
    key_id: String,
    public: OnceCell<Vec<u8>>,
}

impl KmsSigner {
    pub fn new(client: Client, key_id: impl Into<String>) -> Self {
        Self {
            client,
            key_id: key_id.into(),
            public: OnceCell::new(),
        }
    }
}

impl KmsSigner {
    /// KMS `Sign` with ECDSA_SHA_256 of a digest (`Digest`) or of a message KMS hashes (`Raw`).
    async fn sign(&self, message: Vec<u8>, kind: MessageType) -> Result<Vec<u8>, SignError> {
        let out = self
            .client
            .sign()
            .key_id(&self.key_id)
            .message(Blob::new(message))
            .message_type(kind)
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await
            .map_err(|e| SignError::Unavailable(Box::new(e)))?;
        out.signature
            .map(|b| b.into_inner())
            .ok_or_else(|| SignError::Invalid("KMS returned no signature".into()))
    }
}

#[async_trait]
impl Signer for KmsSigner {
    fn key_id(&self) -> &str {
        &self.key_id
    }

    async fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>, SignError> {
        self.sign(digest.to_vec(), MessageType::Digest).await
    }

    /// Up to 4,096 bytes go to KMS as the message (`MessageType::Raw`; KMS takes the SHA-256
    /// itself), longer ones as their digest.
    async fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        if message.len() > 4096 {
            use sha2::Digest;
            return self
                .sign_digest(&sha2::Sha256::digest(message).into())
                .await;
        }
        self.sign(message.to_vec(), MessageType::Raw).await
    }

    async fn public_key_der(&self) -> Result<Vec<u8>, SignError> {
        self.public
            .get_or_try_init(|| async {
                let out = self
                    .client
                    .get_public_key()
                    .key_id(&self.key_id)
                    .send()
                    .await
                    .map_err(|e| SignError::Unavailable(Box::new(e)))?;
                out.public_key
                    .map(|b| b.into_inner())
                    .ok_or_else(|| SignError::Invalid("KMS returned no public key".into()))
            })
            .await
            .cloned()
    }
}
