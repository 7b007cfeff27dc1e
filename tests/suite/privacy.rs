//! Personal data and secrets stay out of the logs (UU 27/2022; the brief's "secrets, task tokens
//! and personal data never go into logs"). The runner runs at `RUST_LOG=debug`; a case of every
//! permit and a complaint are filled with marker values in every field of the personal data
//! register (`perizinan::domain::privacy::PERSONAL_DATA`, whose application fields are each
//! permit's form fields marked `personal`) that a request can set; a case goes through several
//! steps, a bad request and a refused one are sent; then the log is searched for every marker,
//! the bearer tokens and the workflow's task tokens.

use crate::common;

use common::*;
use perizinan::domain::permit::FieldType;
use perizinan::domain::privacy::{APPLICATION_PERSONAL_FIELDS, PERSONAL_DATA};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A marker for the `i`-th personal form field, valid for its type, with the forms it may take
/// once normalised.
fn form_marker(ty: &FieldType, i: usize) -> (Value, Vec<String>) {
    match ty {
        FieldType::Email => {
            let v = format!("rahasia.pemohon{i}@ksp-uji.test");
            (json!(v), vec![v])
        }
        FieldType::Phone | FieldType::Mobile => {
            let digits = format!("08139876{i:04}");
            (
                json!(digits),
                vec![digits.clone(), format!("+62{}", &digits[1..])],
            )
        }
        FieldType::Nik => {
            let v = format!("647401019{i:07}");
            (json!(v), vec![v])
        }
        FieldType::Address => {
            let v = format!("Jl. Rahasia Pribadi No. {i}");
            (json!(v), vec![v])
        }
        _ => {
            let v = format!("Rahasiawan Nomor{i}");
            (json!(v), vec![v])
        }
    }
}

fn set(body: &mut Value, path: &str, v: Value) {
    let mut at = body;
    for part in path.split('.') {
        at = &mut at[part];
    }
    *at = v;
}

/// Marker values for the register's fields a request can set, with the forms they may take
/// once normalised (phone numbers are stored as +62…).
fn markers() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        (
            APPLICATION_PERSONAL_FIELDS,
            vec![
                "rahasia.pengurus@ksp-uji.test",
                "0813-9876-5432",
                "081398765432",
                "+6281398765432",
                "Sutrisno Rahasiawan",
            ],
        ),
        ("complainant.name", vec!["Wulan Rahasiani"]),
        ("complainant.email", vec!["wulan.rahasia@warga.test"]),
        (
            "complainant.phone",
            vec!["0857 1111 9999", "085711119999", "+6285711119999"],
        ),
        ("actor.name", vec!["Rina Wati", "Andi Pratama"]),
        (
            "uploaded files and their names",
            vec!["ktp-rahasia-sutrisno"],
        ),
    ]
}

#[tokio::test]
async fn nothing_personal_or_secret_in_the_debug_log() {
    // Every field of the register with a marker here is exercised; the rest are listed with
    // the reason they cannot appear in a request (checked so the list stays honest).
    let set_by_requests: Vec<&str> = markers().iter().map(|(f, _)| *f).collect();
    let not_request_fields = [
        "source_ip",
        "profile (age, sex, education, occupation)",
        "recipient addresses and bodies",
        // The application's own contact fields, as sent (their markers are the contact's).
        "recipient numbers and texts",
        "to (the address or number a notice went to)",
    ];
    for f in PERSONAL_DATA {
        assert!(
            set_by_requests.contains(&f.path) || not_request_fields.contains(&f.path),
            "{} has no marker in this test",
            f.path
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("runner.log");
    let app = TestApp::spawn_with_env(vec![
        ("RUST_LOG".into(), "debug".into()),
        ("PD_TEST_LOG_FILE".into(), log.display().to_string()),
    ])
    .await;
    let t = app.login("pemohon").await;
    let mut input = application();
    input["contact"] = json!({"email": "rahasia.pengurus@ksp-uji.test", "phone": "0813-9876-5432", "notify_by": "both"});
    input["cash_office"]["head_name"] = json!("Sutrisno Rahasiawan");
    let c = app.create_case(&t, input.clone()).await;
    let id = c["id"].as_str().unwrap().to_string();
    // A draft of every permit with a marker in each of its personal fields.
    let mut form_markers: Vec<String> = vec![];
    let mut i = 0;
    for p in catalogue().iter() {
        let (s, mut body) = app
            .get(None, &format!("/permits/{}/example", p.def.code))
            .await;
        assert_eq!(s, StatusCode::OK);
        let personal: Vec<_> = p.def.fields().filter(|f| f.personal).collect();
        assert!(!personal.is_empty(), "{} has personal fields", p.def.code);
        for f in personal {
            i += 1;
            let (v, forms) = form_marker(&f.kind, i);
            set(&mut body, &f.path, v);
            form_markers.extend(forms);
        }
        let (s, v) = app.post(Some(&t), "/cases", body).await;
        assert_eq!(s, StatusCode::CREATED, "{}: {v}", p.def.code);
    }
    // A bad request with personal data in it (a 13-digit NIB that is not one).
    let mut bad = input.clone();
    bad["nib"] = json!("12");
    let (s, _) = app.post(Some(&t), "/cases", bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Uploads, one with a personal file name.
    let (s, ticket) = app
        .post(
            Some(&t),
            &format!("/cases/{id}/documents"),
            json!({"requirement": "member_list", "file_name": "ktp-rahasia-sutrisno.pdf", "media_type": "application/pdf", "size": pdf("x").len()}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{ticket}");
    app.upload_all(&t, &id).await;
    let (s, v) = app.submit(&t, &id).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    app.act_ok(
        "fo",
        &id,
        "front_office_verification",
        json!({"outcome": "complete"}),
    )
    .await;
    // A refused request (logged as a security event).
    let kadis = app.login("kadis").await;
    let (s, _) = app
        .act(
            &kadis,
            &id,
            "back_office_validation",
            json!({"version": 0, "outcome": "valid"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let _ = app.get(Some(&t), &format!("/cases/{id}")).await;
    let _ = app.get(Some(&t), &format!("/cases/{id}/events")).await;
    // A named complaint.
    let (s, v) = crate::complaint_abuse::file_anonymously(
        &app,
        json!({"kind": "complaint", "text": "Petugas meminta imbalan untuk mempercepat berkas.", "name": "Wulan Rahasiani", "email": "wulan.rahasia@warga.test", "phone": "0857 1111 9999"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    // Give the workflow a moment, then stop the runner so the log is complete.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let executions = app.data_dir().join("executions.sqlite");
    let mut app = app;
    app.kill();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.lines().count() > 20,
        "the debug log has content ({} lines)",
        text.lines().count()
    );
    assert!(text.contains("DEBUG"), "debug level is on");
    // The events that carry the most context are there (so the search means something).
    for expected in ["application submitted", "request refused", "notice sent"] {
        assert!(text.contains(expected), "log has `{expected}`:\n{text}");
    }

    let mut leaks = vec![];
    for (field, values) in markers() {
        for v in values {
            if text.contains(v) {
                leaks.push(format!("{field}: {v}"));
            }
        }
    }
    for v in &form_markers {
        if text.contains(v.as_str()) {
            leaks.push(format!("{APPLICATION_PERSONAL_FIELDS}: {v}"));
        }
    }
    for token in [&t, &kadis] {
        if text.contains(token.as_str()) {
            leaks.push("a bearer token".into());
        }
    }
    let db = rusqlite::Connection::open(&executions).unwrap();
    let mut st = db.prepare("SELECT token FROM tasks").unwrap();
    let tokens: Vec<String> = st
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(tokens.len() >= 2, "task tokens were issued");
    for tok in &tokens {
        if text.contains(tok.as_str()) {
            leaks.push("a task token".into());
        }
    }
    assert!(leaks.is_empty(), "in the log: {leaks:?}");
    println!(
        "privacy: {} log lines at debug, {} markers and {} tokens searched, none found",
        text.lines().count(),
        markers().iter().map(|(_, v)| v.len()).sum::<usize>() + form_markers.len(),
        tokens.len() + 2
    );
}
