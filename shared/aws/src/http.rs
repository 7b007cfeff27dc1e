//! A small HTTPS client for the one outside service a function calls besides AWS: an RFC 3161
//! timestamp authority (`PD_TSA_URL`). It is the hyper 1 client over hyper-rustls (rustls on
//! ring, the system's root certificates) that the SDK's own HTTP client already links, so the
//! `sign` package gains no HTTP stack of its own. One POST, a timeout on the whole exchange, the
//! response's media type checked and its size bounded.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("bad URL {0:?}")]
    Url(String),
    #[error("TLS roots: {0}")]
    Tls(#[source] std::io::Error),
    #[error("request to {host} failed: {source}")]
    Request {
        host: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("{host} did not answer within {0:?}", .timeout)]
    Timeout { host: String, timeout: Duration },
    #[error("{host} answered HTTP {status}")]
    Status { host: String, status: u16 },
    #[error("{host} answered {got:?}, not {expected}")]
    MediaType {
        host: String,
        got: String,
        expected: &'static str,
    },
    #[error("{host}'s answer is larger than {limit} bytes")]
    TooLarge { host: String, limit: usize },
}

/// POSTs over HTTP or HTTPS.
#[derive(Clone)]
pub struct HttpsClient {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
    max_response: usize,
}

impl HttpsClient {
    /// A client that gives up after `timeout` and refuses answers over `max_response` bytes.
    pub fn new(timeout: Duration, max_response: usize) -> Result<Self, HttpError> {
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(timeout));
        http.enforce_http(false);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
            .map_err(HttpError::Tls)?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build(https),
            timeout,
            max_response,
        })
    }

    /// POSTs `body` as `content_type` to `url` and returns the body of a 2xx answer whose
    /// media type is `expected`.
    pub async fn post(
        &self,
        url: &str,
        content_type: &str,
        expected: &'static str,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, HttpError> {
        let uri: http::Uri = url.parse().map_err(|_| HttpError::Url(url.into()))?;
        let request = http::Request::post(uri)
            .header(http::header::CONTENT_TYPE, content_type)
            .header(http::header::ACCEPT, expected)
            .body(Full::new(Bytes::from(body)))
            .map_err(|_| HttpError::Url(url.into()))?;
        self.send(request, Some(expected)).await
    }

    /// Sends `request` and returns the body of a 2xx answer (of media type `expected`, if
    /// given), within the timeout and the size bound.
    pub async fn send(
        &self,
        request: http::Request<Full<Bytes>>,
        expected: Option<&'static str>,
    ) -> Result<Vec<u8>, HttpError> {
        let host = request.uri().host().unwrap_or_default().to_string();
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| HttpError::Request {
                    host: host.clone(),
                    source: Box::new(e),
                })?;
            let status = response.status();
            if !status.is_success() {
                return Err(HttpError::Status {
                    host: host.clone(),
                    status: status.as_u16(),
                });
            }
            if let Some(expected) = expected {
                let media = response
                    .headers()
                    .get(http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                if media.split(';').next().unwrap_or("").trim() != expected {
                    return Err(HttpError::MediaType {
                        host: host.clone(),
                        got: media,
                        expected,
                    });
                }
            }
            let limited = Limited::new(response.into_body(), self.max_response);
            match limited.collect().await {
                Ok(b) => Ok(b.to_bytes().to_vec()),
                Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(HttpError::TooLarge {
                    host: host.clone(),
                    limit: self.max_response,
                }),
                Err(e) => Err(HttpError::Request {
                    host: host.clone(),
                    source: e,
                }),
            }
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| HttpError::Timeout {
                host: host.clone(),
                timeout: self.timeout,
            })?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server that answers every connection with `response` (after `delay`).
    async fn serve(response: Vec<u8>, delay: Duration) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let response = response.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let _ = s.read(&mut buf).await;
                    tokio::time::sleep(delay).await;
                    let _ = s.write_all(&response).await;
                });
            }
        });
        format!("http://{addr}/tsa")
    }

    fn reply(media: &str, body: &[u8]) -> Vec<u8> {
        let mut r = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: {media}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        r
    }

    const REPLY: &str = "application/timestamp-reply";

    #[tokio::test]
    async fn posts_and_reads_a_reply_of_the_expected_type() {
        let url = serve(reply(REPLY, b"\x30\x03\x02\x01\x00"), Duration::ZERO).await;
        let c = HttpsClient::new(Duration::from_secs(5), 1024).unwrap();
        let body = c
            .post(&url, "application/timestamp-query", REPLY, vec![1, 2])
            .await
            .unwrap();
        assert_eq!(body, b"\x30\x03\x02\x01\x00");
    }

    #[tokio::test]
    async fn refuses_another_media_type_a_large_answer_an_error_status_and_a_slow_server() {
        let c = HttpsClient::new(Duration::from_millis(500), 16).unwrap();
        let url = serve(reply("text/html", b"<html>"), Duration::ZERO).await;
        let e = c.post(&url, "a/b", REPLY, vec![]).await.unwrap_err();
        assert!(matches!(e, HttpError::MediaType { .. }), "{e}");
        let url = serve(reply(REPLY, &[0u8; 17]), Duration::ZERO).await;
        let e = c.post(&url, "a/b", REPLY, vec![]).await.unwrap_err();
        assert!(matches!(e, HttpError::TooLarge { limit: 16, .. }), "{e}");
        let url = serve(
            b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n".to_vec(),
            Duration::ZERO,
        )
        .await;
        let e = c.post(&url, "a/b", REPLY, vec![]).await.unwrap_err();
        assert!(matches!(e, HttpError::Status { status: 503, .. }), "{e}");
        let url = serve(reply(REPLY, b"x"), Duration::from_secs(3)).await;
        let e = c.post(&url, "a/b", REPLY, vec![]).await.unwrap_err();
        assert!(matches!(e, HttpError::Timeout { .. }), "{e}");
    }
}
