//! The embedded mailer: every message becomes an RFC 5322 `.eml` file in an outbox directory,
//! with a JSON sidecar the local runner lists. A message key is delivered once.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::header::ContentType;
use perizinan::ports::mailer::{Email, MailError, Mailer};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

pub struct Outbox {
    dir: PathBuf,
    from: String,
}

/// What the runner lists for each message.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutboxEntry {
    pub file: String,
    pub at: DateTime<Utc>,
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

/// Builds the RFC 5322 message shared by the outbox and the SES raw path.
pub fn build_message(from: &str, email: &Email, message_id: &str) -> Result<Vec<u8>, MailError> {
    let mut b = Message::builder()
        .from(
            from.parse()
                .map_err(|e| MailError::Invalid(format!("from address: {e}")))?,
        )
        .subject(email.subject.clone())
        .message_id(Some(message_id.to_string()));
    if email.to.is_empty() {
        return Err(MailError::Invalid("no recipient".into()));
    }
    for to in &email.to {
        b = b.to(to
            .parse()
            .map_err(|e| MailError::Invalid(format!("recipient: {e}")))?);
    }
    let msg = b
        .header(ContentType::TEXT_PLAIN)
        .body(email.body.clone())
        .map_err(|e| MailError::Invalid(e.to_string()))?;
    Ok(msg.formatted())
}

impl Outbox {
    pub fn new(dir: PathBuf, from: String) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir.join(".sent"))?;
        Ok(Self { dir, from })
    }

    /// Every message, oldest first.
    pub fn list(&self) -> std::io::Result<Vec<OutboxEntry>> {
        let mut out = vec![];
        for e in std::fs::read_dir(&self.dir)? {
            let p = e?.path();
            if p.extension().is_some_and(|x| x == "json") {
                let text = std::fs::read_to_string(&p)?;
                if let Ok(entry) = serde_json::from_str::<OutboxEntry>(&text) {
                    out.push(entry);
                }
            }
        }
        out.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.file.cmp(&b.file)));
        Ok(out)
    }

    /// The raw `.eml` of one message (names come from [`Outbox::list`]).
    pub fn raw(&self, file: &str) -> std::io::Result<Vec<u8>> {
        if !file.ends_with(".eml") || file.contains('/') || file.contains("..") {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such message",
            ));
        }
        std::fs::read(self.dir.join(file))
    }
}

fn unavailable(e: std::io::Error) -> MailError {
    MailError::Unavailable(Box::new(e))
}

#[async_trait]
impl Mailer for Outbox {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        let key = hex::encode(&Sha256::digest(email.idempotency_key.as_bytes())[..12]);
        let marker = self.dir.join(".sent").join(&key);
        let now = Utc::now();
        let file = format!("{}-{key}.eml", now.format("%Y%m%dT%H%M%S%.6fZ"));
        let raw = build_message(&self.from, email, &format!("<{key}@perizinan-digital>"))?;
        let entry = OutboxEntry {
            file: file.clone(),
            at: now,
            from: self.from.clone(),
            to: email.to.clone(),
            subject: email.subject.clone(),
            body: email.body.clone(),
        };
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || -> Result<(), MailError> {
            use std::io::Write;
            // The marker is created first and only once: a second send of the key stops here.
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&marker)
            {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
                Err(e) => return Err(unavailable(e)),
            }
            let write = || -> std::io::Result<()> {
                let mut f = std::fs::File::create(dir.join(&file))?;
                f.write_all(&raw)?;
                f.sync_all()?;
                let json = serde_json::to_vec_pretty(&entry).map_err(std::io::Error::other)?;
                let side = dir.join(file.replace(".eml", ".json"));
                std::fs::write(side, json)
            };
            write().map_err(|e| {
                // Let a retry deliver it.
                let _ignored = std::fs::remove_file(&marker);
                unavailable(e)
            })
        })
        .await
        .map_err(|e| MailError::Unavailable(Box::new(e)))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_key_is_delivered_once_and_the_eml_is_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let o = Outbox::new(
            dir.path().into(),
            "Perizinan Digital <noreply@example.test>".into(),
        )
        .unwrap();
        let e = Email {
            to: vec!["pemohon@example.test".into()],
            subject: "Berkas sudah lengkap: KK-2026-000001".into(),
            body: "Yth. Bapak/Ibu — berkas Anda lengkap.".into(),
            idempotency_key: "case-1/file_complete".into(),
        };
        o.send(&e).await.unwrap();
        o.send(&e).await.unwrap();
        let list = o.list().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].subject, e.subject);
        let raw = String::from_utf8(o.raw(&list[0].file).unwrap()).unwrap();
        assert!(raw.contains("To: pemohon@example.test"));
        assert!(raw.contains("Content-Type: text/plain; charset=utf-8"));
        assert!(o.raw("../secret.key").is_err());
    }
}
