//! Text messages through Amazon SNS (`Publish` to a phone number): transactional, from the
//! registered sender ID, under a price cap per message. SNS reports each delivery in its SMS
//! delivery status logs (CloudWatch Logs), which the `delivery` function reads
//! (`domain::delivery::parse_sms_log`).
//!
//! Source: Amazon SNS Developer Guide, "Publishing to a mobile phone" and "SMS message
//! attributes" (`AWS.SNS.SMS.SMSType`, `AWS.SNS.SMS.SenderID`, `AWS.SNS.SMS.MaxPrice`).

use async_trait::async_trait;
use aws_sdk_sns::Client;
use aws_sdk_sns::types::MessageAttributeValue;
use perizinan::ports::sms::{Accepted, Sms, SmsError, SmsSender};

pub struct SnsSms {
    client: Client,
    sender_id: String,
    max_price_usd: Option<String>,
}

impl SnsSms {
    pub fn new(
        client: Client,
        sender_id: impl Into<String>,
        max_price_usd: Option<String>,
    ) -> Self {
        Self {
            client,
            sender_id: sender_id.into(),
            max_price_usd,
        }
    }
}

fn attribute(v: &str) -> Result<MessageAttributeValue, SmsError> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(v)
        .build()
        .map_err(|e| SmsError::Refused(e.to_string()))
}

#[async_trait]
impl SmsSender for SnsSms {
    async fn send(&self, sms: &Sms) -> Result<Accepted, SmsError> {
        let mut req = self
            .client
            .publish()
            .phone_number(sms.to.as_str())
            .message(&sms.body)
            .message_attributes("AWS.SNS.SMS.SMSType", attribute("Transactional")?)
            .message_attributes("AWS.SNS.SMS.SenderID", attribute(&self.sender_id)?);
        if let Some(p) = &self.max_price_usd {
            req = req.message_attributes("AWS.SNS.SMS.MaxPrice", attribute(p)?);
        }
        match req.send().await {
            Ok(out) => Ok(Accepted {
                message_id: out.message_id.unwrap_or_default(),
            }),
            Err(e) => {
                use aws_sdk_sns::error::ProvideErrorMetadata;
                let code = e
                    .as_service_error()
                    .and_then(|s| s.code())
                    .map(str::to_string);
                match code.as_deref() {
                    // The number opted out, or the request itself is wrong: a retry cannot help.
                    Some(
                        "InvalidParameter"
                        | "InvalidParameterValue"
                        | "OptedOut"
                        | "AuthorizationError",
                    ) => Err(SmsError::Refused(code.unwrap_or_default())),
                    _ => Err(SmsError::Unavailable(Box::new(e))),
                }
            }
        }
    }
}
