// One case in the console: the application, documents, letters, clocks and audit trail, and
// the decision form of each step the caller may decide now (the case's `actions`), built from
// the step's outcomes and extra fields. Nothing is offered for another role's step.

import { get, post } from '../shared/api';
import { applicationFacts, auditTrail, clocks, currentStep, outcomeFacts, revisionBox } from '../shared/caseview';
import { add, dl, h, replace, type Child } from '../shared/dom';
import { daysLeft, formatInstant, formatSize, todayWita } from '../shared/format';
import { ErrorSummary, busy, checkedValues, choiceGroup, field, valueOf } from '../shared/forms';
import { requirementName, roleLabel, stepTitle } from '../shared/labels';
import { hasRole } from '../shared/session';
import type { CaseView, DocumentView, EventList, List, Requirement, StepView } from '../shared/types';
import { announce, heading, loading, notice, problemBox, stateBadge, takeFlash, type Page } from '../shared/ui';

interface State {
  c: CaseView;
  docs: DocumentView[];
  events: EventList;
}

export async function consoleCasePage(p: Page, id: string): Promise<void> {
  add(p.root, heading('Berkas'), loading());
  const st = await load(id);
  if (!p.current()) return;
  draw(p, st, takeFlash());
}

async function load(id: string): Promise<State> {
  const e = encodeURIComponent(id);
  const [c, docs, events] = await Promise.all([
    get<CaseView>(`/cases/${e}`),
    get<List<DocumentView>>(`/cases/${e}/documents`),
    get<EventList>(`/cases/${e}/events`),
  ]);
  return { c, docs: docs.items, events };
}

async function refresh(p: Page, st: State, message: string): Promise<void> {
  const fresh = await load(st.c.id);
  if (!p.current()) return;
  Object.assign(st, fresh);
  draw(p, st, h('div', { class: 'notice notice-success flash', tabindex: -1, id: 'decision-done' }, h('p', null, message)));
  announce(message);
  document.getElementById('decision-done')?.focus();
}

function section(id: string, title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'panel', 'aria-labelledby': `${id}-title`, id }, h('h2', { id: `${id}-title` }, title), children);
}

function draw(p: Page, st: State, flash: HTMLElement | null): void {
  const c = st.c;
  const stepActions = c.actions.filter((a) => c.step && a === c.step.code && c.step.awaiting_decision);
  replace(
    p.root,
    h('p', { class: 'small' }, h('a', { href: '#/' }, '← Kembali ke antrean')),
    heading(`Berkas ${c.registration_number ?? '(draf)'}`, `Berkas ${c.registration_number ?? ''}`),
    flash,
    h('p', { class: 'lead' }, c.application.cooperative_name),
    dl([
      ['Status', h('strong', { id: 'case-status' }, c.status.label)],
      ['Tahap', c.step ? `${c.step.title} (SOP huruf ${c.step.sop})` : null],
      ['Ditangani oleh', c.step?.role_label],
      ['Batas waktu tahap', c.deadlines.step ? stateBadge(c.deadlines.step.state, `${c.deadlines.step.state_label} (${(c.deadlines.step.left_days ?? 0) < 0 ? '' : 'sisa '}${daysLeft(c.deadlines.step.left_days)})`) : null],
      ['Diajukan', formatInstant(c.submitted_at)],
    ]),
    section(
      'decision',
      'Keputusan',
      stepActions.length
        ? stepActions.map((a) => decisionForm(p, st, c.step!, a))
        : notice(
            'info',
            h(
              'p',
              { id: 'no-action' },
              c.step
                ? `Tidak ada tindakan untuk Anda pada berkas ini. Berkas sedang berada pada tahap ${c.step.title}, ditangani oleh ${c.step.role_label}.`
                : `Tidak ada tindakan untuk Anda pada berkas ini. Status berkas: ${c.status.label}.`,
            ),
          ),
    ),
    revisionBox(c, true),
    section('deadlines', 'Jangka waktu (hari kerja)', clocks(c.deadlines)),
    section('current-step', 'Tahap saat ini', currentStep(c.step, c.status.label)),
    section('application', 'Data permohonan', applicationFacts(c.application)),
    section('documents', 'Dokumen persyaratan', documentsTable(c, st.docs, c.requirements ?? [])),
    section('letters', 'Surat', lettersBlock(p, st)),
    outcomeFacts(c) ? section('result', 'Rekomendasi dan hasil', outcomeFacts(c)) : null,
    section('history', 'Jejak audit', auditTrail(st.events, c.requirements)),
  );
}

function openButton(label: string, ariaLabel: string, getUrl: () => Promise<string>): HTMLElement {
  const host = h('span', { class: 'fallback' });
  const btn = h('button', { type: 'button', class: 'btn btn-small btn-secondary', 'aria-label': ariaLabel }, label);
  btn.addEventListener('click', async () => {
    // Open the tab inside the click (popup blockers), then point it at the signed URL.
    const w = window.open('', '_blank');
    try {
      const url = await getUrl();
      if (w) {
        w.opener = null;
        w.location.href = url;
      } else {
        replace(host, ' ', h('a', { href: url, target: '_blank', rel: 'noopener' }, 'Buka di tab baru'));
      }
    } catch (e) {
      w?.close();
      replace(host, problemBox(e));
    }
  });
  return h('span', null, btn, host);
}

function documentsTable(c: CaseView, docs: DocumentView[], reqs: Requirement[]): HTMLElement {
  const stored = docs.filter((d) => d.status === 'stored');
  if (!stored.length) return h('p', null, 'Belum ada dokumen yang diunggah.');
  const order = new Map(reqs.map((r, i) => [r.code, i]));
  stored.sort((a, b) => (order.get(a.requirement) ?? 99) - (order.get(b.requirement) ?? 99) || b.version - a.version);
  const latest = new Map<string, number>();
  for (const d of stored) latest.set(d.requirement, Math.max(latest.get(d.requirement) ?? 0, d.version));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'responsive', id: 'documents-table' },
      h('caption', null, `${stored.length} dokumen (semua versi)`),
      h('thead', null, h('tr', null, ['Persyaratan', 'Versi', 'Nama berkas', 'Ukuran', 'Diunggah', 'SHA-256', 'Buka'].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        null,
        stored.map((d) =>
          h(
            'tr',
            null,
            h('th', { scope: 'row' }, requirementName(d.requirement, reqs)),
            h('td', { 'data-label': 'Versi' }, String(d.version), latest.get(d.requirement) === d.version ? ' (terbaru)' : ''),
            h('td', { 'data-label': 'Nama berkas' }, d.file_name),
            h('td', { 'data-label': 'Ukuran', class: 'num' }, formatSize(d.size)),
            h('td', { 'data-label': 'Diunggah' }, formatInstant(d.stored_at ?? d.created_at)),
            h('td', { 'data-label': 'SHA-256' }, h('code', { class: 'hash', title: d.sha256 ?? '' }, (d.sha256 ?? '').slice(0, 12))),
            h(
              'td',
              { 'data-label': 'Buka' },
              openButton('Lihat', `Lihat ${requirementName(d.requirement, reqs)} versi ${d.version}`, async () =>
                (await get<{ url: string }>(`/cases/${c.id}/documents/${d.id}/download`)).url,
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

function lettersBlock(p: Page, st: State): HTMLElement {
  const c = st.c;
  const drafts = c.letter.drafts;
  const s = c.letter.signed;
  const parts: Child[] = [];
  if (!drafts.length && !s) parts.push(h('p', null, 'Belum ada draf surat.'));
  if (drafts.length) {
    parts.push(
      h('h3', null, 'Draf surat'),
      h(
        'ul',
        { class: 'plain' },
        drafts.map((d) =>
          h(
            'li',
            null,
            `Draf versi ${d.version} (${d.kind === 'grant' ? 'pemenuhan komitmen' : 'penolakan'}), ${formatInstant(d.drafted_at)} oleh ${d.drafted_by.name}${d.notes ? `, catatan: ${d.notes}` : ''} `,
            openButton('Lihat draf', `Lihat draf surat versi ${d.version}`, async () => (await get<{ url: string }>(`/cases/${c.id}/letter/drafts/${d.version}/download`)).url),
          ),
        ),
      ),
    );
  }
  if (s) {
    parts.push(
      h('h3', null, 'Surat yang ditandatangani'),
      dl([
        ['Nomor', s.number],
        ['Jenis', s.kind === 'grant' ? 'Surat Pemenuhan Komitmen' : 'Surat penolakan'],
        ['Ditandatangani', `${formatInstant(s.signed_at)} oleh ${s.signer.name}`],
        ['Status', s.revoked_at ? `Dicabut ${formatInstant(s.revoked_at)}${s.revoked_reason ? `: ${s.revoked_reason}` : ''}` : 'Sah'],
        ['Verifikasi publik', h('a', { href: `/#/verifikasi/${s.document_id}`, target: '_blank', rel: 'noopener' }, 'Halaman verifikasi')],
      ]),
      h('p', null, openButton('Lihat surat bertanda tangan', 'Lihat surat bertanda tangan', async () => (await get<{ url: string }>(`/cases/${c.id}/letter/download`)).url)),
    );
    if (hasRole('agency_head') && !s.revoked_at) parts.push(revokeForm(p, st, s.document_id));
  }
  return h('div', null, parts);
}

function revokeForm(p: Page, st: State, docId: string): HTMLElement {
  const form = h('form', { id: 'revoke-form', novalidate: true, class: 'stack' });
  const summary = new ErrorSummary(form);
  const btn = h('button', { type: 'submit', class: 'btn btn-secondary' }, 'Cabut surat');
  add(form,
    h('h3', null, 'Cabut surat'),
    summary.el,
    h('p', { class: 'small' }, 'Surat yang dicabut tetap tersimpan; halaman verifikasi menyatakannya dicabut.'),
    field('revoke', { name: 'reason', label: 'Alasan pencabutan', textarea: true, required: true }),
    h('div', { class: 'actions' }, btn),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const reason = valueOf(form, 'reason');
    if (!reason) {
      summary.show('Periksa kembali isian yang ditandai.', [{ field: 'reason', code: 'required', detail: 'Wajib diisi.' }]);
      return;
    }
    void busy(btn, async () => {
      try {
        await post(`/documents/${docId}/revoke`, { reason });
        await refresh(p, st, 'Surat telah dicabut.');
      } catch (e) {
        summary.showProblem(e);
      }
    });
  });
  return h('details', null, h('summary', null, 'Cabut surat ini'), form);
}

/** The extra fields of each step (besides outcome and reason). */
function extraFields(P: string, step: StepView, reqs: Requirement[]): Child[] {
  const today = todayWita();
  switch (step.code) {
    case 'front_office_verification':
    case 'back_office_validation':
      return [
        choiceGroup(P, {
          name: 'missing',
          legend: 'Dokumen yang harus diunggah ulang oleh pemohon',
          type: 'checkbox',
          hint: 'Diisi hanya bila berkas dikembalikan kepada pemohon.',
          choices: reqs.map((r) => [r.code, r.name] as [string, string]),
        }),
      ];
    case 'technical_verification':
      return [
        field(P, { name: 'findings', label: 'Hasil verifikasi teknis', textarea: true, required: true, attrs: { maxlength: 4000 } }),
        field(P, { name: 'site_visit_on', label: 'Tanggal kunjungan lapangan', type: 'date', hint: 'Isi bila dilakukan kunjungan ke lokasi.', attrs: { max: today } }),
      ];
    case 'recommendation':
      return [
        field(P, { name: 'recommendation_number', label: 'Nomor surat rekomendasi', required: true, hint: 'Contoh: 500/045/DKUMP/2026', attrs: { maxlength: 100 } }),
        field(P, { name: 'recommendation_date', label: 'Tanggal surat rekomendasi', type: 'date', required: true, value: today, attrs: { max: today } }),
      ];
    case 'letter_drafting':
      return [field(P, { name: 'notes', label: 'Catatan draf', textarea: true, attrs: { maxlength: 2000 } })];
    case 'effectuation':
      return [
        field(P, { name: 'oss_permit_number', label: 'Nomor izin di OSS', required: true, attrs: { maxlength: 100 } }),
        field(P, { name: 'effective_on', label: 'Tanggal izin berlaku efektif', type: 'date', required: true, value: today, attrs: { max: today } }),
      ];
    default:
      return [];
  }
}

function decisionForm(p: Page, st: State, step: StepView, code: string): HTMLElement {
  const P = `d-${code}`;
  const c = st.c;
  const reqs = c.requirements ?? [];
  const form = h('form', { id: `decision-${code}`, class: 'decision-form stack', novalidate: true, 'aria-labelledby': `${P}-title` });
  const summary = new ErrorSummary(form);
  const reasonField = field(P, {
    name: 'reason',
    label: 'Alasan',
    textarea: true,
    hint: 'Wajib bila berkas dikembalikan atau direkomendasikan ditolak.',
    attrs: { maxlength: 2000 },
  });
  const reasonReq = reasonField.querySelector<HTMLElement>('.opt');
  const extras = extraFields(P, step, reqs);
  const missingGroup = extras.find((e): e is HTMLFieldSetElement => e instanceof HTMLFieldSetElement && e.dataset.field === 'missing') ?? null;
  const update = () => {
    const chosen = step.outcomes.find((o) => o.code === valueOf(form, 'outcome'));
    const needsReason = !!chosen?.reason_required;
    const ta = reasonField.querySelector('textarea')!;
    ta.required = needsReason;
    if (reasonReq) reasonReq.textContent = needsReason ? ' (wajib)' : ' (opsional)';
    if (missingGroup) missingGroup.hidden = !needsReason;
  };
  if (missingGroup) missingGroup.hidden = true;
  const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Simpan keputusan');
  add(form,
    h('h3', { id: `${P}-title` }, `${step.title} (SOP huruf ${step.sop})`),
    h('p', { class: 'small' }, `Sebagai ${roleLabel(step.role)}. Keputusan dicatat dalam jejak audit dan tidak dapat dibatalkan.`),
    summary.el,
    choiceGroup(P, {
      name: 'outcome',
      legend: 'Keputusan',
      type: 'radio',
      required: true,
      choices: step.outcomes.map((o) => [o.code, o.reason_required ? `${o.label} (wajib disertai alasan)` : o.label] as [string, string]),
      onChange: update,
    }),
    reasonField,
    extras,
    h('div', { class: 'actions' }, btn),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const outcome = valueOf(form, 'outcome');
    const chosen = step.outcomes.find((o) => o.code === outcome);
    const errors = [];
    if (!chosen) errors.push({ field: 'outcome', code: 'required', detail: 'Pilih salah satu keputusan.' });
    const body: Record<string, unknown> = { version: st.c.version, outcome };
    const reason = valueOf(form, 'reason');
    if (reason) body.reason = reason;
    else if (chosen?.reason_required) errors.push({ field: 'reason', code: 'reason_required', detail: 'Alasan wajib diisi untuk keputusan ini.' });
    const need = (name: string, label = 'Wajib diisi.') => {
      const v = valueOf(form, name);
      if (v) body[name] = v;
      else errors.push({ field: name, code: 'required', detail: label });
    };
    const optional = (name: string) => {
      const v = valueOf(form, name);
      if (v) body[name] = v;
    };
    switch (step.code) {
      case 'front_office_verification':
      case 'back_office_validation':
        if (chosen?.reason_required) body.missing = checkedValues(form, 'missing');
        break;
      case 'technical_verification':
        need('findings');
        optional('site_visit_on');
        break;
      case 'recommendation':
        need('recommendation_number');
        need('recommendation_date');
        break;
      case 'letter_drafting':
        optional('notes');
        break;
      case 'effectuation':
        need('oss_permit_number');
        need('effective_on');
        break;
    }
    for (const d of ['site_visit_on', 'recommendation_date', 'effective_on']) {
      const v = body[d];
      if (typeof v === 'string' && v > todayWita()) errors.push({ field: d, code: 'future_date', detail: 'Tanggal tidak boleh setelah hari ini.' });
    }
    if (errors.length) {
      summary.show('Periksa kembali isian yang ditandai.', errors);
      return;
    }
    void busy(btn, async () => {
      summary.clear();
      try {
        const after = await post<CaseView>(`/cases/${c.id}/steps/${code}`, body);
        const next = after.step ? `Berkas diteruskan ke tahap ${after.step.title}.` : `Status berkas: ${after.status.label}.`;
        await refresh(p, st, `Keputusan "${chosen!.label}" pada tahap ${stepTitle(code)} disimpan. ${next}`);
      } catch (e) {
        summary.showProblem(e);
      }
    });
  });
  return form;
}
