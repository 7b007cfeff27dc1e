//! The office administrator's staff accounts over HTTP (`domain::roster`, the runner's
//! accounts in place of Cognito): inviting a member, giving and taking roles, disabling and
//! enabling an account, and what each does to the person's sessions, the roster, acting posts
//! and notices. The same port on Cognito (moto) is `spine_moto::staff_accounts_on_cognito`.

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn member<'a>(roster: &'a Value, sub: &str) -> &'a Value {
    roster["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["sub"] == sub)
        .unwrap_or_else(|| panic!("{sub} not in the roster: {roster}"))
}

fn codes(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap().to_string(),
                        e["code"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Tokens carry their issue time in whole seconds: a token from the second of a change counts as
/// from before it. The tests wait that second before signing in again.
async fn next_second() {
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
}

#[tokio::test]
async fn an_administrator_invites_a_member_who_signs_in_and_works_in_the_roles_given() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let users_before = app.get(None, "/auth/dev/users").await.1;
    // Bad invitations name every problem and change nothing.
    let (s, e) = app
        .post(
            Some(&admin),
            "/office/staff",
            json!({"name": "", "email": "backoffice@dpmptsp-bontang.test",
                   "roles": ["regional_viewer", "tukang_sulap"]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(
        codes(&e),
        vec![
            ("name".into(), "required".into()),
            ("email".into(), "account_exists".into()),
            ("roles[0]".into(), "role_not_assignable".into()),
            ("roles[1]".into(), "unknown_role".into()),
        ]
    );
    // An address of another office's account is refused by the directory.
    let (s, e) = app
        .post(
            Some(&admin),
            "/office/staff",
            json!({"name": "Salah Kantor", "email": "backoffice@dpmptsp-pematangsiantar.test",
                   "roles": ["front_office"]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(codes(&e), vec![("email".into(), "account_exists".into())]);
    assert_eq!(app.get(None, "/auth/dev/users").await.1, users_before);
    // Only the office administrator invites.
    let kadis = app.login("kadis").await;
    let (s, _) = app
        .post(
            Some(&kadis),
            "/office/staff",
            json!({"name": "Eko Prasetyo", "email": "eko@dpmptsp-bontang.test", "roles": ["front_office"]}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (s, eko) = app
        .post(
            Some(&admin),
            "/office/staff",
            json!({"name": " Eko  Prasetyo ", "email": "Eko@DPMPTSP-Bontang.test",
                   "roles": ["front_office"], "reason": "Pegawai baru, SK 800/77/BKPSDM/2026"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{eko}");
    assert_eq!(eko["status"], "invited");
    assert_eq!(eko["name"], "Eko Prasetyo");
    assert_eq!(eko["email"], "eko@dpmptsp-bontang.test");
    assert_eq!(eko["changes"][0]["action"], "invited");
    assert_eq!(eko["changes"][0]["by"], "Yohana Pasaribu");
    let sub = eko["sub"].as_str().unwrap().to_string();
    // The invitation, in Bahasa Indonesia, names the office, the roles and the console.
    let mail = app.outbox().await;
    let invite = mail
        .iter()
        .find(|m| m["to"][0] == "eko@dpmptsp-bontang.test")
        .expect("an invitation");
    assert!(
        invite["subject"]
            .as_str()
            .unwrap()
            .contains("DPMPTSP Kota Bontang")
    );
    let body = invite["body"].as_str().unwrap();
    assert!(body.contains("Petugas Front Office"), "{body}");
    assert!(body.contains("/console/"), "{body}");

    // They sign in (the dev login lists them), open the console and are active.
    let token = app.login("eko@dpmptsp-bontang.test").await;
    let (_, me) = app.get(Some(&token), "/me").await;
    assert_eq!(me["office"]["code"], "bontang", "{me}");
    let (_, roster) = app.get(Some(&admin), "/office/staff").await;
    assert_eq!(member(&roster, &sub)["status"], "active");
    // A front-office officer's queue is theirs to work.
    let (s, _) = app.get(Some(&token), "/cases").await;
    assert_eq!(s, StatusCode::OK);
    // The roster without the administrator's view: no addresses, no changes.
    let (_, theirs) = app.get(Some(&token), "/office/staff").await;
    assert!(member(&theirs, &sub).get("email").is_none());
    assert!(member(&theirs, &sub).get("changes").is_none());
    // Another office's administrator does not find them.
    let pms_admin = app.login("pms-admin").await;
    let (s, _) = app
        .post(
            Some(&pms_admin),
            &format!("/office/staff/{sub}/deactivate"),
            json!({"version": 1, "reason": "Bukan pegawai kami."}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_change_of_roles_ends_the_old_sessions_and_the_next_sign_in_carries_the_new_roles() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let old = app.login("bo").await;
    let (_, roster) = app.get(Some(&admin), "/office/staff").await;
    let bo = member(&roster, "local-bo").clone();
    let version = bo["version"].as_u64().unwrap();
    // Nobody changes their own access; a stale version is refused; nothing changed by either.
    let (s, e) = app
        .post(
            Some(&admin),
            "/office/staff/local-admin/roles",
            json!({"version": 0, "roles": ["office_admin", "agency_head"]}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (s, e) = app
        .post(
            Some(&admin),
            "/office/staff/local-bo/roles",
            json!({"version": version + 7, "roles": ["front_office"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["code"], "version_conflict");
    let (s, _) = app.get(Some(&old), "/me").await;
    assert_eq!(
        s,
        StatusCode::OK,
        "the old token still works before any change"
    );

    let (s, changed) = app
        .post(
            Some(&admin),
            "/office/staff/local-bo/roles",
            json!({"version": version, "roles": ["back_office", "front_office"],
                   "reason": "Rangkap tugas loket selama cuti petugas FO"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{changed}");
    assert_eq!(changed["changes"][0]["action"], "roles_changed");
    assert_eq!(changed["roles"].as_array().unwrap().len(), 2);
    // The token from before the change is refused at once, with a reason to sign in again.
    let (s, e) = app.get(Some(&old), "/cases").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{e}");
    assert_eq!(e["code"], "session_outdated");
    assert!(e["detail"].as_str().unwrap().contains("masuk kembali"));
    next_second().await;
    let new = app.login("bo").await;
    let (s, me) = app.get(Some(&new), "/me").await;
    assert_eq!(s, StatusCode::OK, "{me}");
    let roles: Vec<&str> = me["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(roles, vec!["back_office", "front_office"]);
    // The visit after the change keeps the administrator's record (not a stale copy).
    let (_, roster) = app.get(Some(&admin), "/office/staff").await;
    let bo = member(&roster, "local-bo");
    assert_eq!(bo["changes"].as_array().unwrap().len(), 1);
    assert_eq!(bo["roles"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_disabled_account_is_refused_at_once_loses_its_acting_posts_and_can_be_enabled_again() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin").await;
    let kasi = app.login("kasi").await;
    let today = runner_today(&app).await;
    // An acting post given to the section head, from tomorrow.
    let tomorrow = (today + chrono::Duration::days(1)).to_string();
    let (s, d) = app
        .post(
            Some(&admin),
            "/office/delegations",
            json!({"role": "division_head", "kind": "plh", "from": "local-kabid", "to": "local-kasi",
                   "starts_on": tomorrow, "ends_on": tomorrow,
                   "letter_number": "800/12/BKPSDM/2026"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let (_, roster) = app.get(Some(&admin), "/office/staff").await;
    let version = member(&roster, "local-kasi")["version"].as_u64().unwrap();
    // A deactivation needs its reason.
    let (s, e) = app
        .post(
            Some(&admin),
            "/office/staff/local-kasi/deactivate",
            json!({"version": version}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(codes(&e), vec![("reason".into(), "required".into())]);
    let (s, off) = app
        .post(
            Some(&admin),
            "/office/staff/local-kasi/deactivate",
            json!({"version": version, "reason": "Mutasi ke BKPSDM, SK 800/45/BKPSDM/2026"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{off}");
    assert_eq!(off["status"], "disabled");
    assert_eq!(off["ended_delegations"], 1);
    // Their token is refused at once; they cannot sign in.
    let (s, e) = app.get(Some(&kasi), "/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(e["code"], "account_disabled");
    let (s, e) = app
        .post(None, "/auth/dev/login", json!({"username": "kasi"}))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{e}");
    // The acting post ended; nobody hands them a case; their colleagues no longer list them.
    let (_, ds) = app.get(Some(&admin), "/office/delegations").await;
    assert_eq!(ds["items"][0]["state"], "revoked", "{ds}");
    let bo = app.login("bo").await;
    let (_, seen) = app.get(Some(&bo), "/office/staff").await;
    assert!(
        seen["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["sub"] != "local-kasi")
    );
    // Disabling twice is a state error.
    let v = off["version"].as_u64().unwrap();
    let (s, _) = app
        .post(
            Some(&admin),
            "/office/staff/local-kasi/deactivate",
            json!({"version": v, "reason": "lagi"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    let (s, on) = app
        .post(
            Some(&admin),
            "/office/staff/local-kasi/activate",
            json!({"version": v, "reason": "Mutasi dibatalkan"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{on}");
    assert_eq!(on["status"], "active");
    assert_eq!(on["changes"][0]["action"], "activated");
    // The old token stays refused (from before the change); a new sign-in works.
    let (s, _) = app.get(Some(&kasi), "/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    next_second().await;
    let again = app.login("kasi").await;
    let (s, _) = app.get(Some(&again), "/me").await;
    assert_eq!(s, StatusCode::OK);
}
