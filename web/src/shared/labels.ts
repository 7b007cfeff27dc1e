// Indonesian wording for codes that the API returns without a label (audit actions, outcome
// codes in the audit trail and decisions, notice kinds, survey profile choices, complaint
// outcomes). The API's own labels are used wherever it sends one.

export const STEP_TITLES: Record<string, string> = {
  front_office_verification: 'Verifikasi pendaftaran oleh petugas front office',
  applicant_revision: 'Perbaikan berkas oleh pemohon',
  back_office_validation: 'Validasi pendaftaran oleh petugas back office',
  section_head_forwarding: 'Persetujuan kepala seksi untuk meneruskan ke Dinas Koperasi, UKM dan Perdagangan',
  technical_verification: 'Verifikasi teknis oleh Tim Teknis Dinas Koperasi',
  recommendation: 'Rekomendasi penerbitan/penolakan dari Dinas Koperasi',
  letter_drafting: 'Pembuatan draf Surat Pemenuhan Komitmen',
  section_head_validation: 'Validasi draf oleh kepala seksi',
  division_head_validation: 'Validasi draf oleh kepala bidang perizinan',
  head_signature: 'Penandatanganan Surat Pemenuhan Komitmen oleh kepala dinas',
  survey: 'Pengisian survei kepuasan masyarakat (SKM)',
  effectuation: 'Pengefektifan izin pada sistem OSS',
};

export function stepTitle(code: string | null | undefined): string {
  if (!code) return '';
  return STEP_TITLES[code] ?? code;
}

/** Outcome labels per step (the API sends them only for the current step). */
const OUTCOMES: Record<string, Record<string, string>> = {
  front_office_verification: { complete: 'Berkas lengkap', incomplete: 'Berkas belum lengkap' },
  applicant_revision: { resubmitted: 'Berkas diajukan kembali' },
  back_office_validation: { valid: 'Pendaftaran valid', invalid: 'Pendaftaran tidak valid, kembalikan ke pemohon' },
  section_head_forwarding: { forward: 'Setujui dan teruskan ke Dinas Koperasi', return: 'Kembalikan ke back office' },
  technical_verification: { verified: 'Verifikasi teknis selesai' },
  recommendation: { grant: 'Rekomendasikan penerbitan izin', refuse: 'Rekomendasikan penolakan izin' },
  letter_drafting: { drafted: 'Draf surat selesai dibuat' },
  section_head_validation: { approve: 'Setujui draf', return: 'Kembalikan draf untuk diperbaiki' },
  division_head_validation: { approve: 'Setujui draf', return: 'Kembalikan draf untuk diperbaiki' },
  head_signature: { sign: 'Tandatangani surat', return: 'Kembalikan draf untuk diperbaiki' },
  survey: { answered: 'Survei diisi' },
  effectuation: { effectuated: 'Izin telah diefektifkan di OSS' },
};

export function outcomeLabel(step: string | null | undefined, outcome: string | null | undefined): string {
  if (!outcome) return '';
  return (step && OUTCOMES[step]?.[outcome]) || outcome;
}

export const ROLE_LABELS: Record<string, string> = {
  applicant: 'Pemohon',
  front_office: 'Petugas Front Office',
  back_office: 'Petugas Back Office',
  section_head: 'Kepala Seksi',
  division_head: 'Kepala Bidang Perizinan',
  agency_head: 'Kepala Dinas',
  dinas_koperasi_technical: 'Tim Teknis Dinas Koperasi, UKM dan Perdagangan',
  dinas_koperasi_official: 'Pejabat Dinas Koperasi, UKM dan Perdagangan',
  complaints_officer: 'Petugas Pengaduan',
};

export function roleLabel(code: string | null | undefined): string {
  if (!code) return '';
  return ROLE_LABELS[code] ?? code;
}

export const ACTION_LABELS: Record<string, string> = {
  'application.created': 'Permohonan dibuat',
  'application.updated': 'Isian permohonan diubah',
  'document.stored': 'Dokumen diunggah',
  'case.submitted': 'Permohonan diajukan',
  'step.entered': 'Berkas masuk tahap',
  'step.decided': 'Keputusan tahap',
  'step.escalated': 'Keterlambatan dilaporkan ke atasan',
  'notice.sent': 'Pemberitahuan dikirim',
  'deadline.near_due': 'Mendekati batas waktu',
  'deadline.overdue': 'Melewati batas waktu',
  'letter.revoked': 'Surat dicabut',
  'case.closed': 'Berkas ditutup',
  'complaint.filed': 'Pengaduan diterima',
  'complaint.step_entered': 'Pengaduan masuk tahap',
  'complaint.decided': 'Keputusan tahap pengaduan',
  'complaint.closed': 'Pengaduan selesai',
};

export function actionLabel(code: string): string {
  return ACTION_LABELS[code] ?? code;
}

export const NOTICE_LABELS: Record<string, string> = {
  submitted: 'Tanda terima permohonan',
  queue_arrival: 'Berkas masuk antrean',
  file_complete: 'Berkas sudah lengkap',
  revision_needed: 'Berkas perlu diperbaiki',
  forwarded_to_dinas_koperasi: 'Berkas diteruskan ke Dinas Koperasi',
  recommendation_made: 'Rekomendasi Dinas Koperasi',
  letter_signed: 'Surat ditandatangani',
  survey_requested: 'Permintaan pengisian SKM',
  permit_issued: 'Izin terbit',
  permit_refused: 'Permohonan ditolak',
  lapsed: 'Permohonan gugur',
};

export const SURVEY_PROFILE_LABELS: Record<string, Record<string, string>> = {
  sex: { l: 'Laki-laki', p: 'Perempuan' },
  education: {
    sd: 'SD',
    smp: 'SMP',
    sma: 'SMA/sederajat',
    d1_d3_d4: 'D1/D3/D4',
    s1: 'S1',
    s2_keatas: 'S2 ke atas',
  },
  occupation: {
    pns: 'PNS',
    tni: 'TNI',
    polri: 'Polri',
    swasta: 'Pegawai swasta',
    wirausaha: 'Wirausaha',
    lainnya: 'Lainnya',
  },
};

export const COMPLAINT_OUTCOMES: Record<string, string> = {
  registered: 'Dicatat ke laporan elektronik',
  investigated: 'Penelitian dan pemeriksaan selesai',
  followed_up: 'Tindak lanjut dilaksanakan',
  satisfied: 'Pengadu puas',
  dissatisfied: 'Pengadu belum puas (kembali ke tindak lanjut)',
  unreachable: 'Pengadu tidak dapat dihubungi',
};

export const FOLLOW_UPS: [string, string][] = [
  ['mediation', 'Mediasi'],
  ['coordination_and_site_check', 'Koordinasi dan cek lokasi'],
  ['sanction', 'Sanksi'],
];

export const COMPLAINT_KINDS: [string, string][] = [
  ['complaint', 'Pengaduan'],
  ['suggestion', 'Saran'],
  ['input', 'Masukan'],
];

/** Channels an officer records (the portal is the complainant's own). */
export const RECORDED_CHANNELS: [string, string][] = [
  ['complaints_box', 'Kotak pengaduan'],
  ['telephone', 'Telepon (0548-20594)'],
  ['fax', 'Faksimile (0548-20598)'],
  ['agency_website', 'Website dpmptsp.bontangkota.go.id'],
  ['service_website', 'Website layanan siperietnik.bontangkota.go.id'],
  ['email', 'E-mail dpmptsp@bontangkota.go.id'],
  ['in_person', 'Langsung kepada petugas pengaduan'],
];

export const COMPLAINT_STEPS: Record<string, string> = {
  registration: 'b. Pencatatan pengaduan ke laporan elektronik',
  investigation: 'c. Penelitian dan pemeriksaan pengaduan',
  follow_up: 'd. Tindak lanjut hasil penelitian dan pemeriksaan',
  satisfaction_check: 'e. Verifikasi kepuasan pengadu atas tindak lanjut',
};

/** The `outcome` of a complaint's audit event, in words. */
export function complaintEventOutcome(action: string, outcome: string): string {
  if (action === 'complaint.filed') {
    if (outcome === 'portal') return 'Portal Perizinan Digital';
    return RECORDED_CHANNELS.find(([k]) => k === outcome)?.[1] ?? outcome;
  }
  if (action === 'complaint.step_entered') return COMPLAINT_STEPS[outcome] ?? outcome;
  if (action === 'complaint.decided') {
    const [step, out] = outcome.split(':');
    return `${COMPLAINT_STEPS[step] ?? step} — ${COMPLAINT_OUTCOMES[out] ?? out ?? ''}`;
  }
  return COMPLAINT_OUTCOMES[outcome] ?? outcome;
}

export const COMPLAINT_STATUS: Record<string, string> = {
  open: 'Dalam penanganan',
  closed: 'Selesai',
};

/** Requirement names, for the few places a code appears without its case (revision lists). */
export function requirementName(code: string, reqs?: { code: string; name: string }[]): string {
  return reqs?.find((r) => r.code === code)?.name ?? code;
}
