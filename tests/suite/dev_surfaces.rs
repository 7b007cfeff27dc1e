//! The runner's dev surfaces (a sign-in as anyone, the outbox, `/_dev/*`, `/_jobs/*`) exist only
//! on a loopback bind with the embedded backend, unless `PD_INSECURE_DEV_SURFACES=1`; every
//! request's `Host` must be an IP address, `localhost` or a name of `PD_ALLOWED_HOSTS`
//! (DNS rebinding).

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const DEV_ROUTES: [(&str, &str); 6] = [
    ("GET", "/api/auth/dev/users"),
    ("POST", "/api/auth/dev/login"),
    ("GET", "/_outbox"),
    ("GET", "/outbox"),
    ("POST", "/_dev/clock"),
    ("POST", "/_jobs/overdue"),
];

async fn call(app: &TestApp, method: &str, path: &str, host: Option<&str>) -> (StatusCode, Value) {
    let url = format!("{}{path}", app.base);
    let mut req = match method {
        "POST" => app.http.post(url).json(&json!({"username": "kadis"})),
        _ => app.http.get(url),
    };
    if let Some(h) = host {
        req = req.header("host", h);
    }
    let r = req.send().await.unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn no_dev_surface_on_an_address_other_than_loopback() {
    let app = TestApp::spawn_with_env(vec![("HOST".into(), "0.0.0.0".into())]).await;
    for (m, p) in DEV_ROUTES {
        let (s, e) = call(&app, m, p, None).await;
        assert_eq!(
            (s, e["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("no_route")),
            "{m} {p}: {e}"
        );
    }
    // The public part still works; the web front ends are told there is no sign-in.
    let (s, _) = call(&app, "GET", "/api/permits", None).await;
    assert_eq!(s, StatusCode::OK);
    let (_, c) = call(&app, "GET", "/config.json", None).await;
    assert_eq!(c["auth"]["mode"], "none", "{c}");

    // Asked for loudly, they are there.
    let app = TestApp::spawn_with_env(vec![
        ("HOST".into(), "0.0.0.0".into()),
        ("PD_INSECURE_DEV_SURFACES".into(), "1".into()),
    ])
    .await;
    let (s, _) = call(&app, "GET", "/_outbox", None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = call(&app, "POST", "/api/auth/dev/login", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn a_foreign_host_header_is_refused() {
    let app = TestApp::spawn_with_env(vec![(
        "PD_ALLOWED_HOSTS".into(),
        "perizinan.bontangkota.go.id".into(),
    )])
    .await;
    let port = app.base.rsplit(':').next().unwrap().to_string();
    for host in [
        "evil.example",
        "evil.example:80",
        "127.0.0.1.evil.example",
        "localhost.evil",
    ] {
        for (m, p) in [("GET", "/api/permits"), ("GET", "/_outbox"), ("GET", "/")] {
            let (s, e) = call(&app, m, p, Some(host)).await;
            assert_eq!(
                (s, e["code"].as_str()),
                (StatusCode::MISDIRECTED_REQUEST, Some("host_not_allowed")),
                "{host} {p}: {e}"
            );
            assert!(e["detail"].as_str().unwrap().contains("nama host"), "{e}");
        }
    }
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
        "PERIZINAN.bontangkota.go.id".to_string(),
    ] {
        let (s, e) = call(&app, "GET", "/api/permits", Some(&host)).await;
        assert_eq!(s, StatusCode::OK, "{host}: {e}");
    }
}

#[test]
fn host_names_and_addresses() {
    let allowed = vec!["izin.example.go.id".to_string()];
    for ok in [
        "127.0.0.1",
        "127.0.0.1:8080",
        "10.0.0.7:80",
        "[::1]:8080",
        "[fe80::1]",
        "localhost",
        "LOCALHOST:3000",
        "izin.example.go.id",
        "izin.example.go.id.:443",
    ] {
        assert!(local::host_allowed(ok, &allowed), "{ok}");
    }
    for bad in [
        "",
        "evil.example",
        "localhost.evil.example",
        "127.0.0.1.nip.io",
        "[::1",
        "[::1]x",
        "izin.example.go.id:http",
        "user@localhost",
    ] {
        assert!(!local::host_allowed(bad, &allowed), "{bad}");
    }
}
