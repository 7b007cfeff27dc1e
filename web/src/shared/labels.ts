// Indonesian wording for codes that the API returns without a label: audit actions, the
// office's own notices and closing outcomes in the audit trail, the keys a decision adds to its
// details, acting officials (Plt./Plh.) and their delegations' states, survey profile choices,
// and the complaint procedure (not a permit). Step titles, outcomes, roles, form fields,
// requirements and the permits' own notices come from the permit definitions
// (shared/catalogue.ts); the roles of audit events and report rows come with them.

export const ACTION_LABELS: Record<string, string> = {
  'application.created': 'Permohonan dibuat',
  'application.updated': 'Isian permohonan diubah',
  'document.stored': 'Dokumen diunggah',
  'case.submitted': 'Permohonan diajukan',
  'step.entered': 'Berkas masuk tahap',
  'step.decided': 'Keputusan tahap',
  'step.escalated': 'Keterlambatan dilaporkan ke atasan',
  'draft.expired': 'Draf permohonan dihapus karena tidak diajukan',
  'notice.sent': 'Pemberitahuan dikirim',
  'notice.bounced': 'Pemberitahuan tidak terkirim (alamat ditolak)',
  'notice.complained': 'Pemberitahuan ditandai spam oleh penerima',
  'notice.deferred': 'Pengiriman pemberitahuan ditunda',
  'notice.undelivered': 'Pemberitahuan tidak terkirim',
  'contact.corrected': 'Kontak pemohon diperbaiki',
  'deadline.near_due': 'Mendekati batas waktu',
  'deadline.overdue': 'Melewati batas waktu',
  'letter.revoked': 'Surat dicabut',
  'case.closed': 'Berkas ditutup',
  'case.assigned': 'Berkas dialihkan ke petugas lain',
  'complaint.filed': 'Pengaduan diterima',
  'complaint.step_entered': 'Pengaduan masuk tahap',
  'complaint.decided': 'Keputusan tahap pengaduan',
  'complaint.escalated': 'Keterlambatan pengaduan dilaporkan ke atasan',
  'complaint.identity_erased': 'Identitas pengadu dihapus sesuai jadwal retensi',
  'complaint.closed': 'Pengaduan ditutup',
  'complaint.completed': 'Pengadu melengkapi pengaduan',
  'complaint.completion_expired': 'Batas waktu melengkapi pengaduan lewat',
  'complaint.email_confirmed': 'Alamat e-mail pengadu dikonfirmasi',
};

export function actionLabel(code: string): string {
  return ACTION_LABELS[code] ?? code;
}

/** The designation an acting official's decisions carry (an actor's `acting.kind`). */
export const ACTING_DESIGNATIONS: Record<string, string> = {
  plt: 'Plt.',
  plh: 'Plh.',
};

/** The kinds of acting official (UU 30/2014 Pasal 14), as the office administrator records them. */
export const ACTING_KINDS: [string, string][] = [
  ['plt', 'Pelaksana Tugas (Plt.)'],
  ['plh', 'Pelaksana Harian (Plh.)'],
];

/** A delegation's `state` today. */
export const DELEGATION_STATES: Record<string, string> = {
  active: 'Berlaku',
  scheduled: 'Terjadwal',
  ended: 'Berakhir',
  revoked: 'Dicabut',
};

/**
 * The notices the office itself sends to staff, which no permit defines. A permit's own notices
 * (submitted, payment_requested, permit_issued…) are titled by its definition's `notices`.
 */
export const NOTICE_LABELS: Record<string, string> = {
  queue_arrival: 'Berkas masuk antrean',
  escalation: 'Keterlambatan dilaporkan ke atasan',
  deadline: 'Pengingat batas waktu',
};

/** The channels notices reach the applicant by. */
export const CHANNEL_LABELS: Record<string, string> = {
  email: 'E-mail',
  sms: 'SMS',
};

/** What the mail or SMS service reported about one sending (a delivery's `status`). */
export const DELIVERY_STATUS_LABELS: Record<string, string> = {
  sent: 'Terkirim ke layanan',
  delivered: 'Diterima',
  deferred: 'Ditunda',
  bounced: 'Gagal (bounce)',
  complained: 'Ditandai spam',
  failed: 'Gagal dikirim',
};

/** The `outcome` of a `case.closed` audit event. */
export const CLOSED_LABELS: Record<string, string> = {
  issued: 'Izin terbit',
  refused: 'Ditolak',
  lapsed: 'Gugur (batas waktu terlampaui)',
};

/** Keys a decision's effects add to its details, besides the step's own fields. */
export const DECISION_DETAIL_LABELS: Record<string, string> = {
  draft_version: 'Versi draf surat',
  letter_number: 'Nomor surat',
  bill_number: 'Nomor SKRD',
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
  incomplete: 'Belum lengkap (pengadu diminta melengkapi)',
  outside_authority: 'Di luar kewenangan (diteruskan ke instansi lain)',
  spam: 'Spam (bukan pengaduan, ditutup tanpa pemberitahuan)',
  duplicate: 'Duplikat (sama dengan pengaduan yang sudah tercatat)',
  closed_spam: 'Ditutup: spam, tidak ditindaklanjuti',
  closed_duplicate: 'Ditutup: sama dengan pengaduan yang sudah tercatat',
  link: 'melalui tautan konfirmasi',
  account: 'alamat akun pengadu yang sudah terverifikasi',
  recorded_by_officer: 'dicatat oleh petugas pengaduan',
  completed: 'Dilengkapi pengadu',
  expired: 'Tidak dilengkapi sampai batas waktu',
  handled: 'Selesai ditangani',
  closed_incomplete: 'Ditutup: tidak dilengkapi, tidak ditindaklanjuti',
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
  ['sp4n_lapor', 'SP4N-LAPOR!'],
];

export const COMPLAINT_STEPS: Record<string, string> = {
  registration: 'b. Pencatatan pengaduan ke laporan elektronik',
  investigation: 'c. Penelitian dan pemeriksaan pengaduan',
  follow_up: 'd. Tindak lanjut hasil penelitian dan pemeriksaan',
  satisfaction_check: 'e. Verifikasi kepuasan pengadu atas tindak lanjut',
  completion: 'b. Menunggu pengadu melengkapi pengaduan',
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
  if (action === 'complaint.completion_expired') return `batas waktu ${outcome}`;
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
