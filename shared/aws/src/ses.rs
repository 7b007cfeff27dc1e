//! Mail through Amazon SES (API v2): the same Indonesian messages as the outbox, sent as UTF-8
//! simple content from the configured address and configuration set, tagged with the case and
//! the notice so that the configuration set's delivery events name them.

use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message, MessageTag};
use perizinan::ports::mailer::{Accepted, Email, MailError, Mailer};

pub struct SesMailer {
    client: Client,
    from: String,
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(client: Client, from: impl Into<String>, configuration_set: Option<String>) -> Self {
        Self {
            client,
            from: from.into(),
            configuration_set,
        }
    }
}

fn content(text: &str) -> Result<Content, MailError> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|e| MailError::Invalid(e.to_string()))
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, email: &Email) -> Result<Accepted, MailError> {
        if email.to.is_empty() {
            return Err(MailError::Invalid("no recipient".into()));
        }
        let message = Message::builder()
            .subject(content(&email.subject)?)
            .body(Body::builder().text(content(&email.body)?).build())
            .build();
        let tags = email
            .tags
            .iter()
            .map(|(k, v)| {
                MessageTag::builder()
                    .name(k)
                    .value(v)
                    .build()
                    .map_err(|e| MailError::Invalid(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let out = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(
                Destination::builder()
                    .set_to_addresses(Some(email.to.clone()))
                    .build(),
            )
            .content(EmailContent::builder().simple(message).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .set_email_tags(Some(tags).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(|e| MailError::Unavailable(Box::new(e)))?;
        Ok(Accepted {
            message_id: out.message_id.unwrap_or_default(),
        })
    }
}
