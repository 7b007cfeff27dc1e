//! Store round trips per staff action on DynamoDB (moto), counted by the adapter: the goal is at
//! most two (one read, one conditional transaction), the signature included (case and letter
//! counter in one TransactGetItems).

use crate::common;

use common::aws::{Bridge, Fixture};
use common::{call_router, caller};
use perizinan::domain::Role;
use perizinan::domain::case::{CaseStatus, RegistrationNumber};
use perizinan::ports::{CaseStore, Commit, Metered, Orchestrator};
use serde_json::{Value, json};
use std::sync::Arc;

#[tokio::test]
async fn every_staff_action_takes_at_most_two_store_round_trips_on_dynamodb() {
    let fx = Fixture::new(true).await;
    let store = Arc::new(fx.store());
    let mut services = (*fx.services(Default::default())).clone();
    services.store = store.clone();
    let services = Arc::new(services);
    let app = local::api_routes(&services.catalogue).with_state(services.clone());
    let mut bridge = Bridge::new(&fx, fx.services(Default::default()));

    let mut case = common::kantor_kas_draft("owner");
    case.status = CaseStatus::InProcess;
    case.registration_number = Some(RegistrationNumber::new(None, "KK", 2026, 9));
    let id = case.id;
    store
        .commit(Commit {
            case,
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
    fx.step_functions()
        .start("kantor-kas", &id.to_string(), json!({ "case_id": id }))
        .await
        .unwrap();
    let arn = fx.execution_arn(&id.to_string());
    bridge.pump(&arn).await;

    let actions: [(&str, Role, Value); 10] = [
        (
            "front_office_verification",
            Role::new("front_office"),
            json!({"outcome": "complete"}),
        ),
        (
            "back_office_validation",
            Role::new("back_office"),
            json!({"outcome": "valid"}),
        ),
        (
            "section_head_forwarding",
            Role::new("section_head"),
            json!({"outcome": "forward"}),
        ),
        (
            "technical_verification",
            Role::new("dinas_koperasi_technical"),
            json!({"outcome": "verified", "findings": "Sesuai."}),
        ),
        (
            "recommendation",
            Role::new("dinas_koperasi_official"),
            json!({"outcome": "grant", "recommendation_number": "500/1/X/2026", "recommendation_date": common::today().to_string()}),
        ),
        (
            "letter_drafting",
            Role::new("back_office"),
            json!({"outcome": "drafted"}),
        ),
        (
            "section_head_validation",
            Role::new("section_head"),
            json!({"outcome": "approve"}),
        ),
        (
            "division_head_validation",
            Role::new("division_head"),
            json!({"outcome": "approve"}),
        ),
        (
            "head_signature",
            Role::new("agency_head"),
            json!({"outcome": "sign"}),
        ),
        (
            "effectuation",
            Role::new("back_office"),
            json!({"outcome": "effectuated", "oss_permit_number": "OSS-1", "effective_on": common::today().to_string()}),
        ),
    ];
    println!("{:<28} {:>12}", "action", "round trips");
    for (i, (step, role, extra)) in actions.iter().enumerate() {
        if *step == "effectuation" {
            // SOP q comes first: the applicant's survey.
            let v = store.case(id).await.unwrap().unwrap().version;
            let (status, _) = call_router(&app, &caller("owner", Role::new("applicant")), "POST", &format!("/cases/{id}/survey"),
                Some(json!({"version": v, "answers": {"u1": 4, "u2": 4, "u3": 4, "u4": 4, "u5": 4, "u6": 4, "u7": 4, "u8": 4, "u9": 4}}))).await;
            assert_eq!(status, 200);
            bridge.pump(&arn).await;
        }
        let v = store.case(id).await.unwrap().unwrap().version;
        let mut body = json!({ "version": v });
        for (k, x) in extra.as_object().unwrap() {
            body[k] = x.clone();
        }
        let before = store.round_trips();
        let (status, resp) = call_router(
            &app,
            &caller(&format!("staff-{i}"), role.clone()),
            "POST",
            &format!("/cases/{id}/steps/{step}"),
            Some(body),
        )
        .await;
        let trips = store.round_trips() - before;
        assert_eq!(status, 200, "{step}: {resp}");
        println!("{step:<28} {trips:>12}");
        assert!(trips <= 2, "{step} took {trips} round trips");
        bridge.pump(&arn).await;
    }
    assert_eq!(
        store.case(id).await.unwrap().unwrap().status,
        CaseStatus::Issued
    );
}
