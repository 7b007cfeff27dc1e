//! Acting officials (Plt./Plh.) as delegations: one role of one office handed from the official
//! who holds it to a colleague for a date range, granted by the office's administrator,
//! recorded with its history, shown on the decisions taken under it and on the letters signed
//! under it ("Plt. Kepala Dinas …"), and ending by itself after its last day.
//!
//! Sources:
//! - UU 30/2014 tentang Administrasi Pemerintahan, Pasal 14: an official who is temporarily
//!   away (Pelaksana Harian, Plh.) or whose post has no definitive holder (Pelaksana Tugas,
//!   Plt.) is stood in for by mandate; the stand-in acts within the routine authority of the
//!   post (signing permits is routine; strategic decisions on staff and budget are not, and
//!   are not steps of any permit here).
//! - Surat Edaran Kepala BKN Nomor 1/SE/I/2021 tentang Kewenangan Pelaksana Harian dan
//!   Pelaksana Tugas dalam Aspek Kepegawaian: Plh. while the holder is away (leave, official
//!   travel), Plt. while the post is vacant; the designation is for at most 3 months and may be
//!   extended (here: a new delegation for the next period), by the official's superior (here:
//!   the office's administrator records it, citing the designating letter's number).
//!
//! Segregation of duties keeps holding across delegations: it looks at the person (`sub`), so
//! the stand-in who decided one step cannot decide the next under the delegated role either.

use super::case::Actor;
use super::office::OfficeCode;
use super::officials::Acting;
use super::roles::Role;
use super::validation::FieldError;
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest designation, in months (SE Kepala BKN 1/SE/I/2021).
pub const MAX_MONTHS: u32 = 3;

/// A person of the office's staff, as the directory names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub sub: String,
    pub name: String,
}

/// A change in a delegation's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegationEvent {
    /// `granted` or `revoked`.
    pub action: String,
    pub by: Actor,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation {
    pub id: Uuid,
    pub office: OfficeCode,
    pub role: Role,
    pub kind: Acting,
    /// The official stood in for.
    pub from: Person,
    /// The stand-in.
    pub to: Person,
    /// First and last day (WITA dates, both included).
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// The designating letter (surat perintah Plt./Plh.), e.g. `800/123/BKPSDM/2026`.
    pub letter_number: String,
    /// Grant, then revocation if any: who, when, why.
    pub history: Vec<DelegationEvent>,
    /// Optimistic-concurrency version.
    pub version: u64,
}

impl Delegation {
    pub fn revoked(&self) -> bool {
        self.history.iter().any(|e| e.action == "revoked")
    }

    /// In force on `day`: within its dates and not revoked.
    pub fn active_on(&self, day: NaiveDate) -> bool {
        !self.revoked() && self.starts_on <= day && day <= self.ends_on
    }

    /// `active`, `scheduled`, `ended` or `revoked` on `day`.
    pub fn state_on(&self, day: NaiveDate) -> &'static str {
        if self.revoked() {
            "revoked"
        } else if day < self.starts_on {
            "scheduled"
        } else if day > self.ends_on {
            "ended"
        } else {
            "active"
        }
    }

    /// The designation as decisions and letters print it: "Plt." or "Plh.".
    pub fn prefix(&self) -> &'static str {
        self.kind.prefix()
    }
}

/// What an actor acted under: the delegation that gave the role (shown on decisions and
/// letters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActingFor {
    pub delegation: Uuid,
    pub kind: Acting,
    /// The official stood in for.
    pub for_name: String,
}

/// A request to grant a delegation, checked against the office's staff and its delegations.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    pub role: Option<String>,
    pub kind: Option<String>,
    /// The subject ids of the official and of the stand-in (`GET /office/staff`).
    pub from: Option<String>,
    pub to: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub letter_number: Option<String>,
    pub reason: Option<String>,
}

/// The staff of the office as the check needs them: subject, name, roles.
pub struct StaffView<'a> {
    pub sub: &'a str,
    pub name: &'a str,
    pub roles: &'a [Role],
}

/// Checks a grant: the role one of the office's, held by `from` and not by `to` (two
/// different people of the office), a kind of `plt`/`plh`, dates from today on, at most
/// [`MAX_MONTHS`] months, no delegation of the same role from the same official overlapping
/// it, the designating letter named. Every problem is reported at once.
pub fn grant(
    input: GrantInput,
    office: &OfficeCode,
    staff: &[StaffView<'_>],
    existing: &[Delegation],
    by: Actor,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Delegation, Vec<FieldError>> {
    let mut e: Vec<FieldError> = vec![];
    let role = match input.role.as_deref().map(str::parse::<Role>) {
        None => {
            e.push(FieldError::required("role"));
            None
        }
        // Not the office's administration nor the cross-office reports: a stand-in takes
        // over a post's work, not the power to name stand-ins or to watch other offices.
        Some(Ok(r))
            if r.is_staff()
                && !r.can(super::roles::Capability::OfficeAdmin)
                && !r.can(super::roles::Capability::ReportsAllOffices) =>
        {
            Some(r)
        }
        Some(_) => {
            e.push(FieldError::new(
                "role",
                "unknown_role",
                "Peran tidak dikenal atau bukan peran petugas.",
            ));
            None
        }
    };
    let kind = match input.kind.as_deref() {
        Some("plt") => Some(Acting::Plt),
        Some("plh") => Some(Acting::Plh),
        None => {
            e.push(FieldError::required("kind"));
            None
        }
        Some(_) => {
            e.push(FieldError::new(
                "kind",
                "invalid_choice",
                "Pilih plt (Pelaksana Tugas) atau plh (Pelaksana Harian).",
            ));
            None
        }
    };
    let person = |field: &str, sub: Option<&str>, e: &mut Vec<FieldError>| match sub
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => {
            e.push(FieldError::required(field));
            None
        }
        Some(sub) => match staff.iter().find(|m| m.sub == sub) {
            Some(m) => Some(m),
            None => {
                e.push(FieldError::new(
                    field,
                    "unknown_staff",
                    "Petugas ini tidak terdaftar di kantor ini.",
                ));
                None
            }
        },
    };
    let from = person("from", input.from.as_deref(), &mut e);
    let to = person("to", input.to.as_deref(), &mut e);
    if to.is_some_and(|t| t.sub == by.sub) {
        e.push(FieldError::new(
            "to",
            "self_delegation",
            "Administrator tidak dapat menunjuk dirinya sendiri sebagai pelaksana.",
        ));
    }
    if let (Some(f), Some(t)) = (from, to)
        && f.sub == t.sub
    {
        e.push(FieldError::new(
            "to",
            "same_person",
            "Pelaksana harus orang lain dari pejabat yang digantikan.",
        ));
    }
    if let (Some(r), Some(f)) = (&role, from)
        && !f.roles.contains(r)
    {
        e.push(FieldError::new(
            "from",
            "role_not_held",
            format!("{} tidak memegang peran {}.", f.name, r.label()),
        ));
    }
    if let (Some(r), Some(t)) = (&role, to)
        && t.roles.contains(r)
    {
        e.push(FieldError::new(
            "to",
            "role_already_held",
            format!("{} sudah memegang peran {}.", t.name, r.label()),
        ));
    }
    let date = |field: &str, v: Option<&str>, e: &mut Vec<FieldError>| match v {
        None => {
            e.push(FieldError::required(field));
            None
        }
        Some(s) => match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                e.push(FieldError::new(
                    field,
                    "invalid_date",
                    "Tanggal harus berformat YYYY-MM-DD.",
                ));
                None
            }
        },
    };
    let starts_on = date("starts_on", input.starts_on.as_deref(), &mut e);
    let ends_on = date("ends_on", input.ends_on.as_deref(), &mut e);
    if let Some(s) = starts_on
        && s < today
    {
        e.push(FieldError::new(
            "starts_on",
            "past_date",
            "Pelimpahan tidak dapat berlaku surut: mulai hari ini atau sesudahnya.",
        ));
    }
    if let (Some(s), Some(end)) = (starts_on, ends_on) {
        if end < s {
            e.push(FieldError::new(
                "ends_on",
                "before_start",
                "Tanggal berakhir tidak boleh sebelum tanggal mulai.",
            ));
        } else if s
            .checked_add_months(Months::new(MAX_MONTHS))
            .is_none_or(|limit| end > limit)
        {
            e.push(FieldError::new(
                "ends_on",
                "too_long",
                format!(
                    "Plt./Plh. ditetapkan paling lama {MAX_MONTHS} bulan (SE Kepala BKN 1/SE/I/2021); perpanjangan dicatat sebagai pelimpahan baru."
                ),
            ));
        }
    }
    let letter_number = match input.letter_number.map(|s| s.trim().to_string()) {
        Some(n) if (3..=100).contains(&n.chars().count()) => Some(n),
        Some(_) => {
            e.push(FieldError::new(
                "letter_number",
                "out_of_range",
                "Nomor surat perintah 3–100 karakter.",
            ));
            None
        }
        None => {
            e.push(FieldError::required("letter_number"));
            None
        }
    };
    let reason = match input.reason.map(|s| s.trim().to_string()) {
        Some(r) if r.chars().count() > 500 => {
            e.push(FieldError::new(
                "reason",
                "out_of_range",
                "Keterangan paling banyak 500 karakter.",
            ));
            None
        }
        Some(r) if !r.is_empty() => Some(r),
        _ => None,
    };
    if let (Some(r), Some(f), Some(s), Some(end)) = (&role, from, starts_on, ends_on)
        && existing.iter().any(|d| {
            !d.revoked()
                && &d.role == r
                && d.from.sub == f.sub
                && d.starts_on <= end
                && s <= d.ends_on
        })
    {
        e.push(FieldError::new(
            "starts_on",
            "overlapping",
            "Sudah ada pelimpahan peran ini dari pejabat yang sama pada rentang tanggal tersebut.",
        ));
    }
    if !e.is_empty() {
        return Err(e);
    }
    let (Some(role), Some(kind), Some(from), Some(to), Some(starts_on), Some(ends_on), Some(n)) =
        (role, kind, from, to, starts_on, ends_on, letter_number)
    else {
        return Err(vec![FieldError::required("role")]);
    };
    Ok(Delegation {
        id: Uuid::now_v7(),
        office: office.clone(),
        role,
        kind,
        from: Person {
            sub: from.sub.into(),
            name: from.name.into(),
        },
        to: Person {
            sub: to.sub.into(),
            name: to.name.into(),
        },
        starts_on,
        ends_on,
        letter_number: n,
        history: vec![DelegationEvent {
            action: "granted".into(),
            by,
            at: now,
            reason,
        }],
        version: 0,
    })
}

/// Ends a delegation before its last day (the official is back, or someone else is named).
pub fn revoke(
    d: &Delegation,
    by: Actor,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<Delegation, FieldError> {
    if d.revoked() {
        return Err(FieldError::new(
            "",
            "already_revoked",
            "Pelimpahan ini sudah dicabut.",
        ));
    }
    let mut next = d.clone();
    next.version += 1;
    next.history.push(DelegationEvent {
        action: "revoked".into(),
        by,
        at: now,
        reason: reason
            .map(|r| r.trim().chars().take(500).collect::<String>())
            .filter(|r| !r.is_empty()),
    });
    Ok(next)
}

/// The roles `sub` holds on `day` by delegation, each with what it acts under.
pub fn acting_roles(
    delegations: &[Delegation],
    sub: &str,
    day: NaiveDate,
) -> Vec<(Role, ActingFor)> {
    delegations
        .iter()
        .filter(|d| d.to.sub == sub && d.active_on(day))
        .map(|d| {
            (
                d.role.clone(),
                ActingFor {
                    delegation: d.id,
                    kind: d.kind,
                    for_name: d.from.name.clone(),
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn staff() -> Vec<(String, String, Vec<Role>)> {
        vec![
            (
                "kadis".into(),
                "Ahmad Yani".into(),
                vec![Role::new("agency_head")],
            ),
            (
                "kabid".into(),
                "Dewi Lestari".into(),
                vec![Role::new("division_head")],
            ),
        ]
    }

    fn views(s: &[(String, String, Vec<Role>)]) -> Vec<StaffView<'_>> {
        s.iter()
            .map(|(sub, name, roles)| StaffView { sub, name, roles })
            .collect()
    }

    fn input(starts: &str, ends: &str) -> GrantInput {
        GrantInput {
            role: Some("agency_head".into()),
            kind: Some("plt".into()),
            from: Some("kadis".into()),
            to: Some("kabid".into()),
            starts_on: Some(starts.into()),
            ends_on: Some(ends.into()),
            letter_number: Some("800/123/BKPSDM/2026".into()),
            reason: Some("Kepala Dinas menjalani cuti besar.".into()),
        }
    }

    /// Worked example (SE Kepala BKN 1/SE/I/2021: at most 3 months): from Tuesday 1 December
    /// 2026, the last allowed day is Monday 1 March 2027; 2 March 2027 is refused.
    #[test]
    fn a_designation_lasts_at_most_three_months_and_ends_by_itself() {
        let s = staff();
        let office = super::super::office::founding_code();
        let now = Utc::now();
        let today = day("2026-12-01");
        let d = grant(
            input("2026-12-01", "2027-03-01"),
            &office,
            &views(&s),
            &[],
            Actor::system(),
            today,
            now,
        )
        .unwrap();
        assert_eq!(d.prefix(), "Plt.");
        assert_eq!(
            acting_roles(std::slice::from_ref(&d), "kabid", day("2027-03-01")).len(),
            1
        );
        // Ends by itself the day after its last day.
        assert!(acting_roles(std::slice::from_ref(&d), "kabid", day("2027-03-02")).is_empty());
        assert_eq!(d.state_on(day("2027-03-02")), "ended");
        let e = grant(
            input("2026-12-01", "2027-03-02"),
            &office,
            &views(&s),
            &[],
            Actor::system(),
            today,
            now,
        )
        .unwrap_err();
        assert_eq!(e[0].code, "too_long");
        // Overlapping the first one from the same official: refused.
        let e = grant(
            input("2027-02-01", "2027-02-10"),
            &office,
            &views(&s),
            std::slice::from_ref(&d),
            Actor::system(),
            today,
            now,
        )
        .unwrap_err();
        assert_eq!(e[0].code, "overlapping");
        // Revoked: no longer in force.
        let r = revoke(&d, Actor::system(), Some("Kembali bertugas.".into()), now).unwrap();
        assert!(acting_roles(std::slice::from_ref(&r), "kabid", day("2026-12-15")).is_empty());
        assert_eq!(
            revoke(&r, Actor::system(), None, now).unwrap_err().code,
            "already_revoked"
        );
    }

    #[test]
    fn bad_grants_are_refused_with_every_problem() {
        let s = staff();
        let office = super::super::office::founding_code();
        let mut bad = input("2026-11-30", "2026-11-29");
        bad.kind = Some("wakil".into());
        bad.to = Some("kadis".into());
        bad.letter_number = None;
        let e = grant(
            bad,
            &office,
            &views(&s),
            &[],
            Actor::system(),
            day("2026-12-01"),
            Utc::now(),
        )
        .unwrap_err();
        let codes: Vec<(&str, &str)> = e
            .iter()
            .map(|x| (x.field.as_str(), x.code.as_ref()))
            .collect();
        for want in [
            ("kind", "invalid_choice"),
            ("to", "same_person"),
            ("to", "role_already_held"),
            ("starts_on", "past_date"),
            ("ends_on", "before_start"),
            ("letter_number", "required"),
        ] {
            assert!(codes.contains(&want), "{want:?} in {codes:?}");
        }
        let mut stranger = input("2026-12-01", "2026-12-02");
        stranger.to = Some("someone-else".into());
        stranger.role = Some("applicant".into());
        let e = grant(
            stranger,
            &office,
            &views(&s),
            &[],
            Actor::system(),
            day("2026-12-01"),
            Utc::now(),
        )
        .unwrap_err();
        let codes: Vec<&str> = e.iter().map(|x| x.code.as_ref()).collect();
        assert!(
            codes.contains(&"unknown_staff") && codes.contains(&"unknown_role"),
            "{codes:?}"
        );
        // The administrator cannot name themselves, nor hand on the office's administration.
        let me = Actor {
            sub: "kabid".into(),
            name: "Dewi Lestari".into(),
            role: Some(Role::new("office_admin")),
            acting: None,
        };
        let mut own = input("2026-12-01", "2026-12-02");
        own.role = Some("office_admin".into());
        let e = grant(
            own,
            &office,
            &views(&s),
            &[],
            me,
            day("2026-12-01"),
            Utc::now(),
        )
        .unwrap_err();
        let codes: Vec<&str> = e.iter().map(|x| x.code.as_ref()).collect();
        assert!(
            codes.contains(&"self_delegation") && codes.contains(&"unknown_role"),
            "{codes:?}"
        );
    }
}
