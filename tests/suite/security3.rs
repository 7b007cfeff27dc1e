//! Security round 2 (issue 17), the rest: an upload URL cannot replace what was confirmed
//! (finding 1); erasure leaves no object version (2); behind the CDN only requests with the
//! origin secret are served and the audit trail holds the viewer's address (8); chain heads are
//! keyed, a truncated tail shows in the API, and the daily anchor reveals a removed record (13).

use crate::common;

use common::aws::Fixture;
use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Asks for an upload URL of `requirement` declaring `size` bytes.
async fn ticket(app: &TestApp, t: &str, id: &str, requirement: &str, size: usize) -> Value {
    let (s, v) = app
        .post(
            Some(t),
            &format!("/cases/{id}/documents"),
            json!({"requirement": requirement, "file_name": "daftar.pdf",
                   "media_type": "application/pdf", "size": size}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

/// Sends `bytes` to a ticket's URL the way its method says (S3 POST form, or local PUT).
async fn send_to(app: &TestApp, ticket: &Value, bytes: Vec<u8>) -> StatusCode {
    let url = ticket["url"].as_str().unwrap();
    if ticket["method"] == "POST" {
        let mut form = reqwest::multipart::Form::new();
        for (k, f) in ticket["fields"].as_object().unwrap() {
            form = form.text(k.clone(), f.as_str().unwrap().to_string());
        }
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes)
                .file_name("daftar.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
        app.http.post(url).multipart(form).send().await
    } else {
        app.http
            .put(url)
            .header("content-type", "application/pdf")
            .body(bytes)
            .send()
            .await
    }
    .unwrap()
    .status()
}

async fn confirm(app: &TestApp, t: &str, id: &str, doc: &str) -> (StatusCode, Value) {
    app.post(
        Some(t),
        &format!("/cases/{id}/documents/{doc}/confirm"),
        json!(null),
    )
    .await
}

/// The bytes behind a document's download URL, as `who` gets them.
async fn downloaded(app: &TestApp, who: &str, id: &str, doc: &str) -> Vec<u8> {
    download(app, who, &format!("/cases/{id}/documents/{doc}/download")).await
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                dirs.push(e.path());
            } else {
                out.push(e.path());
            }
        }
    }
    out
}

#[tokio::test]
async fn an_upload_url_writes_once_and_staff_read_the_confirmed_bytes() {
    let app = TestApp::spawn().await;
    let t = app.login("pemohon").await;
    let id = app.create_case(&t, application()).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let checked = pdf("daftar anggota yang diperiksa");
    let mut swapped = pdf("daftar anggota PALSU");
    swapped.extend_from_slice(&[b' '; 64]);
    let tk = ticket(&app, &t, &id, REQUIRED[0], swapped.len()).await;
    let doc = tk["document"]["id"].as_str().unwrap().to_string();
    assert!(
        send_to(&app, &tk["upload"], checked.clone())
            .await
            .is_success()
    );
    let (s, v) = confirm(&app, &t, &id, &doc).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let sha = v["document"]["sha256"].as_str().unwrap().to_string();
    // The same URL, after the confirmation: refused (one URL, one write).
    assert_eq!(
        send_to(&app, &tk["upload"], swapped.clone()).await,
        StatusCode::CONFLICT
    );
    // What arrived is gone once kept; the kept copy is under cases/.
    let files = app.data_dir().join("files");
    assert!(
        files_under(&files.join("incoming")).is_empty(),
        "{:?}",
        files_under(&files)
    );
    for r in &REQUIRED[1..] {
        let (s, v) = app.upload(&t, &id, r, "application/pdf", pdf(r)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, v) = app.submit(&t, &id).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let fo = app.login("fo").await;
    let got = downloaded(&app, &fo, &id, &doc).await;
    assert_eq!(got, checked, "staff read the bytes that were checked");
    use sha2::Digest;
    assert_eq!(hex::encode(sha2::Sha256::digest(&got)), sha);
}

/// Every version and delete marker of keys under `prefix`.
async fn versions(fx: &Fixture, prefix: &str) -> Vec<String> {
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&fx.main)
            .force_path_style(true)
            .build(),
    );
    let out = s3
        .list_object_versions()
        .bucket(&fx.bucket)
        .prefix(prefix)
        .send()
        .await
        .unwrap();
    out.versions()
        .iter()
        .map(|v| format!("{} {}", v.key().unwrap_or(""), v.version_id().unwrap_or("")))
        .chain(
            out.delete_markers()
                .iter()
                .map(|m| format!("marker {}", m.key().unwrap_or(""))),
        )
        .collect()
}

#[tokio::test]
async fn on_s3_confirmed_bytes_are_pinned_and_erasure_leaves_no_version() {
    let _heavy = common::heavy().await;
    let fx = Fixture::new(false).await;
    // Versioned, as the stack's uploads bucket is.
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&fx.main)
            .force_path_style(true)
            .build(),
    )
    .put_bucket_versioning()
    .bucket(&fx.bucket)
    .versioning_configuration(
        aws_sdk_s3::types::VersioningConfiguration::builder()
            .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
            .build(),
    )
    .send()
    .await
    .unwrap();
    let mut env = fx.runner_env();
    env.push(("PD_DEV_CLOCK".into(), "1".into()));
    let app = TestApp::spawn_with_env(env).await;
    let t = app.login("pemohon").await;
    let id = app.create_case(&t, application()).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let checked = pdf("daftar anggota yang diperiksa");
    let mut swapped = pdf("daftar anggota PALSU");
    swapped.extend_from_slice(&[b' '; 64]);
    let tk = ticket(&app, &t, &id, REQUIRED[0], swapped.len()).await;
    let doc = tk["document"]["id"].as_str().unwrap().to_string();
    assert!(
        send_to(&app, &tk["upload"], checked.clone())
            .await
            .is_success()
    );
    let (s, v) = confirm(&app, &t, &id, &doc).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // S3 takes a second POST within the policy's 15 minutes, but only into incoming/, which
    // nothing reads: the download is still the checked bytes.
    assert!(send_to(&app, &tk["upload"], swapped).await.is_success());
    assert_eq!(downloaded(&app, &t, &id, &doc).await, checked);
    // A rejected upload (not a PDF) leaves nothing behind, no version, no marker.
    let tk2 = ticket(&app, &t, &id, REQUIRED[1], 64).await;
    let bad = tk2["document"]["id"].as_str().unwrap().to_string();
    assert!(
        send_to(
            &app,
            &tk2["upload"],
            b"\x89PNG\r\n\x1a\n not a pdf".to_vec()
        )
        .await
        .is_success()
    );
    let (s, v) = confirm(&app, &t, &id, &bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        versions(&fx, &format!("incoming/{id}/{bad}")).await,
        Vec::<String>::new()
    );
    assert_eq!(versions(&fx, &format!("cases/{id}/")).await.len(), 1);

    // 91 days later the draft is abandoned: the retention job erases it, every version.
    let later = (today() + chrono::Days::new(91)).format("%Y-%m-%dT10:00:00+08:00");
    set_clock(&app, &later.to_string()).await;
    let run = run_daily_job(&app).await;
    assert_eq!(run["retention"]["drafts_expired"], 1, "{run}");
    assert_eq!(
        versions(&fx, &format!("cases/{id}/")).await,
        Vec::<String>::new()
    );
    assert_eq!(
        versions(&fx, &format!("incoming/{id}/")).await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn behind_the_cdn_only_requests_with_the_origin_secret_are_served() {
    let secret = "rahasia-asal-cloudfront-0123456789";
    let mut app = TestApp::spawn_with_env(vec![("PD_ORIGIN_SECRET".into(), secret.into())]).await;
    let get = |h: Option<&str>| {
        let mut r = app.http.get(format!("{}/permits", app.api));
        if let Some(h) = h {
            r = r.header("X-Origin-Verify", h);
        }
        r.send()
    };
    for wrong in [
        None,
        Some("rahasia"),
        Some("rahasia-asal-cloudfront-0123456788"),
    ] {
        let r = get(wrong).await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{wrong:?}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["code"], "origin_not_allowed", "{v}");
    }
    assert_eq!(get(Some(secret)).await.unwrap().status(), StatusCode::OK);
    // Through the edge, with the viewer's address: the audit trail records it.
    let viewer = "203.0.113.77";
    let edge = |r: reqwest::RequestBuilder| {
        r.header("X-Origin-Verify", secret)
            .header("CloudFront-Viewer-Address", format!("{viewer}:50432"))
    };
    let login: Value = edge(app.http.post(format!("{}/auth/dev/login", app.api)))
        .json(&json!({"username": "pemohon"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let t = login["token"].as_str().expect("token").to_string();
    let r = edge(app.http.post(format!("{}/cases", app.api)))
        .bearer_auth(&t)
        .json(&application())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.kill();
    let db = rusqlite::Connection::open(app.data_dir().join("cases.sqlite")).unwrap();
    let ip: String = db
        .query_row(
            "SELECT json_extract(data, '$.source_ip') FROM audit_events WHERE case_id = ?1 AND seq = 1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(ip, viewer);
}

fn audit_verify(dir: &Path, anchor: Option<&Path>) -> (bool, String) {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_perizinan"));
    c.arg("audit-verify").arg("--data-dir").arg(dir);
    if let Some(a) = anchor {
        c.arg("--anchor").arg(a);
    }
    let out = c.output().expect("audit-verify runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test]
async fn keyed_heads_and_daily_anchors_reveal_what_the_chain_alone_cannot() {
    let mut app = TestApp::spawn().await;
    let truncated = submitted_case(&app, "pemohon").await;
    let removed = submitted_case(&app, "pemohon").await;
    let t = app.login("pemohon").await;
    assert_eq!(app.events(&t, &truncated).await["chain_valid"], true);

    // The morning job anchors every head, once a day, in the write-once store.
    let run = run_daily_job(&app).await;
    let key = run["audit_anchor"]["key"]
        .as_str()
        .expect("anchor written")
        .to_string();
    assert_eq!(key, format!("anchors/{}.json", today()));
    assert_eq!(run["audit_anchor"]["heads"], 2, "{run}");
    assert!(
        run_daily_job(&app).await["audit_anchor"].is_null(),
        "once a day"
    );
    let anchor = files_under(&app.data_dir())
        .into_iter()
        .find(|p| p.ends_with(&key))
        .expect("the anchor file");
    let (ok, out) = audit_verify(&app.data_dir(), Some(&anchor));
    assert!(ok, "{out}");
    assert!(out.contains("2 kepala jejak berkunci"), "{out}");
    assert!(out.contains("2 diperiksa"), "{out}");

    // Someone with the database but not the key: drops the last event of one case and sets its
    // head back one event — a consistent chain, which an unkeyed head would not betray — and
    // removes the other case with its whole trail.
    app.kill();
    let db = rusqlite::Connection::open(app.data_dir().join("cases.sqlite")).unwrap();
    db.execute_batch("DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;")
        .unwrap();
    let (seq, prev): (i64, String) = db
        .query_row(
            "SELECT seq, json_extract(data, '$.prev_hash') FROM audit_events
             WHERE case_id = ?1 ORDER BY seq DESC LIMIT 1",
            [&truncated],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    db.execute(
        "DELETE FROM audit_events WHERE case_id = ?1 AND seq = ?2",
        rusqlite::params![truncated, seq],
    )
    .unwrap();
    db.execute(
        "UPDATE cases SET data = json_set(data, '$.audit_seq', ?2, '$.audit_head', ?3) WHERE id = ?1",
        rusqlite::params![truncated, seq - 1, prev],
    )
    .unwrap();
    db.execute("DELETE FROM audit_events WHERE case_id = ?1", [&removed])
        .unwrap();
    db.execute("DELETE FROM cases WHERE id = ?1", [&removed])
        .unwrap();
    drop(db);

    let (ok, out) = audit_verify(&app.data_dir(), None);
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!(
            "RUSAK  case {truncated}: the head's MAC does not match"
        )),
        "{out}"
    );
    // Without the anchor the removed case leaves no trace; with it, it does.
    assert!(!out.contains(&removed), "{out}");
    let (ok, out) = audit_verify(&app.data_dir(), Some(&anchor));
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!(
            "RUSAK  case {removed}: anchored, but no longer in the store"
        )),
        "{out}"
    );
    assert!(out.contains("2 jejak audit rusak"), "{out}");

    // The API checks the head too: the applicant's trail is no longer shown as intact.
    app.restart().await;
    let t = app.login("pemohon").await;
    assert_eq!(app.events(&t, &truncated).await["chain_valid"], false);
}
