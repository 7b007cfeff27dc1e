//! The embedded document store: files under a data directory, reached through HMAC-signed,
//! expiring URLs that the local runner serves (it plays S3's part there).

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use perizinan::ports::clock::Clock;
use perizinan::ports::documents::{DocumentError, DocumentStore, ObjectHead, UploadTicket};
use sha2::Sha256;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

type HmacSha256 = Hmac<Sha256>;

pub struct LocalFiles {
    root: PathBuf,
    base_url: RwLock<String>,
    key: Vec<u8>,
    clock: Arc<dyn Clock>,
}

/// Why a signed URL was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UrlError {
    #[error("bad signature")]
    BadSignature,
    #[error("expired")]
    Expired,
    #[error("too large")]
    TooLarge,
    #[error("wrong content type")]
    WrongType,
    #[error("not found")]
    NotFound,
    /// The upload URL was used once already: an upload URL writes one object, once (as
    /// the bytes checked at confirmation must be the bytes kept).
    #[error("already used")]
    Used,
    #[error("storage failure: {0}")]
    Io(String),
}

/// The query string of a signed URL.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SignedQuery {
    pub op: String,
    pub exp: i64,
    #[serde(default)]
    pub max: Option<u64>,
    #[serde(default, rename = "type")]
    pub media_type: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    pub sig: String,
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 512
        && !key.starts_with('/')
        && key.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        })
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl LocalFiles {
    /// `root` holds the objects; `key` signs URLs; `base_url` is where the runner serves them
    /// (e.g. `http://127.0.0.1:8080/_files`).
    pub fn new(root: PathBuf, key: Vec<u8>, base_url: String, clock: Arc<dyn Clock>) -> Self {
        Self {
            root,
            base_url: RwLock::new(base_url),
            key,
            clock,
        }
    }

    pub fn set_base_url(&self, url: String) {
        *self.base_url.write().unwrap_or_else(|p| p.into_inner()) = url;
    }

    fn base(&self) -> String {
        self.base_url
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn path(&self, key: &str) -> Result<PathBuf, DocumentError> {
        if valid_key(key) {
            Ok(self.root.join(key))
        } else {
            Err(DocumentError::NotFound)
        }
    }

    fn sign(&self, parts: &[&str]) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        for p in parts {
            mac.update(p.as_bytes());
            mac.update(b"\n");
        }
        hex::encode(mac.finalize().into_bytes())
    }

    fn check(&self, parts: &[&str], sig: &str) -> Result<(), UrlError> {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        for p in parts {
            mac.update(p.as_bytes());
            mac.update(b"\n");
        }
        let given = hex::decode(sig).map_err(|_| UrlError::BadSignature)?;
        mac.verify_slice(&given).map_err(|_| UrlError::BadSignature)
    }

    fn put_parts(key: &str, exp: &str, max: &str, media: &str) -> [String; 5] {
        [
            "put".into(),
            key.into(),
            exp.into(),
            max.into(),
            media.into(),
        ]
    }

    /// Verifies a signed PUT and stores the body (the runner's `/_files/{key}` route).
    pub async fn accept_put(
        &self,
        key: &str,
        q: &SignedQuery,
        content_type: Option<&str>,
        body: Bytes,
    ) -> Result<(), UrlError> {
        let max = q.max.ok_or(UrlError::BadSignature)?;
        let media = q.media_type.clone().ok_or(UrlError::BadSignature)?;
        let parts = Self::put_parts(key, &q.exp.to_string(), &max.to_string(), &media);
        let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
        if q.op != "put" {
            return Err(UrlError::BadSignature);
        }
        self.check(&refs, &q.sig)?;
        if self.clock.now().timestamp() > q.exp {
            return Err(UrlError::Expired);
        }
        if body.len() as u64 > max {
            return Err(UrlError::TooLarge);
        }
        if content_type.map(|c| c.split(';').next().unwrap_or("").trim()) != Some(media.as_str()) {
            return Err(UrlError::WrongType);
        }
        let path = self.path(key).map_err(|_| UrlError::NotFound)?;
        self.use_once(&q.sig, q.exp).await?;
        write_no_clobber(&path, &body)
            .await
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => UrlError::Used,
                _ => UrlError::Io(e.to_string()),
            })
    }

    /// Marks a signed PUT URL as used (a marker named by its signature, kept until the URL
    /// expires): a second PUT with the same URL is refused even after the object was moved or
    /// deleted. Markers of expired URLs are swept on the way.
    async fn use_once(&self, sig: &str, exp: i64) -> Result<(), UrlError> {
        let dir = self.root.join(".used-urls");
        let io = |e: std::io::Error| UrlError::Io(e.to_string());
        tokio::fs::create_dir_all(&dir).await.map_err(io)?;
        let now = self.clock.now().timestamp();
        if let Ok(mut entries) = tokio::fs::read_dir(&dir).await {
            while let Ok(Some(e)) = entries.next_entry().await {
                let name = e.file_name();
                let expired = name
                    .to_str()
                    .and_then(|n| n.split_once('-'))
                    .and_then(|(t, _)| t.parse::<i64>().ok())
                    .is_some_and(|t| t < now);
                if expired {
                    let _ = tokio::fs::remove_file(e.path()).await;
                }
            }
        }
        let digest = hex::encode(<Sha256 as sha2::Digest>::digest(sig.as_bytes()));
        match tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dir.join(format!("{exp}-{digest}")))
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(UrlError::Used),
            Err(e) => Err(io(e)),
        }
    }

    /// Verifies a signed GET and returns (bytes, media type, file name).
    pub async fn serve_get(
        &self,
        key: &str,
        q: &SignedQuery,
    ) -> Result<(Bytes, String, String), UrlError> {
        let media = q.media_type.clone().ok_or(UrlError::BadSignature)?;
        let name = q.name.clone().ok_or(UrlError::BadSignature)?;
        if q.op != "get" {
            return Err(UrlError::BadSignature);
        }
        self.check(&["get", key, &q.exp.to_string(), &media, &name], &q.sig)?;
        if self.clock.now().timestamp() > q.exp {
            return Err(UrlError::Expired);
        }
        let path = self.path(key).map_err(|_| UrlError::NotFound)?;
        match tokio::fs::read(&path).await {
            Ok(b) => Ok((Bytes::from(b), media, name)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(UrlError::NotFound),
            Err(e) => Err(UrlError::Io(e.to_string())),
        }
    }

    fn expiry(&self, ttl: Duration) -> DateTime<Utc> {
        self.clock.now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX)
    }
}

async fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let tmp = path.with_extension(format!("part-{}", uuid::Uuid::new_v4().simple()));
    tokio::fs::write(&tmp, bytes).await?;
    let f = tokio::fs::File::open(&tmp).await?;
    f.sync_all().await?;
    tokio::fs::rename(&tmp, path).await
}

/// Writes a complete file at `path` only if there is none: a temporary file, then a hard link
/// (which fails if the name is taken), so a reader never sees half a file and nothing is
/// replaced.
async fn write_no_clobber(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let tmp = path.with_extension(format!("part-{}", uuid::Uuid::new_v4().simple()));
    tokio::fs::write(&tmp, bytes).await?;
    let f = tokio::fs::File::open(&tmp).await?;
    f.sync_all().await?;
    let linked = tokio::fs::hard_link(&tmp, path).await;
    let _ = tokio::fs::remove_file(&tmp).await;
    linked
}

fn io_err(e: std::io::Error) -> DocumentError {
    if e.kind() == std::io::ErrorKind::NotFound {
        DocumentError::NotFound
    } else {
        DocumentError::Unavailable(Box::new(e))
    }
}

#[async_trait]
impl DocumentStore for LocalFiles {
    async fn scan_status(
        &self,
        _key: &str,
    ) -> Result<perizinan::ports::documents::ScanStatus, DocumentError> {
        // No scanner on one machine; the runner does not require a verdict.
        Ok(perizinan::ports::documents::ScanStatus::NotScanned)
    }

    async fn presign_upload(
        &self,
        key: &str,
        media_type: &str,
        max_bytes: u64,
        ttl: Duration,
    ) -> Result<UploadTicket, DocumentError> {
        self.path(key)?;
        let expires_at = self.expiry(ttl);
        let exp = expires_at.timestamp().to_string();
        let max = max_bytes.to_string();
        let parts = Self::put_parts(key, &exp, &max, media_type);
        let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
        let sig = self.sign(&refs);
        let url = format!(
            "{}/{key}?op=put&exp={exp}&max={max}&type={}&sig={sig}",
            self.base(),
            enc(media_type)
        );
        Ok(UploadTicket {
            method: "PUT".into(),
            url,
            fields: BTreeMap::new(),
            headers: BTreeMap::from([("Content-Type".to_string(), media_type.to_string())]),
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
        self.path(key)?;
        let exp = self.expiry(ttl).timestamp().to_string();
        let sig = self.sign(&["get", key, &exp, media_type, file_name]);
        Ok(format!(
            "{}/{key}?op=get&exp={exp}&type={}&name={}&sig={sig}",
            self.base(),
            enc(media_type),
            enc(file_name)
        ))
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectHead>, DocumentError> {
        match tokio::fs::metadata(self.path(key)?).await {
            Ok(m) => Ok(Some(ObjectHead { size: m.len() })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(e)),
        }
    }

    async fn get(&self, key: &str) -> Result<Bytes, DocumentError> {
        tokio::fs::read(self.path(key)?)
            .await
            .map(Bytes::from)
            .map_err(io_err)
    }

    async fn put(&self, key: &str, bytes: Bytes, _media_type: &str) -> Result<(), DocumentError> {
        write_atomic(&self.path(key)?, &bytes)
            .await
            .map_err(|e| DocumentError::Unavailable(Box::new(e)))
    }

    async fn put_new(
        &self,
        key: &str,
        bytes: Bytes,
        _media_type: &str,
    ) -> Result<(), DocumentError> {
        match write_no_clobber(&self.path(key)?, &bytes).await {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(DocumentError::Exists),
            other => other.map_err(io_err),
        }
    }

    /// What S3's lifecycle rule on `incoming/` does in the stack: arrivals older than
    /// `before` (by the file's time) are removed.
    async fn expire_arrivals(&self, before: DateTime<Utc>) -> Result<u64, DocumentError> {
        let mut n = 0;
        let mut dirs = vec![self.root.join("incoming")];
        while let Some(dir) = dirs.pop() {
            let Ok(mut entries) = tokio::fs::read_dir(&dir).await else {
                continue;
            };
            while let Some(e) = entries.next_entry().await.map_err(io_err)? {
                let meta = e.metadata().await.map_err(io_err)?;
                if meta.is_dir() {
                    dirs.push(e.path());
                    continue;
                }
                let modified: DateTime<Utc> = meta.modified().map_err(io_err)?.into();
                if modified < before {
                    tokio::fs::remove_file(e.path()).await.map_err(io_err)?;
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    async fn delete(&self, key: &str) -> Result<(), DocumentError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perizinan::ports::clock::SystemClock;

    fn parse_query(url: &str) -> SignedQuery {
        let q = url.split_once('?').unwrap().1;
        let mut sq = SignedQuery::default();
        for kv in q.split('&') {
            let (k, v) = kv.split_once('=').unwrap();
            let v = v.replace("%2F", "/").replace("%20", " ");
            match k {
                "op" => sq.op = v,
                "exp" => sq.exp = v.parse().unwrap(),
                "max" => sq.max = Some(v.parse().unwrap()),
                "type" => sq.media_type = Some(v),
                "name" => sq.name = Some(v),
                "sig" => sq.sig = v,
                _ => {}
            }
        }
        sq
    }

    #[tokio::test]
    async fn signed_urls_are_enforced() {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(SystemClock::default());
        let f = LocalFiles::new(
            dir.path().to_path_buf(),
            b"k".to_vec(),
            "http://x/_files".into(),
            clock.clone(),
        );
        let t = f
            .presign_upload("cases/a/b", "application/pdf", 10, Duration::from_secs(60))
            .await
            .unwrap();
        let q = parse_query(&t.url);
        let pdf = Some("application/pdf");
        assert_eq!(
            f.accept_put("cases/a/b", &q, pdf, Bytes::from_static(b"%PDF-12345678"))
                .await,
            Err(UrlError::TooLarge)
        );
        assert_eq!(
            f.accept_put("cases/a/b", &q, Some("image/png"), Bytes::from_static(b"x"))
                .await,
            Err(UrlError::WrongType)
        );
        assert_eq!(
            f.accept_put("cases/a/OTHER", &q, pdf, Bytes::from_static(b"x"))
                .await,
            Err(UrlError::BadSignature)
        );
        let mut tampered = q.clone();
        tampered.max = Some(1_000_000);
        assert_eq!(
            f.accept_put("cases/a/b", &tampered, pdf, Bytes::from_static(b"x"))
                .await,
            Err(UrlError::BadSignature)
        );
        f.accept_put("cases/a/b", &q, pdf, Bytes::from_static(b"%PDF-1"))
            .await
            .unwrap();
        assert_eq!(f.head("cases/a/b").await.unwrap().unwrap().size, 6);
        // One URL, one write: not again, not even once the object is gone.
        assert_eq!(
            f.accept_put("cases/a/b", &q, pdf, Bytes::from_static(b"%PDF-2"))
                .await,
            Err(UrlError::Used)
        );

        let url = f
            .presign_download(
                "cases/a/b",
                "izin.pdf",
                "application/pdf",
                Duration::from_secs(60),
            )
            .await
            .unwrap();
        let g = parse_query(&url);
        let (bytes, media, name) = f.serve_get("cases/a/b", &g).await.unwrap();
        assert_eq!(&bytes[..], b"%PDF-1");
        assert_eq!(
            (media.as_str(), name.as_str()),
            ("application/pdf", "izin.pdf")
        );
        clock.advance(chrono::Duration::seconds(120));
        assert_eq!(
            f.serve_get("cases/a/b", &g).await.unwrap_err(),
            UrlError::Expired
        );
        // A used URL stays used once its object is gone (moved or deleted), until it expires.
        let t = f
            .presign_upload(
                "incoming/a/c",
                "application/pdf",
                10,
                Duration::from_secs(60),
            )
            .await
            .unwrap();
        let q = parse_query(&t.url);
        f.accept_put("incoming/a/c", &q, pdf, Bytes::from_static(b"%PDF-1"))
            .await
            .unwrap();
        f.delete("incoming/a/c").await.unwrap();
        assert_eq!(
            f.accept_put("incoming/a/c", &q, pdf, Bytes::from_static(b"%PDF-2"))
                .await,
            Err(UrlError::Used)
        );
        assert_eq!(f.head("incoming/a/c").await.unwrap(), None);
    }

    #[test]
    fn keys_cannot_escape_the_root() {
        assert!(valid_key("cases/0192/abc.pdf"));
        for bad in ["../x", "a/../../b", "/etc/passwd", "a//b", "a/b c", ""] {
            assert!(!valid_key(bad), "{bad}");
        }
    }
}
