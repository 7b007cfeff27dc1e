// Pieces of a case page shared by the portal and the console: the application's values with
// their labels from the permit definition, the working-day clocks, the current step, the
// decisions, the bill and the audit trail.

import { actorRole, formField, letterTitle, noticeTitle, outcomeLabel, roleLabel, stepDef, stepTitle, stepWithSop } from './catalogue';
import { dl, h, type Child } from './dom';
import { displayValue, getPath } from './fields';
import { daysLeft, formatDate, formatInstant, formatRupiah, workingDays } from './format';
import { ACTING_DESIGNATIONS, actionLabel, CHANNEL_LABELS, CLOSED_LABELS, DECISION_DETAIL_LABELS, NOTICE_LABELS, requirementName } from './labels';
import type { Actor, AuditEvent, CaseView, Clock, Deadlines, EventList, PermitDef, Requirement, StepView, Values } from './types';
import { stateBadge } from './ui';

/** The holder's name (the definition's `holder` field) of an application. */
export function holderOf(def: PermitDef | null | undefined, values: Values): string {
  if (!def) return '';
  const v = getPath(values, def.holder);
  return typeof v === 'string' ? v : '';
}

/** The application's values, section by section, labelled and formatted as the definition says. */
export function applicationFacts(def: PermitDef, values: Values, reqs?: { code: string; name: string }[]): HTMLElement {
  return h(
    'div',
    { class: 'app-facts' },
    def.form.sections.map((s) => {
      const rows: [string, Child][] = s.fields.map((f) => [f.label, displayValue(f, getPath(values, f.path), reqs ?? def.requirements)]);
      if (rows.every(([, v]) => !v)) return null;
      return [h('h3', null, s.title), dl(rows)];
    }),
  );
}

export function currentStep(step: StepView | null | undefined, statusLabel: string): HTMLElement {
  if (!step) {
    return h('p', null, 'Tidak ada tahap yang sedang berjalan. Status berkas: ', h('strong', null, statusLabel), '.');
  }
  return dl([
    ['Tahap', stepWithSop(step.title, step.sop)],
    ['Ditangani oleh', step.role_label],
    ['Sejak', formatInstant(step.since)],
    [
      'Keadaan',
      step.awaiting_decision
        ? step.role === 'applicant'
          ? 'Menunggu tindakan pemohon'
          : 'Menunggu keputusan'
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
export function clocks(d: Deadlines, def: PermitDef | null | undefined): HTMLElement {
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
      clockCard('Waktu instansi', d.agency),
      d.step
        ? clockCard('Tahap saat ini', d.step, d.step.step ? h('p', { class: 'small' }, stepTitle(def, d.step.step), d.step.role ? ` · ${stepDef(def, d.step.step)?.role_label || roleLabel(d.step.role)}` : '') : null)
        : null,
      ...(d.deemed ?? []).map((f) =>
        clockCard(
          f.title,
          f,
          h(
            'p',
            { class: 'small deemed-note' },
            f.lapsed
              ? 'Batas waktu terlampaui tanpa keputusan: permohonan dianggap dikabulkan secara hukum dan izin diterbitkan otomatis oleh sistem OSS. '
              : 'Bila belum diputuskan sampai tanggal ini, permohonan dianggap dikabulkan secara hukum (fiktif positif). ',
            `Dasar: ${f.source}`,
          ),
        ),
      ),
    ),
    d.today ? h('p', { class: 'small' }, `Dihitung dalam hari kerja per ${formatDate(d.today)} (Senin–Jumat, di luar hari libur nasional dan cuti bersama).`) : null,
  );
}

/** " · Plt. (menggantikan Ahmad Yani)" when the actor held the role by delegation, else ''. */
export function actingNote(a: Actor): string {
  if (!a.acting) return '';
  return ` · ${ACTING_DESIGNATIONS[a.acting.kind] ?? a.acting.kind} (menggantikan ${a.acting.for_name})`;
}

function eventOutcome(e: AuditEvent, def: PermitDef | null | undefined, reqs?: Requirement[]): string {
  if (!e.outcome) return '';
  // The permit's own notices are titled by its definition; the office's (queue, escalation,
  // deadline) in labels.ts.
  if (e.action === 'notice.sent') return noticeTitle(def, e.outcome) ?? NOTICE_LABELS[e.outcome] ?? e.outcome;
  // A notice that did not arrive: `channel:notice` (`email:file_complete`).
  if (/^notice\.(bounced|complained|deferred|undelivered)$/.test(e.action)) {
    const [channel, code] = e.outcome.split(':');
    if (code) return `${CHANNEL_LABELS[channel] ?? channel}, ${noticeTitle(def, code) ?? NOTICE_LABELS[code] ?? code}`;
  }
  // The contact fields corrected, by path (`contact.email,contact.phone`).
  if (e.action === 'contact.corrected') return e.outcome.split(',').map((p) => formField(def, p)?.label ?? p).join(', ');
  if (e.action === 'case.closed') return CLOSED_LABELS[e.outcome] ?? e.outcome;
  if (e.action === 'document.stored') {
    const m = /^(\S+) v(\d+)$/.exec(e.outcome);
    if (m) return `${requirementName(m[1], reqs ?? def?.requirements)}, versi ${m[2]}`;
  }
  return outcomeLabel(def, e.step, e.outcome);
}

/** The audit trail, oldest first, with the hash chain's check. */
export function auditTrail(ev: EventList, def: PermitDef | null | undefined, reqs?: Requirement[]): HTMLElement {
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
            e.step ? ` — ${e.step_title ?? stepTitle(def, e.step)}` : '',
            e.outcome ? `: ${eventOutcome(e, def, reqs)}` : '',
          ),
          e.reason ? h('p', { class: 'tl-reason' }, `Alasan: ${e.reason}`) : null,
          h('p', { class: 'tl-who small' }, e.actor.name, e.actor.role ? ` (${actorRole(e.actor)})` : '', actingNote(e.actor), e.source_ip ? ` · IP ${e.source_ip}` : ''),
        ),
      ),
    ),
  );
}

/** Whether the case waits for the applicant's correction. */
export function inRevision(c: CaseView): boolean {
  return c.step?.kind === 'applicant_revision' || c.step?.code === 'applicant_revision';
}

/**
 * The revision request: for the applicant only while the file waits for the correction; for
 * staff (`always`) as the last request made.
 */
export function revisionBox(c: CaseView, def: PermitDef | null | undefined, always = false): HTMLElement | null {
  if (!c.revision) return null;
  const open = inRevision(c);
  if (!open && !always) return null;
  return h(
    'div',
    { class: 'notice notice-warning', id: 'revision' },
    h('h3', null, open ? 'Permintaan perbaikan' : 'Permintaan perbaikan terakhir'),
    h('p', null, `Dari tahap: ${stepTitle(def, c.revision.from_step)} (${formatInstant(c.revision.at)}).`),
    h('p', null, h('strong', null, 'Alasan: '), c.revision.reason),
    c.revision.missing.length
      ? [h('p', null, 'Dokumen yang harus diunggah ulang:'), h('ul', null, c.revision.missing.map((m) => h('li', null, requirementName(m, c.requirements ?? def?.requirements))))]
      : null,
  );
}

/** The SKRD (bill) and the payment, when the permit charges a retribution. */
export function billFacts(c: CaseView, def: PermitDef | null | undefined): HTMLElement | null {
  if (!c.bill && !c.fee) return null;
  const rows: [string, Child][] = [];
  if (c.bill) {
    rows.push(['Nomor SKRD', c.bill.number]);
    if (def?.bill?.object) rows.push(['Objek retribusi', def.bill.object]);
    rows.push(['Jumlah retribusi', h('strong', { class: 'amount' }, formatRupiah(c.bill.amount))]);
    rows.push(['Terbit', `${formatInstant(c.bill.issued_at)}${c.bill.issued_by ? ` oleh ${c.bill.issued_by.name}` : ''}`]);
    rows.push(['Jatuh tempo', formatDate(c.bill.due_on)]);
  } else if (c.fee) {
    rows.push(['Jumlah retribusi', formatRupiah(c.fee.amount)]);
  }
  if (c.fee?.basis) rows.push(['Dasar perhitungan', c.fee.basis]);
  if (c.fee?.assessed_by) rows.push(['Dihitung oleh', `${c.fee.assessed_by.name} (${stepTitle(def, c.fee.step)})`]);
  if (c.payment) {
    rows.push([
      'Pembayaran',
      `Terverifikasi${c.payment.paid_on ? `, disetor ${formatDate(c.payment.paid_on)}` : ''}${c.payment.reference ? `, referensi ${c.payment.reference}` : ''}${c.payment.verified_by ? ` (diverifikasi ${c.payment.verified_by.name})` : ''}`,
    ]);
  } else if (c.bill) {
    rows.push(['Pembayaran', 'Belum diverifikasi']);
  }
  return dl(rows);
}

/** The recommendation, issuance and signed letter facts. */
export function outcomeFacts(c: CaseView, def: PermitDef | null | undefined): HTMLElement | null {
  const rows: [string, Child][] = [];
  const r = c.recommendation;
  if (r) {
    const verdict = r.outcome === 'grant' ? 'Penerbitan izin' : r.outcome === 'refusal' ? 'Penolakan izin' : r.outcome;
    const parts = [verdict];
    if (r.number) parts.push(`nomor ${r.number}`);
    if (r.date) parts.push(`tanggal ${formatDate(r.date)}`);
    rows.push([r.step ? `Rekomendasi (${stepTitle(def, r.step)})` : 'Rekomendasi', parts.join(', ')]);
    if (r.reason) rows.push(['Alasan rekomendasi', r.reason]);
    if (r.official) rows.push(['Pejabat', `${r.official.name}${r.official.role ? ` (${actorRole(r.official)})` : ''}`]);
  }
  if (c.letter.signed) {
    const s = c.letter.signed;
    rows.push(['Surat ditandatangani', `${s.number} (${letterTitle(def, s.kind)}), ${formatInstant(s.signed_at)} oleh ${s.signer.name}`]);
    if (s.revoked_at) rows.push(['Surat dicabut', `${formatInstant(s.revoked_at)}${s.revoked_reason ? `: ${s.revoked_reason}` : ''}`]);
  }
  if (c.issuance) {
    const system = def?.national_system ?? 'sistem nasional';
    rows.push([`Nomor izin di ${system}`, c.issuance.number]);
    rows.push(['Berlaku efektif', formatDate(c.issuance.effective_on)]);
  }
  return rows.length ? dl(rows) : null;
}

/** One decision's details, each labelled with its step field's label. */
function decisionDetails(def: PermitDef | null | undefined, step: string, details: Record<string, unknown> | undefined, reqs?: Requirement[]): [string, Child][] {
  if (!details) return [];
  const fields = stepDef(def, step)?.fields ?? [];
  const rows: [string, Child][] = [];
  const flat: [string, unknown][] = [];
  const walk = (prefix: string, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && !fields.some((f) => f.path === prefix)) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(prefix ? `${prefix}.${k}` : k, x);
    } else flat.push([prefix, v]);
  };
  walk('', details);
  for (const [path, v] of flat) {
    const f = fields.find((x) => x.path === path);
    const label = f?.label ?? DECISION_DETAIL_LABELS[path] ?? path;
    rows.push([label, displayValue(f, v, reqs ?? def?.requirements) || (Array.isArray(v) ? 'Tidak ada' : '')]);
  }
  return rows;
}

/** The decisions taken on the case, oldest first, with their fields as the step names them. */
export function decisionsTrail(c: CaseView, def: PermitDef | null | undefined): HTMLElement {
  if (!c.decisions.length) return h('p', null, 'Belum ada keputusan.');
  return h(
    'ol',
    { class: 'timeline decisions', id: 'decisions-list' },
    c.decisions.map((d) =>
      h(
        'li',
        null,
        h('p', { class: 'tl-when' }, h('time', { datetime: d.at }, formatInstant(d.at))),
        h('p', { class: 'tl-what' }, h('strong', null, stepTitle(def, d.step)), `: ${outcomeLabel(def, d.step, d.outcome)}`),
        d.reason ? h('p', { class: 'tl-reason' }, `Alasan: ${d.reason}`) : null,
        dl(decisionDetails(def, d.step, d.details, c.requirements)),
        h('p', { class: 'tl-who small' }, d.actor.name, d.actor.role ? ` (${actorRole(d.actor)})` : '', actingNote(d.actor)),
      ),
    ),
  );
}

/** The requirements of a case that are uploaded with the application (not at a later step). */
export function applicationRequirements(c: CaseView): Requirement[] {
  return (c.requirements ?? []).filter((r) => !r.step);
}

/** The requirements uploaded at step `code`. */
export function stepRequirements(c: CaseView, code: string): Requirement[] {
  return (c.requirements ?? []).filter((r) => r.step === code);
}
