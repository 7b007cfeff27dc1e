//! One contract suite per port, run on both adapters with the same assertions: SQLite / local
//! files / outbox / embedded executor, and DynamoDB / S3 / SESv2 / Step Functions on moto.

use crate::common;

use chrono::{Duration as Days, Utc};
use common::aws::{Bridge, Fixture};
use perizinan::domain::StepCode;
use perizinan::domain::case::{
    Actor, AuditEvent, Case, CaseStatus, DocumentRecord, DocumentStatus, EventDraft, Origin,
    PendingCompletion, RegistrationNumber,
};
use perizinan::domain::survey::{Profile, SurveyResponse};
use perizinan::ports::clock::SystemClock;
use perizinan::ports::store::registration_key;
use perizinan::ports::{
    Clock, Commit, Completion, CounterClaim, DocumentStore, Email, Mailer, Orchestrator,
    OrchestratorError, Store, StoreError, UploadTicket,
};
use perizinan_embedded::executor::{Executor, TaskFn};
use perizinan_embedded::files::{LocalFiles, SignedQuery};
use perizinan_embedded::outbox::Outbox;
use perizinan_embedded::sqlite::SqliteStore;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn new_case(owner: &str) -> Case {
    common::kantor_kas_draft(owner)
}

fn event(case: &mut Case, action: &'static str) -> AuditEvent {
    AuditEvent::chain(
        case,
        Actor::system(),
        EventDraft {
            action,
            ..Default::default()
        },
        &Origin::default(),
        Utc::now(),
    )
}

fn insert(case: &Case, events: Vec<AuditEvent>) -> Commit {
    Commit {
        case: case.clone(),
        expected_version: None,
        events,
        documents: vec![],
        counters: vec![],
        surveys: vec![],
        unique: vec![],
        step_records: vec![],
        signed_documents: vec![],
    }
}

fn update(case: &Case, expected: u64, events: Vec<AuditEvent>) -> Commit {
    Commit {
        expected_version: Some(expected),
        ..insert(case, events)
    }
}

fn conflict(r: Result<(), StoreError>) -> bool {
    matches!(r, Err(StoreError::Conflict(_)))
}

async fn store_contract(store: Arc<dyn Store>) {
    // Insert; a second insert of the same case is a conflict.
    let mut a = new_case("owner-a");
    let e1 = event(&mut a, "application.created");
    let trips = store.round_trips();
    store.commit(insert(&a, vec![e1.clone()])).await.unwrap();
    assert_eq!(store.round_trips() - trips, 1, "a commit is one round trip");
    assert!(conflict(store.commit(insert(&a, vec![])).await));
    assert_eq!(store.case(a.id).await.unwrap().unwrap(), a);
    assert!(
        store
            .case(perizinan::domain::CaseId::new())
            .await
            .unwrap()
            .is_none()
    );

    // Conditional update: right version passes, stale version conflicts and changes nothing.
    let mut a2 = a.clone();
    a2.version = 1;
    a2.application.set("cooperative_name", json!("KSP Baru"));
    let e2 = event(&mut a2, "application.updated");
    store
        .commit(update(&a2, 0, vec![e2.clone()]))
        .await
        .unwrap();
    let mut stale = a2.clone();
    stale.version = 2;
    stale.application.set("cooperative_name", json!("Kalah"));
    let e3 = event(&mut stale, "application.updated");
    assert!(conflict(store.commit(update(&stale, 0, vec![e3])).await));
    assert_eq!(
        store
            .case(a.id)
            .await
            .unwrap()
            .unwrap()
            .application
            .str("cooperative_name"),
        Some("KSP Baru")
    );

    // Rollback: a valid case update with an audit event that already exists fails whole.
    let mut a3 = a2.clone();
    a3.version = 2;
    a3.application
        .set("cooperative_name", json!("Tidak tersimpan"));
    assert!(conflict(
        store.commit(update(&a3, 1, vec![e2.clone()])).await
    ));
    let now = store.case(a.id).await.unwrap().unwrap();
    assert_eq!(
        (now.version, now.application.str("cooperative_name")),
        (1, Some("KSP Baru"))
    );
    let trail = store.audit_trail(a.id).await.unwrap();
    assert_eq!(trail, vec![e1.clone(), e2.clone()]);
    perizinan::domain::case::verify_chain(&trail).unwrap();

    // Counters without gaps, unique keys.
    let name = format!("registration-test-{}", a.id);
    assert_eq!(store.counter(&name).await.unwrap(), 0);
    let mut a4 = now.clone();
    a4.version = 2;
    let reg = RegistrationNumber::new(None, "KK", 2026, 1);
    a4.registration_number = Some(reg.clone());
    a4.status = CaseStatus::InProcess;
    let mut c = update(&a4, 1, vec![]);
    c.counters.push(CounterClaim {
        name: name.clone(),
        value: 1,
    });
    c.unique.push(registration_key(&reg));
    store.commit(c).await.unwrap();
    assert_eq!(store.counter(&name).await.unwrap(), 1);
    // Claiming 1 again (a lost race) fails, and so does a gap.
    let mut b = new_case("owner-b");
    let mut c = insert(&b, vec![]);
    c.counters.push(CounterClaim {
        name: name.clone(),
        value: 1,
    });
    assert!(conflict(store.commit(c).await));
    let mut c = insert(&b, vec![]);
    c.counters.push(CounterClaim {
        name: name.clone(),
        value: 3,
    });
    assert!(conflict(store.commit(c).await));
    let mut c = insert(&b, vec![]);
    c.unique.push(registration_key(&reg));
    assert!(
        conflict(store.commit(c).await),
        "a unique key is taken once"
    );
    assert!(
        store.case(b.id).await.unwrap().is_none(),
        "nothing of the failed commits stayed"
    );
    let eb = event(&mut b, "application.created");
    let mut c = insert(&b, vec![eb]);
    c.counters.push(CounterClaim {
        name: name.clone(),
        value: 2,
    });
    store.commit(c).await.unwrap();
    assert_eq!(store.counter(&name).await.unwrap(), 2);

    // Reserved numbers: the next value once per holder, the same on every later call, none
    // lost when holders race.
    let letters = format!("letter-test-{}", a.id);
    assert_eq!(store.reserve_number(&letters, "case-1").await.unwrap(), 1);
    assert_eq!(store.reserve_number(&letters, "case-1").await.unwrap(), 1);
    assert_eq!(store.reserve_number(&letters, "case-2").await.unwrap(), 2);
    let racing = futures::future::join_all((3..9).map(|h| {
        let (store, letters) = (store.clone(), letters.clone());
        async move {
            let holder = format!("case-{}", h % 2 + 3); // two holders, three calls each
            store.reserve_number(&letters, &holder).await.unwrap()
        }
    }))
    .await;
    let mut distinct = racing.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct, vec![3, 4], "{racing:?}");
    assert_eq!(store.counter(&letters).await.unwrap(), 4);
    // A reserved number and a claim in a commit share the counter.
    let mut c = insert(&new_case("owner-c"), vec![]);
    c.counters.push(CounterClaim {
        name: letters.clone(),
        value: 5,
    });
    store.commit(c).await.unwrap();
    assert_eq!(store.reserve_number(&letters, "case-5").await.unwrap(), 6);

    // Documents: pending, then stored with the case change.
    let doc = DocumentRecord {
        id: uuid::Uuid::now_v7(),
        case_id: b.id,
        requirement: "member_list".into(),
        version: 0,
        file_name: "daftar.pdf".into(),
        media_type: "application/pdf".into(),
        declared_size: 10,
        status: DocumentStatus::Pending,
        key: format!("cases/{}/x", b.id),
        size: None,
        sha256: None,
        uploaded_by: "owner-b".into(),
        created_at: Utc::now(),
        stored_at: None,
    };
    store.put_pending_document(&doc).await.unwrap();
    assert_eq!(
        store.document(b.id, doc.id).await.unwrap().unwrap().status,
        DocumentStatus::Pending
    );
    let mut stored = doc.clone();
    stored.status = DocumentStatus::Stored;
    stored.version = 1;
    let mut b2 = b.clone();
    b2.version = 1;
    let eb2 = event(&mut b2, "document.stored");
    let mut c = update(&b2, 0, vec![eb2]);
    c.documents.push(stored.clone());
    store.commit(c).await.unwrap();
    assert_eq!(store.documents(b.id).await.unwrap(), vec![stored]);

    // Work queues, owners, pending completions.
    let t0 = Utc::now() - Days::minutes(10);
    let mut q = vec![];
    for (i, owner) in ["q1", "q2", "q3"].iter().enumerate() {
        let mut c = new_case(owner);
        c.status = CaseStatus::InProcess;
        c.step = Some(StepCode::new("section_head_validation"));
        c.step_entered_at = Some(t0 + Days::seconds(30 - i as i64 * 10));
        c.task_token = Some("t".into());
        if i == 1 {
            c.pending_completion = Some(PendingCompletion {
                token: "t".into(),
                output: json!({"outcome": "approve"}),
            });
        }
        store.commit(insert(&c, vec![])).await.unwrap();
        q.push(c);
    }
    let queue = store
        .cases_at_step(
            &perizinan::domain::office::founding_code(),
            &StepCode::new("section_head_validation"),
            10,
        )
        .await
        .unwrap();
    let ids: Vec<_> = queue.iter().map(|c| c.id).collect();
    let mine: Vec<_> = ids
        .iter()
        .filter(|i| q.iter().any(|c| c.id == **i))
        .copied()
        .collect();
    assert_eq!(
        mine,
        vec![q[2].id, q[1].id, q[0].id],
        "longest waiting first"
    );
    assert_eq!(
        store
            .cases_at_step(
                &perizinan::domain::office::founding_code(),
                &StepCode::new("section_head_validation"),
                2
            )
            .await
            .unwrap()
            .len(),
        2
    );
    let owned = store.cases_of_owner("q2").await.unwrap();
    assert_eq!(
        owned.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![q[1].id]
    );
    let pending = store.cases_with_pending_completion().await.unwrap();
    assert!(pending.iter().any(|c| c.id == q[1].id));
    assert!(!pending.iter().any(|c| c.id == q[0].id));

    // Surveys: one per case, listed by period.
    let answered = Utc::now();
    let sv = SurveyResponse {
        case_id: q[0].id,
        permit: q[0].permit_code.clone(),
        office: perizinan::domain::office::founding_code(),
        answered_at: answered,
        scores: [4, 3, 4, 4, 3, 4, 4, 3, 3],
        profile: Profile::default(),
        suggestion: Some("Baik".into()),
    };
    let mut q0 = q[0].clone();
    q0.version = 1;
    let mut c = update(&q0, 0, vec![]);
    c.surveys.push(sv.clone());
    store.commit(c).await.unwrap();
    let mut q0b = q0.clone();
    q0b.version = 2;
    let mut c = update(&q0b, 1, vec![]);
    c.surveys.push(sv.clone());
    assert!(conflict(store.commit(c).await), "one response per case");
    let found = store
        .surveys_between(answered - Days::days(40), answered + Days::seconds(1))
        .await
        .unwrap();
    assert!(found.contains(&sv));
    assert!(
        !store
            .surveys_between(answered + Days::seconds(1), answered + Days::days(1))
            .await
            .unwrap()
            .contains(&sv)
    );
    // Lookup by registration number.
    assert_eq!(
        store.case_by_registration(&reg).await.unwrap().unwrap().id,
        a.id
    );
}

#[tokio::test]
async fn store_contract_sqlite() {
    store_contract(Arc::new(SqliteStore::in_memory().unwrap())).await;
}

#[tokio::test]
async fn store_contract_dynamodb() {
    let fx = Fixture::new(false).await;
    store_contract(Arc::new(fx.store())).await;
}

#[tokio::test]
async fn the_registration_lookup_works_on_both_stores() {
    let fx = Fixture::new(false).await;
    let stores: Vec<Arc<dyn Store>> = vec![
        Arc::new(SqliteStore::in_memory().unwrap()),
        Arc::new(fx.store()),
    ];
    for store in stores {
        let mut c = new_case("o");
        let reg = RegistrationNumber::new(None, "KK", 2026, 77);
        c.registration_number = Some(reg.clone());
        let mut commit = insert(&c, vec![]);
        commit.unique.push(registration_key(&reg));
        store.commit(commit).await.unwrap();
        assert_eq!(
            store.case_by_registration(&reg).await.unwrap().unwrap().id,
            c.id
        );
        assert!(
            store
                .case_by_registration(&RegistrationNumber::new(None, "KK", 2026, 78))
                .await
                .unwrap()
                .is_none()
        );
    }
}

/// Sends bytes as a ticket says: a signed PUT, or a POST form with the file last.
async fn send(http: &reqwest::Client, t: &UploadTicket, bytes: Vec<u8>, media: &str) -> u16 {
    let resp = if t.method == "POST" {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in &t.fields {
            form = form.text(k.clone(), v.clone());
        }
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes)
                .file_name("f.pdf")
                .mime_str(media)
                .unwrap(),
        );
        http.post(&t.url).multipart(form).send().await.unwrap()
    } else {
        let mut r = http.put(&t.url).body(bytes);
        for (k, v) in &t.headers {
            r = r.header(k, v);
        }
        r.send().await.unwrap()
    };
    resp.status().as_u16()
}

async fn documents_contract(
    docs: Arc<dyn DocumentStore>,
    upload: impl AsyncFn(&UploadTicket, Vec<u8>) -> u16,
    download: impl AsyncFn(&str) -> (u16, Option<String>, Vec<u8>),
) {
    let key = format!("cases/{}/{}", uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    assert!(docs.head(&key).await.unwrap().is_none());
    let t = docs
        .presign_upload(&key, "application/pdf", 100, Duration::from_secs(300))
        .await
        .unwrap();
    assert_eq!(t.max_bytes, 100);
    assert!(t.expires_at > Utc::now());
    let status = upload(&t, b"%PDF-1.7 isi".to_vec()).await;
    assert!((200..300).contains(&status), "upload: {status}");
    assert_eq!(docs.head(&key).await.unwrap().unwrap().size, 12);
    assert_eq!(&docs.get(&key).await.unwrap()[..], b"%PDF-1.7 isi");
    let url = docs
        .presign_download(
            &key,
            "izin operasional.pdf",
            "application/pdf",
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    let (status, disposition, body) = download(&url).await;
    assert_eq!(status, 200);
    assert_eq!(body, b"%PDF-1.7 isi");
    let d = disposition.expect("Content-Disposition");
    assert!(
        d.starts_with("attachment;") && d.contains("izin operasional.pdf"),
        "{d}"
    );
    docs.put(
        &format!("{key}-gen"),
        bytes::Bytes::from_static(b"%PDF-gen"),
        "application/pdf",
    )
    .await
    .unwrap();
    assert_eq!(
        &docs.get(&format!("{key}-gen")).await.unwrap()[..],
        b"%PDF-gen"
    );
    docs.delete(&key).await.unwrap();
    assert!(docs.head(&key).await.unwrap().is_none());
    assert!(matches!(
        docs.get(&key).await,
        Err(perizinan::ports::DocumentError::NotFound)
    ));
}

fn query_of(url: &str) -> (String, SignedQuery) {
    let (path, q) = url.split_once('?').unwrap();
    let key = path.split("/_files/").nth(1).unwrap().to_string();
    let pairs: Vec<(String, String)> = q
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_string(), percent_decode(v))
        })
        .collect();
    let m: serde_json::Map<String, Value> = pairs
        .into_iter()
        .map(|(k, v)| {
            let v = match k.as_str() {
                "exp" | "max" => json!(v.parse::<i64>().unwrap()),
                _ => json!(v),
            };
            (k, v)
        })
        .collect();
    (key, serde_json::from_value(Value::Object(m)).unwrap())
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = vec![];
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() + 1 {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn documents_contract_local_files() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(SystemClock::default());
    let files = Arc::new(LocalFiles::new(
        dir.path().into(),
        b"contract".to_vec(),
        "http://runner.test/_files".into(),
        clock,
    ));
    let f1 = files.clone();
    let f2 = files.clone();
    documents_contract(
        files,
        async move |t: &UploadTicket, bytes: Vec<u8>| {
            let (key, q) = query_of(&t.url);
            match f1
                .accept_put(
                    &key,
                    &q,
                    t.headers.get("Content-Type").map(String::as_str),
                    bytes.into(),
                )
                .await
            {
                Ok(()) => 204,
                Err(_) => 403,
            }
        },
        async move |url: &str| {
            let (key, q) = query_of(url);
            match f2.serve_get(&key, &q).await {
                Ok((b, _, name)) => (
                    200,
                    Some(perizinan::api::documents::attachment(&name)),
                    b.to_vec(),
                ),
                Err(_) => (403, None, vec![]),
            }
        },
    )
    .await;
}

#[tokio::test]
async fn documents_contract_s3() {
    let fx = Fixture::new(false).await;
    let http = reqwest::Client::new();
    let h2 = http.clone();
    documents_contract(
        Arc::new(fx.documents(Arc::new(SystemClock::default()))),
        async move |t: &UploadTicket, bytes: Vec<u8>| {
            send(&http, t, bytes, "application/pdf").await
        },
        async move |url: &str| {
            let r = h2.get(url).send().await.unwrap();
            let status = r.status().as_u16();
            let d = r
                .headers()
                .get("content-disposition")
                .map(|v| v.to_str().unwrap().to_string());
            (status, d, r.bytes().await.unwrap().to_vec())
        },
    )
    .await;
}

fn email(key: &str) -> Email {
    Email {
        to: vec!["pemohon@ksp.test".into(), "cc@ksp.test".into()],
        subject: "Berkas sudah lengkap: KK-2026-000001".into(),
        body: "Yth. Bapak/Ibu,\nBerkas Anda lengkap — terima kasih.".into(),
        idempotency_key: key.into(),
        tags: vec![(
            "case_id".into(),
            "0190e7a0-0000-7000-8000-000000000001".into(),
        )],
    }
}

#[tokio::test]
async fn mailer_contract_outbox_and_ses() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::new(
        dir.path().into(),
        "Perizinan Digital <noreply@perizinan.test>".into(),
    )
    .unwrap();
    let fx = Fixture::new(false).await;
    let ses = fx.mailer();
    let mailers: Vec<(&str, &dyn Mailer)> = vec![("outbox", &outbox), ("ses", &ses)];
    for (name, m) in mailers {
        m.send(&email(&format!("k-{name}"))).await.unwrap();
        let bad = Email {
            to: vec![],
            ..email("k-bad")
        };
        assert!(
            m.send(&bad).await.is_err(),
            "{name}: a message without recipient is refused"
        );
    }
    let sent = outbox.list().unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, email("x").to);
    assert_eq!(sent[0].subject, email("x").subject);
    assert_eq!(sent[0].body, email("x").body);
    let ses_sent = fx.ses_messages().await;
    assert_eq!(ses_sent.len(), 1, "{ses_sent:?}");
    assert_eq!(
        ses_sent[0]["destinations"]["ToAddresses"],
        json!(email("x").to)
    );
    assert_eq!(ses_sent[0]["subject"], email("x").subject);
    assert_eq!(ses_sent[0]["body"], email("x").body);
}

/// The orchestrator's promises on the case workflow: start is idempotent by name, a
/// completion moves the execution on, a duplicate or unknown completion is not an error and
/// changes nothing.
async fn orchestrator_contract(
    o: &dyn Orchestrator,
    name: &str,
    token_at: impl AsyncFn(&str, &str) -> String,
    state_of: impl AsyncFn(&str) -> String,
) {
    let input = json!({"case_id": name});
    o.start("kantor-kas", name, input.clone()).await.unwrap();
    o.start("kantor-kas", name, input.clone())
        .await
        .expect("same name and input: no-op");
    assert!(matches!(
        o.start("kantor-kas", name, json!({"case_id": "other"}))
            .await,
        Err(OrchestratorError::AlreadyExists(_))
    ));
    let t1 = token_at(name, "FrontOfficeVerification").await;
    assert_eq!(
        o.complete(&t1, json!({"outcome": "incomplete"}))
            .await
            .unwrap(),
        Completion::Delivered
    );
    let t2 = token_at(name, "ApplicantRevision").await;
    assert_ne!(t1, t2);
    // A duplicate completion of the closed task: no error, no change.
    o.complete(&t1, json!({"outcome": "complete"}))
        .await
        .unwrap();
    assert_eq!(
        o.complete("no-such-token", json!({"outcome": "complete"}))
            .await
            .unwrap(),
        Completion::AlreadyClosed
    );
    assert_eq!(state_of(name).await, "ApplicantRevision");
    assert_eq!(
        o.complete(&t2, json!({"outcome": "resubmitted"}))
            .await
            .unwrap(),
        Completion::Delivered
    );
    let _t3 = token_at(name, "FrontOfficeVerification").await;
    assert_eq!(state_of(name).await, "FrontOfficeVerification");
}

#[tokio::test]
async fn orchestrator_contract_embedded_executor() {
    let cat = common::catalogue();
    let def = cat
        .get("kantor-kas-ksp")
        .unwrap()
        .load_workflow("f")
        .unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock::default());
    let ex = Executor::in_memory(vec![("kantor-kas".into(), def)], clock).unwrap();
    let tokens: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let t = tokens.clone();
    let f: TaskFn = Arc::new(perizinan::ports::task::FnTask(move |p: Value| {
        let t = t.clone();
        async move {
            if let Some(tok) = p["task_token"].as_str() {
                t.lock()
                    .unwrap()
                    .push((p["step"].as_str().unwrap().to_string(), tok.to_string()));
            }
            // A computed wait (the revision's TimeoutSecondsPath) reads the deadline task's
            // answer: a day, as the workflow function would answer in shape.
            if p["action"] == "deadline" {
                return Ok(json!({"timeout_seconds": 86_400}));
            }
            Ok(json!({}))
        }
    }));
    ex.register("f", f);
    let ex2 = ex.clone();
    orchestrator_contract(
        &ex,
        "case-embedded",
        async |_name: &str, state: &str| {
            let step = state_step(state);
            tokens
                .lock()
                .unwrap()
                .iter()
                .rev()
                .find(|(s, _)| s == step)
                .map(|(_, t)| t.clone())
                .expect("token recorded")
        },
        async move |name: &str| ex2.describe(name).await.unwrap().unwrap().state,
    )
    .await;
}

fn state_step(state: &str) -> &'static str {
    match state {
        "FrontOfficeVerification" => "front_office_verification",
        "ApplicantRevision" => "applicant_revision",
        other => panic!("unexpected state {other}"),
    }
}

#[tokio::test]
async fn orchestrator_contract_step_functions() {
    let fx = Fixture::new(true).await;
    let sfn = fx.step_functions();
    let bridge = Bridge::new(&fx, fx.services(Default::default()));
    let name = format!("case-sfn-{}", uuid::Uuid::new_v4().simple());
    let fx2 = &fx;
    let b = &bridge;
    orchestrator_contract(
        &sfn,
        &name,
        async move |name: &str, state: &str| {
            let arn = fx2.execution_arn(name);
            for _ in 0..200 {
                let events = b.history(&arn).await;
                let last = events
                    .iter()
                    .rev()
                    .find(|e| e.r#type == aws_sdk_sfn::types::HistoryEventType::TaskScheduled);
                let entered = events.iter().rev().find_map(|e| {
                    e.state_entered_event_details()
                        .map(|d| d.name().to_string())
                });
                if let (Some(e), Some(s)) = (last, entered)
                    && s == state
                    && events.last().unwrap().r#type
                        == aws_sdk_sfn::types::HistoryEventType::TaskSubmitted
                {
                    let p: Value = serde_json::from_str(
                        e.task_scheduled_event_details().unwrap().parameters(),
                    )
                    .unwrap();
                    return p["Payload"]["task_token"].as_str().unwrap().to_string();
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("no token at {state}");
        },
        async move |name: &str| {
            let arn = fx2.execution_arn(name);
            tokio::time::sleep(Duration::from_millis(300)).await;
            b.history(&arn)
                .await
                .iter()
                .rev()
                .find_map(|e| {
                    e.state_entered_event_details()
                        .map(|d| d.name().to_string())
                })
                .unwrap()
        },
    )
    .await;
}

async fn complaint_store_contract(store: Arc<dyn Store>) {
    use perizinan::domain::complaints::{Channel, ComplaintInput, ComplaintStatus, Kind};
    use perizinan::ports::ComplaintCommit;
    let now = Utc::now();
    let mk = |text: &str| {
        ComplaintInput {
            kind: Some(Kind::Complaint),
            text: Some(text.into()),
            anonymous: Some(true),
            channel: Some(Channel::Portal),
            ..Default::default()
        }
        .parse(None, now)
        .unwrap()
    };
    let a = mk("Pelayanan loket lambat sekali hari ini.");
    let (a, ev) = perizinan::domain::complaints::filed(a, Actor::system(), &Origin::default(), now);
    let insert =
        |c: &perizinan::domain::complaints::Complaint, events: Vec<AuditEvent>| ComplaintCommit {
            complaint: c.clone(),
            expected_version: None,
            events,
        };
    store
        .commit_complaint(insert(&a, vec![ev.clone()]))
        .await
        .unwrap();
    assert!(matches!(
        store.commit_complaint(insert(&a, vec![])).await,
        Err(StoreError::Conflict(_))
    ));
    // Another complaint reusing the tracking code is refused.
    let mut dup = mk("Kode pelacakan yang sama tidak boleh dipakai.");
    dup.tracking_code = a.tracking_code.clone();
    assert!(matches!(
        store.commit_complaint(insert(&dup, vec![])).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store
            .complaint_by_tracking(&a.tracking_code)
            .await
            .unwrap()
            .unwrap()
            .id,
        a.id
    );
    assert!(
        store
            .complaint_by_tracking("ADU-NONE0-NONE0")
            .await
            .unwrap()
            .is_none()
    );
    // Versioned updates; the due date puts it in the deadline index.
    let mut b = a.clone();
    b.version = 1;
    b.due_on = Some(common::today());
    b.pending_completion = Some(PendingCompletion {
        token: "t".into(),
        output: json!({"outcome": "registered"}),
    });
    store
        .commit_complaint(ComplaintCommit {
            complaint: b.clone(),
            expected_version: Some(0),
            events: vec![],
        })
        .await
        .unwrap();
    assert!(matches!(
        store
            .commit_complaint(ComplaintCommit {
                complaint: b.clone(),
                expected_version: Some(0),
                events: vec![]
            })
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.complaint(a.id).await.unwrap().unwrap().version, 1);
    assert!(
        store
            .open_complaints(&perizinan::domain::office::founding_code(), 10)
            .await
            .unwrap()
            .iter()
            .any(|c| c.id == a.id)
    );
    // The register's pages: in the order of `register_key`, each page after the last one's.
    let all = store
        .open_complaints_page(&perizinan::domain::office::founding_code(), None, 10)
        .await
        .unwrap();
    let keys: Vec<String> = all.iter().map(|c| c.register_key()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert!(!keys.is_empty() && keys == sorted, "{keys:?}");
    let mut paged = vec![];
    let mut after: Option<String> = None;
    while let Some(c) = store
        .open_complaints_page(
            &perizinan::domain::office::founding_code(),
            after.as_deref(),
            1,
        )
        .await
        .unwrap()
        .first()
    {
        after = Some(c.register_key());
        paged.push(c.id);
        assert!(paged.len() <= all.len(), "pages do not end");
    }
    assert_eq!(paged, all.iter().map(|c| c.id).collect::<Vec<_>>());
    let due = store
        .complaints_due_by(
            &perizinan::domain::office::founding_code(),
            common::today(),
            10,
        )
        .await
        .unwrap();
    assert_eq!(due.iter().map(|c| c.id).collect::<Vec<_>>(), vec![a.id]);
    assert!(
        store
            .complaints_due_by(
                &perizinan::domain::office::founding_code(),
                common::today().pred_opt().unwrap(),
                10
            )
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .complaints_with_pending_completion()
            .await
            .unwrap()
            .iter()
            .any(|c| c.id == a.id)
    );
    let filed = store
        .complaints_filed_between(now - Days::days(1), now + Days::days(1))
        .await
        .unwrap();
    assert!(filed.iter().any(|c| c.id == a.id));
    assert!(
        store
            .complaints_filed_between(now + Days::days(1), now + Days::days(2))
            .await
            .unwrap()
            .is_empty()
    );
    // Closed: out of the register and the deadline index.
    let mut closed = b.clone();
    closed.version = 2;
    closed.status = ComplaintStatus::Closed;
    closed.pending_completion = None;
    store
        .commit_complaint(ComplaintCommit {
            complaint: closed,
            expected_version: Some(1),
            events: vec![],
        })
        .await
        .unwrap();
    assert!(
        !store
            .open_complaints(&perizinan::domain::office::founding_code(), 10)
            .await
            .unwrap()
            .iter()
            .any(|c| c.id == a.id)
    );
    assert!(
        store
            .complaints_due_by(
                &perizinan::domain::office::founding_code(),
                common::today(),
                10
            )
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.audit_trail(a.id).await.unwrap(), vec![ev]);
}

#[tokio::test]
async fn complaint_store_contract_sqlite() {
    complaint_store_contract(Arc::new(SqliteStore::in_memory().unwrap())).await;
}

#[tokio::test]
async fn complaint_store_contract_dynamodb() {
    let fx = Fixture::new(false).await;
    complaint_store_contract(Arc::new(fx.store())).await;
}

/// The retention job's lists and the audit walk, the same on both stores.
async fn retention_and_audit_contract(store: Arc<dyn Store>) {
    use perizinan::domain::actions::expire_draft;
    use perizinan::domain::complaints::{
        Channel, ComplaintInput, ComplaintStatus, Kind, erase_identity, filed,
    };
    use perizinan::ports::ComplaintCommit;
    let now = Utc::now();
    // A draft untouched for 100 days, one changed today, a submitted case.
    let mut old = new_case("retensi-1");
    old.updated_at = now - Days::days(100);
    let e = event(&mut old, "application.created");
    store.commit(insert(&old, vec![e])).await.unwrap();
    let mut fresh = new_case("retensi-2");
    let e = event(&mut fresh, "application.created");
    store.commit(insert(&fresh, vec![e])).await.unwrap();
    let mut sent = new_case("retensi-3");
    sent.updated_at = now - Days::days(100);
    sent.status = CaseStatus::InProcess;
    let e = event(&mut sent, "case.submitted");
    store.commit(insert(&sent, vec![e])).await.unwrap();

    let cutoff = now - Days::days(90);
    let stale = store.stale_drafts(cutoff, 10).await.unwrap();
    assert_eq!(
        stale.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![old.id],
        "only the untouched draft"
    );
    let cat = common::catalogue();
    let change =
        expire_draft(&stale[0], cat.def("kantor-kas-ksp").unwrap(), 90, now).expect("a draft");
    store
        .commit(Commit::from_change(change))
        .await
        .expect("expired");
    assert!(store.stale_drafts(cutoff, 10).await.unwrap().is_empty());
    let erased = store.case(old.id).await.unwrap().unwrap();
    assert_eq!(erased.status, CaseStatus::Lapsed);
    assert!(erased.application.is_erased("contact.email"));

    // A complaint closed 400 days ago naming its complainant; an anonymous one.
    let named = ComplaintInput {
        kind: Some(Kind::Complaint),
        text: Some("Petugas meminta biaya yang tidak resmi.".into()),
        anonymous: Some(false),
        name: Some("Budi Santoso".into()),
        email: Some("budi@warga.test".into()),
        channel: Some(Channel::Portal),
        ..Default::default()
    }
    .parse(None, now)
    .unwrap();
    let (mut named, ev) = filed(named, Actor::system(), &Origin::default(), now);
    named.status = ComplaintStatus::Closed;
    named.closed_at = Some(now - Days::days(400));
    store
        .commit_complaint(ComplaintCommit {
            complaint: named.clone(),
            expected_version: None,
            events: vec![ev],
        })
        .await
        .unwrap();
    let year = now - Days::days(365);
    let listed = store.identified_closed_complaints(year, 10).await.unwrap();
    assert_eq!(
        listed.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![named.id]
    );
    assert!(
        store
            .identified_closed_complaints(now - Days::days(500), 10)
            .await
            .unwrap()
            .is_empty(),
        "closed after that cutoff"
    );
    let change = erase_identity(&listed[0], 365, now).expect("named");
    store
        .commit_complaint(ComplaintCommit::from_change(change))
        .await
        .unwrap();
    assert!(
        store
            .identified_closed_complaints(year, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .complaint(named.id)
            .await
            .unwrap()
            .unwrap()
            .complainant
            .is_none()
    );

    // The audit walk, one record per page: every record once, heads as stored.
    let mut cursor = None;
    let mut seen = vec![];
    loop {
        let page = store.audit_heads(cursor, 1).await.unwrap();
        seen.extend(page.heads);
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    let mine: Vec<_> = seen
        .iter()
        .filter(|h| [old.id, fresh.id, sent.id, named.id].contains(&h.id))
        .collect();
    assert_eq!(mine.len(), 4, "{seen:?}");
    for h in mine {
        let trail = store.audit_trail(h.id).await.unwrap();
        assert_eq!(trail.len() as u64, h.seq);
        assert_eq!(trail.last().unwrap().hash, h.head);
        let kind = if h.id == named.id {
            "complaint"
        } else {
            "case"
        };
        assert_eq!(h.kind, kind);
    }
    let report = perizinan::audit::verify_all(store.as_ref(), None, None, |_| {})
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.failures);
}

#[tokio::test]
async fn retention_and_audit_contract_sqlite() {
    retention_and_audit_contract(Arc::new(SqliteStore::in_memory().unwrap())).await;
}

#[tokio::test]
async fn retention_and_audit_contract_dynamodb() {
    let fx = Fixture::new(false).await;
    retention_and_audit_contract(Arc::new(fx.store())).await;
}

/// Offices (`domain::office`): each office's work queue, deadline index and complaint register
/// hold its own records only, and the founding office's keys are the ones written before
/// offices; the same on both stores.
async fn office_scope_contract(store: Arc<dyn Store>) {
    use perizinan::domain::complaints::{Channel, ComplaintInput, Kind};
    use perizinan::domain::office::{OfficeCode, founding_code};
    use perizinan::ports::ComplaintCommit;
    let now = Utc::now();
    let step = StepCode::new("document_verification");
    let pms = OfficeCode::parse("pematangsiantar").unwrap();
    let mut ids = vec![];
    for office in [founding_code(), pms.clone(), pms.clone()] {
        let mut c = new_case(&format!("owner-{office}"));
        c.office = office;
        c.status = CaseStatus::InProcess;
        c.step = Some(step.clone());
        c.step_entered_at = Some(now);
        c.task_token = Some("t".into());
        c.timeline.push(perizinan::domain::timeline::StepSpan {
            step: step.clone(),
            entered_at: now,
            due_on: Some(common::today()),
            left_at: None,
            outcome: None,
        });
        store.commit(insert(&c, vec![])).await.unwrap();
        ids.push(c.id);
    }
    let of = |cases: Vec<Case>| -> Vec<_> {
        let mut v: Vec<_> = cases
            .iter()
            .map(|c| c.id)
            .filter(|id| ids.contains(id))
            .collect();
        v.sort();
        v
    };
    let mut pms_ids = vec![ids[1], ids[2]];
    pms_ids.sort();
    assert_eq!(
        of(store
            .cases_at_step(&founding_code(), &step, 50)
            .await
            .unwrap()),
        vec![ids[0]]
    );
    assert_eq!(
        of(store.cases_at_step(&pms, &step, 50).await.unwrap()),
        pms_ids
    );
    let cutoff = common::today();
    assert_eq!(
        of(store.cases_due_by(&pms, &step, cutoff, 50).await.unwrap()),
        pms_ids
    );
    assert_eq!(
        of(store
            .cases_due_by(&founding_code(), &step, cutoff, 50)
            .await
            .unwrap()),
        vec![ids[0]]
    );
    // An office nobody wrote for has an empty queue.
    let none = OfficeCode::parse("samarinda").unwrap();
    assert!(of(store.cases_at_step(&none, &step, 50).await.unwrap()).is_empty());

    // Complaints: the register of each office.
    let mut filed = vec![];
    for office in [founding_code(), pms.clone()] {
        let mut c = ComplaintInput {
            kind: Some(Kind::Complaint),
            text: Some(format!("Antrean loket terlalu panjang di kantor {office}.")),
            anonymous: Some(true),
            channel: Some(Channel::Portal),
            ..Default::default()
        }
        .parse(None, now)
        .unwrap();
        c.office = office;
        c.due_on = Some(common::today());
        let (c, ev) =
            perizinan::domain::complaints::filed(c, Actor::system(), &Origin::default(), now);
        store
            .commit_complaint(ComplaintCommit {
                complaint: c.clone(),
                expected_version: None,
                events: vec![ev],
            })
            .await
            .unwrap();
        filed.push(c.id);
    }
    let open = |v: Vec<perizinan::domain::complaints::Complaint>| -> Vec<_> {
        v.iter()
            .map(|c| c.id)
            .filter(|id| filed.contains(id))
            .collect()
    };
    assert_eq!(
        open(store.open_complaints(&pms, 50).await.unwrap()),
        vec![filed[1]]
    );
    assert_eq!(
        open(store.open_complaints(&founding_code(), 50).await.unwrap()),
        vec![filed[0]]
    );
    assert_eq!(
        open(store.open_complaints_page(&pms, None, 50).await.unwrap()),
        vec![filed[1]]
    );
    assert_eq!(
        open(store.complaints_due_by(&pms, cutoff, 50).await.unwrap()),
        vec![filed[1]]
    );
    // Each record keeps its office.
    assert_eq!(store.case(ids[1]).await.unwrap().unwrap().office, pms);
    assert_eq!(
        store.complaint(filed[1]).await.unwrap().unwrap().office,
        pms
    );
}

#[tokio::test]
async fn office_scope_contract_sqlite() {
    office_scope_contract(Arc::new(SqliteStore::in_memory().unwrap())).await;
}

#[tokio::test]
async fn office_scope_contract_dynamodb() {
    let fx = Fixture::new(false).await;
    office_scope_contract(Arc::new(fx.store())).await;
}

/// Each office's roster and delegations (`ports::OfficeStore`): kept under the office's own
/// keys, a member replaced by their newer record, a delegation inserted once and replaced only
/// at its version; the same on both stores.
async fn office_store_contract(store: Arc<dyn Store>) {
    use perizinan::domain::delegation::{Delegation, DelegationEvent, Person};
    use perizinan::domain::office::{OfficeCode, founding_code};
    use perizinan::domain::officials::Acting;
    use perizinan::domain::roster::StaffMember;
    let pms = OfficeCode::parse("pematangsiantar").unwrap();
    let member = |office: &OfficeCode, sub: &str, roles: &[&str]| {
        StaffMember::seen(
            office.clone(),
            sub.into(),
            format!("Petugas {sub}"),
            None,
            roles
                .iter()
                .map(|r| perizinan::domain::Role::new(*r))
                .collect(),
            Utc::now(),
        )
    };
    store
        .put_staff(&member(&founding_code(), "a", &["front_office"]), None)
        .await
        .unwrap();
    store
        .put_staff(&member(&pms, "b", &["back_office"]), None)
        .await
        .unwrap();
    // A member is recorded once; then replaced only at the version read.
    assert!(matches!(
        store
            .put_staff(&member(&founding_code(), "a", &["back_office"]), None)
            .await,
        Err(StoreError::Conflict(_))
    ));
    let mut next = member(&founding_code(), "a", &["back_office"]);
    next.version = 1;
    store.put_staff(&next, Some(0)).await.unwrap();
    let mut stale = member(&founding_code(), "a", &["section_head"]);
    stale.version = 1;
    assert!(matches!(
        store.put_staff(&stale, Some(0)).await,
        Err(StoreError::Conflict(_))
    ));
    let btg = store.staff(&founding_code()).await.unwrap();
    assert_eq!(btg.len(), 1);
    assert_eq!(
        btg[0].roles,
        vec![perizinan::domain::Role::new("back_office")]
    );
    assert_eq!(btg[0].version, 1);
    let one = store
        .staff_member(&founding_code(), "a")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(one, btg[0]);
    // One office's member is not another's.
    assert_eq!(store.staff_member(&pms, "a").await.unwrap(), None);
    assert_eq!(store.staff(&pms).await.unwrap()[0].sub, "b");

    let d = Delegation {
        id: uuid::Uuid::now_v7(),
        office: pms.clone(),
        role: perizinan::domain::Role::new("agency_head"),
        kind: Acting::Plt,
        from: Person {
            sub: "h".into(),
            name: "Kepala".into(),
        },
        to: Person {
            sub: "b".into(),
            name: "Petugas b".into(),
        },
        starts_on: common::today(),
        ends_on: common::today(),
        letter_number: "800/1/BKPSDM/2026".into(),
        history: vec![DelegationEvent {
            action: "granted".into(),
            by: Actor::system(),
            at: Utc::now(),
            reason: None,
        }],
        version: 0,
    };
    store.put_delegation(&d, None).await.unwrap();
    assert!(conflict(store.put_delegation(&d, None).await));
    let mut next = d.clone();
    next.version = 1;
    store.put_delegation(&next, Some(0)).await.unwrap();
    assert!(conflict(store.put_delegation(&next, Some(0)).await));
    let listed = store.delegations(&pms).await.unwrap();
    assert_eq!(listed, vec![next]);
    assert!(
        store
            .delegations(&founding_code())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn office_store_contract_sqlite() {
    office_store_contract(Arc::new(SqliteStore::in_memory().unwrap())).await;
}

#[tokio::test]
async fn office_store_contract_dynamodb() {
    let fx = Fixture::new(false).await;
    office_store_contract(Arc::new(fx.store())).await;
}
