//! The local runner: every function of the service on one machine, with the embedded default
//! (SQLite, files, mail outbox, the embedded executor of every permit's ASL). It plays API Gateway's
//! part: mounts each function's routes under `/api`, verifies locally issued JWTs and hands the
//! functions the same verified claims Cognito's authorizer would; and S3's part: serves the
//! signed file URLs.

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use perizinan::api::error::ApiError;
use perizinan::api::extract::{JsonBody, RequestOrigin};
use perizinan::api::{AppState, FnRouter};
use perizinan::auth::{Authenticated, caller_from_claims, issue_local_token, verify_local_token};
use perizinan::catalogue::Catalogue;
use perizinan::domain::Origin;
use perizinan::ports::clock::SystemClock;
use perizinan::settings::{Backend, Settings};
use perizinan_embedded::files::{SignedQuery, UrlError};
use perizinan_embedded::{BootError, Embedded, EmbeddedConfig};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::net::SocketAddr;
use std::sync::Arc;

pub mod api_doc;
pub mod web;

/// How long a dev-login token lives.
const TOKEN_TTL_SECONDS: i64 = 8 * 3600;
/// Largest file the local file endpoint accepts (the catalog's limits are lower).
const MAX_FILE_BYTES: usize = 25 * 1024 * 1024;

/// The runner's configuration: the one typed [`Settings`] (the environment, then the
/// command line's `--port`, `--host`, `--data-dir`). `PD_BACKEND=aws` uses the AWS adapters the
/// settings name, with the embedded executor or Step Functions (`PD_ORCHESTRATOR=stepfunctions`).
pub type Config = Settings;

fn on_aws(cfg: &Config) -> bool {
    cfg.backend == Some(perizinan::settings::Backend::Aws)
}

type AwsParts = (
    perizinan_embedded::External,
    Arc<dyn perizinan::ports::DocumentStore>,
    Arc<dyn perizinan::ports::Signer>,
);

async fn external_ports(
    cfg: &Config,
    catalogue: &Catalogue,
) -> Result<Option<AwsParts>, BootError> {
    if !on_aws(cfg) {
        return Ok(None);
    }
    let clock: Arc<dyn perizinan::ports::Clock> = Arc::new(SystemClock::default());
    let ports = perizinan_aws::AwsPorts::new(cfg, clock).await?;
    let orchestrator: Option<(
        Arc<dyn perizinan::ports::Orchestrator>,
        Arc<dyn perizinan::ports::Orchestrator>,
    )> = if cfg.runner.step_functions {
        let (c, k) = ports.step_functions(&cfg.aws, catalogue)?;
        Some((Arc::new(c), Arc::new(k)))
    } else {
        None
    };
    Ok(Some((
        perizinan_embedded::External {
            store: ports.store.clone(),
            documents: ports.documents.clone(),
            mailer: ports.mailer.clone(),
            sms: ports.sms.clone(),
            orchestrator,
        },
        ports.signed_documents.clone(),
        ports.signer.clone(),
    )))
}

/// `perizinan audit-verify`: checks every audit trail of the configured store (the SQLite file
/// under `data_dir`, or DynamoDB with `PD_BACKEND=aws`). Reads only.
pub async fn audit_verify(
    cfg: &Config,
    anchor: Option<&perizinan::audit::Anchor>,
    progress: impl FnMut(usize),
) -> Result<perizinan::audit::AuditReport, BootError> {
    let store: Arc<dyn perizinan::ports::Store> = match on_aws(cfg) {
        true => {
            let clock: Arc<dyn perizinan::ports::Clock> = Arc::new(SystemClock::default());
            perizinan_aws::AwsPorts::new(cfg, clock).await?.store
        }
        false => {
            let path = cfg.data_dir.join("cases.sqlite");
            if !path.is_file() {
                return Err(BootError(format!("no case store at {}", path.display())));
            }
            Arc::new(
                perizinan_embedded::sqlite::SqliteStore::open(&path)
                    .map_err(|e| BootError(format!("case store: {e}")))?,
            )
        }
    };
    let key = perizinan_embedded::system::existing_audit_key(cfg);
    perizinan::audit::verify_all(store.as_ref(), key.as_deref(), anchor, progress)
        .await
        .map_err(|e| BootError(format!("reading the store: {e}")))
}

/// A demo account of the dev login (the runner's accounts start with them).
pub use perizinan_embedded::accounts::LocalAccount as DemoUser;

#[derive(Deserialize)]
struct DemoUsers {
    users: Vec<DemoUser>,
}

/// The demo accounts of the dev login (`local/demo-users.json`).
pub fn demo_users() -> Vec<DemoUser> {
    let parsed: DemoUsers = serde_json::from_str(include_str!("demo-users.json"))
        .expect("local/demo-users.json is valid");
    parsed.users
}

/// Every function's route table for `catalogue`'s permits.
pub fn route_tables(catalogue: &Catalogue) -> Vec<perizinan::api::routes::Routes> {
    vec![
        submit::routes(catalogue),
        upload::routes(catalogue),
        verify::routes(catalogue),
        recommend::routes(catalogue),
        sign::routes(catalogue),
        survey::routes(catalogue),
        reports::routes(catalogue),
        complaint::routes(catalogue),
    ]
}

/// Every route of every function, as a table.
pub fn route_table(catalogue: &Catalogue) -> Vec<perizinan::api::routes::RouteInfo> {
    route_tables(catalogue)
        .iter()
        .flat_map(|r| r.table().to_vec())
        .collect()
}

/// Every function's routes, as API Gateway would route them.
pub fn api_routes(catalogue: &Catalogue) -> FnRouter {
    route_tables(catalogue)
        .into_iter()
        .fold(Router::new(), |r, t| r.merge(t.into_router()))
}

/// The shipped catalogue (`infra/permits/`) with the shipped roles and calendar: what the route
/// table is checked against.
pub fn shipped_catalogue() -> Catalogue {
    perizinan::catalogue::Catalogue::shipped(
        perizinan::domain::roles::Roles::current(),
        &perizinan::domain::calendar::Calendar::shipped(),
    )
    .expect("the shipped catalogue loads")
}

#[derive(Clone)]
struct Local {
    embedded: Arc<Embedded>,
    token_key: Arc<Vec<u8>>,
    /// The runner's accounts: the demo users and the staff the administrators invited.
    accounts: Arc<perizinan_embedded::accounts::LocalAccounts>,
    dev_clock: bool,
    web: web::Web,
    complaints: Arc<SourceLimit>,
    /// `PD_ORIGIN_SECRET`: the runner plays the stack's CloudFront origin — `/api` answers only
    /// requests carrying the secret and takes the viewer's address from
    /// `CloudFront-Viewer-Address` (as the functions do in AWS).
    origin_secret: Option<Arc<str>>,
}

/// A sliding-hour limit per source address (anonymous complaints: each starts a workflow and
/// e-mails the officer, so one source may not file without end). In AWS the HTTP API throttles
/// the route for the whole stage.
pub struct SourceLimit {
    per_hour: usize,
    seen: std::sync::Mutex<
        std::collections::HashMap<std::net::IpAddr, std::collections::VecDeque<std::time::Instant>>,
    >,
}

impl SourceLimit {
    const WINDOW: std::time::Duration = std::time::Duration::from_secs(3600);

    pub fn new(per_hour: u32) -> Self {
        Self {
            per_hour: per_hour as usize,
            seen: Default::default(),
        }
    }

    /// Counts a request from `ip` now; `Err(seconds)` when it is over the limit (then it is
    /// not counted), with the time until the oldest counted one leaves the window.
    pub fn check(&self, ip: std::net::IpAddr, now: std::time::Instant) -> Result<(), u64> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > 10_000 {
            seen.retain(|_, q| {
                q.back()
                    .is_some_and(|t| now.duration_since(*t) < Self::WINDOW)
            });
        }
        let q = seen.entry(ip).or_default();
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Self::WINDOW)
        {
            q.pop_front();
        }
        if q.len() >= self.per_hour {
            let oldest = q.front().copied().unwrap_or(now);
            let wait = Self::WINDOW.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs().max(1));
        }
        q.push_back(now);
        Ok(())
    }
}

/// The gateway's part: a request id, the source address, and the verified caller.
async fn gateway(State(l): State<Local>, mut req: Request, next: Next) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let source_ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let mut source_ip = source_ip;
    if let Some(secret) = &l.origin_secret {
        match perizinan::api::edge::admit(req.headers_mut(), secret) {
            Ok(viewer) => source_ip = viewer.or(source_ip),
            Err(_) => return ApiError::NotThroughEdge.into_response(),
        }
    }
    let source: Option<std::net::IpAddr> = source_ip.as_deref().and_then(|ip| ip.parse().ok());
    req.extensions_mut().insert(RequestOrigin(Origin {
        source_ip,
        request_id: Some(request_id.clone()),
    }));
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let path = req.uri().path();
    if bearer.is_none()
        && req.method() == axum::http::Method::POST
        && (path == "/complaints" || path == "/api/complaints")
        && let Some(ip) = source
        && let Err(secs) = l.complaints.check(ip, std::time::Instant::now())
    {
        tracing::warn!(
            retry_after = secs,
            "anonymous complaints over the per-source limit"
        );
        return ApiError::TooManyRequests(secs).into_response();
    }
    if let Some(auth) = bearer {
        // The scheme is case-insensitive (RFC 9110 §11.1).
        let token = auth
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map_or("", |(_, t)| t.trim());
        let now = l.embedded.clock.now_timestamp();
        match verify_local_token(&l.token_key, token, now)
            .ok()
            .as_ref()
            .and_then(caller_from_claims)
        {
            Some(caller) => {
                req.extensions_mut().insert(Authenticated(caller));
            }
            None => return ApiError::Unauthenticated.into_response(),
        }
    }
    let mut resp = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

trait Timestamp {
    fn now_timestamp(&self) -> i64;
}
impl Timestamp for SystemClock {
    fn now_timestamp(&self) -> i64 {
        perizinan::ports::Clock::now(self).timestamp()
    }
}

async fn dev_users(State(l): State<Local>) -> Json<Value> {
    let users: Vec<Value> = l
        .accounts
        .list()
        .iter()
        .map(|u| {
            json!({
                "username": u.username,
                "name": u.name,
                "email": u.email,
                "office": u.office,
                "roles": perizinan::api::views::role_views(&u.roles),
                "disabled": u.disabled,
            })
        })
        .collect();
    Json(json!({ "items": users }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginInput {
    username: Option<String>,
}

async fn dev_login(
    State(l): State<Local>,
    JsonBody(input): JsonBody<LoginInput>,
) -> Result<Json<Value>, ApiError> {
    let name = input.username.unwrap_or_default();
    let user = l.accounts.find(&name).ok_or_else(|| {
        ApiError::Validation(vec![perizinan::domain::validation::FieldError::new(
            "username",
            "unknown_user",
            "Pengguna demo tidak dikenal.",
        )])
    })?;
    if user.disabled {
        // As Cognito refuses a disabled user's sign-in.
        return Err(ApiError::SessionRevoked(
            perizinan::domain::roster::SessionRefused::Disabled,
        ));
    }
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(user.sub()));
    claims.insert("name".into(), json!(user.name));
    if user.roles.iter().any(|r| r.is_staff()) {
        // As the directory (Cognito's admin-only attribute) names staff in the stack.
        claims.insert(perizinan::auth::STAFF_NAME_CLAIM.into(), json!(user.name));
        // As Cognito's admin-only `custom:office` attribute places staff in the stack.
        if let Some(office) = &user.office {
            claims.insert(perizinan::auth::OFFICE_CLAIM.into(), json!(office));
        }
    }
    claims.insert("email".into(), json!(user.email));
    claims.insert("cognito:username".into(), json!(user.username));
    claims.insert(
        "cognito:groups".into(),
        json!(user.roles.iter().map(|r| r.code()).collect::<Vec<_>>()),
    );
    let token = issue_local_token(
        &l.token_key,
        claims,
        l.embedded.clock.now_timestamp(),
        TOKEN_TTL_SECONDS,
    );
    Ok(Json(json!({
        "token": token,
        "token_type": "Bearer",
        "expires_in": TOKEN_TTL_SECONDS,
        "user": {"username": user.username, "name": user.name, "sub": user.sub(),
                 "office": user.office,
                 "roles": perizinan::api::views::role_views(&user.roles),
                 "capabilities": perizinan::api::views::capabilities(&user.roles)},
    })))
}

fn url_error(e: UrlError) -> Response {
    let (status, msg) = match e {
        UrlError::BadSignature => (StatusCode::FORBIDDEN, "Tanda tangan alamat tidak valid."),
        UrlError::Expired => (StatusCode::FORBIDDEN, "Alamat sudah kedaluwarsa."),
        UrlError::TooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "Berkas melebihi ukuran yang dinyatakan.",
        ),
        UrlError::WrongType => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type tidak sesuai.",
        ),
        UrlError::NotFound => (StatusCode::NOT_FOUND, "Berkas tidak ditemukan."),
        UrlError::Used => (
            StatusCode::CONFLICT,
            "Alamat unggah ini sudah dipakai; minta alamat unggah yang baru.",
        ),
        UrlError::Io(m) => {
            tracing::error!(error = %m, "file storage failure");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "Penyimpanan berkas sedang terganggu.",
            )
        }
    };
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        msg,
    )
        .into_response()
}

async fn file_put(
    State(l): State<Local>,
    Path(key): Path<String>,
    Query(q): Query<SignedQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let Some(files) = &l.embedded.files else {
        return ApiError::NoRoute.into_response();
    };
    match files.accept_put(&key, &q, ct, body).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => url_error(e),
    }
}

async fn file_get(
    State(l): State<Local>,
    Path(key): Path<String>,
    Query(q): Query<SignedQuery>,
) -> Response {
    serve(l.embedded.files.as_deref(), &key, &q).await
}

async fn signed_get(
    State(l): State<Local>,
    Path(key): Path<String>,
    Query(q): Query<SignedQuery>,
) -> Response {
    serve(l.embedded.signed_files.as_deref(), &key, &q).await
}

async fn serve(
    files: Option<&perizinan_embedded::files::LocalFiles>,
    key: &str,
    q: &SignedQuery,
) -> Response {
    let Some(files) = files else {
        return ApiError::NoRoute.into_response();
    };
    match files.serve_get(key, q).await {
        Ok((bytes, media, name)) => {
            let mut resp = bytes.into_response();
            let h = resp.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&media) {
                h.insert(header::CONTENT_TYPE, v);
            }
            if let Ok(v) = HeaderValue::from_str(&perizinan::api::documents::attachment(&name)) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            h.insert(
                "x-content-type-options",
                HeaderValue::from_static("nosniff"),
            );
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            resp
        }
        Err(e) => url_error(e),
    }
}

async fn outbox_json(State(l): State<Local>) -> Result<Json<Value>, ApiError> {
    let list = l
        .embedded
        .outbox
        .as_ref()
        .ok_or(ApiError::NoRoute)?
        .list()
        .map_err(|e| ApiError::Unavailable(format!("outbox: {e}")))?;
    Ok(Json(json!({ "items": list, "count": list.len() })))
}

async fn outbox_raw(State(l): State<Local>, Path(file): Path<String>) -> Response {
    let kind = if file.ends_with(".sms") {
        "text/plain; charset=utf-8"
    } else {
        "message/rfc822"
    };
    match l.embedded.outbox.as_ref().map(|o| o.raw(&file)) {
        Some(Ok(bytes)) => ([(header::CONTENT_TYPE, kind)], bytes).into_response(),
        _ => ApiError::NotFound.into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutboxEvent {
    /// `delivery`, `bounce` (hard), `soft_bounce`, `complaint` (e-mail) or `delivery`,
    /// `failure` (SMS).
    event: String,
    #[serde(default)]
    detail: Option<String>,
}

/// `POST /_outbox/{file}/events`: what the mail or SMS service would report about this message
/// (the runner's outbox delivers nothing, so a test or a demo says what happened to it).
async fn outbox_event(
    State(l): State<Local>,
    Path(file): Path<String>,
    JsonBody(ev): JsonBody<OutboxEvent>,
) -> Result<Json<Value>, ApiError> {
    use perizinan::domain::delivery::{Channel, DeliveryEvent, Outcome};
    let outbox = l.embedded.outbox.as_ref().ok_or(ApiError::NoRoute)?;
    let entry = outbox
        .list()
        .map_err(|e| ApiError::Unavailable(format!("outbox: {e}")))?
        .into_iter()
        .find(|e| e.file == file)
        .ok_or(ApiError::NotFound)?;
    let channel = if entry.channel == "sms" {
        Channel::Sms
    } else {
        Channel::Email
    };
    let outcome = match (channel, ev.event.as_str()) {
        (_, "delivery") => Outcome::Delivered,
        (Channel::Email, "bounce") => Outcome::HardBounce,
        (Channel::Email, "soft_bounce") => Outcome::SoftBounce,
        (Channel::Email, "complaint") => Outcome::Complaint,
        (Channel::Sms, "failure") => Outcome::Failed,
        _ => {
            return Err(ApiError::Validation(vec![
                perizinan::domain::validation::FieldError::new(
                    "event",
                    "invalid_choice",
                    "Peristiwa tidak dikenal; e-mail: delivery, bounce, soft_bounce, complaint; SMS: delivery, failure.",
                ),
            ]));
        }
    };
    let applied = perizinan::deliveries::apply(
        &l.embedded.services,
        &DeliveryEvent {
            channel,
            message_id: entry.message_id,
            case_id: None,
            outcome,
            detail: ev.detail,
        },
    )
    .await?;
    Ok(Json(serde_json::to_value(applied).unwrap_or_default()))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn outbox_html(State(l): State<Local>) -> Response {
    let list = l
        .embedded
        .outbox
        .as_ref()
        .and_then(|o| o.list().ok())
        .unwrap_or_default();
    let mut rows = String::new();
    let sms_count = list.iter().filter(|m| m.channel == "sms").count();
    for m in list.iter().rev() {
        let (title, kind, link) = if m.channel == "sms" {
            let parts = m.segments.unwrap_or(1);
            let enc = match m.encoding {
                Some(perizinan::domain::sms::Encoding::Ucs2) => "UCS-2",
                _ => "GSM-7",
            };
            (
                format!("SMS dari {}", m.from),
                format!(
                    "SMS &middot; {parts} bagian ({enc}, {} karakter)",
                    m.body.chars().count()
                ),
                ".txt",
            )
        } else {
            (m.subject.clone(), "E-mail".to_string(), ".eml")
        };
        rows.push_str(&format!(
            "<article class=\"{}\"><h2>{}</h2><p><b>{kind}</b> &middot; <b>Kepada:</b> {} &middot; <b>Waktu:</b> {} &middot; <a href=\"/_outbox/{}\">{link}</a></p><pre>{}</pre></article>\n",
            esc(&m.channel),
            esc(&title),
            esc(&m.to.join(", ")),
            esc(&perizinan::domain::time::format_instant_id(m.at)),
            esc(&m.file),
            esc(&m.body)
        ));
    }
    Html(format!(
        "<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>Kotak keluar e-mail dan SMS</title><style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem}}article{{border-bottom:1px solid #ccc;padding:.5rem 0}}pre{{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}}article.sms pre{{background:#eef6ff;max-width:24rem}}</style></head><body><h1>Kotak keluar e-mail dan SMS ({} pesan, {sms_count} SMS)</h1><p>Pesan yang dikirim sistem pada mesin ini (tidak benar-benar dikirim). Terbaru di atas.</p>{rows}</body></html>",
        list.len()
    ))
    .into_response()
}

/// Everything outside `/api` and the runner's own routes: the portal and the console.
async fn site(State(l): State<Local>, uri: axum::http::Uri) -> Response {
    if l.web.available() {
        l.web.serve(&uri).await
    } else if uri.path() == "/" {
        // Not built yet: a page that lists what the runner offers.
        Html(include_str!("index.html")).into_response()
    } else {
        ApiError::NoRoute.into_response()
    }
}

/// What the portal and console need to know about this deployment. Without the dev login
/// (not on loopback) there is no sign-in: the public pages only.
async fn site_config(dev_surfaces: bool) -> Json<Value> {
    let auth = if dev_surfaces {
        json!({"mode": "dev", "users": "/api/auth/dev/users", "login": "/api/auth/dev/login"})
    } else {
        json!({"mode": "none"})
    };
    Json(json!({
        "api": "/api",
        "auth": auth,
        "environment": "lokal",
    }))
}

/// DNS rebinding: a page on another site whose name resolves to this machine reaches the
/// runner with that name in `Host`. Only IP addresses (which rebinding cannot forge),
/// `localhost` and `PD_ALLOWED_HOSTS` are answered; anything else is a 421.
async fn host_check(State(allowed): State<Arc<Vec<String>>>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_string()));
    match host {
        Some(h) if host_allowed(&h, &allowed) => next.run(req).await,
        _ => ApiError::HostNotAllowed.into_response(),
    }
}

/// `host[:port]` (IPv6 in brackets) is an IP address, `localhost` or one of `allowed`.
pub fn host_allowed(host: &str, allowed: &[String]) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        match rest.split_once(']') {
            Some((ip, after)) if after.is_empty() || after.starts_with(':') => {
                return ip.parse::<std::net::Ipv6Addr>().is_ok();
            }
            _ => return false,
        }
    } else {
        match host.rsplit_once(':') {
            Some((n, port)) if port.chars().all(|c| c.is_ascii_digit()) => n,
            Some(_) => return false,
            None => host,
        }
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name.parse::<std::net::Ipv4Addr>().is_ok() || name == "localhost" || allowed.contains(&name)
}

fn executor(l: &Local) -> Result<&perizinan_embedded::executor::Executor, ApiError> {
    l.embedded.executor.as_ref().ok_or(ApiError::NoRoute)
}

async fn dev_execution(
    State(l): State<Local>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut found = None;
    for x in [&l.embedded.executor, &l.embedded.complaint_executor]
        .into_iter()
        .flatten()
    {
        if let Some(info) = x
            .describe(&name)
            .await
            .map_err(|e| ApiError::Unavailable(e.to_string()))?
        {
            found = Some((x, info));
            break;
        }
    }
    let (x, info) = found.ok_or(ApiError::NotFound)?;
    let history = x
        .history(&name)
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    Ok(Json(json!({ "execution": info, "history": history })))
}

async fn dev_timeouts(State(l): State<Local>) -> Result<Json<Value>, ApiError> {
    let mut n = executor(&l)?
        .fire_timeouts()
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    if let Some(x) = &l.embedded.complaint_executor {
        n += x
            .fire_timeouts()
            .await
            .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    }
    Ok(Json(json!({ "timed_out": n })))
}

/// What fault injection has done so far (404 when it is off).
async fn dev_faults(State(l): State<Local>) -> Result<Json<Value>, ApiError> {
    let plan = l.embedded.faults.as_ref().ok_or(ApiError::NoRoute)?;
    Ok(Json(
        json!({ "calls": plan.calls(), "injected": plan.injected() }),
    ))
}

/// Counters for the benchmark: store round trips, items read and (DynamoDB) request units,
/// port calls per operation (with `PD_PORT_METER=1` or fault injection), and the embedded
/// executors' state transitions and writes.
async fn dev_stats(State(l): State<Local>) -> Json<Value> {
    let store = &l.embedded.services.store;
    let stats = |x: &Option<perizinan_embedded::executor::Executor>| x.as_ref().map(|e| e.stats());
    Json(json!({
        "store": {
            "round_trips": store.round_trips(),
            "items_read": store.items_read(),
            "request_units": store.request_units(),
        },
        "ports": l.embedded.faults.as_ref().map(|p| p.calls_by_op()),
        "executor": stats(&l.embedded.executor),
        "task": {
            "invocations": l.embedded.task_meter.invocations.load(std::sync::atomic::Ordering::Relaxed),
            "round_trips": l.embedded.task_meter.round_trips.load(std::sync::atomic::Ordering::Relaxed),
        },
        "complaint_executor": stats(&l.embedded.complaint_executor),
    }))
}

async fn job_overdue(State(l): State<Local>) -> Result<Json<Value>, ApiError> {
    let run = perizinan::jobs::run_overdue(&l.embedded.services).await;
    serde_json::to_value(run)
        .map(Json)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

async fn dev_clock_get(State(l): State<Local>) -> Json<Value> {
    let now = perizinan::ports::Clock::now(l.embedded.clock.as_ref());
    Json(json!({
        "now": now,
        "wita": perizinan::domain::time::format_instant_id(now),
        "settable": l.dev_clock,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockInput {
    set: Option<chrono::DateTime<chrono::FixedOffset>>,
    advance_days: Option<i64>,
    advance_seconds: Option<i64>,
}

async fn dev_clock_set(
    State(l): State<Local>,
    JsonBody(c): JsonBody<ClockInput>,
) -> Result<Json<Value>, ApiError> {
    if !l.dev_clock {
        return Err(ApiError::ForbiddenOther(
            "Jam hanya dapat diatur bila runner dijalankan dengan PD_DEV_CLOCK=1.".into(),
        ));
    }
    if let Some(t) = c.set {
        l.embedded.clock.set(t.with_timezone(&chrono::Utc));
    }
    if let Some(d) = c.advance_days {
        l.embedded.clock.advance(chrono::Duration::days(d));
    }
    if let Some(s) = c.advance_seconds {
        l.embedded.clock.advance(chrono::Duration::seconds(s));
    }
    Ok(dev_clock_get(State(l)).await)
}

/// Sleeps until the next 07:00 WITA by the runner's clock.
async fn until_next_morning(clock: &SystemClock) {
    let now = perizinan::ports::Clock::now(clock);
    let local = now.with_timezone(&perizinan::domain::time::wita());
    let today_7 = local
        .date_naive()
        .and_hms_opt(7, 0, 0)
        .expect("07:00 exists");
    let mut next = today_7;
    if local.naive_local() >= today_7 {
        next += chrono::Duration::days(1);
    }
    let wait = next - local.naive_local();
    tokio::time::sleep(wait.to_std().unwrap_or_default()).await;
}

async fn no_route() -> ApiError {
    ApiError::NoRoute
}

async fn no_method() -> ApiError {
    ApiError::MethodNotAllowed
}

/// Opens the data directory, recovers, binds, prints where everything is, and serves until
/// `shutdown` resolves.
pub async fn run(
    cfg: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), BootError> {
    let (host, port) = (cfg.runner.host, cfg.runner.port);
    // The dev surfaces (a login as anyone, the outbox, the clock, the jobs) only where nobody
    // else can reach them: a loopback bind with the embedded backend, unless asked for loudly.
    let local_only = host.is_loopback() && cfg.backend.unwrap_or_default() == Backend::Embedded;
    let dev_surfaces = local_only || cfg.runner.insecure_dev_surfaces;
    let allowed_hosts = cfg.runner.allowed_hosts.clone();
    let complaints_per_hour = cfg.runner.anonymous_complaints_per_hour;
    let listener = tokio::net::TcpListener::bind((host, port))
        .await
        .map_err(|e| BootError(format!("cannot listen on {host}:{port}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| BootError(e.to_string()))?;
    let base = format!("http://{addr}");
    std::fs::create_dir_all(&cfg.data_dir)
        .map_err(|e| BootError(format!("cannot create {}: {e}", cfg.data_dir.display())))?;
    let data_dir = cfg
        .data_dir
        .canonicalize()
        .map_err(|e| BootError(e.to_string()))?;
    let users = demo_users();
    let calendar = cfg.calendar()?;
    let catalogue = cfg.catalogue(&calendar, perizinan::catalogue::Checks::Workflows)?;
    let aws = external_ports(&cfg, &catalogue).await?;
    let routes = api_routes(&catalogue);
    let permits: Vec<String> = catalogue
        .iter()
        .map(|p| format!("{} ({})", p.def.short_name, p.def.code))
        .collect();
    let dev_clock = cfg.runner.dev_clock;
    let clock = Arc::new(match cfg.runner.dev_clock_at.filter(|_| dev_clock) {
        Some(at) => SystemClock::with_offset(at - chrono::Utc::now()),
        None => SystemClock::default(),
    });
    let web_dir = cfg.runner.web_dir.clone();
    let origin_secret: Option<Arc<str>> = cfg
        .origin_secret
        .as_ref()
        .map(|s| Arc::from(String::from_utf8_lossy(&s.0).as_ref()));
    let every = cfg.runner.timer_interval;
    let mut settings = cfg;
    settings.data_dir = data_dir.clone();
    // The runner's links are its own address (as printed below).
    settings.portal_url = None;
    settings.verify_base_url = None;
    let mut ecfg = EmbeddedConfig::new(settings, catalogue, calendar);
    ecfg.base_url = base.clone();
    ecfg.clock = clock;
    // The runner's accounts: the demo users, then the staff its administrators invite; each
    // office role's notices go to its enabled members.
    ecfg.accounts = Some(users);
    ecfg.renderer = Some(perizinan_letters::renderer());
    // Signed letters carry their signature inside (PAdES B-T): the local CA and timestamp
    // authority in `data/pki` (created on first start; trust `pki/ca.pem` to validate).
    let agency = ecfg.settings.agency()?;
    let pki = perizinan_letters::sealer::LocalPki::load_or_create(
        &data_dir.join("pki"),
        &agency.head_position,
    )
    .map_err(|e| BootError(format!("local CA (pki): {e}")))?;
    // `POST /verify/{id}` checks an uploaded file's embedded signature against the same CA.
    ecfg.seal_verifier = Some(Arc::new(pki.trusted_seals()));
    ecfg.sealer = Some(Arc::new(pki));
    if let Some((external, signed, signer)) = aws {
        // On AWS with the stack's configuration (a chain issued for the KMS key and a TSA):
        // the sign function's sealer, checked against the key, and its chain trusted.
        perizinan_aws::boot::resolve_signer_chain(&mut ecfg.settings).await?;
        if let Some(sealer) = sign::sealing::stack_sealer(&ecfg.settings, signer.as_ref()).await? {
            ecfg.sealer = Some(sealer);
            ecfg.seal_verifier = Some(Arc::new(
                perizinan_letters::trust::TrustedSeals::from_settings(&ecfg.settings.aws)?,
            ));
        }
        ecfg.external = Some(external);
        ecfg.signed = Some(signed);
        ecfg.signer = Some(signer);
    }
    let embedded = Arc::new(Embedded::open(ecfg)?);
    let (resumed, redelivered) = embedded.recover().await?;
    let accounts = embedded
        .accounts
        .clone()
        .ok_or_else(|| BootError("the runner's accounts are not open".into()))?;
    if dev_surfaces {
        seed_rosters(&embedded.services, &accounts.list()).await;
    }
    let local = Local {
        embedded: embedded.clone(),
        token_key: Arc::new(embedded.token_key()),
        accounts,
        dev_clock,
        web: web::Web::new(web_dir),
        complaints: Arc::new(SourceLimit::new(complaints_per_hour)),
        origin_secret,
    };
    let local_web_available = local.web.available();
    let state: AppState = embedded.services.clone();
    let mut api = perizinan::api::guard::with_guards(routes, state);
    if dev_surfaces {
        api = api
            .route("/auth/dev/users", get(dev_users).with_state(local.clone()))
            .route("/auth/dev/login", post(dev_login).with_state(local.clone()));
    }
    let api = api
        .fallback(no_route)
        .method_not_allowed_fallback(no_method)
        .layer(axum::middleware::from_fn_with_state(local.clone(), gateway));
    let mut app = Router::new()
        .nest("/api", api)
        .route(
            "/_files/{*key}",
            put(file_put)
                .get(file_get)
                .layer(DefaultBodyLimit::max(MAX_FILE_BYTES)),
        )
        .route("/_signed/{*key}", get(signed_get));
    if !dev_surfaces {
        // Not served here: a 404 problem, not the web front end's page.
        for p in [
            "/_outbox",
            "/_outbox/{file}",
            "/_outbox/{file}/events",
            "/outbox",
            "/_dev/{*rest}",
            "/_jobs/{*rest}",
        ] {
            app = app.route(p, axum::routing::any(no_route));
        }
    } else {
        app = app
            .route("/_outbox", get(outbox_json))
            .route("/_outbox/{file}", get(outbox_raw))
            .route("/_outbox/{file}/events", post(outbox_event))
            .route("/outbox", get(outbox_html))
            .route("/_dev/executions/{name}", get(dev_execution))
            .route("/_dev/timeouts", post(dev_timeouts))
            .route("/_dev/faults", get(dev_faults))
            .route("/_dev/stats", get(dev_stats))
            .route("/_dev/clock", get(dev_clock_get).post(dev_clock_set))
            .route("/_jobs/overdue", post(job_overdue));
    }
    let app = app
        .route("/config.json", get(move || site_config(dev_surfaces)))
        .fallback(site)
        .with_state(local)
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(allowed_hosts),
            host_check,
        ));

    let morning = embedded.clone();
    tokio::spawn(async move {
        loop {
            until_next_morning(&morning.clock).await;
            let run = perizinan::jobs::run_overdue(&morning.services).await;
            tracing::info!(
                alerts = run.alerts.len(),
                failed = run.failed.len(),
                "daily overdue run"
            );
        }
    });
    let timer = embedded.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            timer.tick().await;
        }
    });

    println!("Perizinan Digital — DPMPTSP (runner lokal)");
    println!("  Izin:       {}", permits.join(", "));
    if local_web_available {
        println!("  Portal:     {base}/");
        println!("  Konsol:     {base}/console/");
    }
    println!("  API:        {base}/api");
    if dev_surfaces {
        if !local_only {
            println!(
                "  PERINGATAN: PD_INSECURE_DEV_SURFACES=1 — siapa pun yang menjangkau {base} dapat masuk sebagai petugas mana pun, membaca outbox dan mengatur jam. Jangan gunakan di jaringan yang tidak tepercaya."
            );
            tracing::warn!(%base, "dev surfaces served beyond loopback (PD_INSECURE_DEV_SURFACES=1)");
        }
        println!("  Dev login:  {base}/api/auth/dev/users  (POST {base}/api/auth/dev/login)");
        println!(
            "  Outbox:     {base}/outbox  (berkas .eml di {})",
            data_dir.join("outbox").display()
        );
        println!("  Jobs:       POST {base}/_jobs/overdue (otomatis setiap hari pukul 07.00 WITA)");
    } else {
        println!(
            "  Dev login, outbox, /_dev dan /_jobs tidak dilayani: alamat ini bukan loopback atau backend-nya AWS (PD_INSECURE_DEV_SURFACES=1 untuk memaksanya)."
        );
        println!(
            "  Berkas .eml: {}; pekerjaan harian otomatis pukul 07.00 WITA",
            data_dir.join("outbox").display()
        );
    }
    println!("  Data:       {}", data_dir.display());
    if resumed + redelivered > 0 {
        println!("  Dipulihkan: {resumed} eksekusi, {redelivered} keputusan dikirim ulang");
    }
    println!("listening on {base}");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .map_err(|e| BootError(format!("server: {e}")))
}

/// The demo users are the runner's directory: each office's roster starts with its demo staff
/// (in a stack, staff join it as they first open the console: `GET /me`).
async fn seed_rosters(s: &perizinan::services::Services, users: &[DemoUser]) {
    let now = perizinan::ports::Clock::now(s.clock.as_ref());
    for u in users {
        let Some(office) = &u.office else { continue };
        if u.disabled {
            continue;
        }
        let member = perizinan::domain::roster::StaffMember::seen(
            office.clone(),
            u.sub(),
            u.name.clone(),
            Some(u.email.clone()),
            u.roles.iter().filter(|r| r.is_staff()).cloned().collect(),
            now,
        );
        perizinan::api::staff::join_roster(s, member).await;
    }
}
