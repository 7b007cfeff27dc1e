//! SOP f: the applicant uploads the requirements (the `upload` function). The bytes go straight
//! to the document store through a short-lived signed URL; the confirm call then checks what
//! actually arrived (size, magic bytes) before the document counts.

use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, RequestOrigin};
use super::views::DocumentView;
use super::{AppState, load_visible, permit_of};
use crate::domain::actions::{self, Ctx, accepts_upload, is_editable};
use crate::domain::case::{DocumentRecord, DocumentStatus};
use crate::domain::permit::{PermitDef, StepKind};
use crate::domain::validation::FieldError;
use crate::domain::{Caller, CaseId, FileKind, Role};
use crate::ports::store::Commit;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::time::Duration;
use uuid::Uuid;

/// How long an upload URL stays valid.
pub const UPLOAD_TTL: Duration = Duration::from_secs(15 * 60);

/// Upload URLs of one requirement of a case that may be open (handed out, not confirmed, not
/// expired) at once: enough for a retry or two, not a store of pending records without end.
pub const MAX_OPEN_UPLOADS: usize = 5;

/// A pending upload may be confirmed this long after its URL was handed out (the URL's 15
/// minutes plus time to finish a slow upload); after it, a new URL is needed.
pub const CONFIRM_WITHIN: Duration = Duration::from_secs(30 * 60);

fn within(
    created: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
    d: Duration,
) -> bool {
    chrono::Duration::from_std(d).is_ok_and(|d| now - created < d)
}
/// How long a download URL stays valid.
pub const DOWNLOAD_TTL: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadRequest {
    pub requirement: Option<String>,
    pub file_name: Option<String>,
    pub media_type: Option<String>,
    pub size: Option<u64>,
}

/// A file name safe to store and to send back in `Content-Disposition`: the last path
/// segment, letters, digits, space, `.`, `-`, `_` (others become `_`), at most 120 characters,
/// ending in the extension of its type.
pub fn sanitize_file_name(raw: &str, kind: FileKind) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let mut clean: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " .-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    clean = clean
        .trim_matches(|c: char| c == '.' || c == ' ')
        .to_string();
    let stem = match clean.rsplit_once('.') {
        Some((s, _)) if !s.is_empty() => s.to_string(),
        _ => clean.clone(),
    };
    let stem: String = if stem.is_empty() {
        "dokumen".into()
    } else {
        stem.chars().take(100).collect()
    };
    format!("{stem}.{}", kind.extension())
}

/// RFC 6266 `Content-Disposition: attachment` with an ASCII fallback and a UTF-8 name.
pub fn attachment(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Where the applicant's upload URL writes: a key only for arrivals. What the confirmation
/// checked is copied to [`confirmed_key`], which no upload URL can write, so the bytes staff
/// read are the bytes that were checked and hashed, whatever is sent to the URL afterwards
/// (security review, issue 17 finding 1).
pub fn incoming_key(case: CaseId, doc: Uuid) -> String {
    format!("incoming/{case}/{doc}")
}

/// Where a confirmed document is kept (and read from).
pub fn confirmed_key(case: CaseId, doc: Uuid) -> String {
    format!("cases/{case}/{doc}")
}

/// The applicant's own case, open for uploads: in draft, in revision, or at an upload step.
fn own_editable(case: &crate::domain::Case, def: &PermitDef, caller: &Caller) -> ApiResult<()> {
    if case.owner != caller.sub {
        return Err(ApiError::Forbidden(Role::applicant()));
    }
    let at_upload_step = case
        .waiting_at()
        .and_then(|st| def.step(st.as_str()))
        .is_some_and(|st| st.kind == StepKind::ApplicantUpload);
    if !is_editable(case, def) && !at_upload_step {
        return Err(ApiError::InvalidState(
            "Dokumen hanya dapat diunggah saat draf atau saat perbaikan berkas.".into(),
        ));
    }
    Ok(())
}

/// POST /cases/{id}/documents — asks for an upload URL for one requirement.
pub async fn request_upload(
    State(s): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    JsonBody(req): JsonBody<UploadRequest>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let case = load_visible(&s, &id, &caller).await?;
    let def = permit_of(&s, &case)?;
    own_editable(&case, def, &caller)?;
    let mut errs = vec![];
    let requirement = match req.requirement.as_deref().map(|c| def.requirement(c)) {
        None => {
            errs.push(FieldError::required("requirement"));
            None
        }
        Some(None) => {
            errs.push(FieldError::new(
                "requirement",
                "unknown_requirement",
                "Jenis persyaratan tidak dikenal.",
            ));
            None
        }
        Some(Some(r)) if !accepts_upload(&case, def, &r.code) => {
            let when = match &r.step {
                Some(st) => def
                    .step(st.as_str())
                    .map_or_else(|| st.to_string(), |d| d.title.clone()),
                None => "draf atau perbaikan berkas".into(),
            };
            return Err(ApiError::InvalidState(format!(
                "Dokumen {} hanya dapat diunggah pada tahap: {when}.",
                r.name
            )));
        }
        Some(Some(r)) => Some(r),
    };
    let kind = match req.media_type.as_deref().map(FileKind::from_media_type) {
        None => {
            errs.push(FieldError::required("media_type"));
            None
        }
        Some(k) => match (k, requirement) {
            (Some(k), Some(r)) if r.kinds.contains(&k) => Some(k),
            (_, Some(r)) => {
                let allowed: Vec<&str> = r.kinds.iter().map(|k| k.media_type()).collect();
                errs.push(FieldError::new(
                    "media_type",
                    "media_type_not_allowed",
                    format!(
                        "Jenis berkas tidak diizinkan; gunakan {}.",
                        allowed.join(", ")
                    ),
                ));
                None
            }
            (k, None) => k,
        },
    };
    let size = match (req.size, requirement) {
        (None, _) => {
            errs.push(FieldError::required("size"));
            None
        }
        (Some(0), _) => {
            errs.push(FieldError::new("size", "empty_file", "Berkas kosong."));
            None
        }
        (Some(n), Some(r)) if n > r.max_bytes => {
            errs.push(FieldError::new(
                "size",
                "file_too_large",
                format!(
                    "Ukuran berkas paling besar {} MB.",
                    r.max_bytes / (1024 * 1024)
                ),
            ));
            None
        }
        (Some(n), _) => Some(n),
    };
    let file_name = match req.file_name {
        Some(n) if !n.trim().is_empty() && n.chars().count() <= 255 => Some(n),
        Some(_) => {
            errs.push(FieldError::new(
                "file_name",
                "invalid_file_name",
                "Nama berkas wajib diisi (paling banyak 255 karakter).",
            ));
            None
        }
        None => {
            errs.push(FieldError::required("file_name"));
            None
        }
    };
    let (Some(r), Some(kind), Some(size), Some(name), true) =
        (requirement, kind, size, file_name, errs.is_empty())
    else {
        return Err(ApiError::Validation(errs));
    };
    let now = s.clock.now();
    let open = s
        .store
        .documents(case.id)
        .await?
        .iter()
        .filter(|d| {
            d.requirement == r.code
                && d.status == DocumentStatus::Pending
                && within(d.created_at, now, UPLOAD_TTL)
        })
        .count();
    if open >= MAX_OPEN_UPLOADS {
        return Err(ApiError::InvalidState(format!(
            "Sudah ada {open} alamat unggah yang belum dikonfirmasi untuk dokumen {}; unggah dan konfirmasi salah satunya, atau tunggu 15 menit hingga alamat itu kedaluwarsa.",
            r.name
        )));
    }
    let doc_id = Uuid::now_v7();
    let key = incoming_key(case.id, doc_id);
    let doc = DocumentRecord {
        id: doc_id,
        case_id: case.id,
        requirement: r.code.clone(),
        version: 0,
        file_name: sanitize_file_name(&name, kind),
        media_type: kind.media_type().to_string(),
        declared_size: size,
        status: DocumentStatus::Pending,
        key: key.clone(),
        size: None,
        sha256: None,
        uploaded_by: caller.sub.clone(),
        created_at: now,
        stored_at: None,
    };
    let ticket = s
        .documents
        .presign_upload(&key, kind.media_type(), size, UPLOAD_TTL)
        .await?;
    s.store.put_pending_document(&doc).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "document": DocumentView::from(&doc), "upload": ticket })),
    ))
}

/// POST /cases/{id}/documents/{doc}/confirm — checks the bytes that arrived and records the
/// document (a new version of its requirement). Bytes of the wrong type are deleted.
pub async fn confirm(
    State(s): State<AppState>,
    Path((id, doc_id)): Path<(String, String)>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
) -> ApiResult<Json<Value>> {
    let case = load_visible(&s, &id, &caller).await?;
    if case.owner != caller.sub {
        return Err(ApiError::Forbidden(Role::applicant()));
    }
    let def = permit_of(&s, &case)?;
    let doc_id = Uuid::parse_str(&doc_id).map_err(|_| ApiError::NotFound)?;
    let doc = s
        .store
        .document(case.id, doc_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    match doc.status {
        DocumentStatus::Stored => return Ok(Json(json!({ "document": DocumentView::from(&doc) }))),
        DocumentStatus::Rejected => {
            return Err(ApiError::InvalidState(
                "Unggahan ini sudah ditolak; minta alamat unggah yang baru.".into(),
            ));
        }
        DocumentStatus::Erased => {
            return Err(ApiError::InvalidState(
                "Berkas ini sudah dihapus sesuai jadwal retensi.".into(),
            ));
        }
        DocumentStatus::Pending => {}
    }
    if !within(doc.created_at, s.clock.now(), CONFIRM_WITHIN) {
        return Err(ApiError::InvalidState(
            "Alamat unggah ini sudah kedaluwarsa; minta alamat unggah yang baru lalu unggah ulang berkasnya.".into(),
        ));
    }
    own_editable(&case, def, &caller)?;
    if !accepts_upload(&case, def, &doc.requirement) {
        return Err(ApiError::InvalidState(
            "Dokumen ini tidak dapat diunggah pada tahap berkas saat ini.".into(),
        ));
    }
    let Some(head) = s.documents.head(&doc.key).await? else {
        return Err(ApiError::UploadRejected(
            "Berkas belum diterima; unggah berkas ke alamat yang diberikan lalu konfirmasi lagi."
                .into(),
            vec![FieldError::new(
                "file",
                "upload_missing",
                "Berkas belum diunggah.",
            )],
        ));
    };
    let bytes = if head.size <= doc.declared_size {
        Some(s.documents.get(&doc.key).await?)
    } else {
        None
    };
    let problem = match &bytes {
        None => Some(FieldError::new(
            "file",
            "size_mismatch",
            "Ukuran berkas melebihi ukuran yang dinyatakan.",
        )),
        Some(b) => match FileKind::sniff(&b[..b.len().min(16)]) {
            Some(k) if k.media_type() == doc.media_type => None,
            _ => Some(FieldError::new(
                "file",
                "content_mismatch",
                format!(
                    "Isi berkas bukan {} yang valid.",
                    doc.media_type
                        .trim_start_matches("application/")
                        .to_uppercase()
                ),
            )),
        },
    };
    if let Some(p) = problem {
        s.documents.delete(&doc.key).await?;
        let mut rejected = doc.clone();
        rejected.status = DocumentStatus::Rejected;
        s.store.put_pending_document(&rejected).await?;
        tracing::info!(case_id = %case.id, code = %p.code, "upload rejected");
        return Err(ApiError::UploadRejected(
            "Berkas yang diunggah tidak dapat diterima dan telah dihapus.".into(),
            vec![p],
        ));
    }
    let bytes = bytes.unwrap_or_default();
    let sha = hex::encode(Sha256::digest(&bytes));
    let size = bytes.len() as u64;
    // Keep exactly these bytes where no upload URL writes.
    let kept = confirmed_key(case.id, doc.id);
    match s
        .documents
        .put_new(&kept, bytes.clone(), &doc.media_type)
        .await
    {
        Ok(()) => {}
        // A retried confirmation (or an upload of an earlier release, whose URL wrote here):
        // what is there must be what was checked.
        Err(crate::ports::documents::DocumentError::Exists) => {
            let there = s.documents.get(&kept).await?;
            if hex::encode(Sha256::digest(&there)) != sha {
                tracing::warn!(case_id = %case.id, document_id = %doc.id, "confirmed copy differs from the upload");
                return Err(ApiError::InvalidState(
                    "Berkas berubah saat dikonfirmasi; minta alamat unggah yang baru lalu unggah ulang berkasnya.".into(),
                ));
            }
        }
        Err(e) => return Err(e.into()),
    }
    let mut doc = doc.clone();
    let arrived = std::mem::replace(&mut doc.key, kept);
    let stored =
        super::with_retries(|| store_document(&s, case.id, &doc, size, &sha, &caller, &origin))
            .await?;
    if arrived != stored.key
        && let Err(e) = s.documents.delete(&arrived).await
    {
        // The bucket's lifecycle expires arrivals after a day anyway.
        tracing::warn!(case_id = %case.id, error = %e, "arrived upload not deleted");
    }
    Ok(Json(json!({ "document": DocumentView::from(&stored) })))
}

async fn store_document(
    s: &AppState,
    case_id: CaseId,
    doc: &DocumentRecord,
    size: u64,
    sha: &str,
    caller: &Caller,
    origin: &crate::domain::Origin,
) -> ApiResult<DocumentRecord> {
    let case = s.store.case(case_id).await?.ok_or(ApiError::NotFound)?;
    let def = permit_of(s, &case)?;
    let existing = s.store.documents(case_id).await?;
    let version = existing
        .iter()
        .filter(|d| d.requirement == doc.requirement && d.status == DocumentStatus::Stored)
        .map(|d| d.version)
        .max()
        .unwrap_or(0)
        + 1;
    let now = s.clock.now();
    let mut stored = doc.clone();
    stored.status = DocumentStatus::Stored;
    stored.version = version;
    stored.size = Some(size);
    stored.sha256 = Some(sha.to_string());
    stored.stored_at = Some(now);
    let ch = actions::document_stored(
        &case,
        def,
        caller,
        &stored,
        &Ctx {
            now,
            origin,
            calendar: s.calendar_of(&case),
        },
    )?;
    let mut commit = Commit::from_change(ch);
    commit.documents.push(stored.clone());
    s.store.commit_checked(commit).await?;
    tracing::info!(case_id = %case_id, requirement = %stored.requirement, version, "document stored");
    Ok(stored)
}

/// GET /cases/{id}/documents — every confirmed upload, each version.
pub async fn list(
    State(s): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    let case = load_visible(&s, &id, &caller).await?;
    let docs = s.store.documents(case.id).await?;
    let items: Vec<DocumentView> = docs
        .iter()
        .filter(|d| d.status == DocumentStatus::Stored)
        .map(DocumentView::from)
        .collect();
    Ok(Json(json!({ "items": items, "count": items.len() })))
}

/// GET /cases/{id}/documents/{doc}/download — a short-lived download URL (attachment).
pub async fn download(
    State(s): State<AppState>,
    Path((id, doc_id)): Path<(String, String)>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    let case = load_visible(&s, &id, &caller).await?;
    let doc_id = Uuid::parse_str(&doc_id).map_err(|_| ApiError::NotFound)?;
    let doc = s
        .store
        .document(case.id, doc_id)
        .await?
        .filter(|d| d.status == DocumentStatus::Stored)
        .ok_or(ApiError::NotFound)?;
    if s.malware_scan_required {
        // The bucket policy refuses presigned reads of objects not tagged clean anyway; this
        // says why, in words.
        use crate::ports::documents::ScanStatus;
        match s.documents.scan_status(&doc.key).await? {
            ScanStatus::Clean => {}
            ScanStatus::NotScanned => return Err(ApiError::ScanPending),
            ScanStatus::Threats | ScanStatus::Inconclusive(_) => {
                tracing::warn!(case_id = %case.id, document_id = %doc.id, "download refused: scan verdict not clean");
                return Err(ApiError::MalwareFound);
            }
        }
    }
    let url = s
        .documents
        .presign_download(&doc.key, &doc.file_name, &doc.media_type, DOWNLOAD_TTL)
        .await?;
    let expires_at = s.clock.now()
        + chrono::Duration::from_std(DOWNLOAD_TTL).unwrap_or(chrono::Duration::minutes(5));
    Ok(Json(
        json!({ "url": url, "expires_at": expires_at, "file_name": doc.file_name }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_headers_follow_rfc_6266() {
        assert_eq!(
            attachment("izin operasional.pdf"),
            "attachment; filename=\"izin operasional.pdf\"; filename*=UTF-8''izin%20operasional.pdf"
        );
        assert_eq!(
            attachment("surat \"ñ\".pdf"),
            "attachment; filename=\"surat ___.pdf\"; filename*=UTF-8''surat%20%22%C3%B1%22.pdf"
        );
    }

    #[test]
    fn file_names_are_sanitised() {
        assert_eq!(
            sanitize_file_name("C:\\Users\\x\\izin operasional.PDF", FileKind::Pdf),
            "izin operasional.pdf"
        );
        assert_eq!(
            sanitize_file_name("../../etc/passwd", FileKind::Pdf),
            "passwd.pdf"
        );
        assert_eq!(
            sanitize_file_name("daftar\"anggota\r\n.exe", FileKind::Pdf),
            "daftar_anggota__.pdf"
        );
        assert_eq!(sanitize_file_name("...", FileKind::Png), "dokumen.png");
        assert_eq!(
            sanitize_file_name("foto kantor.jpeg", FileKind::Jpeg),
            "foto kantor.jpg"
        );
    }
}
