//! Who acts in the service. Roles are Cognito groups in AWS and demo users locally.
//!
//! Source: the SOP's actors (seed `sop-izin-kantor-kas-ksp.md`, steps d–s and "Pengaduan
//! Layanan"): pemohon, petugas front office, petugas back office, kepala seksi, kepala bidang,
//! kepala dinas, tim teknis and the recommending official of Dinas Koperasi, UKM dan
//! Perdagangan, and the complaints officer.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Applicant,
    FrontOffice,
    BackOffice,
    SectionHead,
    DivisionHead,
    AgencyHead,
    DinasKoperasiTechnical,
    DinasKoperasiOfficial,
    ComplaintsOfficer,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Applicant,
        Role::FrontOffice,
        Role::BackOffice,
        Role::SectionHead,
        Role::DivisionHead,
        Role::AgencyHead,
        Role::DinasKoperasiTechnical,
        Role::DinasKoperasiOfficial,
        Role::ComplaintsOfficer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Applicant => "applicant",
            Role::FrontOffice => "front_office",
            Role::BackOffice => "back_office",
            Role::SectionHead => "section_head",
            Role::DivisionHead => "division_head",
            Role::AgencyHead => "agency_head",
            Role::DinasKoperasiTechnical => "dinas_koperasi_technical",
            Role::DinasKoperasiOfficial => "dinas_koperasi_official",
            Role::ComplaintsOfficer => "complaints_officer",
        }
    }

    /// The role's name as officials write it (Bahasa Indonesia).
    pub fn label(self) -> &'static str {
        match self {
            Role::Applicant => "Pemohon",
            Role::FrontOffice => "Petugas Front Office",
            Role::BackOffice => "Petugas Back Office",
            Role::SectionHead => "Kepala Seksi",
            Role::DivisionHead => "Kepala Bidang Perizinan",
            Role::AgencyHead => "Kepala Dinas",
            Role::DinasKoperasiTechnical => "Tim Teknis Dinas Koperasi, UKM dan Perdagangan",
            Role::DinasKoperasiOfficial => "Pejabat Dinas Koperasi, UKM dan Perdagangan",
            Role::ComplaintsOfficer => "Petugas Pengaduan",
        }
    }

    pub fn is_staff(self) -> bool {
        self != Role::Applicant
    }

    /// The supervisor who is told when this role's work is late (escalation).
    pub fn supervisor(self) -> Option<Role> {
        match self {
            Role::FrontOffice | Role::BackOffice | Role::ComplaintsOfficer => {
                Some(Role::SectionHead)
            }
            Role::SectionHead => Some(Role::DivisionHead),
            Role::DivisionHead => Some(Role::AgencyHead),
            Role::DinasKoperasiTechnical => Some(Role::DinasKoperasiOfficial),
            Role::Applicant | Role::AgencyHead | Role::DinasKoperasiOfficial => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown role `{0}`")]
pub struct UnknownRole(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.code().parse::<Role>().unwrap(), r);
            assert_eq!(serde_json::to_value(r).unwrap(), r.code());
        }
        assert!("admin".parse::<Role>().is_err());
    }
}
