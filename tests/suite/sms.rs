//! Issue 19: SMS for applicants (SOP h, "SMS atau e-mail") and the delivery status of every
//! notice — in the runner's outbox, over HTTP; on the AWS adapters against moto (SNS publishes to
//! the number, an SES bounce event through the `delivery` function suppresses the address and
//! flags the case, an SMS delivery failure from SNS's logs flags it too); and the delivery
//! records on both stores.

use crate::common;

use common::aws::Fixture;
use common::*;
use perizinan::domain::delivery::{Channel, DeliveryStatus, NoticeDelivery};
use perizinan::domain::notices::Notice;
use perizinan::domain::sms::{Encoding, segments};
use perizinan::ports::Store;
use perizinan::ports::store::Commit;
use perizinan::services::Recipient;
use perizinan_embedded::sqlite::SqliteStore;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

fn with_sms(notify_by: &str) -> Value {
    let mut a = application();
    a["contact"]["notify_by"] = json!(notify_by);
    a
}

fn sms_to<'a>(mail: &'a [Value], number: &str) -> Vec<&'a Value> {
    mail.iter()
        .filter(|m| m["channel"] == "sms" && m["to"][0] == number)
        .collect()
}

/// SOP h: the front office finds the file complete.
async fn file_complete(app: &TestApp, id: &str) {
    app.act_ok(
        "fo",
        id,
        "front_office_verification",
        json!({"outcome": "complete"}),
    )
    .await;
}

/// What the mail or SMS service would report about outbox message `file` (status and answer).
async fn outbox_event(app: &TestApp, file: &str, event: Value) -> (StatusCode, Value) {
    let r = app
        .http
        .post(format!("{}/_outbox/{file}/events", app.base))
        .json(&event)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_applicant_who_chose_sms_gets_one_at_step_h_with_the_number_and_the_link() {
    let app = TestApp::spawn().await;
    let id = submitted_case_of(&app, "pemohon", with_sms("both")).await;
    let t = app.login("pemohon").await;
    let reg = app.case(&t, &id).await["registration_number"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        sms_to(&app.outbox().await, "+6281234567890").is_empty(),
        "no SMS for the receipt (submitted has no SMS text)"
    );
    file_complete(&app, &id).await;
    let mail = app.outbox().await;
    let sms = sms_to(&mail, "+6281234567890");
    assert_eq!(sms.len(), 1, "one SMS at h: {mail:?}");
    let body = sms[0]["body"].as_str().unwrap();
    assert!(body.contains("sudah lengkap"), "{body}");
    assert!(body.contains(&reg), "{body}");
    assert!(body.ends_with(&format!("/#/lacak/{reg}")), "{body}");
    assert_eq!(sms[0]["segments"], 1, "{body} ({} characters)", body.len());
    assert_eq!(sms[0]["encoding"], "gsm7");
    assert_eq!(segments(body).count, 1);
    // The e-mail went too ("both"), and the case records both sendings.
    assert!(mail.iter().any(|m| {
        m["channel"] == "email"
            && m["subject"]
                .as_str()
                .unwrap()
                .starts_with("Berkas sudah lengkap")
    }));
    let c = app.case(&t, &id).await;
    let sent: Vec<&Value> = c["notices"]["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["notice"] == "file_complete")
        .collect();
    assert_eq!(sent.len(), 2, "{c}");
    assert!(
        sent.iter()
            .any(|d| d["channel"] == "sms" && d["segments"] == 1)
    );
    assert_eq!(c["notices"]["undelivered"], json!([]));
    // The outbox page lists both channels.
    let page = app
        .http
        .get(format!("{}/outbox", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("SMS dari DPMPTSP") && page.contains("1 bagian (GSM-7"),
        "{page}"
    );
}

#[tokio::test]
async fn sms_only_sends_no_email_and_email_only_sends_no_sms() {
    let app = TestApp::spawn().await;
    let a = submitted_case_of(&app, "pemohon", with_sms("sms")).await;
    file_complete(&app, &a).await;
    let mut b_app = with_sms("email");
    b_app["contact"]["phone"] = json!("0813-1111-2222");
    b_app["contact"]["email"] = json!("hanya.email@ksp.test");
    let b = submitted_case_of(&app, "pemohon2", b_app).await;
    file_complete(&app, &b).await;
    let mail = app.outbox().await;
    let complete = |m: &&Value| {
        m["body"].as_str().unwrap_or("").contains("sudah lengkap")
            || m["subject"]
                .as_str()
                .unwrap_or("")
                .starts_with("Berkas sudah lengkap")
    };
    let to_a: Vec<&Value> = mail
        .iter()
        .filter(complete)
        .filter(|m| m["to"][0] == "+6281234567890" || m["to"][0] == "pengurus@ksp-sejahtera.test")
        .collect();
    assert_eq!(to_a.len(), 1, "{to_a:?}");
    assert_eq!(to_a[0]["channel"], "sms");
    assert!(
        sms_to(&mail, "+6281311112222").is_empty(),
        "e-mail only: no SMS"
    );
    assert!(
        mail.iter()
            .filter(complete)
            .any(|m| m["to"][0] == "hanya.email@ksp.test")
    );
}

#[tokio::test]
async fn numbers_that_cannot_be_a_mobile_are_refused_with_a_field_error() {
    let app = TestApp::spawn().await;
    let t = app.login("pemohon").await;
    for (phone, code) in [
        ("(0548) 20594", "not_mobile"),
        ("0812-ABCD-7890", "invalid_mobile"),
        ("0812-345", "invalid_mobile"),
    ] {
        let mut a = with_sms("both");
        a["contact"]["phone"] = json!(phone);
        let (s, e) = app.post(Some(&t), "/cases", a).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{phone}: {e}");
        let f = e["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == "contact.phone")
            .unwrap_or_else(|| panic!("{phone}: {e}"));
        assert_eq!(f["code"], code, "{phone}: {e}");
        assert!(f["detail"].as_str().unwrap().contains("Nomor HP"), "{e}");
    }
    let mut a = with_sms("fax");
    a["contact"]["phone"] = json!("0812-3456-7890");
    let (s, e) = app.post(Some(&t), "/cases", a).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("\"contact.notify_by\""), "{e}");
}

/// The outbox entry of the newest e-mail to `to` whose subject starts with `subject`.
fn mail_to(mail: &[Value], to: &str, subject: &str) -> Option<Value> {
    mail.iter()
        .rev()
        .find(|m| {
            m["channel"] == "email"
                && m["to"][0] == to
                && m["subject"].as_str().unwrap_or("").starts_with(subject)
        })
        .cloned()
}

#[tokio::test]
async fn a_bounce_suppresses_the_address_flags_the_case_and_a_correction_sends_it_again() {
    let app = TestApp::spawn().await;
    let id = submitted_case_of(&app, "pemohon", with_sms("email")).await;
    file_complete(&app, &id).await;
    let old = "pengurus@ksp-sejahtera.test";
    let sent = mail_to(&app.outbox().await, old, "Berkas sudah lengkap").expect("h e-mail");
    let file = sent["file"].as_str().unwrap();
    // The mail service reports a hard bounce.
    let r: Value = outbox_event(
        &app,
        file,
        json!({"event": "bounce", "detail": "smtp; 550 5.1.1 user unknown"}),
    )
    .await
    .1;
    assert_eq!(r["result"], "recorded", "{r}");
    let fo = app.login("fo").await;
    let c = app.case(&fo, &id).await;
    assert_eq!(
        c["notices"]["undelivered"],
        json!(["email"]),
        "{}",
        c["notices"]
    );
    let d = c["notices"]["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["channel"] == "email" && d["notice"] == "file_complete")
        .cloned()
        .unwrap();
    assert_eq!(d["status"], "bounced");
    assert_eq!(d["detail"], "smtp; 550 5.1.1 user unknown");
    let trail = app.events(&fo, &id).await;
    assert!(
        trail.to_string().contains("notice.bounced"),
        "the trail records it: {trail}"
    );
    // The same event again changes nothing.
    let again: Value = outbox_event(&app, file, json!({"event": "bounce"})).await.1;
    assert_eq!(again["result"], "unchanged");
    // The next notice skips the suppressed address: the applicant, with a mobile number on
    // file, hears by SMS instead.
    app.act_ok(
        "bo",
        &id,
        "back_office_validation",
        json!({"outcome": "valid"}),
    )
    .await;
    app.act_ok(
        "kasi",
        &id,
        "section_head_forwarding",
        json!({"outcome": "forward"}),
    )
    .await;
    let mail = app.outbox().await;
    assert!(
        mail_to(&mail, old, "Berkas diteruskan").is_none(),
        "no e-mail to a bounced address"
    );
    assert_eq!(
        sms_to(&mail, "+6281234567890").len(),
        0,
        "forwarded_to_dinas_koperasi has no SMS text"
    );
    // Bad input to the correction changes nothing.
    let v = app.case(&fo, &id).await["version"].clone();
    let (s, e) = app
        .post(
            Some(&fo),
            &format!("/cases/{id}/contact"),
            json!({"version": v, "email": "bukan-email"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["errors"][0]["field"], "email", "{e}");
    let (s, e) = app
        .post(
            Some(&fo),
            &format!("/cases/{id}/contact"),
            json!({"version": v, "phone": "(0548) 20594"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["errors"][0]["code"], "not_mobile", "{e}");
    // Another staff role may not correct it.
    let bo = app.login("bo").await;
    let (s, _) = app
        .post(
            Some(&bo),
            &format!("/cases/{id}/contact"),
            json!({"version": v, "email": "benar@ksp-sejahtera.test"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // The front office calls the applicant and corrects it: the notice that bounced goes to
    // the new address, and the flag is gone.
    let (s, c) = app
        .post(
            Some(&fo),
            &format!("/cases/{id}/contact"),
            json!({"version": v, "email": "benar@ksp-sejahtera.test"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(
        c["application"]["contact"]["email"],
        "benar@ksp-sejahtera.test"
    );
    assert_eq!(c["notices"]["undelivered"], json!([]), "{}", c["notices"]);
    let resent = mail_to(
        &app.outbox().await,
        "benar@ksp-sejahtera.test",
        "Berkas sudah lengkap",
    );
    assert!(resent.is_some(), "the bounced notice is sent again");
    let trail = app.events(&fo, &id).await;
    let corrected = trail["items"]
        .as_array()
        .or_else(|| trail["events"].as_array())
        .unwrap()
        .iter()
        .find(|e| e["action"] == "contact.corrected")
        .cloned()
        .unwrap_or_else(|| panic!("{trail}"));
    assert_eq!(corrected["outcome"], "contact.email");
    assert!(
        !trail.to_string().contains("benar@ksp-sejahtera.test"),
        "no value on the trail"
    );
}

#[tokio::test]
async fn an_sms_the_carrier_could_not_deliver_flags_the_case() {
    let app = TestApp::spawn().await;
    let id = submitted_case_of(&app, "pemohon", with_sms("sms")).await;
    file_complete(&app, &id).await;
    let mail = app.outbox().await;
    let sms = sms_to(&mail, "+6281234567890");
    let file = sms[0]["file"].as_str().unwrap();
    let (status, _) = outbox_event(&app, file, json!({"event": "bounce"})).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an SMS does not bounce"
    );
    let (_, r) = outbox_event(
        &app,
        file,
        json!({"event": "failure", "detail": "Phone is currently unreachable"}),
    )
    .await;
    assert_eq!(r["result"], "recorded");
    let fo = app.login("fo").await;
    let c = app.case(&fo, &id).await;
    assert_eq!(c["notices"]["undelivered"], json!(["sms"]));
}

fn sending(case: &perizinan::domain::Case, channel: Channel, id: &str, to: &str) -> NoticeDelivery {
    NoticeDelivery {
        case_id: case.id,
        channel,
        message_id: id.into(),
        notice: "file_complete".into(),
        to: to.into(),
        status: DeliveryStatus::Sent,
        sent_at: chrono::Utc::now(),
        updated_at: None,
        detail: None,
        segments: None,
        key: "k".into(),
    }
}

async fn delivery_store_contract(store: Arc<dyn Store>) {
    let a = kantor_kas_draft("owner-a");
    let b = kantor_kas_draft("owner-b");
    let d1 = sending(&a, Channel::Email, "m-1", "a@ksp.test");
    let mut d2 = sending(&a, Channel::Sms, "m-1", "+6281234567890");
    d2.sent_at += chrono::Duration::seconds(1);
    let d3 = sending(&b, Channel::Email, "m-3", "b@ksp.test");
    store
        .put_deliveries(&[d1.clone(), d2.clone(), d3.clone()])
        .await
        .unwrap();
    // A retried notice records nothing new.
    let mut replay = d1.clone();
    replay.to = "other@ksp.test".into();
    store.put_deliveries(&[replay]).await.unwrap();
    assert_eq!(
        store.deliveries(a.id).await.unwrap(),
        vec![d1.clone(), d2.clone()]
    );
    assert_eq!(store.deliveries(b.id).await.unwrap(), vec![d3]);
    // One message id on two channels is two sendings.
    assert_eq!(store.delivery(Channel::Sms, "m-1").await.unwrap(), Some(d2));
    assert_eq!(store.delivery(Channel::Email, "nope").await.unwrap(), None);
    let mut bounced = d1.clone();
    bounced.status = DeliveryStatus::Bounced;
    store.update_delivery(&bounced).await.unwrap();
    assert_eq!(
        store.delivery(Channel::Email, "m-1").await.unwrap(),
        Some(bounced)
    );
    let ghost = sending(&a, Channel::Email, "m-9", "x@ksp.test");
    assert!(
        store.update_delivery(&ghost).await.is_err(),
        "no such sending"
    );
}

#[tokio::test]
async fn delivery_records_on_both_stores() {
    let fx = Fixture::new(false).await;
    delivery_store_contract(Arc::new(SqliteStore::in_memory().unwrap())).await;
    delivery_store_contract(Arc::new(fx.store())).await;
}

#[tokio::test]
async fn on_moto_sns_sends_the_sms_and_the_delivery_function_records_a_bounce_and_a_failure() {
    let fx = Fixture::new(true).await;
    let s = fx.services(Default::default());
    // A case in DynamoDB whose applicant chose both channels.
    let mut case = kantor_kas_draft("owner-moto");
    case.application.set("contact.notify_by", json!("both"));
    case.registration_number = Some(perizinan::domain::RegistrationNumber::new(
        None, "KK", 2026, 777,
    ));
    let ev = perizinan::domain::AuditEvent::chain(
        &mut case,
        perizinan::domain::Actor::system(),
        perizinan::domain::case::EventDraft {
            action: "application.created",
            ..Default::default()
        },
        &perizinan::domain::Origin::default(),
        chrono::Utc::now(),
    );
    let mut commit = Commit::from_change(perizinan::domain::actions::Change {
        case: case.clone(),
        expected_version: 0,
        events: vec![ev],
        records: vec![],
    });
    commit.expected_version = None;
    s.store.commit(commit).await.unwrap();
    let ses_before = fx.ses_messages().await.len();
    s.notify(
        &Notice::permit("file_complete"),
        &case,
        Recipient::Applicant,
        "h",
    )
    .await
    .unwrap();
    // SNS published to the number (moto records it; the server is shared, so the message is
    // found by the id SNS answered), in one GSM-7 part.
    let sent = s.store.deliveries(case.id).await.unwrap();
    assert_eq!(sent.len(), 2, "{sent:?}");
    let email = sent.iter().find(|d| d.channel == Channel::Email).unwrap();
    let sms_id = &sent
        .iter()
        .find(|d| d.channel == Channel::Sms)
        .unwrap()
        .message_id;
    let published = fx.sms_messages().await;
    let (_, to, text) = published
        .iter()
        .find(|(id, _, _)| id == sms_id)
        .unwrap_or_else(|| panic!("{sms_id} not in {published:?}"));
    assert_eq!(to, "+6281234567890");
    assert!(
        text.contains("KK-2026-000777") && text.contains("sudah lengkap"),
        "{text}"
    );
    assert!(text.ends_with("/#/lacak/KK-2026-000777"), "{text}");
    assert_eq!(segments(text).encoding, Encoding::Gsm7);
    assert_eq!(segments(text).count, 1);
    assert_eq!(fx.ses_messages().await.len(), ses_before + 1);
    // SES reports a hard bounce through the configuration set's topic: the delivery function
    // records it, suppresses the address and flags the case.
    let bounce = json!({
        "eventType": "Bounce",
        "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": email.to, "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]},
        "mail": {"messageId": email.message_id, "tags": {"case_id": [case.id.to_string()], "notice": ["file_complete"]}}
    });
    let out = delivery::handler(&s, &delivery::sns_payload(&bounce))
        .await
        .unwrap();
    assert_eq!(out["recorded"], 1, "{out}");
    let again = delivery::handler(&s, &delivery::sns_payload(&bounce))
        .await
        .unwrap();
    assert_eq!(again["unchanged"], 1, "{again}");
    let stored = s.store.case(case.id).await.unwrap().unwrap();
    let report = perizinan::deliveries::report(&s, &stored).await;
    assert_eq!(report.undelivered, vec![Channel::Email]);
    let trail = s.store.audit_trail(case.id).await.unwrap();
    assert!(trail.iter().any(|e| e.action == "notice.bounced"));
    // The next notice does not go to the suppressed address; its SMS does.
    let before = fx.ses_messages().await.len();
    let sms_before = fx.sms_messages().await.len();
    s.notify(
        &Notice::permit("permit_refused"),
        &stored,
        Recipient::Applicant,
        "close",
    )
    .await
    .unwrap();
    assert_eq!(
        fx.ses_messages().await.len(),
        before,
        "no e-mail after a hard bounce"
    );
    assert_eq!(
        fx.sms_messages().await.len(),
        sms_before + 1,
        "the SMS still goes"
    );
    // An SMS the carrier could not deliver, from SNS's delivery status logs.
    let failure = json!({
        "notification": {"messageId": sms_id, "timestamp": "2026-12-02 01:00:00.000"},
        "delivery": {"destination": "+6281234567890", "smsType": "Transactional",
            "providerResponse": "Phone is currently unreachable/unavailable"},
        "status": "FAILURE"
    });
    let out = delivery::handler(&s, &delivery::logs_payload(&[failure]))
        .await
        .unwrap();
    assert_eq!(out["recorded"], 1, "{out}");
    let d = s
        .store
        .delivery(Channel::Sms, sms_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.status, DeliveryStatus::Failed);
    assert_eq!(
        d.detail.as_deref(),
        Some("Phone is currently unreachable/unavailable")
    );
}

#[tokio::test]
async fn on_moto_the_daily_job_keeps_the_accounts_sms_settings() {
    use perizinan::ports::SmsSender;
    let fx = Fixture::new(false).await;
    // moto's server is shared between runs: a limit of its own makes the first call a change.
    let limit = 10 + (uuid::Uuid::new_v4().as_u128() % 1000) as u32;
    let sns = fx
        .sms()
        .with_account_settings(perizinan_aws::sns::AccountSettings {
            monthly_spend_limit_usd: Some(limit),
            delivery_status_role_arn: Some("arn:aws:iam::123456789012:role/sms-logs".into()),
        });
    assert!(sns.ensure_account_settings().await.unwrap(), "written");
    assert!(
        !sns.ensure_account_settings().await.unwrap(),
        "then left alone"
    );
    let attrs = aws_sdk_sns::Client::new(&fx.main)
        .get_sms_attributes()
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap_or_default();
    assert_eq!(attrs.get("MonthlySpendLimit"), Some(&limit.to_string()));
    assert_eq!(
        attrs.get("DefaultSMSType").map(String::as_str),
        Some("Transactional")
    );
    assert_eq!(
        attrs.get("DefaultSenderID").map(String::as_str),
        Some("DPMPTSP")
    );
}
