//! Documents on S3: a private bucket; uploads through a presigned POST whose policy makes S3
//! itself enforce the key, the content type and the size (`content-length-range`); downloads
//! through a short-lived presigned GET that answers as an attachment.

use async_trait::async_trait;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_s3::Client;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use base64::Engine;
use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use perizinan::ports::clock::Clock;
use perizinan::ports::documents::{DocumentError, DocumentStore, ObjectHead, UploadTicket};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub struct S3Documents {
    client: Client,
    bucket: String,
    region: String,
    /// An endpoint override (`AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`), e.g. moto.
    endpoint: Option<String>,
    path_style: bool,
    credentials: SharedCredentialsProvider,
    clock: Arc<dyn Clock>,
}

fn unavailable<E: std::error::Error + Send + Sync + 'static>(e: E) -> DocumentError {
    DocumentError::Unavailable(Box::new(e))
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Msg(String);

/// The form fields of a presigned POST (AWS Signature Version 4, "Browser-Based Uploads Using
/// POST"): the policy is the string to sign, with the signing key derived by `aws-sigv4`.
#[allow(clippy::too_many_arguments)]
pub fn post_policy_fields(
    bucket: &str,
    key: &str,
    media_type: &str,
    max_bytes: u64,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
    region: &str,
    access_key: &str,
    secret_key: &str,
    session_token: Option<&str>,
) -> BTreeMap<String, String> {
    let amz_date = now.format("%Y%m%dT%H%M%SZ").to_string();
    let credential = format!(
        "{access_key}/{}/{region}/s3/aws4_request",
        now.format("%Y%m%d")
    );
    let mut conditions = vec![
        json!({"bucket": bucket}),
        json!({"key": key}),
        json!({"Content-Type": media_type}),
        json!(["content-length-range", 1, max_bytes]),
        json!({"x-amz-algorithm": "AWS4-HMAC-SHA256"}),
        json!({"x-amz-credential": credential}),
        json!({"x-amz-date": amz_date}),
    ];
    if let Some(t) = session_token {
        conditions.push(json!({"x-amz-security-token": t}));
    }
    let policy = json!({
        "expiration": expires.to_rfc3339_opts(SecondsFormat::Millis, true),
        "conditions": conditions,
    });
    let policy_b64 = base64::engine::general_purpose::STANDARD.encode(policy.to_string());
    let signing_key =
        aws_sigv4::sign::v4::generate_signing_key(secret_key, now.into(), region, "s3");
    let signature = aws_sigv4::sign::v4::calculate_signature(signing_key, policy_b64.as_bytes());
    let mut fields = BTreeMap::from([
        ("key".to_string(), key.to_string()),
        ("Content-Type".to_string(), media_type.to_string()),
        (
            "x-amz-algorithm".to_string(),
            "AWS4-HMAC-SHA256".to_string(),
        ),
        ("x-amz-credential".to_string(), credential),
        ("x-amz-date".to_string(), amz_date),
        ("Policy".to_string(), policy_b64),
        ("x-amz-signature".to_string(), signature),
    ]);
    if let Some(t) = session_token {
        fields.insert("x-amz-security-token".to_string(), t.to_string());
    }
    fields
}

impl S3Documents {
    pub fn new(
        client: Client,
        bucket: impl Into<String>,
        region: impl Into<String>,
        endpoint: Option<String>,
        path_style: bool,
        credentials: SharedCredentialsProvider,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            client,
            bucket: bucket.into(),
            region: region.into(),
            endpoint,
            path_style,
            credentials,
            clock,
        }
    }

    fn post_url(&self) -> String {
        match (&self.endpoint, self.path_style) {
            (Some(e), true) => format!("{}/{}", e.trim_end_matches('/'), self.bucket),
            (Some(e), false) => match e.split_once("://") {
                Some((scheme, host)) => {
                    format!("{scheme}://{}.{}", self.bucket, host.trim_end_matches('/'))
                }
                None => format!("https://{}.{e}", self.bucket),
            },
            (None, _) => format!("https://{}.s3.{}.amazonaws.com", self.bucket, self.region),
        }
    }
}

#[async_trait]
impl DocumentStore for S3Documents {
    async fn scan_status(
        &self,
        key: &str,
    ) -> Result<perizinan::ports::documents::ScanStatus, DocumentError> {
        use perizinan::ports::documents::{SCAN_TAG, ScanStatus};
        match self
            .client
            .get_object_tagging()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(t) => Ok(ScanStatus::from_tag(
                t.tag_set()
                    .iter()
                    .find(|x| x.key() == SCAN_TAG)
                    .map(|x| x.value()),
            )),
            Err(e)
                if e.as_service_error().is_some_and(|s| {
                    aws_sdk_s3::error::ProvideErrorMetadata::code(s) == Some("NoSuchKey")
                }) =>
            {
                Err(DocumentError::NotFound)
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn presign_upload(
        &self,
        key: &str,
        media_type: &str,
        max_bytes: u64,
        ttl: Duration,
    ) -> Result<UploadTicket, DocumentError> {
        let creds = self
            .credentials
            .provide_credentials()
            .await
            .map_err(unavailable)?;
        let now = self.clock.now();
        let expires_at = now + chrono::Duration::from_std(ttl).map_err(unavailable)?;
        let fields = post_policy_fields(
            &self.bucket,
            key,
            media_type,
            max_bytes,
            now,
            expires_at,
            &self.region,
            creds.access_key_id(),
            creds.secret_access_key(),
            creds.session_token(),
        );
        Ok(UploadTicket {
            method: "POST".into(),
            url: self.post_url(),
            fields,
            headers: BTreeMap::new(),
            max_bytes,
            expires_at,
        })
    }

    async fn presign_download(
        &self,
        key: &str,
        file_name: &str,
        media_type: &str,
        ttl: Duration,
    ) -> Result<String, DocumentError> {
        let cfg = PresigningConfig::expires_in(ttl).map_err(unavailable)?;
        let req = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_type(media_type)
            .response_content_disposition(perizinan::api::documents::attachment(file_name))
            .presigned(cfg)
            .await
            .map_err(unavailable)?;
        Ok(req.uri().to_string())
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectHead>, DocumentError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(h) => Ok(Some(ObjectHead {
                size: h.content_length.unwrap_or(0).max(0) as u64,
            })),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn get(&self, key: &str) -> Result<Bytes, DocumentError> {
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => {
                return Err(DocumentError::NotFound);
            }
            Err(e) => return Err(unavailable(e)),
        };
        let data = out
            .body
            .collect()
            .await
            .map_err(|e| unavailable(Msg(e.to_string())))?;
        Ok(data.into_bytes())
    }

    async fn put(&self, key: &str, bytes: Bytes, media_type: &str) -> Result<(), DocumentError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(media_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// `If-None-Match: *` (S3 conditional writes): a second write of the key fails with 412.
    /// The signed-documents bucket also has Object Lock, so not even a new version can replace
    /// a retained one.
    async fn put_new(
        &self,
        key: &str,
        bytes: Bytes,
        media_type: &str,
    ) -> Result<(), DocumentError> {
        match self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(media_type)
            .if_none_match("*")
            .body(ByteStream::from(bytes))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 412) => {
                Err(DocumentError::Exists)
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Erases the object: every version and delete marker of the key (the bucket is
    /// versioned, so a plain DELETE would only hide it behind a marker). Versions are listed by
    /// the key as prefix and only the exact key's are deleted.
    async fn delete(&self, key: &str) -> Result<(), DocumentError> {
        let mut key_marker: Option<String> = None;
        let mut version_marker: Option<String> = None;
        loop {
            let page = self
                .client
                .list_object_versions()
                .bucket(&self.bucket)
                .prefix(key)
                .set_key_marker(key_marker.take())
                .set_version_id_marker(version_marker.take())
                .send()
                .await
                .map_err(unavailable)?;
            let versions = page
                .versions()
                .iter()
                .map(|v| (v.key(), v.version_id()))
                .chain(
                    page.delete_markers()
                        .iter()
                        .map(|m| (m.key(), m.version_id())),
                );
            for (k, version) in versions {
                if k != Some(key) {
                    continue;
                }
                self.client
                    .delete_object()
                    .bucket(&self.bucket)
                    .key(key)
                    .set_version_id(version.map(str::to_string))
                    .send()
                    .await
                    .map_err(unavailable)?;
            }
            if page.is_truncated() != Some(true) {
                break;
            }
            key_marker = page.next_key_marker().map(str::to_string);
            version_marker = page.next_version_id_marker().map(str::to_string);
            if key_marker.is_none() && version_marker.is_none() {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_post_signature_uses_the_sigv4_signing_key() {
        let now: DateTime<Utc> = "2015-12-29T00:00:00Z".parse().unwrap();
        let f = post_policy_fields(
            "sigv4examplebucket",
            "user/user1/izin.pdf",
            "application/pdf",
            1024,
            now,
            "2015-12-30T12:00:00Z".parse().unwrap(),
            "us-east-1",
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            None,
        );
        assert_eq!(
            f["x-amz-credential"],
            "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"
        );
        assert_eq!(f["x-amz-date"], "20151229T000000Z");
        let policy = String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(&f["Policy"])
                .unwrap(),
        )
        .unwrap();
        assert!(
            policy.contains(r#"["content-length-range",1,1024]"#),
            "{policy}"
        );
        assert!(policy.contains(r#""expiration":"2015-12-30T12:00:00.000Z""#));
        // Recompute by hand: kSigning = HMAC chain of "AWS4"+secret over date, region, service,
        // "aws4_request"; signature = hex(HMAC(kSigning, policy)).
        use hmac::{Hmac, Mac};
        let h = |k: &[u8], d: &str| {
            let mut m = Hmac::<sha2::Sha256>::new_from_slice(k).unwrap();
            m.update(d.as_bytes());
            m.finalize().into_bytes().to_vec()
        };
        let k = h(b"AWS4wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20151229");
        let k = h(&k, "us-east-1");
        let k = h(&k, "s3");
        let k = h(&k, "aws4_request");
        assert_eq!(f["x-amz-signature"], hex::encode(h(&k, &f["Policy"])));
    }

    #[test]
    fn the_signing_key_matches_the_published_example() {
        // AWS General Reference, "Examples of how to derive a signing key for Signature
        // Version 4": secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215, us-east-1, iam.
        let t: DateTime<Utc> = "2012-02-15T00:00:00Z".parse().unwrap();
        let k = aws_sigv4::sign::v4::generate_signing_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            t.into(),
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex::encode(k.as_ref()),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }
}
