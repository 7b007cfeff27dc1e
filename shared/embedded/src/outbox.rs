//! The embedded mailer and text-message sender: every e-mail becomes an RFC 5322 `.eml` file in
//! an outbox directory, and every SMS a `.sms` text file, each with a JSON sidecar the local
//! runner lists (`channel`: `email` or `sms`). A message key is delivered once per channel.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::header::ContentType;
use perizinan::ports::mailer::{Accepted, Email, MailError, Mailer};
use perizinan::ports::sms::{Sms, SmsError, SmsSender};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

pub struct Outbox {
    dir: PathBuf,
    from: String,
    sms_from: String,
}

/// The sender ID the runner's text messages show (an alphanumeric sender ID has at most 11
/// characters; in AWS it is the registered one, `SmsSenderId`).
pub const DEFAULT_SENDER_ID: &str = "DPMPTSP";

/// What the runner lists for each message.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutboxEntry {
    /// `email` or `sms` (entries written before SMS existed are e-mails).
    #[serde(default = "email_channel")]
    pub channel: String,
    pub file: String,
    /// The message id the sender answered (what a simulated delivery event names).
    #[serde(default)]
    pub message_id: String,
    pub at: DateTime<Utc>,
    pub from: String,
    pub to: Vec<String>,
    /// E-mails only (an SMS has none).
    #[serde(default)]
    pub subject: String,
    pub body: String,
    /// SMS: the parts it is billed as, and their encoding (`gsm7`, `ucs2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segments: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<perizinan::domain::sms::Encoding>,
}

fn email_channel() -> String {
    "email".into()
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
        Ok(Self {
            dir,
            from,
            sms_from: DEFAULT_SENDER_ID.into(),
        })
    }

    /// The sender ID text messages show (`PD_SMS_SENDER_ID`).
    pub fn with_sms_sender(mut self, sender: impl Into<String>) -> Self {
        self.sms_from = sender.into();
        self
    }

    /// The entry whose message id is `id` (a simulated delivery event names it).
    pub fn by_message_id(&self, id: &str) -> std::io::Result<Option<OutboxEntry>> {
        Ok(self.list()?.into_iter().find(|e| e.message_id == id))
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

    /// The raw `.eml` (or `.sms` text) of one message (names come from [`Outbox::list`]).
    pub fn raw(&self, file: &str) -> std::io::Result<Vec<u8>> {
        if !(file.ends_with(".eml") || file.ends_with(".sms"))
            || file.contains('/')
            || file.contains("..")
        {
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

/// Writes one message (`raw`, then its sidecar) once per `marker`; a second write of the marker
/// does nothing. A failed write removes the marker so that a retry delivers it.
async fn write_once(
    dir: PathBuf,
    marker: PathBuf,
    file: String,
    raw: Vec<u8>,
    entry: OutboxEntry,
) -> std::io::Result<()> {
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        use std::io::Write;
        // The marker is created first and only once: a second send of the key stops here.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&marker)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
            Err(e) => return Err(e),
        }
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(dir.join(&file))?;
            f.write_all(&raw)?;
            f.sync_all()?;
            let json = serde_json::to_vec_pretty(&entry).map_err(std::io::Error::other)?;
            let stem = file.rsplit_once('.').map_or(file.as_str(), |(s, _)| s);
            std::fs::write(dir.join(format!("{stem}.json")), json)
        };
        write().inspect_err(|_| {
            // Let a retry deliver it.
            let _ignored = std::fs::remove_file(&marker);
        })
    })
    .await
    .map_err(std::io::Error::other)?
}

/// A key's short name: the marker and the message id.
fn short_key(prefix: &str, key: &str) -> String {
    hex::encode(&Sha256::digest(format!("{prefix}{key}").as_bytes())[..12])
}

#[async_trait]
impl Mailer for Outbox {
    async fn send(&self, email: &Email) -> Result<Accepted, MailError> {
        let key = short_key("", &email.idempotency_key);
        let marker = self.dir.join(".sent").join(&key);
        let now = Utc::now();
        let file = format!("{}-{key}.eml", now.format("%Y%m%dT%H%M%S%.6fZ"));
        let message_id = format!("{key}@perizinan-digital");
        let raw = build_message(&self.from, email, &format!("<{message_id}>"))?;
        let entry = OutboxEntry {
            channel: "email".into(),
            file: file.clone(),
            message_id: message_id.clone(),
            at: now,
            from: self.from.clone(),
            to: email.to.clone(),
            subject: email.subject.clone(),
            body: email.body.clone(),
            segments: None,
            encoding: None,
        };
        write_once(self.dir.clone(), marker, file, raw, entry)
            .await
            .map_err(unavailable)?;
        Ok(Accepted { message_id })
    }
}

#[async_trait]
impl SmsSender for Outbox {
    async fn send(&self, sms: &Sms) -> Result<Accepted, SmsError> {
        let key = short_key("sms/", &sms.idempotency_key);
        let marker = self.dir.join(".sent").join(format!("sms-{key}"));
        let now = Utc::now();
        let file = format!("{}-{key}.sms", now.format("%Y%m%dT%H%M%S%.6fZ"));
        let seg = perizinan::domain::sms::segments(&sms.body);
        let message_id = format!("sms-{key}");
        let raw = format!(
            "From: {}\nTo: {}\nSegments: {} ({:?})\n\n{}\n",
            self.sms_from,
            sms.to.as_str(),
            seg.count,
            seg.encoding,
            sms.body
        );
        let entry = OutboxEntry {
            channel: "sms".into(),
            file: file.clone(),
            message_id: message_id.clone(),
            at: now,
            from: self.sms_from.clone(),
            to: vec![sms.to.as_str().to_string()],
            subject: String::new(),
            body: sms.body.clone(),
            segments: Some(seg.count),
            encoding: Some(seg.encoding),
        };
        write_once(self.dir.clone(), marker, file, raw.into_bytes(), entry)
            .await
            .map_err(|e| SmsError::Unavailable(Box::new(e)))?;
        Ok(Accepted { message_id })
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
            tags: vec![],
        };
        Mailer::send(&o, &e).await.unwrap();
        Mailer::send(&o, &e).await.unwrap();
        let list = o.list().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].subject, e.subject);
        let raw = String::from_utf8(o.raw(&list[0].file).unwrap()).unwrap();
        assert!(raw.contains("To: pemohon@example.test"));
        assert!(raw.contains("Content-Type: text/plain; charset=utf-8"));
        assert!(o.raw("../secret.key").is_err());
    }

    #[tokio::test]
    async fn an_sms_is_listed_beside_the_mail_with_its_segments() {
        let dir = tempfile::tempdir().unwrap();
        let o = Outbox::new(dir.path().into(), "PD <noreply@example.test>".into()).unwrap();
        let sms = Sms {
            to: perizinan::domain::values::Mobile::parse("0812-3456-7890").unwrap(),
            body: "Berkas sudah lengkap. No. KK-2026-000001.".into(),
            idempotency_key: "case-1/file_complete".into(),
        };
        let a = SmsSender::send(&o, &sms).await.unwrap();
        let again = SmsSender::send(&o, &sms).await.unwrap();
        assert_eq!(a, again, "one key, one message id");
        let list = o.list().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].channel, "sms");
        assert_eq!(list[0].to, ["+6281234567890"]);
        assert_eq!(list[0].segments, Some(1));
        assert_eq!(
            o.by_message_id(&a.message_id).unwrap().unwrap().file,
            list[0].file
        );
        let raw = String::from_utf8(o.raw(&list[0].file).unwrap()).unwrap();
        assert!(raw.contains("To: +6281234567890"), "{raw}");
    }
}
