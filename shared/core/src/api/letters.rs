//! The documents of a case (the `sign` function): the letter's PDF drafts (SOP m of the seed),
//! the signed letter (SHA-256 signed with the document-signing key, written once to the signed
//! store, a QR code to the public verification page), the bill (SKRD) of a permit with a
//! retribution, downloads, public verification and revocation.

use super::error::{ApiError, ApiResult};
use super::extract::{JsonBody, RequestOrigin};
use super::{AppState, load_visible};
use crate::domain::Caller;
use crate::domain::case::{
    AuditEvent, Case, EventDraft, LetterKind, Revocation, SignedDocument, StoredFile,
};
use crate::domain::documents::{bill_text, letter_text};
use crate::domain::permit::PermitDef;
use crate::domain::roles::Capability;
use crate::domain::time::{format_instant_id, wita_date};
use crate::domain::validation::{self, FieldError};
use crate::ports::DocumentError;
use crate::ports::letters::{LetterData, LetterRenderer, RenderError, Signature};
use crate::ports::signer::{ALGORITHM, public_key_pem, verify};
use crate::ports::store::Commit;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

fn render_error(e: RenderError) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// The services' renderer (the catalogue gives document effects only to the steps of the
/// function that has one).
fn renderer(s: &AppState) -> ApiResult<&dyn LetterRenderer> {
    s.renderer
        .as_deref()
        .ok_or_else(|| ApiError::Internal("documents are made by the sign function".into()))
}

fn text_of(
    s: &AppState,
    case: &Case,
    def: &PermitDef,
    kind: LetterKind,
) -> ApiResult<crate::domain::documents::LetterText> {
    letter_text(case, def, s.agency_of(case), kind)
        .ok_or_else(|| ApiError::Internal(format!("permit {} has no {kind:?} letter", def.code)))
}

/// Renders draft `version` of the case's letter and stores it (SOP m).
pub async fn store_draft(
    s: &AppState,
    case: &Case,
    def: &PermitDef,
    version: u32,
) -> ApiResult<StoredFile> {
    let draft = case
        .letter
        .drafts
        .iter()
        .find(|d| d.version == version)
        .ok_or_else(|| ApiError::Internal("draft missing".into()))?;
    let text = text_of(s, case, def, draft.kind)?;
    let bytes = renderer(s)?
        .letter(&LetterData {
            agency: s.agency_of(case),
            text: &text,
            date: wita_date(draft.drafted_at),
            draft_version: Some(version),
            signature: None,
        })
        .map_err(render_error)?;
    let key = format!(
        "letters/{}/draft-v{version}-{}.pdf",
        case.id,
        Uuid::now_v7().simple()
    );
    let file = StoredFile {
        key: key.clone(),
        sha256: hex::encode(Sha256::digest(&bytes)),
        size: bytes.len() as u64,
    };
    s.documents
        .put(&key, Bytes::from(bytes), "application/pdf")
        .await?;
    Ok(file)
}

/// Renders the final letter of a case that has just been signed (SOP p), signs the SHA-256
/// of its bytes, writes it once to the signed store, and returns its public record.
pub async fn sign_letter(
    s: &AppState,
    case: &Case,
    def: &PermitDef,
    position: &str,
) -> ApiResult<(StoredFile, SignedDocument)> {
    let signed = case
        .letter
        .signed
        .as_ref()
        .ok_or_else(|| ApiError::Internal("letter not signed".into()))?;
    // The letter is stored once under its number: an earlier attempt of this decision (a lost
    // race, a retried request) finds it there and uses it, so that the write-once store holds
    // one object per letter.
    let id = signed_document_id(case.id, &signed.number);
    let verify_url = format!("{}/verify/{id}", s.verify_base_url.trim_end_matches('/'));
    let text = text_of(s, case, def, signed.kind)?;
    if s.agency_of(case).official(&signed.signer.name).is_none() {
        tracing::warn!(case_id = %case.id, "the signer is not among the office's officials (office.json `agency.officials`): the letter prints no NIP or rank");
    }
    let rendered = Bytes::from(
        renderer(s)?
            .letter(&LetterData {
                agency: s.agency_of(case),
                text: &text,
                date: wita_date(signed.signed_at),
                draft_version: None,
                signature: Some(Signature {
                    number: &signed.number,
                    signer: &signed.signer.name,
                    acting: signed.signer.acting.as_ref().map(|a| a.kind.prefix()),
                    signed_at: signed.signed_at,
                    verify_url: &verify_url,
                }),
            })
            .map_err(render_error)?,
    );
    // The signature inside the file (PAdES B-T), where the services have a sealer: what any PDF
    // reader validates. The record's SHA-256 and detached signature then cover the sealed file.
    let (rendered, embedded) = match &s.sealer {
        Some(sealer) => {
            let sealed = sealer
                .seal(
                    &rendered,
                    s.signer.as_ref(),
                    signed.signed_at,
                    &signed.signer.name,
                    &title_case(&text.title),
                    &s.agency_of(case).city,
                )
                .await
                .map_err(|e| ApiError::Unavailable(format!("sealer: {e}")))?;
            (Bytes::from(sealed.pdf), Some(sealed.facts))
        }
        None => (rendered, None),
    };
    let key = format!("signed/{id}.pdf");
    let (bytes, embedded) = match s
        .signed_documents
        .put_new(&key, rendered.clone(), "application/pdf")
        .await
    {
        Ok(()) => (rendered, embedded),
        Err(DocumentError::Exists) => {
            tracing::info!(case_id = %case.id, document_id = %id, "signed letter already stored by an earlier attempt");
            let stored = s.signed_documents.get(&key).await?;
            // The facts of the stored file's own signature, not of this attempt's.
            let embedded = match &s.sealer {
                Some(sealer) => sealer.facts(&stored).ok(),
                None => None,
            };
            (stored, embedded)
        }
        Err(e) => return Err(e.into()),
    };
    let digest: [u8; 32] = Sha256::digest(&bytes).into();
    let signature = s
        .signer
        .sign_digest(&digest)
        .await
        .map_err(|e| ApiError::Unavailable(format!("signer: {e}")))?;
    let size = bytes.len() as u64;
    let file = StoredFile {
        key: key.clone(),
        sha256: hex::encode(digest),
        size,
    };
    let doc = SignedDocument {
        id,
        case_id: case.id,
        permit: def.code.clone(),
        title: Some(title_case(&text.title)),
        number: signed.number.clone(),
        kind: signed.kind,
        holder: text.holder.clone(),
        signer_name: signed.signer.name.clone(),
        signer_position: position.to_string(),
        signed_at: signed.signed_at,
        sha256: file.sha256.clone(),
        size,
        signature: B64.encode(&signature),
        algorithm: ALGORITHM.into(),
        key_id: s.signer.key_id().to_string(),
        key,
        embedded,
        revoked: None,
        version: 0,
    };
    tracing::info!(case_id = %case.id, document_id = %id, "letter signed");
    Ok((file, doc))
}

/// The public id of the signed letter numbered `number` of case `case`: the same on every
/// attempt (a UUID of version 8 from the SHA-256 of both), so that the letter has one key in
/// the write-once store.
pub fn signed_document_id(case: crate::domain::CaseId, number: &str) -> Uuid {
    let h = Sha256::digest(format!("perizinan/signed-letter/{case}/{number}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    uuid::Builder::from_custom_bytes(b).into_uuid()
}

/// Renders the case's bill (SKRD) and stores it.
pub async fn store_bill(s: &AppState, case: &Case, def: &PermitDef) -> ApiResult<StoredFile> {
    let text = bill_text(case, def, s.agency_of(case))
        .ok_or_else(|| ApiError::Internal("no bill to render".into()))?;
    let bytes = renderer(s)?
        .bill(s.agency_of(case), &text)
        .map_err(render_error)?;
    let key = format!("bills/{}/skrd-{}.pdf", case.id, Uuid::now_v7().simple());
    let file = StoredFile {
        key: key.clone(),
        sha256: hex::encode(Sha256::digest(&bytes)),
        size: bytes.len() as u64,
    };
    s.documents
        .put(&key, Bytes::from(bytes), "application/pdf")
        .await?;
    Ok(file)
}

/// `SURAT PEMENUHAN KOMITMEN` → `Surat Pemenuhan Komitmen` (the verification page's title).
fn title_case(t: &str) -> String {
    t.split_whitespace()
        .map(|w| {
            let lower = w.to_lowercase();
            let mut c = lower.chars();
            match c.next() {
                Some(f) if w.len() > 3 || w.chars().all(|x| x.is_alphabetic()) => {
                    f.to_uppercase().collect::<String>() + c.as_str()
                }
                Some(f) => f.to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether the stored signature is one of this deployment's key over the stored hash.
async fn signature_valid(s: &AppState, doc: &SignedDocument) -> ApiResult<bool> {
    if doc.key_id != s.signer.key_id() || doc.algorithm != ALGORITHM {
        return Ok(false);
    }
    let public = s
        .signer
        .public_key_der()
        .await
        .map_err(|e| ApiError::Unavailable(format!("signer: {e}")))?;
    let Ok(digest) = hex::decode(&doc.sha256) else {
        return Ok(false);
    };
    let Ok(digest) = <[u8; 32]>::try_from(digest.as_slice()) else {
        return Ok(false);
    };
    let Ok(sig) = B64.decode(&doc.signature) else {
        return Ok(false);
    };
    Ok(verify(&public, &digest, &sig))
}

fn kind_label(k: LetterKind) -> (&'static str, &'static str) {
    match k {
        LetterKind::Grant => ("Surat Pemenuhan Komitmen", "Izin diberikan"),
        LetterKind::Refusal => ("Surat Penolakan Permohonan", "Permohonan ditolak"),
    }
}

async fn verification(s: &AppState, doc: &SignedDocument) -> ApiResult<Value> {
    let valid = signature_valid(s, doc).await?;
    let (default_title, decision) = kind_label(doc.kind);
    let title = doc.title.as_deref().unwrap_or(default_title);
    let permit = s
        .catalogue
        .def(doc.permit.as_str())
        .map_or_else(|| doc.permit.to_string(), |d| d.name.clone());
    let status = match (&doc.revoked, valid) {
        (Some(_), _) => ("revoked", "Dicabut"),
        (None, true) => ("valid", "Sah"),
        (None, false) => ("invalid", "Tanda tangan tidak sah"),
    };
    Ok(json!({
        "document_id": doc.id,
        "title": title,
        "permit": permit,
        "number": doc.number,
        "holder": doc.holder,
        "decision": decision,
        "signer": doc.signer_name,
        "position": doc.signer_position,
        "signed_at": doc.signed_at,
        "signed_at_label": format_instant_id(doc.signed_at),
        "sha256": doc.sha256,
        "algorithm": doc.algorithm,
        "key_id": doc.key_id,
        "signature": doc.signature,
        "signature_valid": valid,
        "status": status.0,
        "status_label": status.1,
        "revoked_at": doc.revoked.as_ref().map(|r| r.at),
        "revoked_reason": doc.revoked.as_ref().map(|r| r.reason.clone()),
        // The signature inside the PDF (PAdES), as sealed: what a PDF reader checks.
        "embedded_signature": doc.embedded.as_ref().map(|e| json!({
            "format": format!("PAdES {}", e.level),
            "subject": e.subject,
            "issuer": e.issuer,
            "serial": e.serial,
            "timestamp": e.timestamp,
            "timestamp_label": format_instant_id(e.timestamp),
        })),
    }))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html_page(v: &Value) -> String {
    let get = |k: &str| v[k].as_str().map(esc).unwrap_or_default();
    let (badge, colour) = match v["status"].as_str() {
        Some("valid") => ("✔ Dokumen asli dan sah", "#0a6b2e"),
        Some("revoked") => ("✖ Dokumen telah dicabut", "#9b1c1c"),
        _ => ("✖ Tanda tangan tidak sah", "#9b1c1c"),
    };
    let embedded = match v["embedded_signature"].as_object() {
        Some(e) => {
            let f = |k: &str| {
                e.get(k)
                    .and_then(Value::as_str)
                    .map(esc)
                    .unwrap_or_default()
            };
            format!(
                "<tr><th>Tanda tangan dalam PDF</th><td>{}</td></tr><tr><th>Sertifikat penanda tangan</th><td>{}<br><small>diterbitkan oleh {}; nomor seri <code>{}</code></small></td></tr><tr><th>Cap waktu (RFC 3161)</th><td>{}</td></tr>",
                f("format"),
                f("subject"),
                f("issuer"),
                f("serial"),
                f("timestamp_label"),
            )
        }
        None => String::new(),
    };
    let revoked = if v["status"] == "revoked" {
        format!(
            "<tr><th>Alasan pencabutan</th><td>{}</td></tr>",
            get("revoked_reason")
        )
    } else {
        String::new()
    };
    format!(
        r#"<!doctype html><html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Verifikasi Dokumen — Perizinan Digital</title>
<style>body{{font-family:system-ui,sans-serif;margin:0;padding:1rem;background:#f5f6f8;color:#111}}main{{max-width:34rem;margin:auto;background:#fff;border-radius:.5rem;padding:1rem 1.25rem}}h1{{font-size:1.2rem}}.badge{{color:#fff;background:{colour};padding:.6rem .8rem;border-radius:.4rem;font-weight:600}}table{{width:100%;border-collapse:collapse;margin-top:1rem}}th,td{{text-align:left;padding:.45rem .3rem;border-bottom:1px solid #e5e7eb;vertical-align:top;font-size:.95rem}}th{{width:42%;color:#444;font-weight:500}}code{{word-break:break-all;font-size:.8rem}}</style></head>
<body><main><h1>Verifikasi Dokumen Elektronik</h1><p class="badge" role="status">{badge}</p>
<table><tr><th>Jenis dokumen</th><td>{title}</td></tr><tr><th>Izin</th><td>{permit}</td></tr><tr><th>Nomor</th><td>{number}</td></tr><tr><th>Pemegang</th><td>{holder}</td></tr><tr><th>Keputusan</th><td>{decision}</td></tr><tr><th>Ditandatangani oleh</th><td>{signer}<br>{position}</td></tr><tr><th>Tanggal tanda tangan</th><td>{signed}</td></tr><tr><th>Tanda tangan digital</th><td>{sig}</td></tr>{embedded}{revoked}<tr><th>SHA-256</th><td><code>{hash}</code></td></tr></table>
<p style="font-size:.85rem;color:#555">Pastikan isi dokumen yang Anda pegang sama dengan data di atas. Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kota Bontang.</p></main></body></html>"#,
        title = get("title"),
        permit = get("permit"),
        number = get("number"),
        holder = get("holder"),
        decision = get("decision"),
        signer = get("signer"),
        position = get("position"),
        signed = get("signed_at_label"),
        sig = if v["signature_valid"].as_bool() == Some(true) {
            "Sah (ECDSA P-256, SHA-256)"
        } else {
            "Tidak sah"
        },
        hash = get("sha256"),
        colour = colour,
        badge = badge,
        revoked = revoked,
        embedded = embedded,
    )
}

async fn load_doc(s: &AppState, id: &str) -> ApiResult<SignedDocument> {
    let id = Uuid::parse_str(id).map_err(|_| ApiError::NotFound)?;
    s.store.signed_document(id).await?.ok_or(ApiError::NotFound)
}

/// GET /verify/{id} — public. JSON, or the small HTML page for phones (what the QR opens) when
/// the client asks for HTML.
pub async fn verify_get(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let doc = load_doc(&s, &id).await?;
    let v = verification(&s, &doc).await?;
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_html {
        Ok(Html(html_page(&v)).into_response())
    } else {
        Ok(Json(v).into_response())
    }
}

/// POST /verify/{id} — public: are these bytes (`application/pdf`) the signed ones?
pub async fn verify_post(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<Value>> {
    let is_pdf = headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|c| c.split(';').next().unwrap_or("").trim() == "application/pdf");
    if !is_pdf {
        return Err(ApiError::ExpectedMediaType("application/pdf"));
    }
    // Over the route's body limit (or a broken upload): a problem, not the extractor's text.
    let body = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        _ => ApiError::Validation(vec![FieldError::new(
            "body",
            "unreadable",
            "Isi permintaan tidak dapat dibaca; kirim ulang berkas PDF-nya.",
        )]),
    })?;
    let doc = load_doc(&s, &id).await?;
    let mut v = verification(&s, &doc).await?;
    let hash = hex::encode(Sha256::digest(&body));
    let matches = hash == doc.sha256;
    v["uploaded_sha256"] = json!(hash);
    v["matches"] = json!(matches);
    v["matches_label"] = json!(if matches {
        "Berkas yang diunggah sama persis dengan dokumen yang ditandatangani."
    } else {
        "Berkas yang diunggah BERBEDA dengan dokumen yang ditandatangani."
    });
    // The signature inside the uploaded file, checked on its own (what a PDF reader checks):
    // the bytes may match the record while the file carries no valid signature (a letter
    // signed beside the file only), or differ from it while carrying one.
    let check = s
        .seal_verifier
        .as_ref()
        .map(|verifier| verifier.check(&body));
    v["uploaded_embedded_signature"] = uploaded_embedded(check.as_ref());
    v["embedded_signature_label"] = json!(embedded_label(matches, check.as_ref()));
    Ok(Json(v))
}

/// `uploaded_embedded_signature` of `POST /verify/{id}`: the check of the uploaded file's own
/// signature (`checked: false` where the deployment has no verifier).
fn uploaded_embedded(check: Option<&crate::ports::letters::SealCheck>) -> Value {
    let Some(c) = check else {
        return json!({ "checked": false, "valid": false });
    };
    let mut v = json!({
        "checked": true,
        "valid": c.valid,
        "problem": c.problem,
        "problem_label": c.problem.map(|p| p.label()),
    });
    if let Some(f) = &c.facts {
        v["level"] = json!(f.level);
        v["format"] = json!(format!("PAdES {}", f.level));
        v["subject"] = json!(f.subject);
        v["issuer"] = json!(f.issuer);
        v["serial"] = json!(f.serial);
        v["timestamp"] = json!(f.timestamp);
        v["timestamp_label"] = json!(f.timestamp.map(format_instant_id));
    }
    v
}

/// The statement about the uploaded file's embedded signature, in Indonesian.
fn embedded_label(matches: bool, check: Option<&crate::ports::letters::SealCheck>) -> String {
    use crate::ports::letters::SealProblem;
    let Some(c) = check else {
        return "Tanda tangan di dalam PDF tidak diperiksa oleh layanan ini; periksa dengan aplikasi pembaca PDF.".into();
    };
    match (c.valid, c.problem, matches) {
        (true, _, true) => {
            "Tanda tangan elektronik di dalam PDF sah: isinya utuh sejak ditandatangani, sertifikatnya diterbitkan oleh otoritas yang dipercaya instansi ini, dan cap waktunya sesuai.".into()
        }
        (true, _, false) => {
            "Tanda tangan elektronik di dalam PDF sah, tetapi berkas ini bukan dokumen yang tercatat dengan nomor ini.".into()
        }
        (false, Some(SealProblem::NotSigned), true) => {
            "Berkas sama dengan dokumen yang tercatat, tetapi tidak memuat tanda tangan elektronik di dalam PDF (dokumen ditandatangani terpisah; keasliannya dibuktikan oleh kecocokan SHA-256 di atas).".into()
        }
        (false, problem, true) => format!(
            "Berkas sama dengan dokumen yang tercatat, tetapi tanda tangan elektronik di dalam PDF TIDAK SAH: {}",
            problem.map_or("tanda tangan tidak dapat diperiksa.", |p| p.label())
        ),
        (false, problem, false) => format!(
            "Tanda tangan elektronik di dalam PDF TIDAK SAH: {}",
            problem.map_or("tanda tangan tidak dapat diperiksa.", |p| p.label())
        ),
    }
}

/// GET /verify/public-key — the document-signing public key (PEM), for independent checks such
/// as `openssl dgst -sha256 -verify`.
pub async fn public_key(State(s): State<AppState>) -> ApiResult<Response> {
    let der = s
        .signer
        .public_key_der()
        .await
        .map_err(|e| ApiError::Unavailable(format!("signer: {e}")))?;
    let mut resp = public_key_pem(&der).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-pem-file"),
    );
    Ok(resp)
}

async fn download_url(
    s: &AppState,
    store: &dyn crate::ports::DocumentStore,
    key: &str,
    name: &str,
) -> ApiResult<Json<Value>> {
    let url = store
        .presign_download(key, name, "application/pdf", super::documents::DOWNLOAD_TTL)
        .await?;
    let expires_at = s.clock.now()
        + chrono::Duration::from_std(super::documents::DOWNLOAD_TTL)
            .unwrap_or(chrono::Duration::minutes(5));
    Ok(Json(
        json!({ "url": url, "expires_at": expires_at, "file_name": name }),
    ))
}

/// GET /cases/{id}/letter/drafts/{version}/download — staff: each draft version.
pub async fn download_draft(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, version)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let case = load_visible(&s, &id, &caller).await?;
    if !caller.is_staff() {
        return Err(ApiError::ForbiddenOther(
            "Draf surat hanya dapat dilihat oleh petugas.".into(),
        ));
    }
    let v: u32 = version.parse().map_err(|_| ApiError::NotFound)?;
    let file = case
        .letter
        .drafts
        .iter()
        .find(|d| d.version == v)
        .and_then(|d| d.file.clone())
        .ok_or(ApiError::NotFound)?;
    let reg = case
        .registration_number
        .as_ref()
        .map_or_else(String::new, |r| r.to_string());
    download_url(
        &s,
        s.documents.as_ref(),
        &file.key,
        &format!("draf-surat-{reg}-v{v}.pdf"),
    )
    .await
}

/// GET /cases/{id}/letter/download — the signed letter, for its applicant and for staff.
pub async fn download_signed(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let case = load_visible(&s, &id, &caller).await?;
    let signed = case
        .letter
        .signed
        .as_ref()
        .ok_or_else(|| ApiError::InvalidState("Surat belum ditandatangani.".into()))?;
    let file = signed.file.clone().ok_or(ApiError::NotFound)?;
    let name = format!("{}.pdf", signed.number.replace('/', "-"));
    download_url(&s, s.signed_documents.as_ref(), &file.key, &name).await
}

/// GET /cases/{id}/bill/download — the bill (SKRD) of a permit with a retribution, for its
/// applicant and for staff.
pub async fn download_bill(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let case = load_visible(&s, &id, &caller).await?;
    let bill = case
        .bill
        .as_ref()
        .ok_or_else(|| ApiError::InvalidState("SKRD belum diterbitkan.".into()))?;
    let file = bill.file.clone().ok_or(ApiError::NotFound)?;
    let name = format!("SKRD-{}.pdf", bill.number.replace('/', "-"));
    download_url(&s, s.documents.as_ref(), &file.key, &name).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeInput {
    pub reason: Option<String>,
}

/// POST /documents/{id}/revoke — the head of agency revokes a signed document with a reason; the
/// verification page then says revoked.
pub async fn revoke(
    State(s): State<AppState>,
    caller: Caller,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<RevokeInput>,
) -> ApiResult<Json<Value>> {
    let role = ApiError::role_with(&caller, Capability::RevokeLetters)?;
    // Another office's letter does not exist for this office's head.
    let doc = load_doc(&s, &id).await?;
    let case = s
        .store
        .case(doc.case_id)
        .await?
        .filter(|c| caller.works_at(&c.office))
        .ok_or(ApiError::NotFound)?;
    let reason = match input.reason {
        Some(r) => validation::text(r, 5, 2000).map_err(|mut e| {
            e.field = "reason".into();
            ApiError::Validation(vec![e])
        })?,
        None => return Err(ApiError::Validation(vec![FieldError::required("reason")])),
    };
    if doc.revoked.is_some() {
        return Err(ApiError::InvalidState("Dokumen ini sudah dicabut.".into()));
    }
    let now = s.clock.now();
    let mut next = case.clone();
    next.version += 1;
    next.updated_at = now;
    let actor = caller.actor(role);
    let ev = AuditEvent::chain(
        &mut next,
        actor.clone(),
        EventDraft {
            action: "letter.revoked",
            outcome: Some(doc.number.clone()),
            reason: Some(reason.clone()),
            ..Default::default()
        },
        &origin,
        now,
    );
    let mut revoked = doc.clone();
    revoked.version += 1;
    revoked.revoked = Some(Revocation {
        at: now,
        by: actor,
        reason,
    });
    let mut commit = Commit::from_change(crate::domain::actions::Change {
        case: next,
        expected_version: case.version,
        events: vec![ev],
        records: vec![],
    });
    commit
        .signed_documents
        .push((revoked.clone(), Some(doc.version)));
    s.store.commit_checked(commit).await?;
    tracing::info!(document_id = %doc.id, "signed document revoked");
    Ok(Json(verification(&s, &revoked).await?))
}
