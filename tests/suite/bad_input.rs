//! Bad inputs: each is refused with the right status and code, as RFC 9457 problem JSON with an
//! Indonesian detail, and nothing is stored.

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn assert_problem(status: StatusCode, body: &Value, want: StatusCode, code: &str) {
    assert_eq!(status, want, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], want.as_u16());
    assert_eq!(body["type"], format!("/problems/{code}"));
    assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
}

fn field_codes(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or("").to_string(),
                        e["code"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn application_fields_are_checked_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let t = app.login("pemohon").await;
    let cases: [(&str, Value, &str, &str); 5] = [
        (
            "NIB of 12 digits",
            json!({"nib": "912000123456"}),
            "nib",
            "nib_format",
        ),
        (
            "NIB with a letter",
            json!({"nib": "912000123456A"}),
            "nib",
            "nib_format",
        ),
        (
            "19 members",
            json!({"cash_office": {"address": "Jl. Ahmad Yani No. 5", "member_count": 19, "head_name": "Rahmat"}}),
            "cash_office.member_count",
            "min_members",
        ),
        (
            "branch active 5 months",
            json!({"branch": {"address": "Jl. Bhayangkara No. 10", "operating_permit_number": "503/1/2024", "operating_permit_date": months_ago(6), "business_started_on": months_ago(5)}}),
            "branch.business_started_on",
            "branch_too_young",
        ),
        (
            "no head named",
            json!({"cash_office": {"address": "Jl. Ahmad Yani No. 5", "member_count": 25}}),
            "cash_office.head_name",
            "required",
        ),
    ];
    for (what, patch, field, code) in cases {
        let mut body = application();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, e) = app.post(Some(&t), "/cases", body).await;
        assert_problem(s, &e, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert!(
            field_codes(&e).contains(&(field.to_string(), code.to_string())),
            "{what}: {e}"
        );
        let detail = e["errors"][0]["detail"].as_str().unwrap();
        assert!(
            !detail.is_empty() && !detail.contains("expected"),
            "{what}: Indonesian detail: {detail}"
        );
    }
    // Wrong types, unknown fields, broken JSON, wrong content type.
    let mut wrong_type = application();
    wrong_type["cash_office"]["member_count"] = json!("dua puluh");
    let (s, e) = app.post(Some(&t), "/cases", wrong_type).await;
    assert_problem(s, &e, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(
        field_codes(&e),
        [("cash_office.member_count".into(), "invalid_type".into())]
    );
    let mut unknown = application();
    unknown["is_admin"] = json!(true);
    let (s, e) = app.post(Some(&t), "/cases", unknown).await;
    assert_problem(s, &e, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(
        field_codes(&e),
        [("is_admin".into(), "unknown_field".into())]
    );
    let resp = app
        .http
        .post(format!("{}/cases", app.api))
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body("{\"nib\": ")
        .send()
        .await
        .unwrap();
    let s = resp.status();
    let e: Value = resp.json().await.unwrap();
    assert_problem(s, &e, StatusCode::BAD_REQUEST, "invalid_json");
    let resp = app
        .http
        .post(format!("{}/cases", app.api))
        .bearer_auth(&t)
        .header("content-type", "text/plain")
        .body("halo")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Nothing was stored.
    let (s, list) = app.get(Some(&t), "/cases").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["count"], 0, "{list}");
    // No token, a forged token.
    let (s, e) = app.post(None, "/cases", application()).await;
    assert_problem(s, &e, StatusCode::UNAUTHORIZED, "unauthenticated");
    let (s, e) = app.get(Some("eyJhbGciOiJub25lIn0.e30."), "/cases").await;
    assert_problem(s, &e, StatusCode::UNAUTHORIZED, "unauthenticated");
    // Staff cannot apply.
    let fo = app.login("fo").await;
    let (s, e) = app.post(Some(&fo), "/cases", application()).await;
    assert_problem(s, &e, StatusCode::FORBIDDEN, "forbidden_role");
}

#[tokio::test]
async fn submitting_with_a_document_missing_or_a_bad_upload_changes_nothing() {
    let app = TestApp::spawn().await;
    let t = app.login("pemohon").await;
    let c = app.create_case(&t, application()).await;
    let id = c["id"].as_str().unwrap().to_string();
    for r in &REQUIRED[..3] {
        let (s, v) = app.upload(&t, &id, r, "application/pdf", pdf(r)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let before = app.case(&t, &id).await;
    let (s, e) = app.submit(&t, &id).await;
    assert_problem(
        s,
        &e,
        StatusCode::UNPROCESSABLE_ENTITY,
        "requirements_incomplete",
    );
    assert_eq!(
        field_codes(&e),
        [(
            "documents.oss_permit_copy".into(),
            "document_missing".into()
        )]
    );
    let after = app.case(&t, &id).await;
    assert_eq!(after["status"]["code"], "draft");
    assert_eq!(after["version"], before["version"]);
    assert!(after["registration_number"].is_null());
    assert!(
        app.execution(&id).await.get("execution").is_none(),
        "no workflow started"
    );

    // A "PDF" that is an executable: refused and deleted.
    let (s, e) = app
        .upload(
            &t,
            &id,
            "oss_permit_copy",
            "application/pdf",
            b"MZ\x90\x00\x03 not a pdf".to_vec(),
        )
        .await;
    assert_problem(s, &e, StatusCode::UNPROCESSABLE_ENTITY, "upload_rejected");
    assert_eq!(
        field_codes(&e),
        [("file".into(), "content_mismatch".into())]
    );
    let files = app.data_dir().join("files/cases").join(&id);
    let kept = std::fs::read_dir(&files).map(|d| d.count()).unwrap_or(0);
    assert_eq!(kept, 3, "the rejected bytes were deleted");
    // A type the requirement does not take, and an oversized declaration.
    let (s, e) = app
        .upload(
            &t,
            &id,
            "oss_permit_copy",
            "image/png",
            b"\x89PNG\r\n\x1a\n".to_vec(),
        )
        .await;
    assert_problem(s, &e, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(
        field_codes(&e),
        [("media_type".into(), "media_type_not_allowed".into())]
    );
    let (s, e) = app
        .post(
            Some(&t),
            &format!("/cases/{id}/documents"),
            json!({"requirement": "member_list", "file_name": "a.pdf", "media_type": "application/pdf", "size": 50_000_000}),
        )
        .await;
    assert_problem(s, &e, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(field_codes(&e), [("size".into(), "file_too_large".into())]);
    assert_eq!(app.case(&t, &id).await["version"], before["version"]);
}

#[tokio::test]
async fn wrong_state_wrong_role_other_applicant_stale_version_and_segregation() {
    let app = TestApp::spawn().await;
    let id = submitted_case(&app, "pemohon").await;
    let fo = app.login("fo").await;
    let bo = app.login("bo").await;
    let other = app.login("pemohon2").await;
    let owner = app.login("pemohon").await;
    let v0 = app.case(&owner, &id).await["version"].clone();
    let trail0 = app.events(&owner, &id).await["count"].clone();

    // An action in the wrong state: the case waits at g, not i.
    let (s, e) = app
        .act(
            &bo,
            &id,
            "back_office_validation",
            json!({"version": v0, "outcome": "valid"}),
        )
        .await;
    assert_problem(s, &e, StatusCode::CONFLICT, "invalid_state");
    // A wrong role.
    let (s, e) = app
        .act(
            &bo,
            &id,
            "front_office_verification",
            json!({"version": v0, "outcome": "complete"}),
        )
        .await;
    assert_problem(s, &e, StatusCode::FORBIDDEN, "forbidden_role");
    // Another applicant's case is not found, for reading and for acting.
    let (s, e) = app.get(Some(&other), &format!("/cases/{id}")).await;
    assert_problem(s, &e, StatusCode::NOT_FOUND, "not_found");
    let (s, e) = app
        .post(
            Some(&other),
            &format!("/cases/{id}/submit"),
            json!({"version": v0}),
        )
        .await;
    assert_problem(s, &e, StatusCode::NOT_FOUND, "not_found");
    let (s, e) = app.get(Some(&other), &format!("/cases/{id}/events")).await;
    assert_problem(s, &e, StatusCode::NOT_FOUND, "not_found");
    let (s, _) = app.get(Some(&other), "/cases/not-a-uuid").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A stale version.
    let stale = v0.as_u64().unwrap() - 1;
    let (s, e) = app
        .act(
            &fo,
            &id,
            "front_office_verification",
            json!({"version": stale, "outcome": "complete"}),
        )
        .await;
    assert_problem(s, &e, StatusCode::CONFLICT, "version_conflict");
    assert_eq!(e["current_version"], v0);
    // A decision without its required fields.
    let (s, e) = app
        .act(
            &fo,
            &id,
            "front_office_verification",
            json!({"version": v0, "outcome": "maybe"}),
        )
        .await;
    assert_problem(s, &e, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    // None of that changed anything.
    assert_eq!(app.case(&owner, &id).await["version"], v0);
    assert_eq!(app.events(&owner, &id).await["count"], trail0);

    // The same person may not decide two consecutive approval steps: the acting division head
    // (who also holds the section head's role) approves n, then may not approve o.
    app.act_ok(
        "fo",
        &id,
        "front_office_verification",
        json!({"outcome": "complete"}),
    )
    .await;
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
    app.act_ok(
        "teknis",
        &id,
        "technical_verification",
        json!({"outcome": "verified", "findings": "Sesuai."}),
    )
    .await;
    app.act_ok("diskop", &id, "recommendation", json!({"outcome": "grant", "recommendation_number": "500/1/DKUMP/2026", "recommendation_date": today().to_string()}))
        .await;
    app.act_ok("bo", &id, "letter_drafting", json!({"outcome": "drafted"}))
        .await;
    app.act_ok(
        "plt",
        &id,
        "section_head_validation",
        json!({"outcome": "approve"}),
    )
    .await;
    let plt = app.login("plt").await;
    let v = app.case(&plt, &id).await["version"].clone();
    let (s, e) = app
        .act(
            &plt,
            &id,
            "division_head_validation",
            json!({"version": v, "outcome": "approve"}),
        )
        .await;
    assert_problem(s, &e, StatusCode::FORBIDDEN, "segregation_of_duties");
    assert_eq!(app.case(&plt, &id).await["version"], v);
    // The console does not offer it either; the real division head may act.
    assert!(
        !app.case(&plt, &id).await["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "division_head_validation")
    );
    app.act_ok(
        "kabid",
        &id,
        "division_head_validation",
        json!({"outcome": "approve"}),
    )
    .await;
    // A decision arriving twice (a double click) is refused the second time.
    let kadis = app.login("kadis").await;
    let v = app.case(&kadis, &id).await["version"].clone();
    let (s1, _) = app
        .act(
            &kadis,
            &id,
            "head_signature",
            json!({"version": v, "outcome": "sign"}),
        )
        .await;
    let (s2, e2) = app
        .act(
            &kadis,
            &id,
            "head_signature",
            json!({"version": v, "outcome": "sign"}),
        )
        .await;
    assert_eq!(s1, StatusCode::OK);
    assert_eq!(s2, StatusCode::CONFLICT, "{e2}");
}

#[tokio::test]
async fn public_tracking_shows_no_personal_data() {
    let app = TestApp::spawn().await;
    let id = submitted_case(&app, "pemohon").await;
    let t = app.login("pemohon").await;
    let reg = app.case(&t, &id).await["registration_number"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, v) = app.get(None, &format!("/track/{reg}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["step"]["sop"], "g");
    let text = v.to_string();
    for private in ["Rahmat", "pengurus@", "9120001234567", "KSP Sejahtera"] {
        assert!(!text.contains(private), "{private} leaked: {text}");
    }
    let (s, _) = app.get(None, "/track/KK-2026-999999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.get(None, "/track/bukan-nomor").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn raw_bodies_and_headers_get_problems_too() {
    let app = TestApp::spawn().await;
    let url = format!("{}/verify/{}", app.api, uuid::Uuid::new_v4());
    // Over the 5 MiB limit of the byte check: 413 as problem JSON, not the framework's text.
    // Its own client: the server answers before reading the body and closes that connection.
    let r = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/pdf")
        .body(vec![0u8; 6 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "payload_too_large");
    // The wrong media type names the right one.
    let r = app
        .http
        .post(&url)
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let v: Value = r.json().await.unwrap();
    assert!(
        v["detail"].as_str().unwrap().contains("application/pdf"),
        "{v}"
    );
    // The bearer scheme is case-insensitive (RFC 9110 §11.1).
    let token = app.login("pemohon").await;
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let r = app
            .http
            .get(format!("{}/me", app.api))
            .header("authorization", format!("{scheme} {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{scheme}");
    }
    let r = app
        .http
        .get(format!("{}/me", app.api))
        .header("authorization", format!("Basic {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
