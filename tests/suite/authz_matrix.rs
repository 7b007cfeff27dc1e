//! The authorization matrix: every route of the route table × every role and anonymous × the
//! caller's own and someone else's case, over HTTP against the runner. Who may call what is
//! written once, in [`rule`]; a route missing there fails the test, so a new route cannot escape
//! the matrix. Each cell's outcome is one of: passes authorization (any answer but 401, 403 and
//! 404, and never a 5xx), 401, 403, or 404 (someone else's case is invisible). Every refused
//! cell (401, 403) must appear in the security log with who, what and when.
//!
//! Offices (`domain::office`): the resources are the founding office's (Kota Bontang), and every
//! role is called as that office's staff and again as another office's (Kota Pematangsiantar,
//! each of its demo users holding one role): for another office's staff every route naming a
//! case, a complaint or a signed letter of Bontang is a 404, whatever the role, unless the route
//! refuses the role first (403); routes naming no resource answer as for the office's own
//! staff (what they list is their own office's: `offices::`).

use crate::common;

use common::*;
use perizinan::domain::Role;
use perizinan::domain::roles::{Capability, Roles};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Who may call a route.
#[derive(Debug, Clone)]
enum Rule {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user.
    SignedIn,
    /// The applicant who owns the case.
    Owner,
    /// The owner or any staff member.
    OwnerOrStaff,
    /// Any staff member.
    Staff,
    /// Holders of these roles.
    Roles(Vec<Role>),
    /// The owner, or holders of these roles.
    OwnerOr(Vec<Role>),
}

fn roles(codes: &[&str]) -> Rule {
    Rule::Roles(codes.iter().map(|c| Role::new(*c)).collect())
}

/// The roles with a capability, from `infra/roles.json`.
fn with(cap: Capability) -> Vec<Role> {
    Roles::current().with(cap)
}

/// The staff roles of an office (not the cross-office viewers, who belong to none).
fn office_staff() -> Vec<Role> {
    let viewers = with(Capability::ReportsAllOffices);
    Roles::current()
        .staff()
        .map(|d| d.code.clone())
        .filter(|r| !viewers.contains(r))
        .collect()
}

/// Who oversees the office: its administrator and the heads who read its reports.
fn overseers() -> Vec<Role> {
    let mut v = with(Capability::OfficeAdmin);
    v.extend(with(Capability::Reports));
    v
}

/// The expected access of every route: the table the matrix checks. A step route's roles are
/// the catalogue's: every role that decides that step code in some permit (the applicant's
/// upload steps: the owner).
fn rule(method: &str, path: &str) -> Option<Rule> {
    use Rule::*;
    if let Some(code) = path.strip_prefix("/cases/{id}/steps/") {
        let cat = catalogue();
        let mut who: Vec<Role> = vec![];
        for p in cat.iter() {
            if let Some(st) = p.def.step(code)
                && !who.contains(&st.role)
            {
                who.push(st.role.clone());
            }
        }
        assert!(!who.is_empty(), "step route {code} is in no permit");
        if who.iter().all(Role::is_applicant) {
            return Some(Owner);
        }
        return Some(Roles(who));
    }
    if path.starts_with("/complaints/{id}/steps/") {
        return Some(Roles(with(Capability::Complaints)));
    }
    let mut reports = with(Capability::Reports);
    reports.extend(with(Capability::ReportsAllOffices));
    let mut complaints_report = reports.clone();
    complaints_report.extend(with(Capability::Complaints));
    Some(match (method, path) {
        ("GET", "/me") => SignedIn,
        ("POST", "/cases") => roles(&["applicant"]),
        ("GET", "/cases") => SignedIn,
        ("GET", "/cases/{id}") => OwnerOrStaff,
        ("PUT", "/cases/{id}") => Owner,
        ("POST", "/cases/{id}/submit") => Owner,
        ("POST", "/cases/{id}/contact") => OwnerOr(with(Capability::ApplicantContact)),
        ("GET", "/cases/{id}/events") => OwnerOrStaff,
        ("POST", "/cases/{id}/assign") => Staff,
        ("GET", "/office/staff") => Roles(office_staff()),
        ("GET", "/office/delegations") => Roles(overseers()),
        ("GET", "/office/workload") => Roles(overseers()),
        ("POST", "/office/delegations") => Roles(with(Capability::OfficeAdmin)),
        ("POST", "/office/staff") => Roles(with(Capability::OfficeAdmin)),
        ("POST", "/office/staff/{sub}/roles") => Roles(with(Capability::OfficeAdmin)),
        ("POST", "/office/staff/{sub}/deactivate") => Roles(with(Capability::OfficeAdmin)),
        ("POST", "/office/staff/{sub}/activate") => Roles(with(Capability::OfficeAdmin)),
        ("POST", "/office/delegations/{id}/revoke") => Roles(with(Capability::OfficeAdmin)),
        ("GET", "/track/{registration_number}") => Public,
        ("GET", "/offices") => Public,
        ("GET", "/permits") => Public,
        ("GET", "/permits/{code}") => Public,
        ("GET", "/permits/{code}/example") => Public,
        ("POST", "/cases/{id}/documents") => Owner,
        ("GET", "/cases/{id}/documents") => OwnerOrStaff,
        ("POST", "/cases/{id}/documents/{doc}/confirm") => Owner,
        ("GET", "/cases/{id}/documents/{doc}/download") => OwnerOrStaff,
        ("GET", "/cases/{id}/letter/drafts/{version}/download") => Staff,
        ("GET", "/cases/{id}/letter/download") => OwnerOrStaff,
        ("GET", "/cases/{id}/bill/download") => OwnerOrStaff,
        ("POST", "/documents/{id}/revoke") => Roles(with(Capability::RevokeLetters)),
        ("GET", "/verify/public-key") => Public,
        ("GET", "/verify/{id}") => Public,
        ("POST", "/verify/{id}") => Public,
        ("GET", "/survey/questions") => Public,
        ("POST", "/cases/{id}/survey") => Owner,
        ("GET", "/reports/sla") => Roles(reports.clone()),
        ("GET", "/reports/ikm") => Roles(reports),
        ("GET", "/reports/complaints") => Roles(complaints_report),
        ("GET", "/reports/security") => Roles(with(Capability::SecurityLog)),
        ("POST", "/complaints") => Public,
        ("GET", "/complaints/challenge") => Public,
        ("POST", "/complaints/{id}/email/confirm") => Public,
        ("GET", "/complaints") => Roles(with(Capability::Complaints)),
        ("POST", "/complaints/recorded") => Roles(with(Capability::Complaints)),
        ("GET", "/complaints/track/{code}") => Public,
        ("POST", "/complaints/track/{code}/completion") => Public,
        ("GET", "/complaints/{id}") => Roles(with(Capability::Complaints)),
        ("GET", "/complaints/{id}/events") => Roles(with(Capability::Complaints)),
        _ => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Passes,
    Unauthenticated,
    Forbidden,
    Hidden,
}

fn outcome_of(status: StatusCode) -> Outcome {
    match status.as_u16() {
        401 => Outcome::Unauthenticated,
        403 => Outcome::Forbidden,
        404 => Outcome::Hidden,
        _ => Outcome::Passes,
    }
}

/// A caller of the matrix: its name, demo user, role, and whether it is staff of another
/// office than the resources'.
struct Principal {
    name: String,
    user: Option<String>,
    role: Option<Role>,
    other_office: bool,
}

/// The office of the matrix's resources, and the other office whose staff call them too.
const OTHER_OFFICE: &str = "pematangsiantar";

/// The callers: anonymous, then one demo user per role of `infra/roles.json` of the resources'
/// office (the applicant owns the "own" case), then every demo user of the other office who
/// holds one role.
fn principals() -> Vec<Principal> {
    let users = local::demo_users();
    let founding = perizinan::domain::office::founding_code();
    let mut out = vec![Principal {
        name: "anonymous".into(),
        user: None,
        role: None,
        other_office: false,
    }];
    for r in &Roles::current().roles {
        let user = users
            .iter()
            .find(|u| {
                u.roles == [r.code.clone()]
                    && u.username != "pemohon2"
                    && u.office.as_ref().is_none_or(|o| *o == founding)
            })
            .unwrap_or_else(|| panic!("no demo user holds only the role {}", r.code));
        out.push(Principal {
            name: r.code.to_string(),
            user: Some(user.username.clone()),
            role: Some(r.code.clone()),
            other_office: false,
        });
    }
    let mut others = 0;
    for u in users
        .iter()
        .filter(|u| {
            u.office
                .as_ref()
                .is_some_and(|o| o.as_str() == OTHER_OFFICE)
        })
        .filter(|u| u.roles.len() == 1)
    {
        others += 1;
        out.push(Principal {
            name: format!("{OTHER_OFFICE}/{}", u.roles[0].code()),
            user: Some(u.username.clone()),
            role: Some(u.roles[0].clone()),
            other_office: true,
        });
    }
    assert!(others >= 8, "the other office's demo staff ({others})");
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The route names no resource.
    None,
    Own,
    Other,
}

/// The resources of one owner: a case signed and waiting for its survey, a document, the
/// signed letter, a complaint.
struct Resources {
    case: String,
    /// An acting official of the resources' office (its administrator recorded it).
    delegation: String,
    /// A staff member of the resources' office (its roster).
    member: String,
    doc: String,
    registration: String,
    signed: String,
    complaint: String,
    tracking: String,
}

async fn resources(app: &TestApp, applicant: &str) -> Resources {
    let id = submitted_case(app, applicant).await;
    let case = staff_g_to_p(app, &id, "grant").await;
    assert_eq!(step_of(&case), "survey", "{case}");
    let t = app.login(applicant).await;
    let (_, docs) = app.get(Some(&t), &format!("/cases/{id}/documents")).await;
    let (s, filed) = app
        .post(
            Some(&t),
            "/complaints",
            json!({"kind": "complaint", "text": "Petugas loket tidak menjelaskan persyaratan dengan jelas.", "name": "Pelapor Uji", "email": "pelapor@warga.test"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{filed}");
    // Scheduled for tomorrow, so that no principal holds another role today.
    let admin = app.login("admin").await;
    let tomorrow = (today() + chrono::Duration::days(1)).to_string();
    let (role, from, to) = if applicant == "pemohon" {
        ("section_head", "local-kasi", "local-bo")
    } else {
        ("division_head", "local-kabid", "local-kasi")
    };
    let (s, d) = app
        .post(
            Some(&admin),
            "/office/delegations",
            json!({"role": role, "kind": "plh", "from": from, "to": to,
                   "starts_on": tomorrow, "ends_on": tomorrow,
                   "letter_number": format!("800/{applicant}/BKPSDM/2026")}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    Resources {
        delegation: d["id"].as_str().unwrap().into(),
        member: to.into(),
        doc: docs["items"][0]["id"].as_str().expect("a document").into(),
        registration: case["registration_number"].as_str().unwrap().into(),
        signed: case["letter"]["signed"]["document_id"]
            .as_str()
            .expect("signed letter id")
            .into(),
        complaint: filed["id"].as_str().unwrap().into(),
        tracking: filed["tracking_code"].as_str().unwrap().into(),
        case: id,
    }
}

/// The concrete path of a route for a scope.
fn fill(path: &str, r: &Resources) -> String {
    let id = if path.starts_with("/complaints/") {
        &r.complaint
    } else if path.starts_with("/office/delegations/") {
        &r.delegation
    } else if path.starts_with("/documents/") || path.starts_with("/verify/") {
        &r.signed
    } else {
        &r.case
    };
    path.replace("{id}", id)
        .replace("{doc}", &r.doc)
        .replace("{sub}", &r.member)
        .replace("{version}", "1")
        .replace("{registration_number}", &r.registration)
        .replace(
            "{code}",
            if path.starts_with("/permits/") {
                "kantor-kas-ksp"
            } else {
                &r.tracking
            },
        )
}

/// A well-formed body for each writing route (a stale version where there is one), so that the
/// answer shows the authorization decision and nothing is changed by the cells that pass.
fn body(method: &str, path: &str) -> Option<Value> {
    if method == "GET" {
        return None;
    }
    Some(match path {
        "/cases" => application(),
        "/cases/{id}" => json!({"version": 0, "application": application()}),
        "/cases/{id}/submit" => json!({"version": 0}),
        "/cases/{id}/contact" => json!({"version": 0, "email": "kontak.baru@ksp.test"}),
        "/cases/{id}/assign" => {
            json!({"version": 0, "to": "local-nobody", "reason": "Uji matriks."})
        }
        "/office/delegations" => json!({}),
        "/office/delegations/{id}/revoke" => json!({"reason": "Uji matriks."}),
        "/office/staff" => json!({}),
        "/office/staff/{sub}/roles" => json!({"version": 999_999, "roles": ["back_office"]}),
        "/office/staff/{sub}/deactivate" | "/office/staff/{sub}/activate" => {
            json!({"version": 999_999, "reason": "Uji matriks."})
        }
        "/cases/{id}/documents" => {
            json!({"requirement": "member_list", "file_name": "daftar.pdf", "media_type": "application/pdf", "size": 1000})
        }
        "/cases/{id}/documents/{doc}/confirm" => return None,
        "/cases/{id}/survey" => {
            json!({"version": 0, "answers": {"u1": 4, "u2": 4, "u3": 4, "u4": 4, "u5": 4, "u6": 4, "u7": 4, "u8": 4, "u9": 4}})
        }
        "/documents/{id}/revoke" => json!({"reason": "x"}),
        "/verify/{id}" => return Some(Value::String("bukan dokumen".into())),
        "/complaints" => {
            json!({"kind": "input", "text": "Mohon jam layanan diperpanjang pada hari Jumat.", "anonymous": true})
        }
        "/complaints/recorded" => {
            json!({"kind": "input", "channel": "telephone", "text": "Penelepon meminta informasi jadwal survei lapangan.", "anonymous": true})
        }
        "/complaints/{id}/email/confirm" => json!({"token": "bukan-token"}),
        "/complaints/track/{code}/completion" => {
            json!({"text": "Kejadian pada hari Senin pukul 10.00 di loket 2."})
        }
        p if p.contains("/steps/") => json!({"version": 0, "outcome": "approve"}),
        other => panic!("no matrix body for {method} {other}"),
    })
}

/// The staff who need to see the matrix's case (kantor kas, at the survey: past every staff
/// step but the effectuation): the office's roles that work on the permit and Dinas Koperasi,
/// whose steps it has passed. Not the payment operator (PBG only), the PUTR roles (another
/// permit's agency) nor the complaints officer: for them the case does not exist (404).
const SEE_THE_CASE: [&str; 7] = [
    "front_office",
    "back_office",
    "section_head",
    "division_head",
    "agency_head",
    "dinas_koperasi_technical",
    "dinas_koperasi_official",
];

/// Whether a route names one of the resources' office's records (a case, a complaint, a signed
/// letter), as opposed to a list, a report or a public page.
fn names_a_record(path: &str) -> bool {
    path.starts_with("/cases/{id}")
        || path.starts_with("/documents/{id}")
        || path.starts_with("/office/delegations/{id}")
        || path.starts_with("/office/staff/{sub}")
        || (path.starts_with("/complaints/{id}") && !path.ends_with("/email/confirm"))
}

fn expected(rule: &Rule, p: &Principal, path: &str, scope: Scope, case_scoped: bool) -> Outcome {
    let role = p.role.as_ref();
    if p.other_office && !matches!(rule, Rule::Public) && names_a_record(path) {
        // Another office's record does not exist for this office's staff: a 404 wherever the
        // role would be let in, the route's 403 where it is not (checked before any lookup).
        let own = expected(
            rule,
            &Principal {
                name: String::new(),
                user: None,
                role: p.role.clone(),
                other_office: false,
            },
            path,
            scope,
            false,
        );
        return if case_scoped || own != Outcome::Forbidden {
            Outcome::Hidden
        } else {
            Outcome::Forbidden
        };
    }
    expected_in_office(rule, role, scope, case_scoped)
}

fn expected_in_office(
    rule: &Rule,
    role: Option<&Role>,
    scope: Scope,
    case_scoped: bool,
) -> Outcome {
    let Some(role) = role else {
        return match rule {
            Rule::Public => Outcome::Passes,
            _ => Outcome::Unauthenticated,
        };
    };
    if matches!(rule, Rule::Public) {
        return Outcome::Passes;
    }
    // Another applicant's case does not exist as far as an applicant can tell.
    if role.is_applicant() && scope == Scope::Other && case_scoped {
        return Outcome::Hidden;
    }
    let owner = role.is_applicant() && scope == Scope::Own;
    let ok = match rule {
        Rule::Public | Rule::SignedIn => true,
        Rule::Owner => owner,
        Rule::OwnerOrStaff => owner || role.is_staff(),
        Rule::Staff => role.is_staff(),
        Rule::Roles(roles) => roles.contains(role),
        Rule::OwnerOr(roles) => owner || roles.contains(role),
    };
    // A case a staff member need not see does not exist for them, whatever the route.
    if case_scoped && role.is_staff() && !SEE_THE_CASE.contains(&role.code()) {
        Outcome::Hidden
    } else if ok {
        Outcome::Passes
    } else {
        Outcome::Forbidden
    }
}

#[tokio::test]
async fn every_route_role_and_ownership() {
    let app = TestApp::spawn().await;
    let own = resources(&app, "pemohon").await;
    let other = resources(&app, "pemohon2").await;
    let principals = principals();
    let mut tokens = BTreeMap::new();
    for p in &principals {
        if let Some(u) = &p.user {
            tokens.insert(p.name.clone(), app.login(u).await);
        }
    }

    let table = local::route_table(&catalogue());
    let mut cells = 0usize;
    let mut refused = 0usize;
    let mut cross_office = BTreeMap::<Outcome, usize>::new();
    let mut mismatches = vec![];
    let mut by_outcome: BTreeMap<Outcome, usize> = BTreeMap::new();
    for route in &table {
        let method = route.method.as_str();
        let path = route.path.as_str();
        let rule = rule(method, path)
            .unwrap_or_else(|| panic!("{method} {path} has no rule in the matrix; add one"));
        let has_resource = path.contains('{');
        let case_scoped = path.starts_with("/cases/{id}");
        let scopes: &[Scope] = if has_resource {
            &[Scope::Own, Scope::Other]
        } else {
            &[Scope::None]
        };
        for &scope in scopes {
            let url_path = match scope {
                Scope::Other => fill(path, &other),
                _ => fill(path, &own),
            };
            for p in &principals {
                let name = &p.name;
                let want = expected(&rule, p, path, scope, case_scoped);
                let mut req = app.http.request(
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    format!("{}{url_path}", app.api),
                );
                if path.starts_with("/reports/") {
                    req = req.query(&[
                        ("from", (today() - chrono::Duration::days(7)).to_string()),
                        ("to", today().to_string()),
                    ]);
                }
                match body(method, path) {
                    Some(Value::String(raw)) => req = req.body(raw),
                    Some(b) => req = req.json(&b),
                    None => {}
                }
                if let Some(t) = tokens.get(name.as_str()) {
                    req = req.bearer_auth(t);
                }
                let resp = req.send().await.expect("request sent");
                let status = resp.status();
                let text = resp.text().await.unwrap_or_default();
                cells += 1;
                assert!(
                    !status.is_server_error(),
                    "{method} {path} as {name} ({scope:?}): {status} {text}"
                );
                let got = outcome_of(status);
                *by_outcome.entry(got).or_default() += 1;
                // The resources' office's heads read the refusals of their own staff and of no
                // office (anonymous, applicants), not another office's.
                if matches!(got, Outcome::Unauthenticated | Outcome::Forbidden) && !p.other_office {
                    refused += 1;
                }
                if p.other_office && names_a_record(path) {
                    *cross_office.entry(got).or_default() += 1;
                }
                if got != want {
                    mismatches.push(format!(
                        "{method} {path} as {name} ({scope:?}): expected {want:?}, got {status} {}",
                        text.chars().take(160).collect::<String>()
                    ));
                }
            }
        }
    }
    println!(
        "authorization matrix: {} routes, {cells} cells; outcomes {by_outcome:?}; another office's staff on this office's records: {cross_office:?}",
        table.len()
    );
    assert!(
        cross_office.get(&Outcome::Hidden).copied().unwrap_or(0) > 100
            && !cross_office.contains_key(&Outcome::Passes),
        "cross-office cells: {cross_office:?}"
    );
    assert!(
        mismatches.is_empty(),
        "{} of {cells} cells differ from the table:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );

    // Every refusal is in the security log: who, what, when.
    let kadis = &tokens["agency_head"];
    let (s, log) = app
        .get(
            Some(kadis),
            &format!(
                "/reports/security?from={}&to={}",
                today() - chrono::Duration::days(1),
                today() + chrono::Duration::days(1)
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{log}");
    let items = log["items"].as_array().unwrap();
    assert_eq!(
        items.len(),
        refused,
        "one security event per refused cell ({refused})"
    );
    let anonymous = items.iter().filter(|e| e["sub"].is_null()).count();
    assert_eq!(
        anonymous,
        *by_outcome.get(&Outcome::Unauthenticated).unwrap_or(&0)
    );
    for e in items {
        assert!(e["at"].is_string() && e["route"].is_string() && e["method"].is_string());
        assert!(e["code"].is_string() && e["request_id"].is_string());
        if e["status"] == 403 {
            assert!(
                e["sub"].as_str().is_some_and(|s| s.starts_with("local-")),
                "{e}"
            );
            assert!(!e["roles"].as_array().unwrap().is_empty(), "{e}");
        }
    }
    println!("security log: {} refused requests recorded", items.len());
}
