//! Anonymous complaints are no amplifier (issue 17 item 3): filing without sign-in carries a
//! solved proof-of-work challenge of the server's, used once; an address given without sign-in
//! receives one confirmation request and nothing else until its owner opens the link;
//! registration closes spam (no notice) and duplicates (of an existing complaint); the register
//! pages in a stable order. The helpers here file anonymous complaints for the other modules.

use crate::common;

use common::*;
use perizinan::domain::complaints::abuse;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;

/// A challenge of `GET /complaints/challenge`, and a nonce that solves it.
pub async fn solved_proof(app: &TestApp) -> Value {
    let (s, ch) = app.get(None, "/complaints/challenge").await;
    assert_eq!(s, StatusCode::OK, "{ch}");
    let challenge = ch["challenge"].as_str().expect("challenge").to_string();
    let bits = ch["difficulty"].as_u64().expect("difficulty") as u8;
    let nonce = abuse::solve(&challenge, bits);
    json!({"challenge": challenge, "nonce": nonce})
}

/// `POST /complaints` without sign-in, with a solved challenge.
pub async fn file_anonymously(app: &TestApp, mut body: Value) -> (StatusCode, Value) {
    body["proof"] = solved_proof(app).await;
    app.post(None, "/complaints", body).await
}

/// The confirmation link's token in the one message an unconfirmed `address` received.
pub async fn confirmation_token(app: &TestApp, address: &str) -> String {
    let mail = app.outbox().await;
    let m = mail
        .iter()
        .find(|m| {
            m["to"][0] == address
                && m["subject"]
                    .as_str()
                    .unwrap()
                    .starts_with("Konfirmasi alamat e-mail")
        })
        .unwrap_or_else(|| panic!("no confirmation request to {address}"));
    let body = m["body"].as_str().unwrap();
    let at = body.find("&token=").expect("a token in the link") + "&token=".len();
    body[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .trim()
        .to_string()
}

/// Confirms `address` for the complaint `code` through the link's route.
pub async fn confirm_address(app: &TestApp, code: &str, address: &str) -> Value {
    let token = confirmation_token(app, address).await;
    let (s, v) = app
        .post(
            None,
            &format!("/complaints/{code}/email/confirm"),
            json!({ "token": token }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

fn to(mail: &[Value], address: &str) -> Vec<String> {
    mail.iter()
        .filter(|m| m["to"][0] == address)
        .map(|m| m["subject"].as_str().unwrap().to_string())
        .collect()
}

fn field_error(e: &Value) -> (String, String) {
    (
        e["errors"][0]["field"].as_str().unwrap_or("").to_string(),
        e["errors"][0]["code"].as_str().unwrap_or("").to_string(),
    )
}

async fn register_count(app: &TestApp, adu: &str) -> u64 {
    let (s, r) = app.get(Some(adu), "/complaints?limit=200").await;
    assert_eq!(s, StatusCode::OK, "{r}");
    r["items"].as_array().unwrap().len() as u64
}

fn body(text: &str) -> Value {
    json!({"kind": "complaint", "text": text, "anonymous": true})
}

/// Without a proof, with a forged, a wrong, an expired or a used one: 422 naming `proof`, and
/// nothing filed, no workflow, no e-mail. With a solved challenge: filed; the same challenge a
/// second time: `proof_used`. A complaint refused for its own fields leaves its challenge
/// usable. Signed-in applicants and officers need none. The default difficulty is 18 bits.
#[tokio::test]
async fn anonymous_filing_needs_a_fresh_proof_of_work() {
    let app = TestApp::spawn_with_env(vec![
        ("PD_DEV_CLOCK".into(), "1".into()),
        ("PD_COMPLAINT_POW_BITS".into(), "10".into()),
    ])
    .await;
    set_clock(&app, "2026-12-07T09:00:00+08:00").await;
    let adu = app.login("pengaduan").await;
    let (s, ch) = app.get(None, "/complaints/challenge").await;
    assert_eq!(s, StatusCode::OK, "{ch}");
    assert_eq!(
        (ch["difficulty"].as_u64(), ch["algorithm"].as_str()),
        (Some(10), Some("sha256"))
    );
    assert_eq!(ch["expires_at"], "2026-12-07T01:10:00Z", "10 minutes: {ch}");
    let challenge = ch["challenge"].as_str().unwrap().to_string();

    // No proof.
    let (s, e) = app
        .post(
            None,
            "/complaints",
            body("Antrean di loket perizinan terlalu lama."),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(field_error(&e), ("proof".into(), "proof_required".into()));
    assert!(
        e["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("verifikasi"),
        "{e}"
    );
    // Forged (the difficulty rewritten to 0), a nonce that does not meet it, garbage.
    let forged = challenge.replace(".10.", ".0.");
    let wrong = (0u64..)
        .map(|n| n.to_string())
        .find(|n| abuse::leading_zero_bits(&abuse::work(&challenge, n)) < 10)
        .unwrap();
    for (c, n) in [
        (forged.as_str(), "0"),
        (challenge.as_str(), wrong.as_str()),
        ("pd-pow-1.abc.1.0.AAAA", "0"),
    ] {
        let mut b = body("Antrean di loket perizinan terlalu lama.");
        b["proof"] = json!({"challenge": c, "nonce": n});
        let (s, e) = app.post(None, "/complaints", b).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(
            field_error(&e),
            ("proof".into(), "proof_invalid".into()),
            "{c}"
        );
    }
    assert_eq!(register_count(&app, &adu).await, 0, "nothing filed");
    assert!(app.outbox().await.is_empty(), "no e-mail to anyone");

    // Solved: filed. A complaint with a bad field first does not use the challenge up.
    let nonce = abuse::solve(&challenge, 10);
    let proof = json!({"challenge": challenge, "nonce": nonce});
    let mut short = body("Pendek");
    short["proof"] = proof.clone();
    let (s, e) = app.post(None, "/complaints", short).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(field_error(&e).0, "text");
    let mut ok = body("Antrean di loket perizinan terlalu lama.");
    ok["proof"] = proof.clone();
    let (s, filed) = app.post(None, "/complaints", ok).await;
    assert_eq!(s, StatusCode::CREATED, "{filed}");
    // The same challenge again, for another complaint: used.
    let mut again = body("Petugas tidak menjelaskan persyaratan dengan jelas.");
    again["proof"] = proof.clone();
    let (s, e) = app.post(None, "/complaints", again).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(field_error(&e), ("proof".into(), "proof_used".into()));
    assert_eq!(register_count(&app, &adu).await, 1);

    // Expired: solved in time, sent 11 minutes after it was handed out.
    let late = solved_proof(&app).await;
    set_clock(&app, "2026-12-07T09:11:00+08:00").await;
    let mut b = body("Ruang tunggu terlalu panas pada siang hari.");
    b["proof"] = late;
    let (s, e) = app.post(None, "/complaints", b).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(field_error(&e), ("proof".into(), "proof_invalid".into()));
    assert_eq!(register_count(&app, &adu).await, 1);

    // Signed in, and officers recording: no proof.
    let t = app.login("pemohon").await;
    let (s, v) = app
        .post(
            Some(&t),
            "/complaints",
            body("Formulir daring sulit diisi di ponsel."),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let adu = app.login("pengaduan").await;
    let (s, v) = app
        .post(
            Some(&adu),
            "/complaints/recorded",
            json!({"kind": "complaint", "channel": "telephone", "anonymous": true,
                   "text": "Penelepon mengeluhkan antrean yang panjang."}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(register_count(&app, &adu).await, 3);

    // The default difficulty.
    let default = TestApp::spawn_with_env(vec![("PD_COMPLAINT_POW_BITS".into(), "".into())]).await;
    let (_, ch) = default.get(None, "/complaints/challenge").await;
    assert_eq!(ch["difficulty"], 18, "{ch}");
}

/// An address given without sign-in gets exactly one message — the confirmation request with
/// the link — while a notice (a request to complete) goes unsent and the tracking page says the
/// address is unconfirmed; a wrong token is refused; once confirmed (recorded in the audit
/// trail), the next notice reaches it. A signed-in applicant's own address and an address an
/// officer records count as confirmed. Neither the address nor the token reaches the log.
#[tokio::test]
async fn an_unconfirmed_address_gets_only_its_confirmation_request() {
    let log = std::env::temp_dir().join(format!("pd-complaint-abuse-{}.log", std::process::id()));
    let app = TestApp::spawn_with_env(vec![
        ("PD_TEST_LOG_FILE".into(), log.display().to_string()),
        ("RUST_LOG".into(), "info".into()),
    ])
    .await;
    let adu = app.login("pengaduan").await;
    let address = "warga.belum@warga.test";
    let (s, filed) = file_anonymously(
        &app,
        json!({"kind": "complaint", "text": "Petugas meminta biaya tambahan di luar ketentuan.",
               "name": "Warga Bontang", "email": address}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{filed}");
    let id = filed["id"].as_str().unwrap().to_string();
    let code = filed["tracking_code"].as_str().unwrap().to_string();
    assert_eq!(filed["tracking"]["email_confirmed"], false, "{filed}");
    let mail = app.outbox().await;
    assert_eq!(
        to(&mail, address),
        [format!("Konfirmasi alamat e-mail untuk pengaduan {code}")]
    );
    let body = mail.iter().find(|m| m["to"][0] == address).unwrap()["body"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        body.contains(&format!("/#/pengaduan/konfirmasi?kode={code}&token=")),
        "{body}"
    );
    let (_, t) = app.get(None, &format!("/complaints/track/{code}")).await;
    assert_eq!(t["email_confirmed"], false);
    assert!(
        t["email_message"]
            .as_str()
            .unwrap()
            .contains("belum dikonfirmasi"),
        "{t}"
    );
    assert!(
        !t.to_string().contains(address),
        "no address on the public page"
    );

    // The officer asks to complete it: nothing to the unconfirmed address.
    let c = app.get(Some(&adu), &format!("/complaints/{id}")).await.1;
    assert_eq!(c["email_confirmed"], false, "{c}");
    let (s, v) = app
        .post(
            Some(&adu),
            &format!("/complaints/{id}/steps/registration"),
            json!({"version": c["version"], "outcome": "incomplete",
                   "missing": "Sebutkan tanggal kejadian dan loket yang dimaksud."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["step"], "completion", "{v}");
    assert_eq!(
        to(&app.outbox().await, address).len(),
        1,
        "still only the request"
    );

    // A wrong token, a missing one: refused, nothing changed.
    for bad in [
        json!({"token": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}),
        json!({}),
    ] {
        let (s, e) = app
            .post(None, &format!("/complaints/{code}/email/confirm"), bad)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(field_error(&e).0, "token");
    }
    // The link's token (by tracking code), once and again: confirmed, one audit event.
    let token = confirmation_token(&app, address).await;
    let t = confirm_address(&app, &code, address).await;
    assert_eq!(t["email_confirmed"], true, "{t}");
    assert!(t["email_message"].is_null());
    let (s, t) = app
        .post(
            None,
            &format!("/complaints/{id}/email/confirm"),
            json!({ "token": token }),
        )
        .await;
    assert_eq!((s, &t["email_confirmed"]), (StatusCode::OK, &json!(true)));
    let ev = app
        .get(Some(&adu), &format!("/complaints/{id}/events"))
        .await
        .1;
    assert_eq!(ev["chain_valid"], true);
    let confirmed: Vec<&Value> = ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "complaint.email_confirmed")
        .collect();
    assert_eq!(confirmed.len(), 1, "{ev}");
    assert_eq!(confirmed[0]["outcome"], "link");

    // The next notice reaches it: completed, then forwarded.
    let (s, v) = app
        .post(
            None,
            &format!("/complaints/track/{code}/completion"),
            json!({"text": "Kamis 12 Maret 2026 pukul 10.00 di loket 2."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c = app.get(Some(&adu), &format!("/complaints/{id}")).await.1;
    let (s, v) = app
        .post(
            Some(&adu),
            &format!("/complaints/{id}/steps/registration"),
            json!({"version": c["version"], "outcome": "outside_authority",
                   "forwarded_to": "Dinas Perhubungan Kota Bontang"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let sent = to(&app.outbox().await, address);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[1].starts_with("Pengaduan diteruskan"), "{sent:?}");

    // A signed-in applicant's own address, an officer's recorded one: the receipt at once.
    let t = app.login("pemohon").await;
    let me = app.get(Some(&t), "/me").await.1;
    let own = me["email"]
        .as_str()
        .expect("the demo applicant has an address")
        .to_string();
    let (s, v) = app
        .post(
            Some(&t),
            "/complaints",
            json!({"kind": "complaint", "text": "Formulir daring sulit diisi di ponsel.",
                   "name": "Pemohon", "email": own}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["tracking"]["email_confirmed"], true, "{v}");
    let (s, v) = app
        .post(
            Some(&adu),
            "/complaints/recorded",
            json!({"kind": "complaint", "channel": "telephone", "name": "Penelepon",
                   "email": "penelepon@warga.test",
                   "text": "Penelepon mengeluhkan antrean yang panjang."}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["email_confirmed"], true);
    let mail = app.outbox().await;
    for a in [own.as_str(), "penelepon@warga.test"] {
        let sent = to(&mail, a);
        assert!(
            sent.iter()
                .any(|s| s.starts_with("Pengaduan Anda telah kami terima")),
            "{a}: {sent:?}"
        );
        assert!(
            !sent.iter().any(|s| s.starts_with("Konfirmasi")),
            "{a}: {sent:?}"
        );
    }
    let ev = app
        .get(
            Some(&adu),
            &format!("/complaints/{}/events", v["id"].as_str().unwrap()),
        )
        .await
        .1;
    assert!(
        ev["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "complaint.email_confirmed"
                && e["outcome"] == "recorded_by_officer"),
        "{ev}"
    );

    let mut app = app;
    app.kill();
    let text = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    assert!(text.contains("complaint filed"), "the log has content");
    for secret in [address, token.as_str(), "penelepon@warga.test"] {
        assert!(!text.contains(secret), "{secret} in the log");
    }
}

async fn decide_registration(
    app: &TestApp,
    adu: &str,
    id: &str,
    body: Value,
) -> (StatusCode, Value) {
    let c = app.get(Some(adu), &format!("/complaints/{id}")).await.1;
    let mut b = json!({"version": c["version"]});
    for (k, v) in body.as_object().unwrap() {
        b[k] = v.clone();
    }
    app.post(
        Some(adu),
        &format!("/complaints/{id}/steps/registration"),
        b,
    )
    .await
}

/// Spam closes at registration with no notice; a duplicate names an existing complaint (not
/// itself; a code of the right shape that exists), closes, and tells a confirmed address only;
/// the report counts both per outcome.
#[tokio::test]
async fn spam_and_duplicates_close_at_registration() {
    let app = TestApp::spawn().await;
    let adu = app.login("pengaduan").await;
    let record = |name: &str, email: &str, text: &str| json!({"kind": "complaint", "channel": "telephone", "name": name, "email": email, "text": text});
    let mut filed = vec![];
    for (n, e, t) in [
        (
            "Ani",
            "ani@warga.test",
            "Kantor kas KSP beroperasi sebelum izin terbit.",
        ),
        (
            "Iklan",
            "iklan@warga.test",
            "Jual obat kuat murah, hubungi nomor berikut.",
        ),
        (
            "Budi",
            "budi@warga.test",
            "Kantor kas KSP di Jalan Ahmad Yani buka tanpa izin.",
        ),
    ] {
        let (s, v) = app
            .post(Some(&adu), "/complaints/recorded", record(n, e, t))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        filed.push((
            v["id"].as_str().unwrap().to_string(),
            v["tracking_code"].as_str().unwrap().to_string(),
        ));
    }
    let (a_code, (spam_id, spam_code), (dup_id, dup_code)) =
        (filed[0].1.clone(), filed[1].clone(), filed[2].clone());
    // Anonymous with an unconfirmed address, also the same as A.
    let (s, d) = file_anonymously(
        &app,
        json!({"kind": "complaint", "name": "Citra", "email": "citra@warga.test",
               "text": "Kantor kas KSP menarik dana anggota tanpa izin."}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let d_id = d["id"].as_str().unwrap().to_string();

    // Spam: closed, no notice.
    let (s, c) = decide_registration(&app, &adu, &spam_id, json!({"outcome": "spam"})).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(
        (c["status"].as_str(), c["closed_as"].as_str()),
        (Some("closed"), Some("closed_spam")),
        "{c}"
    );
    let (_, t) = app
        .get(None, &format!("/complaints/track/{spam_code}"))
        .await;
    assert_eq!(t["status"], "Ditutup: tidak ditindaklanjuti");
    assert_eq!(t["closed_as"], "closed_spam");
    let sent = to(&app.outbox().await, "iklan@warga.test");
    assert_eq!(sent.len(), 1, "the receipt only: {sent:?}");

    // Duplicate: of what? Required, shaped, existing, not itself.
    for (dup_of, code) in [
        (None, "required"),
        (Some("ADU-12"), "invalid_tracking_code"),
        (Some("ADU-AAAAA-22222"), "unknown_tracking_code"),
        (Some(dup_code.as_str()), "self_reference"),
    ] {
        let mut b = json!({"outcome": "duplicate"});
        if let Some(x) = dup_of {
            b["duplicate_of"] = json!(x);
        }
        let (s, e) = decide_registration(&app, &adu, &dup_id, b).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(
            field_error(&e),
            ("duplicate_of".into(), code.into()),
            "{dup_of:?}"
        );
    }
    let (s, e) = decide_registration(
        &app,
        &adu,
        &dup_id,
        json!({"outcome": "registered", "duplicate_of": a_code}),
    )
    .await;
    assert_eq!(
        (s, field_error(&e)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            ("duplicate_of".into(), "not_applicable".into())
        )
    );
    let (s, c) = decide_registration(
        &app,
        &adu,
        &dup_id,
        json!({"outcome": "duplicate", "duplicate_of": a_code.to_lowercase()}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(
        (c["closed_as"].as_str(), c["duplicate_of"].as_str()),
        (Some("closed_duplicate"), Some(a_code.as_str())),
        "{c}"
    );
    let sent = to(&app.outbox().await, "budi@warga.test");
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(
        sent[1].starts_with("Pengaduan ditutup karena sama dengan pengaduan lain"),
        "{sent:?}"
    );
    let (_, t) = app
        .get(None, &format!("/complaints/track/{dup_code}"))
        .await;
    assert_eq!(t["closed_as"], "closed_duplicate");
    assert!(
        !t.to_string().contains(&a_code),
        "the earlier code is not disclosed: {t}"
    );
    // The unconfirmed address is not told.
    let (s, c) = decide_registration(
        &app,
        &adu,
        &d_id,
        json!({"outcome": "duplicate", "duplicate_of": a_code}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let sent = to(&app.outbox().await, "citra@warga.test");
    assert_eq!(sent.len(), 1, "the confirmation request only: {sent:?}");
    let ev = app
        .get(Some(&adu), &format!("/complaints/{spam_id}/events"))
        .await
        .1;
    assert!(
        ev["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "complaint.closed" && e["outcome"] == "closed_spam"),
        "{ev}"
    );

    // The report counts them per outcome.
    let kasi = app.login("kasi").await;
    let (s, r) = app
        .get(
            Some(&kasi),
            &format!("/reports/complaints?from={}&to={}", today(), today()),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let count = |code: &str| {
        r["per_outcome"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)
            .unwrap_or_else(|| panic!("{code}: {r}"))["count"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(
        (
            count("closed_spam"),
            count("closed_duplicate"),
            count("open")
        ),
        (1, 2, 1)
    );
}

/// 120 open complaints page through in 3 pages of the default 50 — in filing order (none is
/// registered, so none has a clock), no complaint twice, none left out; `limit` and `cursor`
/// are checked.
#[tokio::test]
async fn the_register_pages_through_120_complaints() {
    let app = TestApp::spawn().await;
    let adu = app.login("pengaduan").await;
    let mut filed = vec![];
    for i in 0..120 {
        let (s, v) = app
            .post(
                Some(&adu),
                "/complaints/recorded",
                json!({"kind": "input", "channel": "complaints_box", "anonymous": true,
                       "text": format!("Masukan nomor {i} dari kotak pengaduan.")}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        filed.push(v["id"].as_str().unwrap().to_string());
    }
    let mut seen = vec![];
    let mut sizes = vec![];
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => "/complaints".to_string(),
            Some(c) => format!("/complaints?cursor={c}"),
        };
        let (s, page) = app.get(Some(&adu), &path).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap();
        assert_eq!(page["count"], items.len());
        sizes.push(items.len());
        seen.extend(items.iter().map(|c| c["id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        assert!(sizes.len() < 5, "too many pages");
    }
    assert_eq!(sizes, [50, 50, 20]);
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        120,
        "no duplicates"
    );
    assert_eq!(seen, filed, "every one, in filing order");

    let (s, all) = app.get(Some(&adu), "/complaints?limit=200").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (all["count"].as_u64(), all["next_cursor"].is_null()),
        (Some(120), true)
    );
    for (q, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=x", "limit"),
        ("cursor=!!", "cursor"),
        ("cursor=YWJj", "cursor"),
    ] {
        let (s, e) = app.get(Some(&adu), &format!("/complaints?{q}")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {e}");
        assert_eq!(field_error(&e).0, field, "{q}");
    }
}
