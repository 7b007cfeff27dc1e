//! The overdue job on a store with 10,000 open cases, six of them near or past their deadline:
//! it reads only those six through the deadline index (items counted by the adapter), e-mails
//! each responsible role (and its supervisor) once, and a second run the same day sends nothing.
//! Run on SQLite and on DynamoDB (moto).

use crate::common;

use chrono::{DateTime, NaiveDate, Utc};
use common::aws::Fixture;
use perizinan::Services;
use perizinan::domain::StepCode;
use perizinan::domain::case::{Case, CaseStatus, RegistrationNumber};
use perizinan::domain::deadlines::StepSpan;
use perizinan::domain::roles::Roles;
use perizinan::ports::clock::SystemClock;
use perizinan::ports::directory::StaticDirectory;
use perizinan::ports::{CaseStore, Commit, Mailer};
use perizinan_embedded::outbox::Outbox;
use perizinan_embedded::sqlite::SqliteStore;
use std::collections::BTreeMap;
use std::sync::Arc;

const OPEN: usize = 10_000;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn open_case(n: usize, step: &str, due: NaiveDate) -> Case {
    let mut c = common::kantor_kas_draft(&format!("owner-{n}"));
    c.created_at = at("2026-06-01T09:00:00+08:00");
    c.updated_at = c.created_at;
    c.status = CaseStatus::InProcess;
    c.registration_number = Some(RegistrationNumber::new(None, "KK", 2026, n as u64 + 1));
    let step = StepCode::new(step);
    c.step = Some(step.clone());
    c.task_token = Some(format!("token-{n}"));
    let entered = at("2026-06-02T09:00:00+08:00");
    c.step_entered_at = Some(entered);
    c.timeline.push(StepSpan {
        step,
        entered_at: entered,
        due_on: Some(due),
        left_at: None,
        outcome: None,
    });
    c
}

/// 10,000 open cases spread over every step, deadlines far away, plus the six that matter on
/// Wednesday 10 June 2026 (near due = one working day or less left).
fn cases() -> (Vec<Case>, BTreeMap<usize, (&'static str, &'static str)>) {
    let late: BTreeMap<usize, (&str, &str)> = BTreeMap::from([
        (17, ("front_office_verification", "overdue")), // due Fri 5 June
        (1234, ("technical_verification", "overdue")),  // due Mon 8 June
        (4321, ("head_signature", "overdue")),          // due Mon 1 June
        (5000, ("back_office_validation", "near_due")), // due Thu 11 June
        (7777, ("recommendation", "near_due")),         // due today
        (9999, ("applicant_revision", "overdue")),      // due Tue 9 June
    ]);
    let dues: BTreeMap<usize, &str> = BTreeMap::from([
        (17, "2026-06-05"),
        (1234, "2026-06-08"),
        (4321, "2026-06-01"),
        (5000, "2026-06-11"),
        (7777, "2026-06-10"),
        (9999, "2026-06-09"),
    ]);
    let cat = common::catalogue();
    let steps: Vec<&str> = cat
        .def("kantor-kas-ksp")
        .unwrap()
        .steps
        .iter()
        .filter(|s| s.code != "survey")
        // The steps' codes as 'static strings, for the cases' table.
        .map(|s| &*Box::leak(s.code.to_string().into_boxed_str()))
        .collect();
    let all = (0..OPEN)
        .map(|n| match late.get(&n) {
            Some((step, _)) => open_case(n, step, d(dues[&n])),
            // Due Friday 31 July 2026, well after the cut-off.
            None => open_case(n, steps[n % steps.len()], d("2026-07-31")),
        })
        .collect();
    (all, late)
}

fn directory() -> StaticDirectory {
    let mut entries = vec![];
    for r in Roles::current().staff() {
        entries.push((
            perizinan::domain::office::founding_code(),
            r.code.clone(),
            format!("{}@dpmptsp-bontang.test", r.code),
        ));
    }
    StaticDirectory { entries }
}

fn services(
    store: Arc<dyn perizinan::ports::Store>,
    mailer: Arc<dyn Mailer>,
    fx: Option<&Fixture>,
) -> Services {
    let clock = Arc::new(SystemClock::default());
    clock.set(at("2026-06-10T07:00:00+08:00")); // Wednesday, the morning run
    type Orch = Arc<dyn perizinan::ports::Orchestrator>;
    let (orchestrator, complaint_orchestrator): (Orch, Orch) = match fx {
        Some(fx) => (
            Arc::new(fx.step_functions()),
            Arc::new(fx.complaint_step_functions()),
        ),
        None => (
            Arc::new(
                perizinan_embedded::executor::Executor::in_memory(
                    vec![(
                        "kantor-kas".into(),
                        common::catalogue()
                            .get("kantor-kas-ksp")
                            .unwrap()
                            .load_workflow("workflow")
                            .unwrap(),
                    )],
                    clock.clone(),
                )
                .unwrap(),
            ),
            Arc::new(
                perizinan_embedded::executor::Executor::in_memory(
                    vec![(
                        "pengaduan".into(),
                        perizinan::flows::complaint::load_workflow(
                            perizinan::flows::complaint::COMPLAINT_WORKFLOW,
                            "workflow",
                        )
                        .unwrap(),
                    )],
                    clock.clone(),
                )
                .unwrap(),
            ),
        ),
    };
    let documents: Arc<dyn perizinan::ports::DocumentStore> =
        Arc::new(perizinan_embedded::files::LocalFiles::new(
            std::env::temp_dir(),
            b"k".to_vec(),
            "http://x/_files".into(),
            clock.clone(),
        ));
    let signer: Arc<dyn perizinan::ports::Signer> = Arc::new(
        perizinan_embedded::signer_local::LocalSigner::open_or_create(
            &std::env::temp_dir().join(format!("pd-key-{}.pem", uuid::Uuid::new_v4())),
        )
        .unwrap(),
    );
    Services::builder(
        perizinan::Ports {
            store,
            signed_documents: documents.clone(),
            documents,
            mailer,
            sms: Arc::new(
                perizinan_embedded::outbox::Outbox::new(
                    std::env::temp_dir().join(format!("pd-sms-{}", uuid::Uuid::new_v4())),
                    "PD <noreply@example.test>".into(),
                )
                .unwrap(),
            ),
            orchestrator,
            complaint_orchestrator,
            signer,
        },
        clock,
    )
    .directory(directory())
    .verify_base_url("http://api.test")
    .portal_url("http://portal.test/")
    .catalogue(
        Arc::new(common::catalogue()),
        Arc::new(perizinan::domain::calendar::Calendar::shipped()),
    )
    .build()
    .unwrap()
}

/// (recipient, subject) of every message sent.
async fn check(
    s: &Services,
    late: &BTreeMap<usize, (&str, &str)>,
    sent: impl AsyncFn() -> Vec<(String, String)>,
) {
    let run = perizinan::jobs::run_overdue(s).await;
    println!(
        "overdue run on {} open cases: examined {}, items read {}, alerts {}, notices {}",
        OPEN,
        run.examined,
        run.items_read,
        run.alerts.len(),
        run.notices_sent
    );
    assert_eq!(run.alerts.len(), late.len(), "{:?}", run.alerts);
    assert_eq!(run.examined, late.len(), "only the late cases were read");
    assert_eq!(
        run.items_read,
        late.len() as u64,
        "items read from the store"
    );
    for (n, (step, state)) in late {
        let reg = RegistrationNumber::new(None, "KK", 2026, *n as u64 + 1).to_string();
        let a = run
            .alerts
            .iter()
            .find(|a| a.registration_number.as_deref() == Some(reg.as_str()))
            .unwrap_or_else(|| panic!("no alert for {reg}"));
        assert_eq!(
            (a.step.as_str(), serde_json::to_value(a.state).unwrap()),
            (*step, serde_json::json!(state))
        );
    }
    // Each responsible role and its supervisor once per case (the head of agency and Dinas
    // Koperasi's official have none above them here); the applicant for a revision.
    let mail = sent().await;
    assert_eq!(run.notices_sent, 9);
    assert_eq!(mail.len(), 9, "{mail:?}");
    for (to, subject) in [
        (
            "front_office@dpmptsp-bontang.test",
            "Batas waktu terlampaui: berkas KK-2026-000018",
        ),
        (
            "section_head@dpmptsp-bontang.test",
            "Batas waktu terlampaui: berkas KK-2026-000018",
        ),
        (
            "dinas_koperasi_technical@dpmptsp-bontang.test",
            "Batas waktu terlampaui: berkas KK-2026-001235",
        ),
        (
            "dinas_koperasi_official@dpmptsp-bontang.test",
            "Batas waktu terlampaui: berkas KK-2026-001235",
        ),
        (
            "agency_head@dpmptsp-bontang.test",
            "Batas waktu terlampaui: berkas KK-2026-004322",
        ),
        (
            "back_office@dpmptsp-bontang.test",
            "Mendekati batas waktu: berkas KK-2026-005001",
        ),
        (
            "section_head@dpmptsp-bontang.test",
            "Mendekati batas waktu: berkas KK-2026-005001",
        ),
        (
            "dinas_koperasi_official@dpmptsp-bontang.test",
            "Mendekati batas waktu: berkas KK-2026-007778",
        ),
        (
            "pengurus@ksp-sejahtera.test",
            "Batas waktu terlampaui: berkas KK-2026-010000",
        ),
    ] {
        let n = mail.iter().filter(|(t, s)| t == to && s == subject).count();
        assert_eq!(n, 1, "{to} / {subject}: {mail:?}");
    }
    // Twice the same morning: nothing new.
    let again = perizinan::jobs::run_overdue(s).await;
    assert!(again.alerts.is_empty());
    assert_eq!(again.already_alerted, late.len());
    assert_eq!(again.notices_sent, 0);
    assert_eq!(sent().await.len(), 9);
}

#[tokio::test]
async fn overdue_job_on_sqlite_reads_only_the_late_cases() {
    let _heavy = common::heavy().await;
    let store = Arc::new(SqliteStore::in_memory().unwrap());
    let (all, late) = cases();
    for c in all {
        store.commit(Commit::insert(c, vec![])).await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let outbox = Arc::new(
        Outbox::new(
            dir.path().into(),
            "Perizinan <noreply@perizinan.test>".into(),
        )
        .unwrap(),
    );
    let s = services(store, outbox.clone(), None);
    check(&s, &late, async || {
        outbox
            .list()
            .unwrap()
            .into_iter()
            .map(|m| (m.to[0].clone(), m.subject))
            .collect()
    })
    .await;
}

#[tokio::test]
async fn overdue_job_on_dynamodb_reads_only_the_late_cases() {
    let _heavy = common::heavy().await;
    let fx = Fixture::new(true).await;
    let store = Arc::new(fx.store());
    let (all, late) = cases();
    store.import_cases(&all).await.unwrap();
    let s = services(store, Arc::new(fx.mailer()), Some(&fx));
    check(&s, &late, async || {
        fx.ses_messages()
            .await
            .into_iter()
            .map(|m| {
                (
                    m["destinations"]["ToAddresses"][0]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    m["subject"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    })
    .await;
}

/// Every job of the morning run runs although the ones before it failed: with the store
/// failing every call, each job is attempted and listed as failed (before, the first failure
/// ended the run and the later jobs never ran).
#[tokio::test]
async fn every_job_of_the_run_runs_when_another_fails() {
    let store: Arc<dyn perizinan::ports::Store> = Arc::new(SqliteStore::in_memory().unwrap());
    let plan = Arc::new(perizinan_embedded::faults::FaultPlan::new(
        1.0,
        7,
        vec!["store".into()],
    ));
    let failing: Arc<dyn perizinan::ports::Store> = Arc::new(
        perizinan_embedded::faults::Faulty::new(store, plan.clone(), "store"),
    );
    let dir = tempfile::tempdir().unwrap();
    let outbox = Arc::new(
        Outbox::new(
            dir.path().into(),
            "Perizinan <noreply@perizinan.test>".into(),
        )
        .unwrap(),
    );
    let s = services(failing, outbox, None);
    let run = perizinan::jobs::run_overdue(&s).await;
    let jobs: Vec<&str> = run.failed.iter().map(|f| f.job).collect();
    assert_eq!(
        jobs,
        [
            "case_deadlines",
            "complaint_deadlines",
            "redelivery",
            "retention",
            "audit_anchor"
        ],
        "{run:?}"
    );
    // Each job reached the store (the retention job's own reads included).
    let calls = plan.calls_by_op();
    for op in ["cases_due_by", "complaints_due_by", "stale_drafts"] {
        assert!(
            calls.keys().any(|k| k.ends_with(op)),
            "{op} not called: {calls:?}"
        );
    }
}
