//! Local time of the agency and Indonesian date formatting.
//!
//! Bontang is in East Kalimantan: Waktu Indonesia Tengah (WITA), UTC+8, IANA `Asia/Makassar`,
//! with no daylight saving (Keppres 41/1987 sets the three Indonesian time zones). Instants are
//! stored in UTC; dates that rules talk about ("the day of submission") are WITA dates.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};

pub fn wita() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The instant a WITA calendar day begins (00:00 WITA), in UTC.
pub fn wita_start_of(d: NaiveDate) -> DateTime<Utc> {
    // UTC+8 has no gaps or folds: every local midnight exists once.
    (d.and_time(chrono::NaiveTime::MIN) - chrono::Duration::hours(8)).and_utc()
}

/// The WITA calendar date of an instant.
pub fn wita_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&wita()).date_naive()
}

const MONTHS: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

/// `26 November 2026`, as Indonesian letters write dates.
pub fn format_date_id(d: NaiveDate) -> String {
    format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}

/// `26 November 2026 pukul 14.05 WITA`; hours of two digits (`pukul 08.30`), as office letters
/// write them.
pub fn format_instant_id(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&wita());
    format!(
        "{} pukul {:02}.{:02} WITA",
        format_date_id(local.date_naive()),
        chrono::Timelike::hour(&local),
        chrono::Timelike::minute(&local)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wita_dates_change_at_local_midnight() {
        // 15:59 UTC is 23:59 WITA on the same day; 16:00 UTC is already the next day.
        let a: DateTime<Utc> = "2026-12-31T15:59:00Z".parse().unwrap();
        let b: DateTime<Utc> = "2026-12-31T16:00:00Z".parse().unwrap();
        assert_eq!(wita_date(a).to_string(), "2026-12-31");
        assert_eq!(wita_date(b).to_string(), "2027-01-01");
        assert_eq!(wita_start_of("2027-01-01".parse().unwrap()), b);
    }

    #[test]
    fn indonesian_formats() {
        let d: NaiveDate = "2026-08-17".parse().unwrap();
        assert_eq!(format_date_id(d), "17 Agustus 2026");
        let t: DateTime<Utc> = "2026-11-26T06:05:00Z".parse().unwrap();
        assert_eq!(format_instant_id(t), "26 November 2026 pukul 14.05 WITA");
        let t: DateTime<Utc> = "2026-11-26T00:30:00Z".parse().unwrap();
        assert_eq!(format_instant_id(t), "26 November 2026 pukul 08.30 WITA");
    }
}
