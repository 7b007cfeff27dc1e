//! Serving the portal and the console: the built files embedded at compile time, or a directory
//! given by `PD_WEB_DIR` (front-end development without rebuilding the runner).

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use std::path::PathBuf;

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

#[derive(Clone, Default)]
pub struct Web {
    dir: Option<PathBuf>,
}

fn media_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

impl Web {
    pub fn new(dir: Option<PathBuf>) -> Self {
        Self { dir }
    }

    /// Whether there is a built front end to serve.
    pub fn available(&self) -> bool {
        self.dir.is_some() || ASSETS.iter().any(|(p, _)| *p == "index.html")
    }

    async fn read(&self, path: &str) -> Option<Vec<u8>> {
        if path.split('/').any(|s| s == ".." || s.starts_with('.')) {
            return None;
        }
        match &self.dir {
            Some(d) => tokio::fs::read(d.join(path)).await.ok(),
            None => ASSETS
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, b)| b.to_vec()),
        }
    }

    /// `/` → `index.html`, `/console/` → `console/index.html`, other paths as they are.
    pub async fn serve(&self, uri: &Uri) -> Response {
        let raw = uri.path().trim_start_matches('/');
        let path = if raw.is_empty() || raw.ends_with('/') {
            format!("{raw}index.html")
        } else {
            raw.to_string()
        };
        if raw == "console" {
            return (
                StatusCode::MOVED_PERMANENTLY,
                [(header::LOCATION, "/console/")],
            )
                .into_response();
        }
        let Some(bytes) = self.read(&path).await else {
            return (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "Halaman tidak ditemukan.",
            )
                .into_response();
        };
        let mut resp = Response::new(Body::from(bytes));
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(media_type(&path)),
        );
        h.insert(
            "x-content-type-options",
            HeaderValue::from_static("nosniff"),
        );
        if path.ends_with(".html") {
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
                ),
            );
            h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
        } else if path.starts_with("assets/") {
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
        }
        resp
    }
}
