//! The infra ASL on an interpreter no one here wrote: moto's Step Functions runs
//! `infra/permits/kantor-kas-ksp/workflow.asl.json`; for every task it schedules, the real workflow
//! function runs on the payload from the execution history (recording the token in DynamoDB,
//! sending mail through SES on moto), and each human step is completed through the project's
//! Step Functions adapter.

use crate::common;

use common::aws::{Bridge, Fixture};
use perizinan::domain::CaseId;
use perizinan::domain::case::{Case, CaseStatus, RegistrationNumber};
use perizinan::ports::directory::StaticDirectory;
use perizinan::ports::{Commit, Completion, Orchestrator, Store};
use serde_json::{Value, json};

async fn submitted(store: &dyn Store, n: u64) -> CaseId {
    let mut case = common::kantor_kas_draft("owner");
    case.status = CaseStatus::InProcess;
    case.registration_number = Some(RegistrationNumber::new(None, "KK", 2026, n));
    store
        .commit(Commit {
            case: case.clone(),
            expected_version: None,
            events: vec![],
            documents: vec![],
            counters: vec![],
            surveys: vec![],
            unique: vec![],
            step_records: vec![],
            signed_documents: vec![],
        })
        .await
        .unwrap();
    case.id
}

/// Runs one case through `path` (state the execution must wait in, outcome to complete it
/// with), then checks the final state, the execution status and the case's status.
async fn walk(
    fx: &Fixture,
    n: u64,
    path: &[(&str, Value)],
    final_state: &str,
    status: CaseStatus,
) -> Case {
    let directory = StaticDirectory {
        entries: vec![(
            perizinan::domain::office::founding_code(),
            perizinan::domain::Role::new("front_office"),
            "fo@dpmptsp.test".into(),
        )],
    };
    let services = fx.services(directory);
    let mut bridge = Bridge::new(fx, services.clone());
    let sfn = fx.step_functions();
    let id = submitted(services.store.as_ref(), n).await;
    sfn.start("kantor-kas", &id.to_string(), json!({ "case_id": id }))
        .await
        .unwrap();
    let arn = fx.execution_arn(&id.to_string());
    for (state, output) in path {
        let (st, at) = bridge.pump(&arn).await;
        assert_eq!(
            (st.as_str(), at.as_str()),
            ("RUNNING", *state),
            "before completing {state}"
        );
        let case = services.store.case(id).await.unwrap().unwrap();
        let token = case
            .task_token
            .clone()
            .expect("the workflow function recorded the token");
        assert_eq!(
            sfn.complete(&token, output.clone()).await.unwrap(),
            Completion::Delivered
        );
    }
    let (st, at) = bridge.pump(&arn).await;
    assert_eq!((st.as_str(), at.as_str()), ("SUCCEEDED", final_state));
    let case = services.store.case(id).await.unwrap().unwrap();
    assert_eq!(case.status, status);
    assert!(
        bridge.invocations > path.len(),
        "notify and close tasks ran too"
    );
    case
}

fn o(outcome: &str) -> Value {
    json!({ "outcome": outcome })
}

fn staff_to_signature(recommendation: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("FrontOfficeVerification", o("complete")),
        ("BackOfficeValidation", o("valid")),
        ("SectionHeadForwarding", o("forward")),
        ("TechnicalVerification", o("verified")),
        ("Recommendation", o(recommendation)),
        ("LetterDrafting", o("drafted")),
        ("SectionHeadValidation", o("approve")),
        ("DivisionHeadValidation", o("approve")),
        ("HeadSignature", o("sign")),
    ]
}

#[tokio::test]
async fn grant_path_on_moto_step_functions() {
    let fx = Fixture::new(true).await;
    let mut path = staff_to_signature("grant");
    path.push(("Survey", o("answered")));
    path.push(("Effectuation", o("effectuated")));
    walk(&fx, 1, &path, "Issued", CaseStatus::Issued).await;
    let mail = fx.ses_messages().await;
    let subjects: Vec<&str> = mail
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert!(
        subjects.contains(&"Berkas sudah lengkap: KK-2026-000001"),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&"Izin terbit: KK-2026-000001"),
        "{subjects:?}"
    );
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with("Berkas KK-2026-000001 menunggu tindakan"))
    );
}

#[tokio::test]
async fn revision_loop_and_returns_on_moto_step_functions() {
    let fx = Fixture::new(true).await;
    let path = vec![
        ("FrontOfficeVerification", o("incomplete")),
        ("ApplicantRevision", o("resubmitted")),
        ("FrontOfficeVerification", o("complete")),
        ("BackOfficeValidation", o("invalid")),
        ("ApplicantRevision", o("resubmitted")),
        ("FrontOfficeVerification", o("complete")),
        ("BackOfficeValidation", o("valid")),
        ("SectionHeadForwarding", o("return")),
        ("BackOfficeValidation", o("valid")),
        ("SectionHeadForwarding", o("forward")),
        ("TechnicalVerification", o("verified")),
        ("Recommendation", o("grant")),
        ("LetterDrafting", o("drafted")),
        ("SectionHeadValidation", o("return")),
        ("LetterDrafting", o("drafted")),
        ("SectionHeadValidation", o("approve")),
        ("DivisionHeadValidation", o("return")),
        ("LetterDrafting", o("drafted")),
        ("SectionHeadValidation", o("approve")),
        ("DivisionHeadValidation", o("approve")),
        ("HeadSignature", o("return")),
        ("LetterDrafting", o("drafted")),
        ("SectionHeadValidation", o("approve")),
        ("DivisionHeadValidation", o("approve")),
        ("HeadSignature", o("sign")),
        ("Survey", o("answered")),
        ("Effectuation", o("effectuated")),
    ];
    walk(&fx, 2, &path, "Issued", CaseStatus::Issued).await;
}

#[tokio::test]
async fn refusal_path_on_moto_step_functions() {
    let fx = Fixture::new(true).await;
    let case = walk(
        &fx,
        3,
        &staff_to_signature("refuse"),
        "Refused",
        CaseStatus::Refused,
    )
    .await;
    assert!(case.step.is_none());
    let mail = fx.ses_messages().await;
    assert!(
        mail.iter()
            .any(|m| m["subject"] == "Permohonan ditolak: KK-2026-000003")
    );
}
