//! The notices the service sends (Bahasa Indonesia). Each permit's own notices — SOP step h
//! ("Pemohon mendapatkan SMS atau e-mail bahwa berkas sudah lengkap"), where the case is, the
//! letter, the closing — are templates in its `permit.json`; the office's own ones (a case in a
//! staff queue, an escalation, a deadline) are written here.

use super::case::Case;
use super::deadlines::DeadlineState;
use super::emblem::Emblem;
use super::facts::CaseFacts;
use super::officials::{Golongan, Nip, Official};
use super::permit::template::{fill, paragraph};
use super::permit::{PermitDef, StepCode};
use super::roles::Role;
use super::time::format_date_id;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Who the agency is, as its letterhead and e-mails show it (configurable per deployment;
/// the default is the seed's DPMPTSP Kota Bontang).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Agency {
    pub name: String,
    pub government: String,
    pub address: String,
    pub phone: String,
    pub fax: String,
    pub website: String,
    pub email: String,
    /// The signer's position as the letter prints it.
    #[serde(default = "default_head_position")]
    pub head_position: String,
    /// Where letters are dated ("Bontang, 26 November 2026").
    #[serde(default = "default_city")]
    pub city: String,
    /// The officials who sign letters (the head of agency, acting officials), with the NIP and
    /// rank the signature block prints (`domain::officials`).
    #[serde(default = "default_officials")]
    pub officials: Vec<Official>,
    /// The letterhead emblem, a PNG file (relative to the agency file); absent: the shipped
    /// default (`assets/emblem/lambang-default.png`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emblem_file: Option<std::path::PathBuf>,
    /// The decoded emblem (`Settings::agency` reads `emblem_file`).
    #[serde(skip, default = "Emblem::default_emblem")]
    pub emblem: Arc<Emblem>,
}

impl Agency {
    /// The configured official whose name is `name` (the signing staff member's).
    pub fn official(&self, name: &str) -> Option<&Official> {
        self.officials.iter().find(|o| o.is_named(name))
    }
}

fn default_head_position() -> String {
    "Kepala Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kota Bontang".into()
}

fn default_city() -> String {
    "Bontang".into()
}

/// The demo's head of agency (`local/demo-users.json` `kadis`): an invented NIP and rank of the
/// right shape, to be replaced by the office's own in `PD_AGENCY_FILE`.
fn default_officials() -> Vec<Official> {
    vec![Official {
        name: "Ahmad Yani".into(),
        // Born 12 March 1970, CPNS from March 1995, male, sequence 004 (Perka BKN 22/2007).
        nip: Nip::parse("197003121995031004").unwrap_or_else(|e| panic!("demo NIP: {e}")),
        golongan: Golongan::parse("IV/c").unwrap_or_else(|e| panic!("demo golongan: {e}")),
        acting: None,
    }]
}

impl Default for Agency {
    fn default() -> Self {
        // Source: seed sop-izin-kantor-kas-ksp.md, letterhead and "Pengaduan Layanan".
        Self {
            name: "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu".into(),
            government: "Pemerintah Kota Bontang".into(),
            address: "Jl. Awang Long No. 1, Bontang 75311".into(),
            phone: "(0548) 20594".into(),
            fax: "(0548) 20598".into(),
            website: "dpmptsp.bontangkota.go.id".into(),
            email: "dpmptsp@bontangkota.go.id".into(),
            head_position: default_head_position(),
            city: default_city(),
            officials: default_officials(),
            emblem_file: None,
            emblem: Emblem::default_emblem(),
        }
    }
}

/// A notice, before it is addressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// One of the permit's own notices (`permit.json` `notices`), by code.
    Permit { code: String },
    /// Staff: a case waits at a step of their role.
    QueueArrival { step: StepCode },
    /// Staff and their supervisor: a step waited longer than the orchestrator's timeout.
    Escalation { step: StepCode },
    /// The overdue job: a step is near or past its deadline (to the waiting role and its
    /// supervisor, or to the applicant at the applicant's steps).
    Deadline {
        step: StepCode,
        state: DeadlineState,
        due_on: chrono::NaiveDate,
    },
    /// Fiktif positif, to the agency head, the waiting role and its supervisor: a stage's legal
    /// time is about to run out (`domain::deemed`).
    DeemedWarning {
        stage: String,
        due_on: chrono::NaiveDate,
    },
    /// Fiktif positif, to the same: the time ran out; the application is granted by law.
    DeemedGranted {
        stage: String,
        due_on: chrono::NaiveDate,
    },
}

/// The permit's notices the workflow sends on closing a case.
pub const ISSUED: &str = "permit_issued";
pub const REFUSED: &str = "permit_refused";
pub const LAPSED: &str = "lapsed";
pub const SUBMITTED: &str = "submitted";

impl Notice {
    pub fn permit(code: &str) -> Self {
        Notice::Permit {
            code: code.to_string(),
        }
    }

    pub fn code(&self) -> &str {
        match self {
            Notice::Permit { code } => code,
            Notice::QueueArrival { .. } => "queue_arrival",
            Notice::Escalation { .. } => "escalation",
            Notice::Deadline { .. } => "deadline",
            Notice::DeemedWarning { .. } => "deemed_warning",
            Notice::DeemedGranted { .. } => "deemed_granted_staff",
        }
    }
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub body: String,
}

pub struct RenderCtx<'a> {
    pub agency: &'a Agency,
    pub def: &'a PermitDef,
    /// Base URL of the public portal, for the link in the message.
    pub portal_url: &'a str,
}

fn stage_label(def: &PermitDef, stage: &str) -> String {
    def.deemed_approval
        .as_ref()
        .and_then(|d| d.stages.iter().find(|s| s.code == stage))
        .map_or_else(|| stage.to_string(), |s| s.label.to_lowercase())
}

fn step_words(def: &PermitDef, step: &StepCode) -> (String, String, String) {
    match def.step(step.as_str()) {
        Some(s) => (s.title.clone(), s.sop.clone(), s.role.label()),
        None => (step.to_string(), "-".into(), Role::applicant().label()),
    }
}

/// Where the applicant's notices go: the address and number of the application (not erased),
/// and the channels they chose (`contact.notify_by`: `email`, `sms` or `both`; e-mail when
/// unanswered, and when SMS was chosen without a mobile number to send it to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicantContact {
    pub email: Option<String>,
    pub mobile: Option<super::values::Mobile>,
    pub by_email: bool,
    pub by_sms: bool,
}

impl ApplicantContact {
    pub fn of(case: &Case, def: &PermitDef) -> Self {
        let present = |path: &str| {
            case.application
                .str(path)
                .filter(|_| !case.application.is_erased(path))
                .map(str::to_string)
        };
        let email = present(&def.contact.email);
        let mobile = def
            .contact
            .phone
            .as_deref()
            .and_then(present)
            .and_then(|p| super::values::Mobile::parse(&p).ok());
        let choice = def
            .contact
            .notify_by
            .as_deref()
            .and_then(|p| case.application.str(p))
            .unwrap_or("email");
        let by_sms = matches!(choice, "sms" | "both") && mobile.is_some();
        let by_email = choice != "sms" || !by_sms;
        Self {
            email,
            mobile,
            by_email,
            by_sms,
        }
    }
}

/// The text message of `notice` (only the permit's notices with an `sms` text have one): the
/// text (which names the registration number), then the link to the portal's tracking page of
/// that number, in GSM-7 and within `sms::MAX_SEGMENTS` parts (`domain::sms::fit`).
pub fn sms_text(notice: &Notice, case: &Case, cx: &RenderCtx<'_>) -> Option<String> {
    let Notice::Permit { code } = notice else {
        return None;
    };
    let def = cx.def;
    let template = def.notices.get(code)?.sms.as_deref()?;
    let facts = CaseFacts {
        case,
        def,
        agency: cx.agency,
    };
    let body = fill(template, &facts)?;
    // The public tracking page of the registration number (no sign-in: a text may be read on
    // a phone without the applicant's account); a case without a number yet, its own page.
    let portal = cx.portal_url.trim_end_matches('/');
    let link = match &case.registration_number {
        Some(r) => format!("{portal}/#/lacak/{r}"),
        None => format!("{portal}/#/permohonan/{}", case.id),
    };
    Some(super::sms::fit(&body, &link))
}

pub fn render(notice: &Notice, case: &Case, cx: &RenderCtx<'_>) -> Message {
    let facts = CaseFacts {
        case,
        def: cx.def,
        agency: cx.agency,
    };
    let reg = case
        .registration_number
        .as_ref()
        .map_or_else(|| "(belum bernomor)".to_string(), |r| r.to_string());
    let holder = cx.def.holder_of(&case.application);
    let permit = &cx.def.short_name;
    let link = format!(
        "{}/#/permohonan/{}",
        cx.portal_url.trim_end_matches('/'),
        case.id
    );
    let (subject, lines): (String, Vec<String>) = match notice {
        Notice::Permit { code } => match cx.def.notices.get(code) {
            Some(t) => (
                fill(&t.subject, &facts).unwrap_or_else(|| format!("{} {reg}", cx.def.short_name)),
                t.lines
                    .iter()
                    .filter_map(|p| paragraph(p, &facts))
                    .collect(),
            ),
            None => {
                tracing::warn!(notice = %code, permit = %cx.def.code, "notice not defined for the permit");
                (format!("Pemberitahuan berkas {reg}"), vec![])
            }
        },
        Notice::QueueArrival { step } => {
            let (title, sop, _) = step_words(cx.def, step);
            (
                format!("Berkas {reg} menunggu tindakan: {title}"),
                vec![
                    format!(
                        "Berkas permohonan {permit} nomor {reg} ({holder}) menunggu tindakan Anda pada tahap {title} (SOP huruf {sop})."
                    ),
                    "Silakan buka konsol petugas untuk memprosesnya.".into(),
                ],
            )
        }
        Notice::Escalation { step } => {
            let (title, _, role) = step_words(cx.def, step);
            (
                format!("Peringatan keterlambatan: berkas {reg}"),
                vec![format!(
                    "Berkas nomor {reg} ({holder}) telah lama menunggu pada tahap {title} ({role}). Mohon segera ditindaklanjuti."
                )],
            )
        }
        Notice::Deadline {
            step,
            state,
            due_on,
        } => {
            let (title, sop, role) = step_words(cx.def, step);
            let (subject, what) = if *state == DeadlineState::Overdue {
                (
                    format!("Batas waktu terlampaui: berkas {reg}"),
                    "telah melewati batas waktu",
                )
            } else {
                (
                    format!("Mendekati batas waktu: berkas {reg}"),
                    "mendekati batas waktu",
                )
            };
            let mut lines = vec![format!(
                "Berkas permohonan {permit} nomor {reg} ({holder}) {what} pada tahap {title} (SOP huruf {sop}, {role})."
            )];
            lines.push(format!(
                "Batas waktu tahap ini: {}.",
                format_date_id(*due_on)
            ));
            let kind = cx.def.step(step.as_str()).map(|s| s.kind);
            if kind == Some(super::permit::StepKind::ApplicantRevision) {
                lines.push(
                    "Mohon segera lengkapi perbaikan berkas; permohonan yang tidak diperbaiki dalam batas waktu pemenuhan komitmen dapat dinyatakan gugur.".into(),
                );
            } else if kind.is_some_and(|k| k.is_applicant()) {
                lines.push(
                    "Mohon segera selesaikan tahap ini melalui Perizinan Digital; permohonan yang tidak dilengkapi dalam batas waktu dapat dinyatakan gugur.".into(),
                );
            } else {
                lines.push("Mohon segera ditindaklanjuti melalui konsol petugas.".into());
            }
            (subject, lines)
        }
        Notice::DeemedWarning { stage, due_on } => {
            let label = stage_label(cx.def, stage);
            (
                format!("Peringatan fiktif positif: berkas {reg}"),
                vec![
                    format!(
                        "Berkas permohonan {permit} nomor {reg} ({holder}) harus diputuskan paling lambat {} (batas {label}).",
                        format_date_id(*due_on)
                    ),
                    "Bila sampai tanggal tersebut belum diputuskan, permohonan dianggap dikabulkan secara hukum (fiktif positif; UU 30/2014 Pasal 53 sebagaimana diubah UU 6/2023) dan izin diterbitkan otomatis oleh sistem OSS (PP 28/2025).".into(),
                    "Mohon segera ditindaklanjuti melalui konsol petugas.".into(),
                ],
            )
        }
        Notice::DeemedGranted { stage, due_on } => {
            let label = stage_label(cx.def, stage);
            (
                format!("Fiktif positif: berkas {reg} dianggap dikabulkan"),
                vec![
                    format!(
                        "Berkas permohonan {permit} nomor {reg} ({holder}) tidak diputuskan sampai batas {label} pada {}; permohonan dianggap dikabulkan secara hukum (fiktif positif; UU 30/2014 Pasal 53 sebagaimana diubah UU 6/2023).",
                        format_date_id(*due_on)
                    ),
                    "Sistem OSS menerbitkan izin secara otomatis (PP 28/2025). Catat nomor dan tanggal izin dari OSS pada tahap pencatatan di konsol petugas.".into(),
                ],
            )
        }
    };
    let a = cx.agency;
    let mut body = String::from("Yth. Bapak/Ibu,\n\n");
    for l in lines {
        body.push_str(&l);
        body.push('\n');
    }
    body.push_str(&format!("\nLihat status berkas: {link}\n"));
    body.push_str(&format!(
        "\nHormat kami,\n{}\n{}\n{} | Telp {} | Faks {}\n{} | {}\n\nPesan ini dikirim otomatis oleh Perizinan Digital; mohon tidak membalas e-mail ini.\n",
        a.name, a.government, a.address, a.phone, a.fax, a.website, a.email
    ));
    Message { subject, body }
}

/// One case in a staff role's morning digest.
pub struct DigestEntry {
    /// The registration number (or the case id of a case without one).
    pub reference: String,
    pub holder: String,
    /// "<permit>: <step title>".
    pub title: String,
    pub due_on: Option<chrono::NaiveDate>,
}

/// The morning queue digest of a staff role (`PD_STAFF_NOTICES=daily`): the cases waiting at
/// its steps, earliest deadline first, and the way to the console.
pub fn queue_digest(
    role: &crate::domain::Role,
    entries: &[DigestEntry],
    today: chrono::NaiveDate,
    portal_url: &str,
) -> Message {
    use crate::domain::time::format_date_id;
    let mut lines = vec![
        format!(
            "Berikut {} berkas permohonan izin yang menunggu tindakan {} per {}:",
            entries.len(),
            role.label(),
            format_date_id(today)
        ),
        String::new(),
    ];
    for e in entries {
        let due = e.due_on.map_or_else(
            || "tanpa batas waktu".to_string(),
            |d| format!("batas {}", format_date_id(d)),
        );
        lines.push(format!(
            "- {} ({}): {}, {due}",
            e.reference, e.holder, e.title
        ));
    }
    lines.push(String::new());
    lines.push(format!(
        "Silakan buka konsol petugas untuk memprosesnya: {portal_url}console/"
    ));
    Message {
        subject: format!(
            "Antrean Anda hari ini: {} berkas menunggu ({})",
            entries.len(),
            format_date_id(today)
        ),
        body: lines.join("\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shipped notice's SMS text, with long but real facts and a real portal domain, fits
    /// one GSM-7 part; one that carries the officer's own words (a revision reason) is fitted to
    /// `sms::MAX_SEGMENTS` (3GPP TS 23.038/23.040, `domain::sms`).
    #[test]
    fn every_shipped_sms_fits_one_part_with_a_real_portal_domain() {
        use crate::domain::permit::template::{Facts, fill};
        use crate::domain::sms::{Encoding, MAX_SEGMENTS, fit, segments};
        struct Long;
        impl Facts for Long {
            fn fact(&self, name: &str) -> Option<String> {
                Some(match name {
                    "agency.city" => "Bontang".into(),
                    "registration_number" => "KCP-2026-000123".into(),
                    "issuance.number" => "I-2026112600012345".into(),
                    "bill.amount" => "Rp123.456.789".into(),
                    "bill.due_on" => "30 September 2026".into(),
                    "revision.reason" => "Akta pendirian tidak terbaca; unggah ulang salinan yang jelas dan dilegalisasi. ".repeat(20),
                    other => panic!("a new placeholder in an SMS text: {other} (give it a long value here)"),
                })
            }
        }
        let link = "https://perizinan.bontangkota.go.id/#/lacak/KCP-2026-000123";
        let mut seen = 0;
        for (code, permit, ..) in crate::catalogue::SHIPPED {
            let def: PermitDef = serde_json::from_str(permit).unwrap();
            for (notice, n) in &def.notices {
                let Some(t) = &n.sms else { continue };
                seen += 1;
                let sms = fit(&fill(t, &Long).unwrap(), link);
                let seg = segments(&sms);
                assert_eq!(seg.encoding, Encoding::Gsm7, "{code} {notice}: {sms}");
                assert!(sms.ends_with(link), "{code} {notice}: {sms}");
                if t.contains("{revision.reason}") {
                    assert_eq!(seg.count, MAX_SEGMENTS, "{code} {notice}: {sms}");
                } else {
                    assert_eq!(
                        seg.count, 1,
                        "{code} {notice} ({} septets): {sms}",
                        seg.units
                    );
                }
            }
        }
        assert_eq!(seen, 17, "the SMS texts of the three shipped permits");
    }

    #[test]
    fn the_queue_digest_lists_each_case_with_its_deadline() {
        let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        let entries = [
            DigestEntry {
                reference: "KK/2026/0007".into(),
                holder: "KSP Sejahtera Bersama".into(),
                title: "Kantor Kas KSP: Verifikasi berkas".into(),
                due_on: Some(d("2026-03-16")),
            },
            DigestEntry {
                reference: "PBG/2026/0002".into(),
                holder: "CV Bangun Jaya".into(),
                title: "PBG: Pemeriksaan pembayaran".into(),
                due_on: None,
            },
        ];
        let m = queue_digest(
            &crate::domain::Role::new("front_office"),
            &entries,
            d("2026-03-13"),
            "https://perizinan.example/",
        );
        assert_eq!(
            m.subject,
            "Antrean Anda hari ini: 2 berkas menunggu (13 Maret 2026)"
        );
        assert!(m.body.contains("- KK/2026/0007 (KSP Sejahtera Bersama): Kantor Kas KSP: Verifikasi berkas, batas 16 Maret 2026"), "{}", m.body);
        assert!(m.body.contains(
            "- PBG/2026/0002 (CV Bangun Jaya): PBG: Pemeriksaan pembayaran, tanpa batas waktu"
        ));
        assert!(m.body.ends_with(
            "Silakan buka konsol petugas untuk memprosesnya: https://perizinan.example/console/"
        ));
    }
}
