//! The office's own administration over HTTP: acting officials (Plt./Plh.,
//! `domain::delegation`) and handing a case to a named officer (`domain::assignment`).

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Monday 7 December 2026, 09:00 WITA: the runner's clock for these tests.
const MONDAY: &str = "2026-12-07T09:00:00+08:00";

fn sub(user: &str) -> String {
    format!("local-{user}")
}

async fn spawn() -> TestApp {
    let app = TestApp::spawn_with_env(vec![("PD_DEV_CLOCK".into(), "1".into())]).await;
    set_clock(&app, MONDAY).await;
    app
}

/// A kantor kas case submitted today (by the runner's clock), at front office verification.
async fn case_today(app: &TestApp) -> String {
    let day = runner_today(app).await.to_string();
    submitted_case_of(app, "pemohon", application_applied_on(&day)).await
}

/// Decides the grant path of `id` from front office verification up to (not including)
/// `until`, as the demo users of `decisions_g_to_p`, with `overrides` deciding some steps.
async fn decide_until(app: &TestApp, id: &str, until: &str, overrides: &[(&str, &str)]) {
    let today = runner_today(app).await;
    for (user, step, body) in decisions_g_to_p_on("grant", today) {
        if step == until {
            return;
        }
        let user = overrides
            .iter()
            .find(|(s, _)| *s == step)
            .map_or(user, |(_, u)| *u);
        app.act_ok(user, id, step, body).await;
    }
}

#[tokio::test]
async fn a_plt_signs_as_plt_cannot_decide_two_steps_in_a_row_and_stops_when_the_delegation_ends() {
    let app = spawn().await;
    let admin = app.login("admin").await;
    // Bad grants change nothing and name each problem.
    let (s, e) = app
        .post(
            Some(&admin),
            "/office/delegations",
            json!({"role": "agency_head", "kind": "plt", "from": sub("kadis"), "to": sub("kadis"),
                   "starts_on": "2026-12-04", "ends_on": "2027-04-01"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let codes: Vec<&str> = e["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["code"].as_str().unwrap())
        .collect();
    for want in ["same_person", "past_date", "too_long", "required"] {
        assert!(codes.contains(&want), "{want} in {codes:?}");
    }
    // Only the office administrator records one.
    let kasi = app.login("kasi").await;
    let grant = json!({"role": "agency_head", "kind": "plt", "from": sub("kadis"), "to": sub("kabid"),
                       "starts_on": "2026-12-07", "ends_on": "2026-12-08",
                       "letter_number": "800/321/BKPSDM/2026", "reason": "Kepala Dinas cuti tahunan."});
    let (s, _) = app
        .post(Some(&kasi), "/office/delegations", grant.clone())
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, d) = app.post(Some(&admin), "/office/delegations", grant).await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    assert_eq!(d["state"], "active");
    assert_eq!(d["designation"], "Plt.");
    assert_eq!(d["history"][0]["action"], "granted");
    assert_eq!(d["history"][0]["by"]["name"], "Yohana Pasaribu");
    let kabid = app.login("kabid").await;
    let (_, me) = app.get(Some(&kabid), "/me").await;
    assert_eq!(me["acting"][0]["designation"], "Plt.", "{me}");
    assert_eq!(me["acting"][0]["for"], "Ahmad Yani", "{me}");
    // Another office's administrator does not see it.
    let pms_admin = app.login("pms-admin").await;
    let (_, theirs) = app.get(Some(&pms_admin), "/office/delegations").await;
    assert_eq!(theirs["count"], 0, "{theirs}");

    // Case 1: the division head's validation by another official (the `plt` demo user), then
    // the Plt signs: the letter says "Plt.", the decision names the delegation.
    let one = case_today(&app).await;
    decide_until(
        &app,
        &one,
        "head_signature",
        &[("division_head_validation", "plt")],
    )
    .await;
    let c = app
        .act_ok("kabid", &one, "head_signature", json!({"outcome": "sign"}))
        .await;
    assert_eq!(step_of(&c), "survey", "{c}");
    let signed = &c["letter"]["signed"];
    assert_eq!(signed["signer"]["name"], "Dewi Lestari");
    assert_eq!(signed["signer"]["acting"]["kind"], "plt", "{signed}");
    assert_eq!(
        signed["signer"]["acting"]["for_name"], "Ahmad Yani",
        "{signed}"
    );
    let t = app.login("pemohon").await;
    let letter = pdftotext(&download(&app, &t, &format!("/cases/{one}/letter/download")).await);
    assert!(
        letter.contains("Plt. KEPALA DINAS PENANAMAN MODAL"),
        "no Plt. in the letter: {letter}"
    );
    // The stand-in's own rank and NIP (the office's officials list names her).
    assert!(
        letter.contains("Dewi Lestari") && letter.contains("NIP 19780822 200312 2 005"),
        "{letter}"
    );
    let trail = app.events(&t, &one).await;
    let sig = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "step.decided" && e["step"] == "head_signature")
        .cloned()
        .unwrap();
    assert_eq!(sig["actor"]["acting"]["delegation"], d["id"], "{sig}");

    // Case 2: the Plt validated at o, so they cannot sign at p (two steps in a row).
    let two = case_today(&app).await;
    decide_until(&app, &two, "head_signature", &[]).await;
    let v = app.case(&kabid, &two).await["version"].clone();
    let (s, e) = app
        .act(
            &kabid,
            &two,
            "head_signature",
            json!({"version": v, "outcome": "sign"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert_eq!(e["code"], "segregation_of_duties", "{e}");

    // After its last day the delegation ends by itself: the next signature is refused.
    set_clock(&app, "2026-12-09T09:00:00+08:00").await;
    let kabid = app.login("kabid").await;
    let (_, me) = app.get(Some(&kabid), "/me").await;
    assert_eq!(me["acting"].as_array().unwrap().len(), 0, "{me}");
    let admin = app.login("admin").await;
    let (_, list) = app.get(Some(&admin), "/office/delegations").await;
    assert_eq!(list["items"][0]["state"], "ended", "{list}");
    let v = app.case(&kabid, &two).await["version"].clone();
    let (s, e) = app
        .act(
            &kabid,
            &two,
            "head_signature",
            json!({"version": v, "outcome": "sign"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    // The head, back, signs.
    app.act_ok("kadis", &two, "head_signature", json!({"outcome": "sign"}))
        .await;
}

#[tokio::test]
async fn a_revoked_delegation_ends_at_once() {
    let app = spawn().await;
    let admin = app.login("admin").await;
    let (s, d) = app
        .post(
            Some(&admin),
            "/office/delegations",
            json!({"role": "section_head", "kind": "plh", "from": sub("kasi"), "to": sub("bo"),
                   "starts_on": "2026-12-07", "ends_on": "2026-12-31", "letter_number": "800/400/BKPSDM/2026"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let bo = app.login("bo").await;
    let (_, me) = app.get(Some(&bo), "/me").await;
    assert_eq!(me["acting"][0]["designation"], "Plh.", "{me}");
    let id = d["id"].as_str().unwrap();
    let (s, r) = app
        .post(
            Some(&admin),
            &format!("/office/delegations/{id}/revoke"),
            json!({"reason": "Kepala Seksi kembali bertugas."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["state"], "revoked");
    let (_, me) = app.get(Some(&bo), "/me").await;
    assert_eq!(me["acting"].as_array().unwrap().len(), 0, "{me}");
    let (s, e) = app
        .post(
            Some(&admin),
            &format!("/office/delegations/{id}/revoke"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    // Another office's administrator: not found.
    let pms_admin = app.login("pms-admin").await;
    let (s, _) = app
        .post(
            Some(&pms_admin),
            &format!("/office/delegations/{id}/revoke"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

fn queue_ids(q: &Value) -> Vec<String> {
    q["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_case_handed_to_a_named_officer_leaves_one_queue_and_enters_the_other() {
    let app = spawn().await;
    let id = case_today(&app).await;
    decide_until(&app, &id, "technical_verification", &[]).await;
    let teknis = app.login("teknis").await;
    let teknis2 = app.login("teknis2").await;
    let queue = |t: String| {
        let app = &app;
        async move {
            let (s, q) = app
                .get(Some(&t), "/cases?step=technical_verification")
                .await;
            assert_eq!(s, StatusCode::OK, "{q}");
            queue_ids(&q)
        }
    };
    assert!(queue(teknis.clone()).await.contains(&id));
    assert!(queue(teknis2.clone()).await.contains(&id));
    let v = app.case(&teknis, &id).await["version"].clone();
    // Bad hand-overs: nobody, someone without the role, no reason, a stale version.
    for (body, code) in [
        (
            json!({"version": v, "to": "local-nobody", "reason": "Sedang dinas luar."}),
            "unknown_staff",
        ),
        (
            json!({"version": v, "to": sub("fo"), "reason": "Sedang dinas luar."}),
            "role_not_held",
        ),
        (json!({"version": v, "to": sub("teknis2")}), "required"),
    ] {
        let (s, e) = app
            .post(Some(&teknis), &format!("/cases/{id}/assign"), body)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["errors"][0]["code"], code, "{e}");
    }
    let (s, e) = app
        .post(
            Some(&teknis),
            &format!("/cases/{id}/assign"),
            json!({"version": 0, "to": sub("teknis2"), "reason": "Sedang dinas luar."}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    // An officer of another role (the front office) cannot hand it on.
    let fo = app.login("fo").await;
    let (s, _) = app
        .post(
            Some(&fo),
            &format!("/cases/{id}/assign"),
            json!({"version": v, "to": sub("teknis2"), "reason": "Sedang dinas luar."}),
        )
        .await;
    assert!(
        s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND,
        "{s}"
    );
    let (s, c) = app
        .post(
            Some(&teknis),
            &format!("/cases/{id}/assign"),
            json!({"version": v, "to": sub("teknis2"), "reason": "Lokasi survei dekat wilayah kerja Rudi."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert!(
        !queue(teknis.clone()).await.contains(&id),
        "left the old queue"
    );
    assert!(
        queue(teknis2.clone()).await.contains(&id),
        "entered the new one"
    );
    // The old officer can no longer decide it.
    let v = app.case(&teknis, &id).await["version"].clone();
    let (s, e) = app
        .act(
            &teknis,
            &id,
            "technical_verification",
            json!({"version": v, "outcome": "verified", "findings": "Sesuai.", "site_visit_on": runner_today(&app).await.to_string()}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(
        e["detail"].as_str().unwrap().contains("Rudi Hartono"),
        "{e}"
    );
    // On the trail, with its reason; the applicant sees that it happened, not to whom or why.
    let assigned = |trail: &Value| {
        trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "case.assigned")
            .cloned()
            .unwrap()
    };
    let ev = assigned(&app.events(&teknis2, &id).await);
    assert_eq!(ev["outcome"], "Rudi Hartono");
    assert_eq!(ev["reason"], "Lokasi survei dekat wilayah kerja Rudi.");
    assert_eq!(ev["actor"]["name"], "Yusuf Maulana");
    let t = app.login("pemohon").await;
    let ev = assigned(&app.events(&t, &id).await);
    assert!(ev["reason"].is_null() && ev["outcome"].is_null(), "{ev}");
    // The workload: one case handed to Rudi; none left in the shared queue at that step.
    let kadis = app.login("kadis").await;
    let (s, w) = app.get(Some(&kadis), "/office/workload").await;
    assert_eq!(s, StatusCode::OK, "{w}");
    let officer = w["officers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["sub"] == sub("teknis2"))
        .cloned()
        .unwrap();
    assert_eq!(officer["assigned"], 1, "{w}");
    let step = w["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "technical_verification")
        .cloned()
        .unwrap();
    assert_eq!(
        (step["waiting"].as_u64(), step["unassigned"].as_u64()),
        (Some(1), Some(0)),
        "{w}"
    );
    // Not to oneself; a supervisor's hand-over is undone by a supervisor only.
    let hand = |who: String, to: &'static str, reason: &'static str| {
        let app = &app;
        let id = id.clone();
        async move {
            let v = app.case(&who, &id).await["version"].clone();
            app.post(
                Some(&who),
                &format!("/cases/{id}/assign"),
                json!({"version": v, "to": sub(to), "reason": reason}),
            )
            .await
        }
    };
    let (s, e) = hand(teknis2.clone(), "teknis2", "Saya ambil sendiri.").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["errors"][0]["code"], "self_assignment", "{e}");
    let diskop = app.login("diskop").await;
    let (s, e) = hand(diskop.clone(), "teknis", "Rudi cuti mendadak hari ini.").await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let (s, e) = hand(teknis.clone(), "teknis2", "Saya kembalikan kepada Rudi.").await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    let (s, e) = hand(diskop.clone(), "teknis2", "Rudi sudah kembali bertugas.").await;
    assert_eq!(s, StatusCode::OK, "{e}");
    // The new officer decides; the case moves on.
    app.act_ok(
        "teknis2",
        &id,
        "technical_verification",
        json!({"outcome": "verified", "findings": "Lokasi sesuai.", "site_visit_on": runner_today(&app).await.to_string()}),
    )
    .await;
    // The roster the choices came from.
    let admin = app.login("admin").await;
    let (s, roster) = app.get(Some(&admin), "/office/staff").await;
    assert_eq!(s, StatusCode::OK, "{roster}");
    assert!(
        roster["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "Rudi Hartono"),
        "{roster}"
    );
    assert!(
        !roster.to_string().contains("Pematangsiantar"),
        "another office's staff: {roster}"
    );
}
