//! Extractors: who calls (from the gateway's verified claims), where from, and a JSON body
//! whose every defect becomes a problem response.

use super::error::ApiError;
use crate::auth::Authenticated;
use crate::domain::validation::FieldError;
use crate::domain::{Caller, Origin};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// Largest JSON body a route reads.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Authenticated>()
            .map(|a| a.0.clone())
            .ok_or(ApiError::Unauthenticated)
    }
}

impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Authenticated>().map(|a| a.0.clone()))
    }
}

/// Where the request came from, set by the gateway layer (API Gateway's request context, or the
/// local runner).
#[derive(Debug, Clone, Default)]
pub struct RequestOrigin(pub Origin);

impl<S: Send + Sync> FromRequestParts<S> for RequestOrigin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<RequestOrigin>()
            .cloned()
            .unwrap_or_default())
    }
}

/// A JSON body deserialised into `T`; syntax errors are 400, wrong fields are 422 with the
/// field's path, a missing or wrong content type is 415, an oversized body 413.
pub struct JsonBody<T>(pub T);

fn field_error(path: String, msg: &str) -> FieldError {
    let (code, detail) = if msg.starts_with("unknown field") {
        ("unknown_field", "Isian tidak dikenal.")
    } else if msg.starts_with("missing field") {
        ("required", "Wajib diisi.")
    } else if msg.starts_with("invalid type") {
        ("invalid_type", "Tipe data tidak sesuai.")
    } else {
        ("invalid_value", "Nilai tidak valid.")
    };
    let field = if code == "unknown_field" || code == "required" {
        // serde names the field in the message: `unknown field `x`, expected …`.
        let name = msg.split('`').nth(1).unwrap_or("");
        match (path.as_str(), name) {
            (".", n) | ("", n) => n.to_string(),
            (p, "") => p.to_string(),
            (p, n) if p.ends_with(n) => p.to_string(),
            (p, n) => format!("{p}.{n}"),
        }
    } else {
        path
    };
    FieldError::new(field, code, detail)
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                let m = v
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::InvalidJson("Isi permintaan tidak dapat dibaca.".into())
                }
            })?;
        if bytes.len() > MAX_JSON_BYTES {
            return Err(ApiError::PayloadTooLarge);
        }
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(v) => Ok(JsonBody(v)),
            Err(e) => {
                let inner = e.inner();
                match inner.classify() {
                    serde_json::error::Category::Data => {
                        let msg = inner.to_string();
                        Err(ApiError::Validation(vec![field_error(
                            e.path().to_string(),
                            &msg,
                        )]))
                    }
                    _ => Err(ApiError::InvalidJson(format!(
                        "Isi permintaan bukan JSON yang valid (baris {}, kolom {}).",
                        inner.line(),
                        inner.column()
                    ))),
                }
            }
        }
    }
}

/// Query parameters deserialised into `T`; an unknown or malformed parameter is a 422 with the
/// parameter's name.
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        match query_to::<T>(q) {
            Ok(v) => Ok(QueryParams(v)),
            Err(msg) => Err(ApiError::Validation(vec![field_error(String::new(), &msg)])),
        }
    }
}

fn query_to<T: DeserializeOwned>(q: &str) -> Result<T, String> {
    // Parameters arrive as strings; they are handed to serde as a JSON object of strings.
    let mut map = serde_json::Map::new();
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode(k).ok_or("parameter is not valid UTF-8")?;
        let v = percent_decode(v).ok_or("parameter is not valid UTF-8")?;
        map.insert(k, serde_json::Value::String(v));
    }
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| e.to_string())
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        #[serde(deny_unknown_fields)]
        struct Q {
            from: Option<String>,
            step: Option<String>,
        }
        assert_eq!(
            query_to::<Q>("from=2026-01-01&step=a%20b+c").unwrap(),
            Q {
                from: Some("2026-01-01".into()),
                step: Some("a b c".into())
            }
        );
        assert!(
            query_to::<Q>("x=1")
                .unwrap_err()
                .starts_with("unknown field")
        );
        assert!(query_to::<Q>("from=%zz").is_err());
    }

    #[test]
    fn serde_messages_become_field_errors() {
        let f = field_error(
            "branch".into(),
            "unknown field `colour`, expected one of `address`",
        );
        assert_eq!(
            (f.field.as_str(), f.code.as_ref()),
            ("branch.colour", "unknown_field")
        );
        let f = field_error(".".into(), "unknown field `x`, expected `y`");
        assert_eq!(f.field, "x");
        let f = field_error(
            "cash_office.member_count".into(),
            "invalid type: string \"dua puluh\", expected i64",
        );
        assert_eq!(
            (f.field.as_str(), f.code.as_ref()),
            ("cash_office.member_count", "invalid_type")
        );
    }
}
