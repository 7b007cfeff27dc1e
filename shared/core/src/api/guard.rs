//! Guards every function's routes carry (see [`with_guards`]):
//!
//! - **Idempotency.** A request that changes something (POST, PUT) may carry an
//!   `Idempotency-Key` header (draft-ietf-httpapi-idempotency-key-header). The first request
//!   with a key claims it in the store with an in-progress lock; it runs, and a successful
//!   response is stored for 24 hours. A retry with the same key and the same request gets that
//!   response again, byte for byte, with `Idempotent-Replayed: true`, and changes nothing; a
//!   retry that arrives while the first still runs waits for it. The same key on a different
//!   request is refused (422); an unsuccessful response is not kept (the request changed
//!   nothing, so a retry runs again). The key is scoped to the caller, so users cannot see each
//!   other's responses; an anonymous caller's key is scoped to its request (method, path, body). The shape follows Powertools for AWS Lambda's idempotency utility
//!   (record per key, in-progress lock with expiry, payload hash, stored response).
//! - **Security headers.** Every answer says it is data: CSP `default-src 'none'`, `nosniff`,
//!   `no-referrer`, `no-store` (unless the route set its own).
//! - **Security log.** Every refused request (401, 403) is recorded with who (subject and roles,
//!   never a token), what (method, route, path, problem code) and when, plus the request id and
//!   source address, and logged as a warning.

use super::error::{ApiError, ProblemCode};
use super::extract::RequestOrigin;
use super::{AppState, FnRouter};
use crate::auth::Authenticated;
use crate::ports::guard::{
    Claim, IdempotencyRecord, IdempotencyState, SecurityEvent, StoredResponse,
};
use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// Longest request body the guard buffers (the Lambda synchronous payload limit).
const MAX_REQUEST_BYTES: usize = 6 * 1024 * 1024;
/// Longest response kept for replay (DynamoDB items are at most 400 KB).
const MAX_STORED_RESPONSE_BYTES: usize = 300 * 1024;
/// How long a retry waits for the first request with its key to finish.
const WAIT_FOR_FIRST: std::time::Duration = std::time::Duration::from_secs(10);
const POLL: std::time::Duration = std::time::Duration::from_millis(40);

/// The idempotency settings (see [`crate::domain::retention::RetentionPolicy`] for how long
/// records are kept).
#[derive(Debug, Clone)]
pub struct IdempotencyConfig {
    /// How long an in-progress record holds its key: longer than any request may run (the
    /// HTTP API's integration timeout is 30 s), so that a crashed execution frees the key.
    pub lock: Duration,
    /// How long a completed response is replayed.
    pub ttl: Duration,
}

impl Default for IdempotencyConfig {
    fn default() -> Self {
        Self {
            lock: Duration::seconds(60),
            ttl: Duration::hours(24),
        }
    }
}

/// Attaches the state and the guards to a function's routes (Lambda `main` and the runner).
pub fn with_guards<S: Clone + Send + Sync + 'static>(
    router: FnRouter,
    state: AppState,
) -> Router<S> {
    router
        .layer(from_fn_with_state(state.clone(), acting_roles))
        .layer(from_fn_with_state(state.clone(), idempotency))
        .layer(from_fn_with_state(state.clone(), security_log))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(state)
}

/// Each staff request is checked against the caller's roster record and their office's
/// delegations, read together (one item and one query):
/// - a disabled account, or a token issued before the administrator last changed the person's
///   access, is refused (401, `domain::roster`): Cognito's tokens live for an hour, the refusal
///   is at once. If the record cannot be read the request is refused (503): nobody whose access
///   was taken away gets in while the store is unavailable.
/// - besides their directory roles they hold the roles delegated to them today (Plt./Plh.,
///   `domain::delegation`): a delegation is in force from its first day and ends by itself
///   after its last, with no job to run. If the delegations cannot be read the caller keeps
///   their own roles only (nothing is granted).
async fn acting_roles(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    let caller = req.extensions().get::<Authenticated>().map(|a| a.0.clone());
    if let Some(mut c) = caller
        && c.is_staff()
        && let Some(office) = c.office.clone()
    {
        let (member, delegations) = tokio::join!(
            s.store.staff_member(&office, &c.sub),
            s.store.delegations(&office)
        );
        match member {
            Ok(Some(m)) => {
                if let Err(refused) = m.session(c.issued_at) {
                    tracing::info!(office = %office, "staff token refused: access changed or account disabled");
                    return ApiError::SessionRevoked(refused).into_response();
                }
            }
            Ok(None) => {}
            Err(e) => return ApiError::from(e).into_response(),
        }
        match delegations {
            Ok(all) => {
                let today = crate::domain::time::wita_date(s.clock.now());
                for (role, acting) in crate::domain::delegation::acting_roles(&all, &c.sub, today) {
                    if !c.roles.contains(&role) {
                        c.roles.push(role.clone());
                        c.acting.push((role, acting));
                    }
                }
                if !c.acting.is_empty() {
                    c.roles.sort();
                    req.extensions_mut().insert(Authenticated(c));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "delegations not read; the caller acts in their own roles only")
            }
        }
    }
    next.run(req).await
}

/// The API's answers are data, never pages: whatever reaches a browser from `/api` may not
/// load, run or frame anything, is not sniffed into another type, not cached, and sends no
/// referrer (the same as CloudFront's `ApiSecurityHeaders` policy in front of it). A header a
/// route set itself (a download's) is kept.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    for (name, value) in [
        (
            axum::http::header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ),
        (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (axum::http::header::REFERRER_POLICY, "no-referrer"),
        (axum::http::header::CACHE_CONTROL, "no-store"),
    ] {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
    resp
}

fn hex_sha256(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    hex::encode(h.finalize())
}

/// 1–255 visible ASCII characters (the IETF draft leaves the format to the server).
fn valid_key(k: &str) -> bool {
    (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic())
}

async fn security_log(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let caller = req.extensions().get::<Authenticated>().map(|a| a.0.clone());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let origin = req
        .extensions()
        .get::<RequestOrigin>()
        .map(|o| o.0.clone())
        .unwrap_or_default();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let resp = next.run(req).await;
    let status = resp.status();
    if status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN {
        return resp;
    }
    let code = resp
        .extensions()
        .get::<ProblemCode>()
        .map_or("refused", |c| c.0);
    let now = s.clock.now();
    let event = SecurityEvent {
        id: Uuid::now_v7(),
        at: now,
        sub: caller.as_ref().map(|c| c.sub.clone()),
        office: caller.as_ref().and_then(|c| c.office.clone()),
        roles: caller.map(|c| c.roles).unwrap_or_default(),
        route: route.unwrap_or_else(|| path.clone()),
        method,
        path,
        status: status.as_u16(),
        code: code.to_string(),
        request_id: origin.request_id,
        source_ip: origin.source_ip,
        retain_until: now + Duration::days(i64::from(s.retention.security_log_days)),
    };
    tracing::warn!(
        security_event = %event.id,
        method = %event.method,
        route = %event.route,
        status = event.status,
        code = %event.code,
        sub = event.sub.as_deref().unwrap_or("-"),
        request_id = event.request_id.as_deref().unwrap_or("-"),
        "request refused"
    );
    if let Err(e) = s.security_log.record_security_event(&event).await {
        tracing::error!(security_event = %event.id, error = %e, "security event not recorded");
    }
    resp
}

async fn idempotency(State(s): State<AppState>, req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::POST | Method::PUT) {
        return next.run(req).await;
    }
    let Some(raw) = req.headers().get(&IDEMPOTENCY_KEY) else {
        return next.run(req).await;
    };
    let key = match raw.to_str() {
        Ok(k) if valid_key(k) => k.to_string(),
        _ => return ApiError::IdempotencyKeyInvalid.into_response(),
    };
    let sub = req
        .extensions()
        .get::<Authenticated>()
        .map(|a| a.0.sub.clone());
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_REQUEST_BYTES).await else {
        return ApiError::PayloadTooLarge.into_response();
    };
    let target = parts
        .uri
        .path_and_query()
        .map_or(parts.uri.path(), |p| p.as_str());
    let fingerprint = hex_sha256(&[parts.method.as_str().as_bytes(), target.as_bytes(), &bytes]);
    // A signed-in caller's keys are theirs. Anonymous callers share no scope: a key binds to
    // the very request it came with, so the same key from someone else with another body is
    // another request (never a 422 that tells them the key is taken, never their response).
    let scope = match &sub {
        Some(sub) => format!("sub:{sub}"),
        None => format!("anonymous:{fingerprint}"),
    };
    let scoped_key = hex_sha256(&[scope.as_bytes(), key.as_bytes()]);
    let req = Request::from_parts(parts, Body::from(bytes));
    run_once(&s, scoped_key, fingerprint, req, next).await
}

fn replay(r: &StoredResponse) -> Response {
    let mut resp = Response::new(Body::from(r.body.clone()));
    *resp.status_mut() = StatusCode::from_u16(r.status).unwrap_or(StatusCode::OK);
    for (k, v) in &r.headers {
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            resp.headers_mut().append(k, v);
        }
    }
    resp.headers_mut()
        .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    resp
}

async fn run_once(
    s: &AppState,
    key: String,
    fingerprint: String,
    req: Request,
    next: Next,
) -> Response {
    let give_up = tokio::time::Instant::now() + WAIT_FOR_FIRST;
    loop {
        let now = s.clock.now();
        let owner = Uuid::new_v4();
        let record = IdempotencyRecord {
            key: key.clone(),
            fingerprint: fingerprint.clone(),
            owner,
            state: IdempotencyState::InProgress {
                lock_until: now + s.idempotency_config.lock,
            },
            expires_at: now + s.idempotency_config.ttl,
        };
        let existing = match s.idempotency.claim(&record, now).await {
            Ok(Claim::Acquired) => return execute(s, &key, owner, req, next).await,
            Ok(Claim::Existing(r)) => r,
            Err(e) => return ApiError::from(e).into_response(),
        };
        // Someone used the key before: the same request, or a mistake?
        let mut current = existing;
        loop {
            if current.fingerprint != fingerprint {
                return ApiError::IdempotencyKeyReused.into_response();
            }
            let lock_until = match &current.state {
                IdempotencyState::Completed { response } => return replay(response),
                IdempotencyState::InProgress { lock_until } => *lock_until,
            };
            if tokio::time::Instant::now() >= give_up {
                return ApiError::IdempotencyInProgress.into_response();
            }
            tokio::time::sleep(POLL).await;
            match s.idempotency.idempotency_record(&key).await {
                Ok(Some(r)) if r.expires_at > s.clock.now() => {
                    let stale = matches!(r.state, IdempotencyState::InProgress { .. })
                        && lock_until <= s.clock.now();
                    if stale {
                        break;
                    }
                    current = r;
                }
                // Released (the first request failed, so nothing changed) or expired: claim
                // it and run.
                Ok(_) => break,
                Err(e) => return ApiError::from(e).into_response(),
            }
        }
    }
}

/// Runs the request holding the key, then stores a successful response or frees the key.
async fn execute(s: &AppState, key: &str, owner: Uuid, req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let (parts, body) = resp.into_parts();
    let bytes: Bytes = match to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            free(s, key, owner).await;
            return ApiError::Internal(format!("response body: {e}")).into_response();
        }
    };
    if parts.status.is_success() && bytes.len() <= MAX_STORED_RESPONSE_BYTES {
        let stored = StoredResponse {
            status: parts.status.as_u16(),
            headers: parts
                .headers
                .iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "date" | "content-length" | "transfer-encoding" | "connection"
                    )
                })
                .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
                .collect(),
            body: bytes.to_vec(),
        };
        let expires_at = s.clock.now() + s.idempotency_config.ttl;
        // The action is done; keeping its response matters, so try a few times (a conflict:
        // the key is no longer this request's, nothing to keep).
        let kept = crate::retry::with_backoff(
            "idempotent response not stored",
            3,
            |e| !matches!(e, crate::ports::StoreError::Conflict(_)),
            || s.idempotency.complete(key, owner, &stored, expires_at),
        )
        .await
        .is_ok();
        if !kept {
            // A retry will run again and meet the changed state (409), never act twice.
            free(s, key, owner).await;
        }
    } else {
        free(s, key, owner).await;
    }
    Response::from_parts(parts, Body::from(bytes))
}

async fn free(s: &AppState, key: &str, owner: Uuid) {
    let _released = crate::retry::with_backoff(
        "idempotency key not released",
        3,
        |_| true,
        || s.idempotency.release(key, owner),
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_up_to_255() {
        assert!(valid_key("4f1c2a9e-0b7d-4c55-9f0e-3a1d2c3b4a5f"));
        assert!(valid_key(&"k".repeat(255)));
        assert!(!valid_key(""));
        assert!(!valid_key(&"k".repeat(256)));
        assert!(!valid_key("with space"));
        assert!(!valid_key("kunci-ñ"));
    }

    #[test]
    fn fingerprints_separate_their_parts() {
        // Length prefixes: moving a byte from one part to the next changes the hash.
        assert_ne!(
            hex_sha256(&[b"POST", b"/cases/1", b"{}"]),
            hex_sha256(&[b"POST", b"/cases/1{", b"}"])
        );
        assert_eq!(
            hex_sha256(&[b"POST", b"/cases/1", b"{}"]),
            hex_sha256(&[b"POST", b"/cases/1", b"{}"])
        );
    }
}
