//! The officials who sign the agency's letters, as the signature block prints them (Tata Naskah
//! Dinas, Permendagri Nomor 1 Tahun 2023 tentang Tata Naskah Dinas di Lingkungan Pemerintah
//! Daerah: the signer's position, name, rank and NIP; "Plt."/"Plh." before the position when an
//! acting official signs).
//!
//! - NIP (Nomor Induk Pegawai): 18 digits, structured by Peraturan Kepala BKN Nomor 22 Tahun 2007
//!   tentang Nomor Identitas Pegawai Negeri Sipil: digits 1–8 the date of birth (yyyymmdd),
//!   9–14 the TMT CPNS (yyyymm, when the person became a candidate civil servant), 15 the gender
//!   (1 male, 2 female), 16–18 a sequence number (001–999).
//! - Pangkat and golongan ruang of a PNS: Peraturan Pemerintah Nomor 99 Tahun 2000 tentang
//!   Kenaikan Pangkat Pegawai Negeri Sipil (as amended by PP 12/2002), Lampiran I: seventeen
//!   ranks from Juru Muda (I/a) to Pembina Utama (IV/e).
//! - Plt. (Pelaksana Tugas) stands in for a post without a definitive holder, Plh. (Pelaksana
//!   Harian) for a holder temporarily away: UU 30/2014 tentang Administrasi Pemerintahan Pasal 14
//!   (mandat) and Surat Edaran Kepala BKN Nomor 1/SE/I/2021.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a NIP, a golongan or an official's entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OfficialError(pub String);

/// Nomor Induk Pegawai: 18 digits whose parts are a real birth date, a TMT CPNS month after
/// it, a gender digit 1 or 2 and a sequence 001–999 (Perka BKN 22/2007).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nip(String);

impl Nip {
    pub fn parse(raw: &str) -> Result<Self, OfficialError> {
        // People write a NIP grouped, "19850315 201001 1 002": the spaces are not part of it.
        let t: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        let bad = |why: &str| OfficialError(format!("NIP {raw:?}: {why}"));
        if t.len() != 18 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("must be exactly 18 digits"));
        }
        let num = |r: std::ops::Range<usize>| t[r].parse::<u32>().unwrap_or(0);
        let born = NaiveDate::from_ymd_opt(num(0..4) as i32, num(4..6), num(6..8))
            .ok_or_else(|| bad("digits 1-8 are not a date of birth (yyyymmdd)"))?;
        let (tmt_year, tmt_month) = (num(8..12) as i32, num(12..14));
        let tmt = NaiveDate::from_ymd_opt(tmt_year, tmt_month, 1)
            .ok_or_else(|| bad("digits 9-14 are not a TMT CPNS month (yyyymm)"))?;
        if tmt <= born {
            return Err(bad(
                "the TMT CPNS (digits 9-14) is not after the date of birth",
            ));
        }
        if !matches!(&t[14..15], "1" | "2") {
            return Err(bad("digit 15 (gender) must be 1 or 2"));
        }
        if num(15..18) == 0 {
            return Err(bad("digits 16-18 (sequence) must be 001-999"));
        }
        Ok(Self(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The NIP as letters print it, grouped by its parts: `19850315 201001 1 002`.
    pub fn grouped(&self) -> String {
        let s = &self.0;
        format!("{} {} {} {}", &s[0..8], &s[8..14], &s[14..15], &s[15..18])
    }
}

impl TryFrom<String> for Nip {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Nip::parse(&s).map_err(|e| e.0)
    }
}
impl From<Nip> for String {
    fn from(n: Nip) -> String {
        n.0
    }
}

/// A PNS golongan ruang, I/a–IV/e, with its pangkat (PP 99/2000 Lampiran I).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Golongan {
    /// 1–4 (I–IV).
    group: u8,
    /// 0–4 (a–e; e only in IV).
    room: u8,
}

const PANGKAT: [[&str; 5]; 4] = [
    [
        "Juru Muda",
        "Juru Muda Tingkat I",
        "Juru",
        "Juru Tingkat I",
        "",
    ],
    [
        "Pengatur Muda",
        "Pengatur Muda Tingkat I",
        "Pengatur",
        "Pengatur Tingkat I",
        "",
    ],
    [
        "Penata Muda",
        "Penata Muda Tingkat I",
        "Penata",
        "Penata Tingkat I",
        "",
    ],
    [
        "Pembina",
        "Pembina Tingkat I",
        "Pembina Utama Muda",
        "Pembina Utama Madya",
        "Pembina Utama",
    ],
];
const ROMAN: [&str; 4] = ["I", "II", "III", "IV"];

impl Golongan {
    /// `IV/c` (also `iv/c`, `IV / c`).
    pub fn parse(raw: &str) -> Result<Self, OfficialError> {
        let t: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        let bad = || {
            OfficialError(format!(
                "golongan {raw:?}: expected I/a … IV/e (PP 99/2000)"
            ))
        };
        let (g, r) = t.split_once('/').ok_or_else(bad)?;
        let group = ROMAN
            .iter()
            .position(|x| x.eq_ignore_ascii_case(g))
            .ok_or_else(bad)? as u8;
        let room = match r.to_ascii_lowercase().as_str() {
            "a" => 0,
            "b" => 1,
            "c" => 2,
            "d" => 3,
            "e" if group == 3 => 4,
            _ => return Err(bad()),
        };
        Ok(Self { group, room })
    }

    pub fn pangkat(&self) -> &'static str {
        PANGKAT[usize::from(self.group)][usize::from(self.room)]
    }

    /// As the signature block prints it: `Pembina Utama Muda (IV/c)`.
    pub fn label(&self) -> String {
        format!("{} ({self})", self.pangkat())
    }
}

impl fmt::Display for Golongan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let room = (b'a' + self.room) as char;
        write!(f, "{}/{room}", ROMAN[usize::from(self.group)])
    }
}

impl TryFrom<String> for Golongan {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Golongan::parse(&s).map_err(|e| e.0)
    }
}
impl From<Golongan> for String {
    fn from(g: Golongan) -> String {
        g.to_string()
    }
}

/// An acting official's designation, printed before the position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Acting {
    /// Pelaksana Tugas: the post has no definitive holder.
    Plt,
    /// Pelaksana Harian: the holder is temporarily away.
    Plh,
}

impl Acting {
    pub fn prefix(&self) -> &'static str {
        match self {
            Acting::Plt => "Plt.",
            Acting::Plh => "Plh.",
        }
    }
}

/// One official who may sign the agency's letters: the head of agency, or an acting official.
/// The letter's signer is the staff member who signed (their name from the directory); their
/// entry here, found by that name, gives the NIP, the rank and the designation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Official {
    /// The name as the directory has it (and the letter prints it), titles included.
    pub name: String,
    pub nip: Nip,
    pub golongan: Golongan,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acting: Option<Acting>,
}

impl Official {
    /// Whether `name` (the signing staff member's) is this official's.
    pub fn is_named(&self, name: &str) -> bool {
        fn norm(s: &str) -> String {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        }
        norm(&self.name) == norm(name)
    }

    /// The position as the signature block prints it ("Plt. Kepala Dinas …").
    pub fn position(&self, head_position: &str) -> String {
        match self.acting {
            Some(a) => format!("{} {head_position}", a.prefix()),
            None => head_position.to_string(),
        }
    }
}

/// Checks a list of officials: at least one, names not empty and not repeated.
pub fn check_officials(officials: &[Official]) -> Result<(), OfficialError> {
    if officials.is_empty() {
        return Err(OfficialError(
            "officials: at least one official who signs letters (the head of agency) is needed"
                .into(),
        ));
    }
    for (i, o) in officials.iter().enumerate() {
        if o.name.trim().is_empty() {
            return Err(OfficialError(format!("officials[{i}]: the name is empty")));
        }
        if officials[..i].iter().any(|p| p.is_named(&o.name)) {
            return Err(OfficialError(format!(
                "officials[{i}]: {:?} is listed twice",
                o.name
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nip_is_read_by_its_parts_per_perka_bkn_22_2007() {
        // Worked example: 19850315 201001 1 002 = born 15 March 1985, CPNS from January 2010,
        // male (1), the second of that birth date and TMT (002).
        let nip = Nip::parse("19850315 201001 1 002").unwrap();
        assert_eq!(nip.as_str(), "198503152010011002");
        assert_eq!(nip.grouped(), "19850315 201001 1 002");
        // A woman's NIP carries 2.
        assert!(Nip::parse("197112242000032001").is_ok());
        for (bad, why) in [
            ("19850315201001100", "18 digits"),      // 17 digits
            ("1985031520100110021", "18 digits"),    // 19
            ("19850315201001100A", "18 digits"),     // a letter
            ("198502302010011002", "date of birth"), // 30 February
            ("198503152010131002", "TMT CPNS"),      // month 13
            ("198503151980011002", "not after"),     // CPNS before birth
            ("198503152010013002", "gender"),        // gender 3
            ("198503152010011000", "sequence"),      // sequence 000
        ] {
            let e = Nip::parse(bad).unwrap_err();
            assert!(e.0.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn golongan_gives_its_pangkat_per_pp_99_2000() {
        let g = Golongan::parse("IV/c").unwrap();
        assert_eq!(g.label(), "Pembina Utama Muda (IV/c)");
        assert_eq!(
            Golongan::parse("iii / d").unwrap().label(),
            "Penata Tingkat I (III/d)"
        );
        assert_eq!(Golongan::parse("I/a").unwrap().pangkat(), "Juru Muda");
        assert_eq!(Golongan::parse("IV/e").unwrap().pangkat(), "Pembina Utama");
        for bad in ["III/e", "V/a", "IV", "IV/f", ""] {
            assert!(Golongan::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_acting_official_signs_as_plt_or_plh() {
        let o: Official = serde_json::from_value(serde_json::json!({
            "name": "Dr. Sri Wahyuni, M.Si.", "nip": "197112242000032001",
            "golongan": "IV/b", "acting": "plh"
        }))
        .unwrap();
        assert_eq!(o.position("Kepala Dinas"), "Plh. Kepala Dinas");
        assert!(o.is_named("dr.  sri wahyuni, m.si."));
        assert!(!o.is_named("Sri Wahyuni"));
        let bad = serde_json::from_value::<Official>(serde_json::json!({
            "name": "X", "nip": "1985", "golongan": "IV/b"
        }));
        assert!(bad.unwrap_err().to_string().contains("18 digits"));
        assert!(check_officials(&[]).is_err());
        assert!(
            check_officials(&[o.clone(), o])
                .unwrap_err()
                .0
                .contains("twice")
        );
    }
}
