//! One SSM Parameter Store read at start: the signer's certificate chain
//! (`PD_SIGNER_CERT_CHAIN_PARAMETER`), too long for a Lambda environment variable (4 KB in all)
//! once a PSrE's RSA certificates are in it. `GetParameter` is signed with SigV4 by `aws-sigv4`
//! and sent with the function's own HTTPS client ([`HttpsClient`]), so the functions link no
//! SSM SDK crate for one call.

use crate::http::HttpsClient;
use aws_config::SdkConfig;
use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http_body_util::Full;
use perizinan::settings::BootError;
use std::time::{Duration, SystemTime};

/// The value of the (String or SecureString) parameter `name`.
pub async fn get_parameter(sdk: &SdkConfig, name: &str) -> Result<String, BootError> {
    let fail = |what: String| BootError(format!("SSM GetParameter {name}: {what}"));
    let region = sdk
        .region()
        .map(|r| r.to_string())
        .ok_or_else(|| fail("no AWS region configured".into()))?;
    let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
    let endpoint = var("AWS_ENDPOINT_URL_SSM")
        .or_else(|| sdk.endpoint_url().map(str::to_string))
        .unwrap_or_else(|| format!("https://ssm.{region}.amazonaws.com"));
    let url = format!("{}/", endpoint.trim_end_matches('/'));
    let body = serde_json::to_vec(&serde_json::json!({"Name": name, "WithDecryption": true}))
        .map_err(|e| fail(e.to_string()))?;
    let credentials = sdk
        .credentials_provider()
        .ok_or_else(|| fail("no AWS credentials provider".into()))?
        .provide_credentials()
        .await
        .map_err(|e| fail(format!("credentials: {e}")))?;
    let uri: http::Uri = url
        .parse()
        .map_err(|_| fail(format!("bad endpoint {url}")))?;
    let host = uri
        .authority()
        .map(|a| a.to_string())
        .ok_or_else(|| fail(format!("bad endpoint {url}")))?;
    let headers = [
        ("content-type", "application/x-amz-json-1.1"),
        ("x-amz-target", "AmazonSSM.GetParameter"),
        ("host", host.as_str()),
    ];
    let identity = credentials.into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&region)
        .name("ssm")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| fail(e.to_string()))?
        .into();
    let signable = SignableRequest::new(
        "POST",
        &url,
        headers.iter().copied(),
        SignableBody::Bytes(&body),
    )
    .map_err(|e| fail(e.to_string()))?;
    let (instructions, _) = sign(signable, &params)
        .map_err(|e| fail(e.to_string()))?
        .into_parts();
    let mut request = http::Request::post(uri);
    for (k, v) in headers {
        request = request.header(k, v);
    }
    let mut request = request
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| fail(e.to_string()))?;
    instructions.apply_to_request_http1x(&mut request);
    let http =
        HttpsClient::new(Duration::from_secs(10), 64 * 1024).map_err(|e| fail(e.to_string()))?;
    let answer = http
        .send(request, None)
        .await
        .map_err(|e| fail(e.to_string()))?;
    let v: serde_json::Value =
        serde_json::from_slice(&answer).map_err(|e| fail(format!("answer: {e}")))?;
    v["Parameter"]["Value"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| fail("no Parameter.Value in the answer".into()))
}
