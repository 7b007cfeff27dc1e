//! The notices the service sends (Bahasa Indonesia). SOP step h names one ("Pemohon mendapatkan
//! SMS atau e-mail bahwa berkas sudah lengkap"); the others tell the applicant where the case
//! is and tell staff that a case waits in their queue.

use super::case::{Case, LetterKind};
use super::deadlines::DeadlineState;
use super::requirements::Catalog;
use super::steps::Step;
use super::time::{format_date_id, format_instant_id};
use serde::{Deserialize, Serialize};

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
    /// Numbering of signed letters: `{seq}`/`{seq:04}` (per year, without gaps) and `{year}`.
    #[serde(default = "default_letter_pattern")]
    pub letter_number_pattern: String,
}

fn default_head_position() -> String {
    "Kepala Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kota Bontang".into()
}

fn default_city() -> String {
    "Bontang".into()
}

fn default_letter_pattern() -> String {
    // 503: the archive classification of licensing (perizinan).
    "503/{seq:04}/SPK-KK/DPMPTSP/{year}".into()
}

impl Agency {
    /// The number of the `seq`-th letter of `year` by [`Agency::letter_number_pattern`].
    pub fn letter_number(&self, seq: u64, year: i32) -> String {
        self.letter_number_pattern
            .replace("{seq:04}", &format!("{seq:04}"))
            .replace("{seq:06}", &format!("{seq:06}"))
            .replace("{seq}", &seq.to_string())
            .replace("{year}", &year.to_string())
    }
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
            letter_number_pattern: default_letter_pattern(),
        }
    }
}

/// A notice, before it is addressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    Submitted,
    /// Staff: a case waits at a step of their role.
    QueueArrival {
        step: Step,
    },
    /// SOP h.
    FileComplete,
    RevisionNeeded,
    ForwardedToDinasKoperasi,
    RecommendationMade,
    LetterSigned,
    SurveyRequested,
    PermitIssued,
    PermitRefused,
    Lapsed,
    /// Staff and their supervisor: a step waited longer than the orchestrator's timeout.
    Escalation {
        step: Step,
    },
    /// The overdue job: a step is near or past its deadline (to the waiting role and its
    /// supervisor, or to the applicant in revision).
    Deadline {
        step: Step,
        state: DeadlineState,
        due_on: chrono::NaiveDate,
    },
}

impl Notice {
    pub fn code(&self) -> &'static str {
        match self {
            Notice::Submitted => "submitted",
            Notice::QueueArrival { .. } => "queue_arrival",
            Notice::FileComplete => "file_complete",
            Notice::RevisionNeeded => "revision_needed",
            Notice::ForwardedToDinasKoperasi => "forwarded_to_dinas_koperasi",
            Notice::RecommendationMade => "recommendation_made",
            Notice::LetterSigned => "letter_signed",
            Notice::SurveyRequested => "survey_requested",
            Notice::PermitIssued => "permit_issued",
            Notice::PermitRefused => "permit_refused",
            Notice::Lapsed => "lapsed",
            Notice::Escalation { .. } => "escalation",
            Notice::Deadline { .. } => "deadline",
        }
    }

    /// The notices the applicant gets when the case enters `step`.
    pub fn on_entering(step: Step) -> Vec<Notice> {
        match step {
            Step::ApplicantRevision => vec![Notice::RevisionNeeded],
            Step::TechnicalVerification => vec![Notice::ForwardedToDinasKoperasi],
            Step::LetterDrafting => vec![Notice::RecommendationMade],
            Step::Survey => vec![Notice::LetterSigned, Notice::SurveyRequested],
            _ => vec![],
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
    pub catalog: &'a Catalog,
    /// Base URL of the public portal, for the link in the message.
    pub portal_url: &'a str,
}

fn reg(case: &Case) -> String {
    case.registration_number
        .as_ref()
        .map_or_else(|| "(belum bernomor)".to_string(), |r| r.to_string())
}

pub fn render(notice: &Notice, case: &Case, cx: &RenderCtx<'_>) -> Message {
    let reg = reg(case);
    let coop = &case.application.cooperative_name;
    let link = format!(
        "{}/#/permohonan/{}",
        cx.portal_url.trim_end_matches('/'),
        case.id
    );
    let (subject, lines): (String, Vec<String>) = match notice {
        Notice::Submitted => (
            format!("Permohonan diterima: {reg}"),
            vec![
                format!(
                    "Permohonan Izin Pembukaan Kantor Kas Koperasi Simpan Pinjam atas nama {coop} telah kami terima dengan nomor pendaftaran {reg}."
                ),
                "Petugas front office akan memverifikasi kelengkapan berkas Anda.".into(),
                "Layanan ini tidak dipungut biaya.".into(),
            ],
        ),
        Notice::QueueArrival { step } => (
            format!("Berkas {reg} menunggu tindakan: {}", step.title()),
            vec![
                format!(
                    "Berkas permohonan Izin Pembukaan Kantor Kas KSP nomor {reg} ({coop}) menunggu tindakan Anda pada tahap {} (SOP huruf {}).",
                    step.title(),
                    step.sop()
                ),
                "Silakan buka konsol petugas untuk memprosesnya.".into(),
            ],
        ),
        Notice::FileComplete => (
            format!("Berkas sudah lengkap: {reg}"),
            vec![
                format!(
                    "Berkas permohonan Izin Pembukaan Kantor Kas KSP nomor {reg} atas nama {coop} sudah lengkap."
                ),
                "Permohonan Anda selanjutnya divalidasi oleh petugas back office.".into(),
            ],
        ),
        Notice::RevisionNeeded => {
            let mut lines = vec![format!(
                "Berkas permohonan nomor {reg} atas nama {coop} perlu diperbaiki sebelum dapat diproses lebih lanjut."
            )];
            if let Some(rev) = &case.revision {
                lines.push(format!("Catatan petugas: {}", rev.reason));
                if !rev.missing.is_empty() {
                    lines.push("Dokumen yang perlu diunggah ulang:".into());
                    for code in &rev.missing {
                        let name = cx
                            .catalog
                            .get(code)
                            .map_or(code.as_str(), |r| r.name.as_str());
                        lines.push(format!("- {name}"));
                    }
                }
            }
            lines.push(
                "Silakan perbaiki data atau unggah ulang dokumen melalui Perizinan Digital, lalu ajukan kembali."
                    .into(),
            );
            (format!("Berkas perlu diperbaiki: {reg}"), lines)
        }
        Notice::ForwardedToDinasKoperasi => (
            format!("Berkas diteruskan ke Dinas Koperasi: {reg}"),
            vec![
                format!(
                    "Berkas permohonan nomor {reg} telah divalidasi dan diteruskan kepada Dinas Koperasi, Usaha Kecil Menengah, dan Perdagangan untuk verifikasi teknis."
                ),
                "Tim teknis dapat melakukan pemeriksaan lapangan ke lokasi Kantor Kas.".into(),
            ],
        ),
        Notice::RecommendationMade => {
            let what = match case.recommendation.as_ref().map(|r| r.outcome) {
                Some(LetterKind::Grant) => "merekomendasikan penerbitan izin",
                Some(LetterKind::Refusal) => "merekomendasikan penolakan izin",
                None => "menerbitkan rekomendasi",
            };
            let mut lines = vec![format!(
                "Dinas Koperasi, Usaha Kecil Menengah, dan Perdagangan telah {what} untuk berkas nomor {reg}."
            )];
            if let Some(r) = &case.recommendation {
                lines.push(format!(
                    "Nomor rekomendasi: {}, tanggal {}.",
                    r.number,
                    format_date_id(r.date)
                ));
            }
            lines.push("DPMPTSP selanjutnya menyiapkan Surat Pemenuhan Komitmen.".into());
            (format!("Rekomendasi Dinas Koperasi: {reg}"), lines)
        }
        Notice::LetterSigned => {
            let mut lines = vec![];
            if let Some(s) = &case.letter.signed {
                lines.push(format!(
                    "Surat Pemenuhan Komitmen nomor {} untuk berkas {reg} telah ditandatangani oleh {} pada {}.",
                    s.number,
                    s.signer.name,
                    format_instant_id(s.signed_at)
                ));
            }
            (format!("Surat Pemenuhan Komitmen ditandatangani: {reg}"), lines)
        }
        Notice::SurveyRequested => (
            format!("Mohon isi Survei Kepuasan Masyarakat: {reg}"),
            vec![
                "Mohon kesediaan Anda mengisi Survei Kepuasan Masyarakat (SKM) atas layanan kami melalui Perizinan Digital."
                    .into(),
                "Setelah itu petugas back office mengefektifkan izin Anda pada sistem OSS.".into(),
            ],
        ),
        Notice::PermitIssued => {
            let mut lines = vec![format!(
                "Izin Pembukaan Kantor Kas Koperasi Simpan Pinjam atas nama {coop} (berkas {reg}) telah efektif pada sistem OSS."
            )];
            if let Some(p) = &case.permit {
                lines.push(format!(
                    "Nomor izin OSS: {}, berlaku sejak {}.",
                    p.oss_permit_number,
                    format_date_id(p.effective_on)
                ));
            }
            lines.push("Dokumen izin dapat Anda terima melalui sistem OSS.".into());
            (format!("Izin terbit: {reg}"), lines)
        }
        Notice::PermitRefused => {
            let mut lines = vec![format!(
                "Dengan menyesal kami sampaikan bahwa permohonan Izin Pembukaan Kantor Kas KSP atas nama {coop} (berkas {reg}) ditolak."
            )];
            if let Some(r) = case.recommendation.as_ref().and_then(|r| r.reason.as_ref()) {
                lines.push(format!("Alasan: {r}"));
            }
            if let Some(s) = &case.letter.signed {
                lines.push(format!(
                    "Surat penolakan nomor {} telah ditandatangani dan dapat diunduh melalui Perizinan Digital.",
                    s.number
                ));
            }
            (format!("Permohonan ditolak: {reg}"), lines)
        }
        Notice::Lapsed => (
            format!("Permohonan gugur: {reg}"),
            vec![format!(
                "Berkas permohonan nomor {reg} tidak diperbaiki dalam batas waktu pemenuhan komitmen sehingga permohonan dinyatakan gugur. Anda dapat mengajukan permohonan baru."
            )],
        ),
        Notice::Escalation { step } => (
            format!("Peringatan keterlambatan: berkas {reg}"),
            vec![format!(
                "Berkas nomor {reg} ({coop}) telah lama menunggu pada tahap {} ({}). Mohon segera ditindaklanjuti.",
                step.title(),
                step.role().label()
            )],
        ),
        Notice::Deadline {
            step,
            state,
            due_on,
        } => {
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
                "Berkas permohonan Izin Pembukaan Kantor Kas KSP nomor {reg} ({coop}) {what} pada tahap {} (SOP huruf {}, {}).",
                step.title(),
                step.sop(),
                step.role().label()
            )];
            lines.push(format!("Batas waktu tahap ini: {}.", format_date_id(*due_on)));
            if *step == Step::ApplicantRevision {
                lines.push(
                    "Mohon segera lengkapi perbaikan berkas; permohonan yang tidak diperbaiki dalam batas waktu pemenuhan komitmen dapat dinyatakan gugur.".into(),
                );
            } else {
                lines.push("Mohon segera ditindaklanjuti melalui konsol petugas.".into());
            }
            (subject, lines)
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
