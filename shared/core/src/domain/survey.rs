//! The public satisfaction survey (Survei Kepuasan Masyarakat, SKM) of SOP step q.
//!
//! Source: Peraturan Menteri PANRB No. 14 Tahun 2017 tentang Pedoman Penyusunan Survei
//! Kepuasan Masyarakat Unit Penyelenggara Pelayanan Publik, Lampiran: nine elements in this
//! order — U1 persyaratan; U2 sistem, mekanisme dan prosedur; U3 waktu penyelesaian; U4
//! biaya/tarif; U5 produk spesifikasi jenis pelayanan; U6 kompetensi pelaksana; U7 perilaku
//! pelaksana; U8 penanganan pengaduan, saran dan masukan; U9 sarana dan prasarana — each answered
//! on four levels (1 = tidak baik … 4 = sangat baik). Some published questionnaires swap U8 and
//! U9; this follows the regulation's element list. The answer wordings are those of the
//! regulation's sample questionnaire, attached to their element.

use super::case::CaseId;
use super::validation::{Errors, FieldError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub struct Element {
    pub code: &'static str,
    pub name: &'static str,
    pub question: &'static str,
    /// Wording of answers 1, 2, 3, 4.
    pub answers: [&'static str; 4],
}

pub const ELEMENTS: [Element; 9] = [
    Element {
        code: "u1",
        name: "Persyaratan",
        question: "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
        answers: ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"],
    },
    Element {
        code: "u2",
        name: "Sistem, mekanisme dan prosedur",
        question: "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        answers: ["Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"],
    },
    Element {
        code: "u3",
        name: "Waktu penyelesaian",
        question: "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        answers: ["Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"],
    },
    Element {
        code: "u4",
        name: "Biaya/tarif",
        question: "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        answers: ["Sangat mahal", "Cukup mahal", "Murah", "Gratis"],
    },
    Element {
        code: "u5",
        name: "Produk spesifikasi jenis pelayanan",
        question: "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar pelayanan dengan hasil yang diberikan?",
        answers: ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"],
    },
    Element {
        code: "u6",
        name: "Kompetensi pelaksana",
        question: "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        answers: [
            "Tidak kompeten",
            "Kurang kompeten",
            "Kompeten",
            "Sangat kompeten",
        ],
    },
    Element {
        code: "u7",
        name: "Perilaku pelaksana",
        question: "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
        answers: [
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ],
    },
    Element {
        code: "u8",
        name: "Penanganan pengaduan, saran dan masukan",
        question: "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
        answers: [
            "Tidak ada",
            "Ada tetapi tidak berfungsi",
            "Berfungsi kurang maksimal",
            "Dikelola dengan baik",
        ],
    },
    Element {
        code: "u9",
        name: "Sarana dan prasarana",
        question: "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        answers: ["Buruk", "Cukup", "Baik", "Sangat baik"],
    },
];

/// Respondent profile fields of the regulation's form (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<u8>,
    /// `l` (laki-laki) or `p` (perempuan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    /// `sd`, `smp`, `sma`, `d1_d3_d4`, `s1`, `s2_keatas`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub education: Option<String>,
    /// `pns`, `tni`, `polri`, `swasta`, `wirausaha`, `lainnya`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occupation: Option<String>,
}

pub const SEXES: &[&str] = &["l", "p"];
pub const EDUCATIONS: &[&str] = &["sd", "smp", "sma", "d1_d3_d4", "s1", "s2_keatas"];
pub const OCCUPATIONS: &[&str] = &["pns", "tni", "polri", "swasta", "wirausaha", "lainnya"];

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyInput {
    pub version: Option<u64>,
    /// `{"u1": 4, …, "u9": 3}`.
    pub answers: Option<std::collections::BTreeMap<String, i64>>,
    pub profile: Option<Profile>,
    pub suggestion: Option<String>,
}

/// A stored response. It carries the case id (one response per case) but no name; reports
/// never show who answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyResponse {
    pub case_id: CaseId,
    /// The case's permit (release 0.1 responses: kantor kas, `migrate`).
    #[serde(default = "super::migrate::release_0_1_permit")]
    pub permit: super::permit::PermitCode,
    /// The case's office (responses from before offices: the founding office's).
    #[serde(default = "super::office::founding_code")]
    pub office: super::office::OfficeCode,
    pub answered_at: DateTime<Utc>,
    /// Scores of U1…U9 in the regulation's order, each 1–4.
    pub scores: [u8; 9],
    pub profile: Profile,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

fn one_of(list: &'static [&'static str]) -> impl Fn(String) -> Result<String, FieldError> {
    move |v| {
        if list.contains(&v.as_str()) {
            Ok(v)
        } else {
            Err(FieldError::new(
                "",
                "invalid_choice",
                format!("Pilihan tidak dikenal; gunakan: {}.", list.join(", ")),
            ))
        }
    }
}

impl SurveyInput {
    pub fn parse(
        self,
        case_id: CaseId,
        permit: super::permit::PermitCode,
        now: DateTime<Utc>,
    ) -> Result<(u64, SurveyResponse), Vec<FieldError>> {
        let mut e = Errors::default();
        let version = e.field("version", self.version, Ok);
        let mut scores = [0u8; 9];
        match self.answers {
            None => e.push(FieldError::required("answers")),
            Some(map) => {
                for k in map.keys() {
                    if !ELEMENTS.iter().any(|el| el.code == k) {
                        e.push(FieldError::new(
                            format!("answers.{k}"),
                            "unknown_field",
                            "Unsur survei tidak dikenal (gunakan u1 sampai u9).",
                        ));
                    }
                }
                for (i, el) in ELEMENTS.iter().enumerate() {
                    match map.get(el.code) {
                        None => e.push(FieldError::new(
                            format!("answers.{}", el.code),
                            "required",
                            format!(
                                "Unsur {} ({}) wajib dijawab.",
                                el.code.to_uppercase(),
                                el.name
                            ),
                        )),
                        Some(v) if (1..=4).contains(v) => scores[i] = *v as u8,
                        Some(_) => e.push(FieldError::new(
                            format!("answers.{}", el.code),
                            "score_range",
                            "Nilai harus 1, 2, 3 atau 4.",
                        )),
                    }
                }
            }
        }
        let p = self.profile.unwrap_or_default();
        if let Some(a) = p.age
            && !(15..=100).contains(&a)
        {
            e.push(FieldError::new(
                "profile.age",
                "out_of_range",
                "Umur harus antara 15 dan 100 tahun.",
            ));
        }
        let profile = Profile {
            age: p.age,
            sex: e.optional("profile.sex", p.sex, one_of(SEXES)),
            education: e.optional("profile.education", p.education, one_of(EDUCATIONS)),
            occupation: e.optional("profile.occupation", p.occupation, one_of(OCCUPATIONS)),
        };
        let suggestion = e.optional("suggestion", self.suggestion, |s| {
            super::validation::text(s, 1, 2000)
        });
        match (e.is_empty(), version) {
            (true, Some(v)) => Ok((
                v,
                SurveyResponse {
                    case_id,
                    permit,
                    office: super::office::founding_code(),
                    answered_at: now,
                    scores,
                    profile,
                    suggestion,
                },
            )),
            _ => Err(e.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn answers(v: i64) -> BTreeMap<String, i64> {
        ELEMENTS.iter().map(|e| (e.code.to_string(), v)).collect()
    }

    #[test]
    fn elements_follow_the_regulation_order() {
        let names: Vec<_> = ELEMENTS.iter().map(|e| e.name).collect();
        assert_eq!(names[7], "Penanganan pengaduan, saran dan masukan");
        assert_eq!(names[8], "Sarana dan prasarana");
        assert_eq!(ELEMENTS[3].answers[3], "Gratis");
    }

    #[test]
    fn scores_outside_one_to_four_and_missing_elements_are_refused() {
        let mut a = answers(3);
        a.insert("u4".into(), 5);
        a.remove("u9");
        let errs = SurveyInput {
            version: Some(1),
            answers: Some(a),
            ..Default::default()
        }
        .parse(
            CaseId::new(),
            crate::domain::permit::PermitCode::new("kantor-kas-ksp"),
            Utc::now(),
        )
        .unwrap_err();
        let codes: Vec<_> = errs
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_ref()))
            .collect();
        assert_eq!(
            codes,
            [("answers.u4", "score_range"), ("answers.u9", "required")]
        );
        let (_, ok) = SurveyInput {
            version: Some(1),
            answers: Some(answers(4)),
            profile: Some(Profile {
                sex: Some("p".into()),
                ..Default::default()
            }),
            suggestion: Some("Pertahankan.".into()),
        }
        .parse(
            CaseId::new(),
            crate::domain::permit::PermitCode::new("kantor-kas-ksp"),
            Utc::now(),
        )
        .unwrap();
        assert_eq!(ok.scores, [4; 9]);
    }
}

/// The service index band of PermenPANRB 14/2017 (Lampiran: "Nilai Persepsi, Interval IKM,
/// Interval Konversi IKM, Mutu Pelayanan dan Kinerja Unit Pelayanan").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Band {
    A,
    B,
    C,
    D,
}

impl Band {
    /// Classifies an IKM already rounded to two decimals: A 88.31–100.00 (Sangat Baik),
    /// B 76.61–88.30 (Baik), C 65.00–76.60 (Kurang Baik), D 25.00–64.99 (Tidak Baik).
    pub fn of(ikm: f64) -> Band {
        // Compare in hundredths so that 88.30 vs 88.31 is exact.
        let h = (ikm * 100.0).round() as i64;
        if h >= 8831 {
            Band::A
        } else if h >= 7661 {
            Band::B
        } else if h >= 6500 {
            Band::C
        } else {
            Band::D
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Band::A => "Sangat Baik",
            Band::B => "Baik",
            Band::C => "Kurang Baik",
            Band::D => "Tidak Baik",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ElementScore {
    pub code: &'static str,
    pub name: &'static str,
    /// Nilai rata-rata (NRR): the sum of the element's scores divided by the respondents.
    pub nrr: f64,
    /// NRR × 1/9, the element's weighted contribution.
    pub weighted: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Ikm {
    pub respondents: usize,
    pub elements: Vec<ElementScore>,
    /// IKM = Σ(NRRᵢ × 1/9) × 25, rounded to two decimals.
    pub ikm: f64,
    pub band: Band,
    pub band_label: &'static str,
    /// The same with the regulation's printed weight 0.111 (= 0.999 × the exact 1/9); shown
    /// for comparison with manual spreadsheets, not used for the band.
    pub ikm_with_printed_weight: f64,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The index of a period's responses (PermenPANRB 14/2017): per element the mean score (NRR),
/// weight 1/9 for each of the nine elements, IKM = Σ(NRRᵢ × 1/9) × 25, rounded to two
/// decimals, then classified. `None` without respondents.
pub fn ikm(responses: &[SurveyResponse]) -> Option<Ikm> {
    let n = responses.len();
    if n == 0 {
        return None;
    }
    let mut totals = [0u64; 9];
    for r in responses {
        for (t, s) in totals.iter_mut().zip(r.scores) {
            *t += u64::from(s);
        }
    }
    let elements: Vec<ElementScore> = ELEMENTS
        .iter()
        .zip(totals)
        .map(|(e, t)| {
            let nrr = t as f64 / n as f64;
            ElementScore {
                code: e.code,
                name: e.name,
                nrr: (nrr * 10_000.0).round() / 10_000.0,
                weighted: (nrr / 9.0 * 10_000.0).round() / 10_000.0,
            }
        })
        .collect();
    // Exact arithmetic on the totals: Σ NRR / 9 × 25 = Σ totals × 25 / (9 n).
    let sum: u64 = totals.iter().sum();
    let value = round2(sum as f64 * 25.0 / (9.0 * n as f64));
    let printed = round2(sum as f64 / n as f64 * 0.111 * 25.0);
    let band = Band::of(value);
    Some(Ikm {
        respondents: n,
        elements,
        ikm: value,
        band,
        band_label: band.label(),
        ikm_with_printed_weight: printed,
    })
}

#[cfg(test)]
mod ikm_tests {
    use super::*;

    fn response(scores: [u8; 9]) -> SurveyResponse {
        SurveyResponse {
            case_id: CaseId::new(),
            permit: crate::domain::permit::PermitCode::new("kantor-kas-ksp"),
            office: crate::domain::office::founding_code(),
            answered_at: Utc::now(),
            scores,
            profile: Profile::default(),
            suggestion: None,
        }
    }

    #[test]
    fn worked_example_three_respondents() {
        // R1 = 4 4 3 4 3 3 4 2 3, R2 = 3 3 3 4 3 3 3 3 3, R3 = 4 × 9.
        // Element totals: U1 11, U2 11, U3 10, U4 12, U5 10, U6 10, U7 11, U8 9, U9 10 = 94.
        // NRR: 3.6667 3.6667 3.3333 4.0000 3.3333 3.3333 3.6667 3.0000 3.3333.
        // IKM = Σ NRR / 9 × 25 = (94 / 3) / 9 × 25 = 2350 / 27 = 87.037… → 87.04 → B (Baik).
        // With the printed weight 0.111: 31.3333 × 0.111 × 25 = 86.95.
        let r = ikm(&[
            response([4, 4, 3, 4, 3, 3, 4, 2, 3]),
            response([3, 3, 3, 4, 3, 3, 3, 3, 3]),
            response([4; 9]),
        ])
        .unwrap();
        assert_eq!(r.respondents, 3);
        let nrr: Vec<f64> = r.elements.iter().map(|e| e.nrr).collect();
        assert_eq!(
            nrr,
            [
                3.6667, 3.6667, 3.3333, 4.0, 3.3333, 3.3333, 3.6667, 3.0, 3.3333
            ]
        );
        assert_eq!(r.ikm, 87.04);
        assert_eq!(r.band, Band::B);
        assert_eq!(r.band_label, "Baik");
        assert_eq!(r.ikm_with_printed_weight, 86.95);
        assert!(ikm(&[]).is_none());
    }

    #[test]
    fn band_edges() {
        assert_eq!(Band::of(64.99), Band::D);
        assert_eq!(Band::of(65.00), Band::C);
        assert_eq!(Band::of(76.60), Band::C);
        assert_eq!(Band::of(76.61), Band::B);
        assert_eq!(Band::of(88.30), Band::B);
        assert_eq!(Band::of(88.31), Band::A);
        assert_eq!(Band::of(100.0), Band::A);
        assert_eq!(Band::of(25.0), Band::D);
    }

    /// Responses whose scores add up to `total` over `n` respondents.
    fn with_total(n: usize, total: u64) -> Vec<SurveyResponse> {
        let mut left = total;
        (0..n)
            .map(|i| {
                let remaining = (n - i) as u64;
                // Spread evenly, each respondent between 9 and 36 points.
                let mine = (left / remaining).clamp(9, 36);
                left -= mine;
                let mut s = [1u8; 9];
                let mut extra = mine - 9;
                for x in s.iter_mut() {
                    let add = extra.min(3);
                    *x += add as u8;
                    extra -= add;
                }
                response(s)
            })
            .collect()
    }

    #[test]
    fn edges_reached_by_real_data() {
        // 5 respondents, 117 points: 117 × 25 / 45 = 65.00 → C.
        let r = ikm(&with_total(5, 117)).unwrap();
        assert_eq!((r.ikm, r.band), (65.0, Band::C));
        // 2,500 respondents, 58,491 points: 58491 × 25 / 22500 = 64.99 → D.
        let r = ikm(&with_total(2500, 58_491)).unwrap();
        assert_eq!((r.ikm, r.band), (64.99, Band::D));
        // 250 respondents, 7,947 points: 7947 × 25 / 2250 = 88.30 → B.
        let r = ikm(&with_total(250, 7_947)).unwrap();
        assert_eq!((r.ikm, r.band), (88.3, Band::B));
        // 2,500 respondents, 79,479 points: 79479 × 25 / 22500 = 88.31 → A.
        let r = ikm(&with_total(2500, 79_479)).unwrap();
        assert_eq!((r.ikm, r.band), (88.31, Band::A));
    }
}
