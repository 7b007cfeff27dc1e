//! Every error a route can answer, mapped in one place to RFC 9457 problem details: a machine
//! `code`, an Indonesian `title` and `detail`, and field errors where the input was wrong.

use crate::domain::validation::FieldError;
use crate::domain::{DomainError, Role};
use crate::ports::{DocumentError, MailError, OrchestratorError, StoreError};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("not found")]
    NotFound,
    #[error("route not found")]
    NoRoute,
    /// The request's `Host` is not a name this server answers to (DNS rebinding).
    #[error("host not allowed")]
    HostNotAllowed,
    /// A staff member's token no longer works: the account is disabled, or its access changed
    /// after the token was issued (`domain::roster`).
    #[error("session revoked")]
    SessionRevoked(crate::domain::roster::SessionRefused),
    /// The directory's administration is not configured for this function.
    #[error("account administration not configured")]
    AccountsUnavailable,
    /// The request did not come through the portal's CDN (no or a wrong origin secret).
    #[error("not through the edge")]
    NotThroughEdge,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("forbidden: role {0} required")]
    Forbidden(Role),
    #[error("forbidden: {0}")]
    ForbiddenOther(String),
    #[error("segregation of duties")]
    Segregation,
    #[error("invalid state: {0}")]
    InvalidState(String),
    #[error("stale version {given}, current {current}")]
    VersionConflict { given: u64, current: u64 },
    #[error("concurrent update")]
    ConcurrentUpdate,
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("requirements incomplete")]
    RequirementsIncomplete(Vec<FieldError>),
    #[error("the applicant's time has run out")]
    ApplicantTimeLapsed(String),
    #[error("invalid JSON: {0}")]
    InvalidJson(String),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// The route takes a file of this media type, e.g. `application/pdf`.
    #[error("unsupported media type, expected {0}")]
    ExpectedMediaType(&'static str),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("upload rejected: {0}")]
    UploadRejected(String, Vec<FieldError>),
    #[error("malware scan pending")]
    ScanPending,
    #[error("malware found or scan inconclusive")]
    MalwareFound,
    #[error("invalid idempotency key")]
    IdempotencyKeyInvalid,
    #[error("idempotency key reused for a different request")]
    IdempotencyKeyReused,
    #[error("request with this idempotency key still in progress")]
    IdempotencyInProgress,
    /// Too many requests from one source (the runner's limit on anonymous complaints); retry
    /// after this many seconds.
    #[error("too many requests")]
    TooManyRequests(u64),
    #[error("dependency unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound => ApiError::NotFound,
            DomainError::Forbidden { required } => ApiError::Forbidden(required),
            DomainError::Segregation => ApiError::Segregation,
            DomainError::InvalidState(d) => ApiError::InvalidState(d),
            DomainError::VersionConflict { given, current } => {
                ApiError::VersionConflict { given, current }
            }
            DomainError::Validation(f) => ApiError::Validation(f),
            DomainError::RequirementsIncomplete(f) => ApiError::RequirementsIncomplete(f),
            DomainError::ApplicantTimeLapsed(d) => ApiError::ApplicantTimeLapsed(d),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(_) => ApiError::ConcurrentUpdate,
            StoreError::Unavailable(src) => ApiError::Unavailable(format!("store: {src}")),
            StoreError::Corrupt(m) => ApiError::Internal(format!("store: {m}")),
        }
    }
}

impl From<OrchestratorError> for ApiError {
    fn from(e: OrchestratorError) -> Self {
        ApiError::Unavailable(format!("orchestrator: {e}"))
    }
}

impl From<DocumentError> for ApiError {
    fn from(e: DocumentError) -> Self {
        match e {
            DocumentError::NotFound => ApiError::NotFound,
            DocumentError::Exists => ApiError::ConcurrentUpdate,
            DocumentError::Unavailable(src) => ApiError::Unavailable(format!("documents: {src}")),
        }
    }
}

impl From<MailError> for ApiError {
    fn from(e: MailError) -> Self {
        ApiError::Unavailable(format!("mailer: {e}"))
    }
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: String,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a [FieldError]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_version: Option<u64>,
}

impl ApiError {
    /// The caller's office, else a 403: staff whose account names no office of this deployment
    /// read and act on no office's data (`domain::office`).
    pub fn office_of(
        caller: &crate::domain::Caller,
    ) -> Result<crate::domain::office::OfficeCode, ApiError> {
        caller.office.clone().ok_or_else(|| {
            ApiError::ForbiddenOther(
                "Akun Anda belum ditetapkan pada kantor mana pun; hubungi administrator kantor."
                    .into(),
            )
        })
    }

    /// The caller's role that holds `cap`, else a 403 naming a role that does.
    pub fn role_with(
        caller: &crate::domain::Caller,
        cap: crate::domain::roles::Capability,
    ) -> Result<crate::domain::Role, ApiError> {
        caller.role_with(cap).ok_or_else(|| {
            ApiError::Forbidden(
                crate::domain::roles::Roles::current()
                    .with(cap)
                    .into_iter()
                    .next()
                    .unwrap_or_else(crate::domain::Role::applicant),
            )
        })
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated | ApiError::SessionRevoked(_) => StatusCode::UNAUTHORIZED,
            ApiError::AccountsUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::NotFound | ApiError::NoRoute => StatusCode::NOT_FOUND,
            ApiError::HostNotAllowed => StatusCode::MISDIRECTED_REQUEST,
            ApiError::NotThroughEdge => StatusCode::FORBIDDEN,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Forbidden(_) | ApiError::ForbiddenOther(_) | ApiError::Segregation => {
                StatusCode::FORBIDDEN
            }
            ApiError::InvalidState(_)
            | ApiError::ApplicantTimeLapsed(_)
            | ApiError::VersionConflict { .. }
            | ApiError::ConcurrentUpdate
            | ApiError::IdempotencyInProgress
            | ApiError::ScanPending => StatusCode::CONFLICT,
            ApiError::MalwareFound => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::IdempotencyKeyInvalid => StatusCode::BAD_REQUEST,
            ApiError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Validation(_)
            | ApiError::RequirementsIncomplete(_)
            | ApiError::UploadRejected(..) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::InvalidJson(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType | ApiError::ExpectedMediaType(_) => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::SessionRevoked(crate::domain::roster::SessionRefused::Disabled) => {
                "account_disabled"
            }
            ApiError::SessionRevoked(crate::domain::roster::SessionRefused::Outdated) => {
                "session_outdated"
            }
            ApiError::AccountsUnavailable => "accounts_unavailable",
            ApiError::NotFound => "not_found",
            ApiError::NoRoute => "no_route",
            ApiError::HostNotAllowed => "host_not_allowed",
            ApiError::NotThroughEdge => "origin_not_allowed",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Forbidden(_) => "forbidden_role",
            ApiError::ForbiddenOther(_) => "forbidden",
            ApiError::Segregation => "segregation_of_duties",
            ApiError::InvalidState(_) => "invalid_state",
            ApiError::VersionConflict { .. } => "version_conflict",
            ApiError::ConcurrentUpdate => "concurrent_update",
            ApiError::Validation(_) => "validation_failed",
            ApiError::RequirementsIncomplete(_) => "requirements_incomplete",
            ApiError::ApplicantTimeLapsed(_) => "applicant_time_lapsed",
            ApiError::InvalidJson(_) => "invalid_json",
            ApiError::UnsupportedMediaType | ApiError::ExpectedMediaType(_) => {
                "unsupported_media_type"
            }
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::UploadRejected(..) => "upload_rejected",
            ApiError::ScanPending => "scan_pending",
            ApiError::MalwareFound => "malware_found",
            ApiError::IdempotencyKeyInvalid => "idempotency_key_invalid",
            ApiError::IdempotencyKeyReused => "idempotency_key_reused",
            ApiError::IdempotencyInProgress => "idempotency_in_progress",
            ApiError::TooManyRequests(_) => "too_many_requests",
            ApiError::Unavailable(_) => "service_unavailable",
            ApiError::Internal(_) => "internal_error",
        }
    }

    fn title_detail(&self) -> (&'static str, String) {
        match self {
            ApiError::Unauthenticated => (
                "Belum masuk",
                "Silakan masuk terlebih dahulu untuk melanjutkan.".into(),
            ),
            ApiError::SessionRevoked(crate::domain::roster::SessionRefused::Disabled) => (
                "Akun dinonaktifkan",
                "Akun Anda telah dinonaktifkan oleh administrator kantor. Hubungi administrator bila ini keliru.".into(),
            ),
            ApiError::SessionRevoked(crate::domain::roster::SessionRefused::Outdated) => (
                "Akses Anda telah diubah",
                "Administrator kantor telah mengubah peran atau status akun Anda. Silakan keluar lalu masuk kembali.".into(),
            ),
            ApiError::AccountsUnavailable => (
                "Administrasi akun tidak tersedia",
                "Pengelolaan akun petugas tidak tersedia pada layanan ini; tidak ada data yang berubah.".into(),
            ),
            ApiError::NotFound => ("Tidak ditemukan", "Data yang diminta tidak ditemukan.".into()),
            ApiError::NoRoute => (
                "Tidak ditemukan",
                "Alamat layanan yang diminta tidak tersedia.".into(),
            ),
            ApiError::HostNotAllowed => (
                "Host tidak dilayani",
                "Server ini tidak melayani nama host pada permintaan. Buka alamat yang dicetak saat server dijalankan (mis. http://127.0.0.1:8080).".into(),
            ),
            ApiError::NotThroughEdge => (
                "Akses tidak melalui portal",
                "Layanan ini hanya dapat diakses melalui alamat portal resmi.".into(),
            ),
            ApiError::MethodNotAllowed => (
                "Metode tidak diizinkan",
                "Metode HTTP ini tidak tersedia untuk alamat tersebut.".into(),
            ),
            ApiError::Forbidden(role) => (
                "Akses ditolak",
                format!("Tindakan ini hanya dapat dilakukan oleh {}.", role.label()),
            ),
            ApiError::ForbiddenOther(d) => ("Akses ditolak", d.clone()),
            ApiError::Segregation => (
                "Pemisahan tugas",
                "Anda telah memutuskan tahap sebelumnya pada berkas ini; tahap ini harus diputuskan oleh pejabat lain.".into(),
            ),
            ApiError::InvalidState(d) => ("Tahap tidak sesuai", d.clone()),
            ApiError::VersionConflict { given, current } => (
                "Data sudah berubah",
                format!(
                    "Berkas telah berubah sejak Anda membukanya (versi {given}, sekarang versi {current}). Muat ulang berkas lalu coba lagi."
                ),
            ),
            ApiError::ConcurrentUpdate => (
                "Data sudah berubah",
                "Berkas sedang diubah oleh pengguna lain. Muat ulang berkas lalu coba lagi.".into(),
            ),
            ApiError::Validation(_) => (
                "Data tidak valid",
                "Periksa kembali isian yang ditandai.".into(),
            ),
            ApiError::RequirementsIncomplete(_) => (
                "Persyaratan belum lengkap",
                "Permohonan belum memenuhi semua persyaratan; lengkapi yang ditandai.".into(),
            ),
            ApiError::ApplicantTimeLapsed(d) => ("Batas waktu pemohon telah berakhir", d.clone()),
            ApiError::InvalidJson(d) => ("Permintaan tidak valid", d.clone()),
            ApiError::ExpectedMediaType(m) => (
                "Jenis konten tidak didukung",
                format!("Kirim berkasnya sebagai isi permintaan dengan Content-Type: {m}."),
            ),
            ApiError::UnsupportedMediaType => (
                "Jenis konten tidak didukung",
                "Kirim isi permintaan sebagai JSON (Content-Type: application/json).".into(),
            ),
            ApiError::PayloadTooLarge => (
                "Isi permintaan terlalu besar",
                "Ukuran isi permintaan melebihi batas yang diizinkan.".into(),
            ),
            ApiError::UploadRejected(d, _) => ("Unggahan ditolak", d.clone()),
            ApiError::ScanPending => (
                "Dokumen sedang diperiksa",
                "Dokumen ini masih diperiksa oleh pemindai antivirus. Coba buka kembali dalam beberapa saat.".into(),
            ),
            ApiError::MalwareFound => (
                "Dokumen tidak dapat dibuka",
                "Pemindai antivirus tidak dapat menyatakan dokumen ini aman, sehingga dokumen tidak dapat dibuka. Minta pemohon mengunggah ulang berkas yang bersih.".into(),
            ),
            ApiError::IdempotencyKeyInvalid => (
                "Kunci idempotensi tidak valid",
                "Header Idempotency-Key harus berisi 1–255 karakter ASCII yang terlihat (tanpa spasi).".into(),
            ),
            ApiError::IdempotencyKeyReused => (
                "Kunci idempotensi sudah dipakai",
                "Idempotency-Key ini sudah dipakai untuk permintaan lain; gunakan kunci baru untuk permintaan yang berbeda.".into(),
            ),
            ApiError::IdempotencyInProgress => (
                "Permintaan sedang diproses",
                "Permintaan dengan Idempotency-Key yang sama masih diproses. Coba lagi sebentar lagi.".into(),
            ),
            ApiError::TooManyRequests(secs) => (
                "Terlalu banyak permintaan",
                format!(
                    "Terlalu banyak pengaduan dikirim dari alamat ini dalam satu jam terakhir. Coba lagi dalam {} menit, atau sampaikan melalui saluran pengaduan lain (telepon, e-mail, atau langsung kepada petugas).",
                    secs.div_ceil(60).max(1)
                ),
            ),
            ApiError::Unavailable(_) => (
                "Layanan sementara tidak tersedia",
                "Layanan sedang sibuk atau terganggu; tidak ada data yang berubah. Silakan coba beberapa saat lagi.".into(),
            ),
            ApiError::Internal(_) => (
                "Kesalahan sistem",
                "Terjadi kesalahan pada sistem. Silakan hubungi petugas bila berulang.".into(),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            ApiError::Unavailable(m) => {
                tracing::warn!(code = self.code(), error = %m, "dependency unavailable")
            }
            ApiError::Internal(m) => {
                tracing::error!(code = self.code(), error = %m, "internal error")
            }
            _ => tracing::debug!(
                code = self.code(),
                status = status.as_u16(),
                "request refused"
            ),
        }
        let (title, detail) = self.title_detail();
        let errors = match &self {
            ApiError::Validation(f)
            | ApiError::RequirementsIncomplete(f)
            | ApiError::UploadRejected(_, f) => Some(f.as_slice()),
            _ => None,
        };
        let current_version = match &self {
            ApiError::VersionConflict { current, .. } => Some(*current),
            _ => None,
        };
        let body = Problem {
            kind: format!("/problems/{}", self.code()),
            title,
            status: status.as_u16(),
            detail,
            code: self.code(),
            errors,
            current_version,
        };
        let mut resp = (status, Json(body)).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        }
        if matches!(self, ApiError::ScanPending) {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
        }
        if matches!(self, ApiError::IdempotencyInProgress) {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if let ApiError::TooManyRequests(secs) = &self {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*secs));
        }
        resp.extensions_mut().insert(ProblemCode(self.code()));
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The problem `code` of an error response, as a response extension (read by the security log).
#[derive(Debug, Clone, Copy)]
pub struct ProblemCode(pub &'static str);
