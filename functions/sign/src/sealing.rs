//! The stack's sealer: letters signed through the KMS key carry a PAdES B-T signature under the
//! certificate chain issued for that key (`PD_SIGNER_CERT_CHAIN`) with a timestamp from an
//! RFC 3161 authority over HTTP(S) (`PD_TSA_URL`). Checked at start: the chain's first
//! certificate must be for the key (`GetPublicKey`), or the function refuses to start.

use async_trait::async_trait;
use perizinan::ports::{LetterSealer, Signer};
use perizinan::settings::{BootError, Settings};
use perizinan_aws::http::HttpsClient;
use perizinan_letters::pades::{HttpPost, HttpTsa};
use perizinan_letters::sealer::ChainSealer;
use std::sync::Arc;
use std::time::Duration;

/// How long one timestamp request may take (connect, send, answer).
pub const TSA_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest timestamp reply accepted: a token with a PSrE's chain of RSA-4096 certificates
/// is under 16 KiB.
pub const TSA_MAX_RESPONSE: usize = 64 * 1024;

/// The RFC 3161 client's transport (RFC 3161, 3.4: `application/timestamp-query` out,
/// `application/timestamp-reply` back).
pub struct TsaTransport(pub HttpsClient);

#[async_trait]
impl HttpPost for TsaTransport {
    async fn post(
        &self,
        url: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
        Ok(self
            .0
            .post(url, content_type, "application/timestamp-reply", body)
            .await?)
    }
}

/// The sealer the settings configure, its chain checked against `signer`'s key; `None` without
/// `PD_SIGNER_CERT_CHAIN` and `PD_TSA_URL` (letters are then signed beside the file only).
pub async fn stack_sealer(
    settings: &Settings,
    signer: &dyn Signer,
) -> Result<Option<Arc<dyn LetterSealer>>, BootError> {
    let (chain, url) = match (&settings.aws.signer_cert_chain, &settings.aws.tsa_url) {
        (None, None) => return Ok(None),
        (Some(chain), Some(url)) => (chain, url),
        (Some(_), None) => {
            return Err(BootError(
                "PD_TSA_URL: wajib diisi bersama PD_SIGNER_CERT_CHAIN / is required with PD_SIGNER_CERT_CHAIN".into(),
            ));
        }
        (None, Some(_)) => {
            return Err(BootError(
                "PD_SIGNER_CERT_CHAIN: wajib diisi bersama PD_TSA_URL / is required with PD_TSA_URL".into(),
            ));
        }
    };
    let http = HttpsClient::new(TSA_TIMEOUT, TSA_MAX_RESPONSE)
        .map_err(|e| BootError(format!("PD_TSA_URL: klien HTTPS / HTTPS client: {e}")))?;
    let tsa = HttpTsa::new(url.clone(), TsaTransport(http));
    let sealer = ChainSealer::new(chain, Arc::new(tsa)).map_err(|e| {
        BootError(format!(
            "PD_SIGNER_CERT_CHAIN: rantai sertifikat tidak dapat dibaca / the certificate chain cannot be read: {e}"
        ))
    })?;
    sealer.check_key(signer).await.map_err(|e| {
        BootError(format!(
            "PD_SIGNER_CERT_CHAIN: sertifikat pertama bukan untuk kunci penanda tangan / the first certificate is not for the signing key: {e}"
        ))
    })?;
    tracing::info!(
        subject = %sealer.chain()[0].tbs_certificate.subject,
        tsa = %url,
        "letters are sealed (PAdES B-T) under the configured chain"
    );
    Ok(Some(Arc::new(sealer)))
}
