//! Offices: one deployment serves many regional licensing offices (DPMPTSP of a kabupaten or
//! kota), each a folder of data in `infra/offices/<code>/office.json` — who it is (letterhead,
//! contacts, signers), how it numbers, its regional days off added to the national calendar,
//! the permits of the catalogue it offers and its complaint channels.
//!
//! Every case and complaint belongs to one office ([`crate::domain::Case::office`]); its staff
//! belong to one office too (the `custom:office` claim, which only administrators set), and
//! see, list, decide and report only their office's records (`domain::identity`).
//!
//! Numbers and keys. Records from before offices were all Kota Bontang's (release 0.x served
//! one office): a record without an office is `bontang`'s ([`founding_code`]), and that office's
//! registration numbers, counters and index keys stay as they were (`KK-2026-000123`, counter
//! `registration-2026`, queue `STEP#front_office_verification`), so that an upgraded deployment
//! numbers on without a gap and needs no data migration. Every other office's carry it: its
//! `number_prefix` leads its registration numbers (`PMS-PBG-2026-000001`), its code its counters
//! (`pematangsiantar/registration-2026`) and its index keys (`STEP#pematangsiantar#…`):
//! numbers stay unique across offices (tracking looks a registration number up in every office)
//! and a work queue, deadline index or complaint register never mixes offices.

use super::calendar::{Calendar, DayOff, DayOffKind};
use super::notices::Agency;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

include!(concat!(env!("OUT_DIR"), "/offices.rs"));

/// An office's code: lowercase letters, digits and `-`, 2–40 long (`bontang`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OfficeCode(String);

impl OfficeCode {
    pub fn parse(s: &str) -> Option<Self> {
        let ok = (2..=40).contains(&s.len())
            && s.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        ok.then(|| Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The office's part of index keys and counter names: `None` for the founding office.
    pub fn scope(&self) -> Option<&str> {
        (self.0 != FOUNDING).then_some(self.0.as_str())
    }

    /// `key` within this office: `key` itself for the founding office, else `<office>#<key>`.
    pub fn scoped(&self, key: &str) -> String {
        match self.scope() {
            None => key.to_string(),
            Some(o) => format!("{o}#{key}"),
        }
    }
}

impl TryFrom<String> for OfficeCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("not an office code: {s}"))
    }
}
impl From<OfficeCode> for String {
    fn from(c: OfficeCode) -> String {
        c.0
    }
}
impl fmt::Display for OfficeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The region an office serves (a kabupaten or kota, with its Kemendagri code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// `Kota Bontang`.
    pub name: String,
    /// `Kalimantan Timur`.
    pub province: String,
    /// Kode wilayah (Permendagri 72/2019 as updated by Kepmendagri 100.1.1-6117/2022):
    /// `64.74` for Kota Bontang.
    pub code: String,
}

/// A day off the region declares for its own offices (on top of the national calendar).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionalDayOff {
    pub date: NaiveDate,
    pub name: String,
    /// A key of the office's `sources`.
    pub source: String,
}

/// Where complaints about the office's service go besides this system (SP4N-LAPOR!, the
/// office's own desk and lines), as the portal lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintChannel {
    /// `Loket pengaduan`, `SP4N-LAPOR!`, `WhatsApp`.
    pub name: String,
    pub contact: String,
}

/// One office, as `office.json` states it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeDef {
    #[serde(default, skip_serializing)]
    pub comment: Option<String>,
    pub code: OfficeCode,
    /// `DPMPTSP Kota Bontang`.
    pub name: String,
    pub region: Region,
    /// 2–4 capital letters leading the office's registration numbers (`PMS`); none for the
    /// founding office (`bontang`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_prefix: Option<String>,
    /// Letterhead, contacts, signers and emblem (`emblem_file` relative to `office.json`).
    pub agency: Agency,
    /// The permits of the catalogue the office offers (codes).
    pub permits: Vec<String>,
    #[serde(default)]
    pub days_off: Vec<RegionalDayOff>,
    /// Sources of the days off, by key.
    #[serde(default)]
    pub sources: BTreeMap<String, String>,
    #[serde(default)]
    pub complaint_channels: Vec<ComplaintChannel>,
}

/// An office, with the calendar its deadlines count in (the national one and its days off).
#[derive(Debug, Clone)]
pub struct Office {
    pub def: OfficeDef,
    pub calendar: Arc<Calendar>,
}

impl Office {
    pub fn code(&self) -> &OfficeCode {
        &self.def.code
    }

    pub fn agency(&self) -> &Agency {
        &self.def.agency
    }

    pub fn offers(&self, permit: &str) -> bool {
        self.def.permits.iter().any(|p| p == permit)
    }

    /// The name of the office's counter `name` (`registration-2026`, for another office
    /// `pematangsiantar/registration-2026`).
    pub fn counter(&self, name: &str) -> String {
        match self.def.code.scope() {
            None => name.to_string(),
            Some(office) => format!("{office}/{name}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{file}: {problems:?}")]
pub struct OfficesError {
    pub file: String,
    pub problems: Vec<String>,
}

/// The offices of a deployment, in code order.
#[derive(Debug, Clone)]
pub struct Offices {
    list: Vec<Arc<Office>>,
}

impl Offices {
    /// Checks and builds the offices from their definitions: codes and number prefixes unique,
    /// a prefix for every office but the founding one (which has none), each offering at
    /// least one permit of `permits`, each day off in a year of the national calendar with a
    /// source the file names, the signers' NIPs and ranks valid.
    pub fn build(
        defs: Vec<(String, OfficeDef)>,
        national: &Calendar,
        permits: &[&str],
    ) -> Result<Self, OfficesError> {
        let mut list = vec![];
        let mut problems: Vec<String> = vec![];
        let mut seen_codes = BTreeMap::new();
        let mut seen_prefixes = BTreeMap::new();
        if defs.is_empty() {
            problems.push("no office".into());
        }
        for (file, def) in defs {
            let mut bad = |p: String| problems.push(format!("{file}: {p}"));
            if seen_codes.insert(def.code.clone(), ()).is_some() {
                bad(format!("office `{}` appears twice", def.code));
            }
            match (&def.number_prefix, def.code.scope().is_none()) {
                (Some(_), true) => bad("the founding office has no number_prefix".into()),
                (None, false) => bad("number_prefix: required (2-4 capital letters)".into()),
                (Some(p), false) => {
                    if !(2..=4).contains(&p.len()) || !p.bytes().all(|c| c.is_ascii_uppercase()) {
                        bad(format!("number_prefix `{p}`: 2-4 capital letters"));
                    }
                    if seen_prefixes.insert(p.clone(), ()).is_some() {
                        bad(format!("number_prefix `{p}` is another office's"));
                    }
                }
                (None, true) => {}
            }
            if def.permits.is_empty() {
                bad("permits: the office offers none".into());
            }
            for p in &def.permits {
                if !permits.contains(&p.as_str()) {
                    bad(format!("permits: `{p}` is not in the catalogue"));
                }
            }
            let years: Vec<i32> = national.years().collect();
            let mut days = vec![];
            for d in &def.days_off {
                if !def.sources.contains_key(&d.source) {
                    bad(format!(
                        "days_off {}: unknown source `{}`",
                        d.date, d.source
                    ));
                }
                if !years.contains(&d.date.year()) {
                    bad(format!(
                        "days_off {}: the national calendar has no {}",
                        d.date,
                        d.date.year()
                    ));
                }
                days.push(DayOff {
                    date: d.date,
                    kind: DayOffKind::Regional,
                    name: d.name.clone(),
                    source: d.source.clone(),
                });
            }
            if let Err(e) = super::officials::check_officials(&def.agency.officials) {
                bad(format!("agency.officials: {e}"));
            }
            let calendar = Arc::new(national.with_days_off(&days, &def.sources));
            list.push(Arc::new(Office { def, calendar }));
        }
        if !problems.is_empty() {
            return Err(OfficesError {
                file: "offices".into(),
                problems,
            });
        }
        list.sort_by(|a, b| a.def.code.cmp(&b.def.code));
        Ok(Self { list })
    }

    /// One office (a deployment of one office: tests and tools that build services by hand).
    pub fn single(agency: Agency, calendar: Arc<Calendar>, permits: Vec<String>) -> Self {
        Self {
            list: vec![Arc::new(Office {
                def: OfficeDef {
                    comment: None,
                    code: founding_code(),
                    name: format!(
                        "DPMPTSP {}",
                        agency.government.trim_start_matches("Pemerintah ")
                    ),
                    region: Region {
                        name: agency.government.trim_start_matches("Pemerintah ").into(),
                        province: String::new(),
                        code: String::new(),
                    },
                    number_prefix: None,
                    agency,
                    permits,
                    days_off: vec![],
                    sources: BTreeMap::new(),
                    complaint_channels: vec![],
                },
                calendar,
            })],
        }
    }

    pub fn get(&self, code: &OfficeCode) -> Option<&Arc<Office>> {
        self.list.iter().find(|o| &o.def.code == code)
    }

    /// The office whose records predate offices (a record without an office is its), or for a
    /// deployment without it the first office: where an application naming no office goes.
    pub fn founding(&self) -> &Arc<Office> {
        self.list
            .iter()
            .find(|o| o.def.code.scope().is_none())
            .unwrap_or(&self.list[0])
    }

    /// The office of a record: its own, or the founding office for a code no longer served
    /// (its letters keep a letterhead; staff of no office see it).
    pub fn of(&self, code: &OfficeCode) -> &Arc<Office> {
        self.get(code).unwrap_or_else(|| self.founding())
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Office>> {
        self.list.iter()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

static SOLE: std::sync::OnceLock<Option<OfficeCode>> = std::sync::OnceLock::new();

/// Records, once per process, the office of staff whose token names none: the deployment's only
/// office, or none when it serves several (`auth::caller_from_claims`).
pub fn install_sole_office(offices: &Offices) {
    let sole = (offices.len() == 1).then(|| offices.founding().code().clone());
    let _ = SOLE.set(sole);
}

/// The office of staff whose token names none (see [`install_sole_office`]).
pub fn sole_office() -> Option<OfficeCode> {
    SOLE.get().cloned().flatten()
}

const FOUNDING: &str = "bontang";

/// The code of the office whose records predate offices (all of them were Kota Bontang's).
pub fn founding_code() -> OfficeCode {
    OfficeCode(FOUNDING.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(code: &str, prefix: Option<&str>) -> OfficeDef {
        OfficeDef {
            comment: None,
            code: OfficeCode::parse(code).unwrap(),
            name: format!("DPMPTSP {code}"),
            region: Region {
                name: code.into(),
                province: "x".into(),
                code: "00.00".into(),
            },
            number_prefix: prefix.map(str::to_string),
            agency: Agency::default(),
            permits: vec!["pbg".into()],
            days_off: vec![],
            sources: BTreeMap::new(),
            complaint_channels: vec![],
        }
    }

    #[test]
    fn office_codes() {
        assert!(OfficeCode::parse("bontang").is_some());
        assert!(OfficeCode::parse("kota-pematangsiantar").is_some());
        for bad in ["B", "Bontang", "bon tang", "-x", "x-", "bontang/1", ""] {
            assert!(OfficeCode::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn prefixes_for_every_office_but_the_founding_one_and_unique() {
        let cal = Calendar::shipped();
        let ok = Offices::build(
            vec![
                ("a".into(), def("bontang", None)),
                ("b".into(), def("pematangsiantar", Some("PMS"))),
            ],
            &cal,
            &["pbg"],
        )
        .unwrap();
        assert_eq!(ok.founding().code().as_str(), "bontang");
        assert_eq!(
            ok.founding().counter("registration-2026"),
            "registration-2026"
        );
        let pms = ok
            .get(&OfficeCode::parse("pematangsiantar").unwrap())
            .unwrap();
        assert_eq!(
            pms.counter("registration-2026"),
            "pematangsiantar/registration-2026"
        );
        assert_eq!(pms.code().scope(), Some("pematangsiantar"));
        assert_eq!(
            pms.code().scoped("front_office_verification"),
            "pematangsiantar#front_office_verification"
        );
        assert_eq!(ok.founding().code().scoped("x"), "x");

        let e = Offices::build(
            vec![
                ("a".into(), def("bontang", Some("BTG"))),
                ("b".into(), def("samarinda", None)),
                ("c".into(), def("balikpapan", Some("bp"))),
                ("d".into(), def("balikpapan", Some("PMS"))),
            ],
            &cal,
            &["pbg"],
        )
        .unwrap_err();
        let all = e.problems.join("\n");
        for want in [
            "a: the founding office has no number_prefix",
            "b: number_prefix: required",
            "c: number_prefix `bp`: 2-4 capital letters",
        ] {
            assert!(all.contains(want), "{want} in {all}");
        }
        let mut other = def("bontang", None);
        other.permits = vec!["izin-reklame".into()];
        let e = Offices::build(vec![("a".into(), other)], &cal, &["pbg"]).unwrap_err();
        assert!(
            e.problems[0].contains("`izin-reklame` is not in the catalogue"),
            "{e}"
        );
    }

    /// Worked example: a regional day off (Hari Jadi Kota Pematangsiantar, Friday 24 April
    /// 2026, as the demo office file declares it) is not a working day in that office's
    /// calendar only: 3 working days from Thursday 23 April end on Wednesday 29 April there
    /// (24 April off, 25–26 weekend) and on Tuesday 28 April in the national calendar.
    #[test]
    fn a_regional_day_off_moves_only_that_offices_deadlines() {
        let cal = Calendar::shipped();
        let mut pms = def("pematangsiantar", Some("PMS"));
        pms.sources
            .insert("demo".into(), "Keputusan Wali Kota (demo)".into());
        pms.days_off.push(RegionalDayOff {
            date: NaiveDate::from_ymd_opt(2026, 4, 24).unwrap(),
            name: "Hari Jadi Kota Pematangsiantar".into(),
            source: "demo".into(),
        });
        let offices = Offices::build(
            vec![("a".into(), def("bontang", None)), ("b".into(), pms)],
            &cal,
            &["pbg"],
        )
        .unwrap();
        let from = NaiveDate::from_ymd_opt(2026, 4, 23).unwrap();
        let pms = offices
            .get(&OfficeCode::parse("pematangsiantar").unwrap())
            .unwrap();
        assert_eq!(
            pms.calendar.add_working_days(from, 3).value,
            NaiveDate::from_ymd_opt(2026, 4, 29).unwrap()
        );
        assert_eq!(
            offices.founding().calendar.add_working_days(from, 3).value,
            NaiveDate::from_ymd_opt(2026, 4, 28).unwrap()
        );

        let mut bad = def("pematangsiantar", Some("PMS"));
        bad.days_off.push(RegionalDayOff {
            date: NaiveDate::from_ymd_opt(2031, 4, 24).unwrap(),
            name: "x".into(),
            source: "nowhere".into(),
        });
        let e = Offices::build(
            vec![("a".into(), def("bontang", None)), ("b".into(), bad)],
            &cal,
            &["pbg"],
        )
        .unwrap_err();
        let all = e.problems.join("\n");
        assert!(all.contains("unknown source `nowhere`"), "{all}");
        assert!(all.contains("the national calendar has no 2031"), "{all}");
    }
}
