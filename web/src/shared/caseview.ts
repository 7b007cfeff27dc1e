// Pieces of a case page shared by the portal and the console: the application's facts, the
// working-day clocks, the current step and the audit trail.

import { dl, h, type Child } from './dom';
import { daysLeft, formatDate, formatInstant, workingDays } from './format';
import { actionLabel, NOTICE_LABELS, outcomeLabel, requirementName, roleLabel, stepTitle } from './labels';
import type { Application, AuditEvent, CaseView, Clock, Deadlines, EventList, Requirement, StepView } from './types';
import { stateBadge } from './ui';

export function applicationFacts(a: Application): HTMLElement {
  return h(
    'div',
    { class: 'app-facts' },
    h('h3', null, 'Koperasi'),
    dl([
      ['Nama koperasi', a.cooperative_name],
      ['Nomor badan hukum', a.legal_entity_number],
      ['NIB', a.nib],
      ['Nomor referensi OSS', a.oss_reference],
    ]),
    h('h3', null, 'Kantor cabang'),
    dl([
      ['Alamat', a.branch.address],
      ['Nomor izin operasional', a.branch.operating_permit_number],
      ['Tanggal izin operasional', formatDate(a.branch.operating_permit_date)],
      ['Mulai kegiatan simpan pinjam', formatDate(a.branch.business_started_on)],
    ]),
    h('h3', null, 'Kantor kas yang dibuka'),
    dl([
      ['Alamat', a.cash_office.address],
      ['Jumlah anggota', `${a.cash_office.member_count} orang`],
      ['Calon kepala kantor kas', a.cash_office.head_name],
    ]),
    h('h3', null, 'Kontak'),
    dl([
      ['E-mail', a.contact.email],
      ['Telepon', a.contact.phone],
    ]),
  );
}

export function currentStep(step: StepView | null | undefined, statusLabel: string): HTMLElement {
  if (!step) {
    return h('p', null, 'Tidak ada tahap yang sedang berjalan. Status berkas: ', h('strong', null, statusLabel), '.');
  }
  return dl([
    ['Tahap', `${step.title} (SOP huruf ${step.sop})`],
    ['Ditangani oleh', step.role_label],
    ['Sejak', formatInstant(step.since)],
    [
      'Keadaan',
      step.awaiting_decision
        ? 'Menunggu keputusan'
        : 'Keputusan sudah dicatat dan sedang diteruskan oleh sistem',
    ],
  ]);
}

function clockCard(title: string, c: Clock | undefined, extra?: Child): HTMLElement | null {
  if (!c) return null;
  return h(
    'article',
    { class: `clock clock-${c.state ?? 'none'}` },
    h('h3', null, title),
    c.label ? h('p', { class: 'clock-label' }, c.label) : null,
    h('p', null, stateBadge(c.state, c.state_label)),
    dl([
      ['Terpakai', c.used_days !== undefined ? `${workingDays(c.used_days)}${c.target_days !== undefined ? ` dari ${c.target_days}` : ''}` : null],
      ['Sisa', c.left_days !== undefined ? daysLeft(c.left_days) : null],
      ['Batas waktu', c.due_on ? formatDate(c.due_on) : null],
      ['Berjalan', c.running === undefined ? null : c.running ? 'Ya' : 'Tidak (dihentikan sementara)'],
    ]),
    extra,
  );
}

/** The applicant's, the agency's and the current step's clocks, with calendar warnings. */
export function clocks(d: Deadlines): HTMLElement {
  return h(
    'div',
    { class: 'clocks-wrap' },
    d.warnings?.length
      ? h('div', { class: 'notice notice-warning' }, h('p', null, h('strong', null, 'Perhatian: ')), h('ul', null, d.warnings.map((w) => h('li', null, w))))
      : null,
    h(
      'div',
      { class: 'clocks' },
      clockCard('Waktu pemohon', d.applicant),
      clockCard('Waktu DPMPTSP', d.agency),
      d.step ? clockCard('Tahap saat ini', d.step, d.step.step ? h('p', { class: 'small' }, stepTitle(d.step.step), d.step.role ? ` · ${roleLabel(d.step.role)}` : '') : null) : null,
    ),
    d.today ? h('p', { class: 'small' }, `Dihitung dalam hari kerja per ${formatDate(d.today)} (Senin–Jumat, di luar hari libur nasional dan cuti bersama).`) : null,
  );
}

const CLOSED_LABELS: Record<string, string> = {
  issued: 'Izin terbit',
  refused: 'Ditolak',
  lapsed: 'Gugur (batas waktu perbaikan terlampaui)',
};

function eventOutcome(e: AuditEvent, reqs?: Requirement[]): string {
  if (!e.outcome) return '';
  if (e.action === 'notice.sent') return NOTICE_LABELS[e.outcome] ?? e.outcome;
  if (e.action === 'case.closed') return CLOSED_LABELS[e.outcome] ?? e.outcome;
  if (e.action === 'document.stored') {
    const m = /^(\S+) v(\d+)$/.exec(e.outcome);
    if (m) return `${requirementName(m[1], reqs)}, versi ${m[2]}`;
  }
  return outcomeLabel(e.step, e.outcome);
}

/** The audit trail, oldest first, with the hash chain's check. */
export function auditTrail(ev: EventList, reqs?: Requirement[]): HTMLElement {
  return h(
    'div',
    { class: 'audit' },
    ev.chain_valid
      ? h('p', { class: 'small' }, stateBadge('done', 'Rantai hash jejak audit utuh'))
      : h('div', { class: 'notice notice-error', role: 'alert' }, h('p', null, 'Rantai hash jejak audit TIDAK utuh: ada catatan yang berubah.')),
    h(
      'ol',
      { class: 'timeline' },
      ev.items.map((e) =>
        h(
          'li',
          null,
          h('p', { class: 'tl-when' }, h('time', { datetime: e.at }, formatInstant(e.at))),
          h(
            'p',
            { class: 'tl-what' },
            h('strong', null, actionLabel(e.action)),
            e.step ? ` — ${e.step_title ?? stepTitle(e.step)}` : '',
            e.outcome ? `: ${eventOutcome(e, reqs)}` : '',
          ),
          e.reason ? h('p', { class: 'tl-reason' }, `Alasan: ${e.reason}`) : null,
          h('p', { class: 'tl-who small' }, e.actor.name, e.actor.role ? ` (${roleLabel(e.actor.role)})` : '', e.source_ip ? ` · IP ${e.source_ip}` : ''),
        ),
      ),
    ),
  );
}

/**
 * The revision request: for the applicant only while the file waits for the correction; for
 * staff (`always`) as the last request made.
 */
export function revisionBox(c: CaseView, always = false): HTMLElement | null {
  if (!c.revision) return null;
  const open = c.step?.code === 'applicant_revision';
  if (!open && !always) return null;
  return h(
    'div',
    { class: 'notice notice-warning', id: 'revision' },
    h('h3', null, open ? 'Permintaan perbaikan' : 'Permintaan perbaikan terakhir'),
    h('p', null, `Dari tahap: ${stepTitle(c.revision.from_step)} (${formatInstant(c.revision.at)}).`),
    h('p', null, h('strong', null, 'Alasan: '), c.revision.reason),
    c.revision.missing.length
      ? [h('p', null, 'Dokumen yang harus diunggah ulang:'), h('ul', null, c.revision.missing.map((m) => h('li', null, requirementName(m, c.requirements))))]
      : null,
  );
}

/** The recommendation, permit and signed letter facts. */
export function outcomeFacts(c: CaseView): HTMLElement | null {
  const rows: [string, Child][] = [];
  if (c.recommendation) {
    rows.push(['Rekomendasi Dinas Koperasi', `${c.recommendation.outcome === 'grant' ? 'Penerbitan izin' : c.recommendation.outcome === 'refusal' ? 'Penolakan izin' : c.recommendation.outcome}, nomor ${c.recommendation.number} tanggal ${formatDate(c.recommendation.date)}`]);
  }
  if (c.letter.signed) {
    const s = c.letter.signed;
    rows.push(['Surat ditandatangani', `${s.number} (${s.kind === 'grant' ? 'pemenuhan komitmen' : 'penolakan'}), ${formatInstant(s.signed_at)} oleh ${s.signer.name}`]);
    if (s.revoked_at) rows.push(['Surat dicabut', `${formatInstant(s.revoked_at)}${s.revoked_reason ? `: ${s.revoked_reason}` : ''}`]);
  }
  if (c.permit) {
    rows.push(['Nomor izin di OSS', c.permit.oss_permit_number]);
    rows.push(['Berlaku efektif', formatDate(c.permit.effective_on)]);
  }
  return rows.length ? dl(rows) : null;
}
