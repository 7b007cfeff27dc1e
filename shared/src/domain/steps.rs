//! The human steps of the SOP that the workflow waits on, their roles and their outcomes.
//!
//! Source: seed `sop-izin-kantor-kas-ksp.md`, "Sistem, Mekanisme dan Prosedur", steps g–r.
//! Steps a–c happen in OSS (outside this system), d–f are the applicant's account, application
//! and uploads (before the workflow starts), h is an automatic notice and s is the applicant
//! receiving the permit (the case's final state). The routing between steps is not here: it is
//! the ASL file in `infra/statemachine/`, checked against this table when it is loaded.

use super::roles::Role;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    FrontOfficeVerification,
    ApplicantRevision,
    BackOfficeValidation,
    SectionHeadForwarding,
    TechnicalVerification,
    Recommendation,
    LetterDrafting,
    SectionHeadValidation,
    DivisionHeadValidation,
    HeadSignature,
    Survey,
    Effectuation,
}

/// One possible result of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutcomeDef {
    pub code: &'static str,
    /// What the console's button says (Bahasa Indonesia).
    pub label: &'static str,
    /// A negative outcome (incomplete, invalid, return, refuse) must carry a reason.
    pub reason_required: bool,
}

const fn out(code: &'static str, label: &'static str, reason_required: bool) -> OutcomeDef {
    OutcomeDef {
        code,
        label,
        reason_required,
    }
}

impl Step {
    pub const ALL: [Step; 12] = [
        Step::FrontOfficeVerification,
        Step::ApplicantRevision,
        Step::BackOfficeValidation,
        Step::SectionHeadForwarding,
        Step::TechnicalVerification,
        Step::Recommendation,
        Step::LetterDrafting,
        Step::SectionHeadValidation,
        Step::DivisionHeadValidation,
        Step::HeadSignature,
        Step::Survey,
        Step::Effectuation,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Step::FrontOfficeVerification => "front_office_verification",
            Step::ApplicantRevision => "applicant_revision",
            Step::BackOfficeValidation => "back_office_validation",
            Step::SectionHeadForwarding => "section_head_forwarding",
            Step::TechnicalVerification => "technical_verification",
            Step::Recommendation => "recommendation",
            Step::LetterDrafting => "letter_drafting",
            Step::SectionHeadValidation => "section_head_validation",
            Step::DivisionHeadValidation => "division_head_validation",
            Step::HeadSignature => "head_signature",
            Step::Survey => "survey",
            Step::Effectuation => "effectuation",
        }
    }

    /// The step's letter in the SOP ("–" for the revision loop, which the SOP implies).
    pub fn sop(self) -> &'static str {
        match self {
            Step::FrontOfficeVerification => "g",
            Step::ApplicantRevision => "f",
            Step::BackOfficeValidation => "i",
            Step::SectionHeadForwarding => "j",
            Step::TechnicalVerification => "k",
            Step::Recommendation => "l",
            Step::LetterDrafting => "m",
            Step::SectionHeadValidation => "n",
            Step::DivisionHeadValidation => "o",
            Step::HeadSignature => "p",
            Step::Survey => "q",
            Step::Effectuation => "r",
        }
    }

    /// The step as the SOP words it (Bahasa Indonesia).
    pub fn title(self) -> &'static str {
        match self {
            Step::FrontOfficeVerification => "Verifikasi pendaftaran oleh petugas front office",
            Step::ApplicantRevision => "Perbaikan berkas oleh pemohon",
            Step::BackOfficeValidation => "Validasi pendaftaran oleh petugas back office",
            Step::SectionHeadForwarding => {
                "Persetujuan kepala seksi untuk meneruskan ke Dinas Koperasi, UKM dan Perdagangan"
            }
            Step::TechnicalVerification => "Verifikasi teknis oleh Tim Teknis Dinas Koperasi",
            Step::Recommendation => "Rekomendasi penerbitan/penolakan dari Dinas Koperasi",
            Step::LetterDrafting => "Pembuatan draf Surat Pemenuhan Komitmen",
            Step::SectionHeadValidation => "Validasi draf oleh kepala seksi",
            Step::DivisionHeadValidation => "Validasi draf oleh kepala bidang perizinan",
            Step::HeadSignature => "Penandatanganan Surat Pemenuhan Komitmen oleh kepala dinas",
            Step::Survey => "Pengisian survei kepuasan masyarakat (SKM)",
            Step::Effectuation => "Pengefektifan izin pada sistem OSS",
        }
    }

    pub fn role(self) -> Role {
        match self {
            Step::FrontOfficeVerification => Role::FrontOffice,
            Step::ApplicantRevision | Step::Survey => Role::Applicant,
            Step::BackOfficeValidation | Step::LetterDrafting | Step::Effectuation => {
                Role::BackOffice
            }
            Step::SectionHeadForwarding | Step::SectionHeadValidation => Role::SectionHead,
            Step::TechnicalVerification => Role::DinasKoperasiTechnical,
            Step::Recommendation => Role::DinasKoperasiOfficial,
            Step::DivisionHeadValidation => Role::DivisionHead,
            Step::HeadSignature => Role::AgencyHead,
        }
    }

    /// Staff approval steps: segregation of duties applies between consecutive ones.
    pub fn is_staff_step(self) -> bool {
        self.role().is_staff()
    }

    pub fn outcomes(self) -> &'static [OutcomeDef] {
        const FRONT: &[OutcomeDef] = &[
            out("complete", "Berkas lengkap", false),
            out("incomplete", "Berkas belum lengkap", true),
        ];
        const REVISION: &[OutcomeDef] = &[out("resubmitted", "Berkas diajukan kembali", false)];
        const BACK: &[OutcomeDef] = &[
            out("valid", "Pendaftaran valid", false),
            out(
                "invalid",
                "Pendaftaran tidak valid, kembalikan ke pemohon",
                true,
            ),
        ];
        const FORWARD: &[OutcomeDef] = &[
            out("forward", "Setujui dan teruskan ke Dinas Koperasi", false),
            out("return", "Kembalikan ke back office", true),
        ];
        const TECHNICAL: &[OutcomeDef] = &[out("verified", "Verifikasi teknis selesai", false)];
        const RECOMMEND: &[OutcomeDef] = &[
            out("grant", "Rekomendasikan penerbitan izin", false),
            out("refuse", "Rekomendasikan penolakan izin", true),
        ];
        const DRAFT: &[OutcomeDef] = &[out("drafted", "Draf surat selesai dibuat", false)];
        const VALIDATE: &[OutcomeDef] = &[
            out("approve", "Setujui draf", false),
            out("return", "Kembalikan draf untuk diperbaiki", true),
        ];
        const SIGN: &[OutcomeDef] = &[
            out("sign", "Tandatangani surat", false),
            out("return", "Kembalikan draf untuk diperbaiki", true),
        ];
        const SURVEY: &[OutcomeDef] = &[out("answered", "Survei diisi", false)];
        const EFFECT: &[OutcomeDef] =
            &[out("effectuated", "Izin telah diefektifkan di OSS", false)];
        match self {
            Step::FrontOfficeVerification => FRONT,
            Step::ApplicantRevision => REVISION,
            Step::BackOfficeValidation => BACK,
            Step::SectionHeadForwarding => FORWARD,
            Step::TechnicalVerification => TECHNICAL,
            Step::Recommendation => RECOMMEND,
            Step::LetterDrafting => DRAFT,
            Step::SectionHeadValidation | Step::DivisionHeadValidation => VALIDATE,
            Step::HeadSignature => SIGN,
            Step::Survey => SURVEY,
            Step::Effectuation => EFFECT,
        }
    }

    pub fn outcome(self, code: &str) -> Option<&'static OutcomeDef> {
        self.outcomes().iter().find(|o| o.code == code)
    }

    /// The steps a role acts on (its work queue).
    pub fn for_role(role: Role) -> impl Iterator<Item = Step> {
        Step::ALL.into_iter().filter(move |s| s.role() == role)
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Step {
    type Err = UnknownStep;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Step::ALL
            .into_iter()
            .find(|st| st.code() == s)
            .ok_or_else(|| UnknownStep(s.to_string()))
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown step `{0}`")]
pub struct UnknownStep(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_round_trips_and_has_outcomes() {
        for s in Step::ALL {
            assert_eq!(s.code().parse::<Step>().unwrap(), s);
            assert!(!s.outcomes().is_empty(), "{s} has no outcome");
        }
    }

    #[test]
    fn negative_outcomes_need_a_reason() {
        assert!(
            Step::FrontOfficeVerification
                .outcome("incomplete")
                .unwrap()
                .reason_required
        );
        assert!(
            !Step::Recommendation
                .outcome("grant")
                .unwrap()
                .reason_required
        );
        assert!(
            Step::Recommendation
                .outcome("refuse")
                .unwrap()
                .reason_required
        );
        assert!(Step::HeadSignature.outcome("bogus").is_none());
    }

    #[test]
    fn sop_letters_follow_the_seed() {
        let letters: Vec<&str> = Step::ALL
            .into_iter()
            .filter(|s| *s != Step::ApplicantRevision)
            .map(Step::sop)
            .collect();
        assert_eq!(
            letters,
            ["g", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r"]
        );
    }
}
