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
    account: AccountSettings,
}

/// What the account's SMS settings should be (SNS `SetSMSAttributes`, one set per account and
/// region: CloudFormation has no resource for them, so the daily job applies the stack's values).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountSettings {
    pub monthly_spend_limit_usd: Option<u32>,
    pub delivery_status_role_arn: Option<String>,
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
            account: AccountSettings::default(),
        }
    }

    pub fn with_account_settings(mut self, account: AccountSettings) -> Self {
        self.account = account;
        self
    }

    /// The attributes the account should have.
    fn wanted(&self) -> Vec<(&'static str, String)> {
        let mut w = vec![
            ("DefaultSMSType", "Transactional".to_string()),
            ("DefaultSenderID", self.sender_id.clone()),
        ];
        if let Some(l) = self.account.monthly_spend_limit_usd {
            w.push(("MonthlySpendLimit", l.to_string()));
        }
        if let Some(r) = &self.account.delivery_status_role_arn {
            w.push(("DeliveryStatusIAMRole", r.clone()));
            // Every delivery logged: the console's flag needs the successes too.
            w.push(("DeliveryStatusSuccessSamplingRate", "100".into()));
        }
        w
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

    async fn ensure_account_settings(&self) -> Result<bool, SmsError> {
        let wanted = self.wanted();
        // All of them (no filter): a filter of several names is what moto answers wrongly, and
        // the account has only a handful.
        let current = self
            .client
            .get_sms_attributes()
            .send()
            .await
            .map_err(|e| SmsError::Unavailable(Box::new(e)))?;
        let have = current.attributes.unwrap_or_default();
        let differ: std::collections::HashMap<String, String> = wanted
            .into_iter()
            .filter(|(k, v)| have.get(*k) != Some(v))
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        if differ.is_empty() {
            return Ok(false);
        }
        let names: Vec<&String> = differ.keys().collect();
        tracing::info!(attributes = ?names, "SMS account settings applied");
        self.client
            .set_sms_attributes()
            .set_attributes(Some(differ))
            .send()
            .await
            .map_err(|e| SmsError::Unavailable(Box::new(e)))?;
        Ok(true)
    }
}
