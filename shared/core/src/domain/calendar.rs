//! Working days (hari kerja) of the agency.
//!
//! Sources: Perpres 21/2023 on the working days and hours of state employees — Monday to
//! Friday; national holidays and nationwide *cuti bersama* are set each year by a joint decree
//! of three ministers (SKB Menteri Agama, Menteri Ketenagakerjaan, Menteri PANRB) and can be
//! amended during the year (18 August 2025 was added by an amendment of 7 August 2025). The
//! dates are data, one file per year in `infra/calendar/`, each date with its name and source;
//! an amendment is another source whose entries add days or cancel them (`"cancelled": true`).
//!
//! Counting convention: a clock that runs from day A to day B has used the working days `d`
//! with `A < d ≤ B` (the day it starts does not count, the day it stops does), and a deadline of
//! `n` working days from A falls on the `n`-th working day after A.
//!
//! A date in a year without data is counted as a working day when it is Monday–Friday, and the
//! result carries that year in `unknown_years`: the caller shows and logs a loud warning. It is
//! never a silent guess. A year can also be *provisional* (`"provisional": true`): its file
//! holds only the holidays whose date is fixed every year (1 January, 1 May, 1 June, 17 August,
//! 25 December, by Keppres 251/1967 as amended, Keppres 24/2013 and Keppres 24/2016) until the
//! year's SKB is published. Those days are off; any other Monday–Friday of that year is counted
//! as a working day with the same warning, since the SKB will add the moving holidays and the
//! cuti bersama.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

include!(concat!(env!("OUT_DIR"), "/calendars.rs"));

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayOffKind {
    Holiday,
    CutiBersama,
    /// A day off the office's region declares for its own offices (`domain::office`).
    Regional,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayOff {
    pub date: NaiveDate,
    pub kind: DayOffKind,
    pub name: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
struct YearFile {
    year: i32,
    /// Only the dates fixed every year, until the year's SKB is added.
    #[serde(default)]
    provisional: bool,
    sources: BTreeMap<String, String>,
    days: Vec<DayEntry>,
}

#[derive(Debug, Deserialize)]
struct DayEntry {
    date: NaiveDate,
    kind: DayOffKind,
    name: String,
    source: String,
    /// An amendment that cancels an earlier day off.
    #[serde(default)]
    cancelled: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("{file}: {msg}")]
    Invalid { file: String, msg: String },
}

/// What a date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Day<'a> {
    Working,
    Weekend,
    Off(&'a DayOff),
    /// Monday–Friday in a year the calendar has no data for, or only provisional data (no day
    /// off known that day, but the SKB may add one).
    Unknown,
}

/// A count of working days, with the years it had to assume.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counted<T> {
    pub value: T,
    pub unknown_years: BTreeSet<i32>,
}

#[derive(Debug, Clone, Default)]
pub struct Calendar {
    days: BTreeMap<NaiveDate, DayOff>,
    years: BTreeSet<i32>,
    /// Years whose file holds only the dates fixed every year.
    provisional: BTreeSet<i32>,
    sources: BTreeMap<String, String>,
}

impl Calendar {
    /// Loads year files (`(file name, JSON)`), applying amendments in file order.
    pub fn from_files(files: &[(&str, &str)]) -> Result<Self, CalendarError> {
        let mut cal = Calendar::default();
        for (name, json) in files {
            let bad = |msg: String| CalendarError::Invalid {
                file: (*name).to_string(),
                msg,
            };
            let y: YearFile = serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
            if !cal.years.insert(y.year) {
                return Err(bad(format!("year {} appears twice", y.year)));
            }
            if y.provisional {
                cal.provisional.insert(y.year);
            }
            for (id, title) in &y.sources {
                cal.sources.insert(id.clone(), title.clone());
            }
            for d in y.days {
                if d.date.year() != y.year {
                    return Err(bad(format!("{} is not in {}", d.date, y.year)));
                }
                if !y.sources.contains_key(&d.source) {
                    return Err(bad(format!("{}: unknown source `{}`", d.date, d.source)));
                }
                if d.cancelled {
                    cal.days.remove(&d.date);
                } else {
                    cal.days.insert(
                        d.date,
                        DayOff {
                            date: d.date,
                            kind: d.kind,
                            name: d.name,
                            source: d.source,
                        },
                    );
                }
            }
        }
        Ok(cal)
    }

    /// This calendar with an office's own days off added (`domain::office`), their sources
    /// beside the national ones.
    pub fn with_days_off(&self, days: &[DayOff], sources: &BTreeMap<String, String>) -> Self {
        let mut cal = self.clone();
        for (id, title) in sources {
            cal.sources.insert(id.clone(), title.clone());
        }
        for d in days {
            // A national day off stays what it is.
            cal.days.entry(d.date).or_insert_with(|| d.clone());
        }
        cal
    }

    /// The calendars shipped in `infra/calendar/`.
    pub fn shipped() -> Self {
        Self::from_files(SHIPPED).expect("the shipped calendars are valid")
    }

    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    /// Whether `year`'s data is provisional (only the dates fixed every year).
    pub fn is_provisional(&self, year: i32) -> bool {
        self.provisional.contains(&year)
    }

    pub fn source(&self, id: &str) -> Option<&str> {
        self.sources.get(id).map(String::as_str)
    }

    pub fn day(&self, d: NaiveDate) -> Day<'_> {
        if matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            return Day::Weekend;
        }
        if let Some(off) = self.days.get(&d) {
            return Day::Off(off);
        }
        if self.years.contains(&d.year()) && !self.provisional.contains(&d.year()) {
            Day::Working
        } else {
            Day::Unknown
        }
    }

    fn counts(&self, d: NaiveDate, unknown: &mut BTreeSet<i32>) -> bool {
        match self.day(d) {
            Day::Working => true,
            Day::Unknown => {
                unknown.insert(d.year());
                true
            }
            Day::Weekend | Day::Off(_) => false,
        }
    }

    /// Working days `d` with `from < d ≤ to` (0 when `to ≤ from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Counted<u32> {
        let mut c = Counted::default();
        let mut d = from;
        while d < to {
            d = d.succ_opt().expect("date in range");
            if self.counts(d, &mut c.unknown_years) {
                c.value += 1;
            }
        }
        c
    }

    /// The most calendar days `n` working days can take: the longest span from any day of a
    /// year with data (holiday blocks included) to its `n`-th working day, and at least the
    /// Monday–Friday span (a year without data). A workflow's timeout for a step of `n` working
    /// days may not be longer (`crate::catalogue`).
    pub fn longest_span(&self, n: u32) -> u32 {
        self.longest_spans(&BTreeSet::from([n]))[&n]
    }

    /// [`Calendar::longest_span`] of each of `ns`, in one pass over the data's days.
    pub fn longest_spans(&self, ns: &BTreeSet<u32>) -> BTreeMap<u32, u32> {
        let mut out: BTreeMap<u32, u32> = BTreeMap::new();
        let Some(&max) = ns.last() else {
            return out;
        };
        // A week of a year far from any data: the plain Monday–Friday span.
        for &n in ns {
            let plain = (0..7)
                .filter_map(|i| NaiveDate::from_ymd_opt(2200, 1, 1 + i))
                .map(|from| (self.add_working_days(from, n).value - from).num_days() as u32)
                .max()
                .unwrap_or(n);
            out.insert(n, plain);
        }
        let (Some(first), Some(last)) = (self.years.first(), self.years.last()) else {
            return out;
        };
        if max == 0 {
            return out;
        }
        let start = NaiveDate::from_ymd_opt(*first, 1, 1).expect("1 January");
        let end = NaiveDate::from_ymd_opt(*last, 12, 31).expect("31 December");
        // Every working day after `start`, on until `max` of them lie after `end`; the `n`-th
        // working day after a day is then an index away (one pass instead of one walk per day).
        let mut work: Vec<NaiveDate> = vec![];
        let mut after_end = 0;
        let mut d = start;
        let mut unknown = BTreeSet::new();
        while after_end < max {
            d = d.succ_opt().expect("date in range");
            if self.counts(d, &mut unknown) {
                work.push(d);
                if d > end {
                    after_end += 1;
                }
            }
        }
        let mut next = 0; // the first working day after `from`
        let mut from = start;
        while from <= end {
            while work[next] <= from {
                next += 1;
            }
            if self.years.contains(&from.year()) {
                for (&n, longest) in out.iter_mut().filter(|(n, _)| **n > 0) {
                    let nth = work[next + n as usize - 1];
                    *longest = (*longest).max((nth - from).num_days() as u32);
                }
            }
            from = from.succ_opt().expect("date in range");
        }
        out
    }

    /// The `n`-th working day after `from` (`from` itself when `n` is 0).
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Counted<NaiveDate> {
        let mut c = Counted {
            value: from,
            unknown_years: BTreeSet::new(),
        };
        let mut left = n;
        while left > 0 {
            c.value = c.value.succ_opt().expect("date in range");
            if self.counts(c.value, &mut c.unknown_years) {
                left -= 1;
            }
        }
        c
    }
}

/// The Indonesian warning for dates counted without holiday data.
pub fn unknown_years_warning(years: &BTreeSet<i32>) -> Option<String> {
    if years.is_empty() {
        return None;
    }
    let list: Vec<String> = years.iter().map(i32::to_string).collect();
    Some(format!(
        "Data hari libur nasional dan cuti bersama tahun {} belum tersedia lengkap (paling banyak hanya hari libur yang tanggalnya tetap setiap tahun); hari Senin–Jumat lainnya tahun itu dihitung sebagai hari kerja sampai SKB tiga menteri dimasukkan ke kalender.",
        list.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn shipped_years_have_the_decreed_number_of_days() {
        let c = Calendar::shipped();
        assert_eq!(c.years().collect::<Vec<_>>(), [2025, 2026, 2027]);
        assert!(!c.is_provisional(2026));
        assert!(c.is_provisional(2027));
        let count = |y: i32, k: DayOffKind| {
            c.days
                .values()
                .filter(|o| o.date.year() == y && o.kind == k)
                .count()
        };
        // 2025: 17 holidays; 10 cuti bersama by the SKB plus 18 August by the amendment.
        assert_eq!(count(2025, DayOffKind::Holiday), 17);
        assert_eq!(count(2025, DayOffKind::CutiBersama), 11);
        // 2026: 17 holidays, 8 cuti bersama (SKB 1497/2025, 2/2025, 5/2025).
        assert_eq!(count(2026, DayOffKind::Holiday), 17);
        assert_eq!(count(2026, DayOffKind::CutiBersama), 8);
        let Day::Off(aug18) = c.day(d("2025-08-18")) else {
            panic!()
        };
        assert_eq!(aug18.source, "skb-2025-perubahan");
        assert!(c.source("skb-2026").unwrap().contains("1497"));
    }

    #[test]
    fn longest_spans_are_the_longest_walk_from_any_day() {
        // The one-pass computation against walking n working days from every day of the data.
        let c = Calendar::shipped();
        for n in [1, 2, 3, 7, 25, 30, 120] {
            let mut walked = 0;
            for y in c.years() {
                let mut from = NaiveDate::from_ymd_opt(y, 1, 1).unwrap();
                while from.year() == y {
                    let to = c.add_working_days(from, n).value;
                    walked = walked.max((to - from).num_days() as u32);
                    from = from.succ_opt().unwrap();
                }
            }
            assert_eq!(
                c.longest_span(n),
                walked.max(Calendar::default().longest_span(n)),
                "n = {n}"
            );
        }
        assert_eq!(c.longest_span(0), 0);
        let all = c.longest_spans(&BTreeSet::from([0, 1, 7, 120]));
        assert_eq!(all[&7], c.longest_span(7));
        assert_eq!(all[&120], c.longest_span(120));
    }

    #[test]
    fn longest_spans_worked_examples() {
        let c = Calendar::shipped();
        // Monday–Friday alone: one working day after a Friday is the Monday, 3 days later.
        assert_eq!(Calendar::default().longest_span(1), 3);
        assert_eq!(Calendar::default().longest_span(5), 7);
        assert_eq!(Calendar::default().longest_span(30), 42);
        // With 2025's data: Thursday 27 March 2025 (before Nyepi, Idul Fitri and the cuti
        // bersama of 28 March – 7 April) to its next working day, Tuesday 8 April: 12 days.
        assert_eq!(c.longest_span(1), 12);
        assert!(c.longest_span(30) > 42);
    }

    #[test]
    fn weekends_holidays_and_cuti_bersama() {
        let c = Calendar::shipped();
        assert_eq!(c.day(d("2026-03-14")), Day::Weekend); // Saturday
        assert!(matches!(c.day(d("2026-03-19")), Day::Off(o) if o.kind == DayOffKind::Holiday));
        assert!(matches!(c.day(d("2026-03-20")), Day::Off(o) if o.kind == DayOffKind::CutiBersama));
        assert_eq!(c.day(d("2026-03-25")), Day::Working);
        assert_eq!(c.day(d("2027-01-04")), Day::Unknown);
    }

    #[test]
    fn worked_example_before_the_idul_fitri_block_2026() {
        // Tuesday 17 March 2026, the day before the block: 18 (cuti bersama), 19 (Nyepi),
        // 20 (cuti bersama), 21–22 (Idul Fitri, a weekend), 23–24 (cuti bersama).
        // The next working day is Wednesday 25 March.
        let c = Calendar::shipped();
        assert_eq!(
            c.add_working_days(d("2026-03-17"), 1).value,
            d("2026-03-25")
        );
        // Five working days: 25, 26, 27 March, then 30, 31 March.
        assert_eq!(
            c.add_working_days(d("2026-03-17"), 5).value,
            d("2026-03-31")
        );
        assert_eq!(
            c.working_days_between(d("2026-03-17"), d("2026-03-31"))
                .value,
            5
        );
        // Thirty working days from Monday 16 March 2026 (counted by hand: 17 Mar; 25–27 Mar;
        // 30 Mar–2 Apr (3 Apr Good Friday off); 6–10 Apr; 13–17 Apr; 20–24 Apr; 27–30 Apr
        // (1 May off)) = 1 + 3 + 4 + 5 + 5 + 5 + 4 = 27 by 30 April; then 4, 5, 6 May → 6 May.
        assert_eq!(
            c.add_working_days(d("2026-03-16"), 30).value,
            d("2026-05-06")
        );
    }

    #[test]
    fn worked_example_across_the_new_year_2025_2026() {
        // From Monday 22 December 2025: 23 Dec; 24 Dec is a working day in 2025 (cuti bersama
        // is 26 Dec); 25 (Christmas) and 26 (cuti bersama) off; 29, 30, 31 Dec; 1 Jan 2026 off;
        // 2 Jan; then 5 Jan.
        let c = Calendar::shipped();
        let r = c.add_working_days(d("2025-12-22"), 7);
        assert_eq!(r.value, d("2026-01-05"));
        assert!(r.unknown_years.is_empty());
        assert_eq!(
            c.working_days_between(d("2025-12-22"), d("2026-01-05"))
                .value,
            7
        );
    }

    #[test]
    fn the_18_august_2025_amendment_counts() {
        // Friday 15 Aug 2025 + 1 working day: Sat 16, Sun 17 (holiday), Mon 18 (cuti bersama by
        // the amendment) → Tuesday 19 August.
        let c = Calendar::shipped();
        assert_eq!(
            c.add_working_days(d("2025-08-15"), 1).value,
            d("2025-08-19")
        );
    }

    #[test]
    fn a_provisional_year_keeps_its_fixed_holidays_and_the_warning() {
        // From Wednesday 23 Dec 2026: 24 (cuti bersama), 25 (Christmas) off; 28, 29, 30, 31 Dec;
        // 2027 is provisional: Friday 1 January 2027 (Tahun Baru, fixed every year) is off, so
        // the fifth working day is Monday 4 January 2027 — flagged, as the SKB for 2027 is not
        // in yet.
        let c = Calendar::shipped();
        assert!(matches!(c.day(d("2027-01-01")), Day::Off(o) if o.source == "keppres-251-1967"));
        let r = c.add_working_days(d("2026-12-23"), 5);
        assert_eq!(r.value, d("2027-01-04"));
        assert_eq!(r.unknown_years, BTreeSet::from([2027]));
        let w = unknown_years_warning(&r.unknown_years).unwrap();
        assert!(w.contains("tahun 2027 belum tersedia"), "{w}");
        // The agency's 30 working days from Wednesday 23 December 2026, counted by hand: 28–31
        // Dec (4); 1 Jan off, 4–8 Jan (9), 11–15 (14), 18–22 (19), 25–29 (24), 1–5 Feb (29),
        // Monday 8 February 2027 (30). Without the 2027 file it was a day early, 5 February.
        assert_eq!(
            c.add_working_days(d("2026-12-23"), 30).value,
            d("2027-02-08")
        );
        // 17 August 2027 (Tuesday) is off; 16 and 18 count, flagged.
        let aug = c.working_days_between(d("2027-08-13"), d("2027-08-18"));
        assert_eq!(aug.value, 2); // Monday 16, Wednesday 18
        assert_eq!(aug.unknown_years, BTreeSet::from([2027]));
        let inside = c.add_working_days(d("2026-12-01"), 3);
        assert!(inside.unknown_years.is_empty());
        assert!(unknown_years_warning(&inside.unknown_years).is_none());
    }

    #[test]
    fn a_year_without_data_is_flagged_not_guessed() {
        // 2028 has no file: Monday 3 January 2028 counts as a working day, flagged.
        let c = Calendar::shipped();
        assert_eq!(c.day(d("2028-01-03")), Day::Unknown);
        let r = c.add_working_days(d("2027-12-31"), 1);
        assert_eq!(r.value, d("2028-01-03"));
        assert_eq!(r.unknown_years, BTreeSet::from([2028]));
    }

    #[test]
    fn amendments_can_cancel_and_bad_files_are_refused() {
        let base = r#"{"year": 2030, "sources": {"a": "SKB", "b": "Perubahan"},
            "days": [{"date": "2030-06-03", "kind": "cuti_bersama", "name": "X", "source": "a"},
                     {"date": "2030-06-03", "kind": "cuti_bersama", "name": "X", "source": "b", "cancelled": true}]}"#;
        let c = Calendar::from_files(&[("2030.json", base)]).unwrap();
        assert_eq!(c.day(d("2030-06-03")), Day::Working);
        let wrong_year = r#"{"year": 2030, "sources": {"a": "S"}, "days": [{"date": "2031-01-01", "kind": "holiday", "name": "X", "source": "a"}]}"#;
        assert!(Calendar::from_files(&[("x.json", wrong_year)]).is_err());
        let no_source = r#"{"year": 2030, "sources": {}, "days": [{"date": "2030-01-01", "kind": "holiday", "name": "X", "source": "a"}]}"#;
        assert!(Calendar::from_files(&[("x.json", no_source)]).is_err());
    }
}
