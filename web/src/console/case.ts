// One case in the console: the application, documents, the bill, letters, clocks, decisions and
// audit trail, and the decision form of each step the caller may decide now (the case's
// `actions`), built from the step's outcomes and fields as the permit defines them. Nothing is
// offered for another role's step but handing the case to a colleague who holds that role.

import { get, post } from '../shared/api';
import { applicationFacts, auditTrail, billFacts, clocks, currentStep, decisionsTrail, holderOf, outcomeFacts, revisionBox } from '../shared/caseview';
import { letterTitle, permitDef, roleLabel, stepWithSop } from '../shared/catalogue';
import { add, dl, h, replace, type Child } from '../shared/dom';
import { fieldControl, isRequired, readFields } from '../shared/fields';
import { daysLeft, formatInstant, formatSize } from '../shared/format';
import { ErrorSummary, busy, choiceGroup, field, valueOf } from '../shared/forms';
import { requirementName } from '../shared/labels';
import { CONTACT_FORM_ID, contactForm, contactSavedMessage, deliveriesTable, undeliveredBanner } from '../shared/notices';
import { can, currentUser } from '../shared/session';
import type { CaseView, DocumentView, EventList, FieldDef, List, PermitDef, Requirement, StaffMember, StepView, Values } from '../shared/types';
import { announce, heading, loading, notice, problemBox, stateBadge, takeFlash, type Page } from '../shared/ui';

interface State {
  c: CaseView;
  def: PermitDef;
  docs: DocumentView[];
  events: EventList;
  /** The office's roster (whom the case may be handed to); null when it could not be read. */
  staff: StaffMember[] | null;
}

export async function consoleCasePage(p: Page, id: string): Promise<void> {
  add(p.root, heading('Berkas'), loading());
  const st = await load(id);
  if (!p.current()) return;
  draw(p, st, takeFlash());
}

async function load(id: string): Promise<State> {
  const e = encodeURIComponent(id);
  const [c, docs, events, staff] = await Promise.all([
    get<CaseView>(`/cases/${e}`),
    get<List<DocumentView>>(`/cases/${e}/documents`),
    get<EventList>(`/cases/${e}/events`),
    get<List<StaffMember>>('/office/staff').then((r) => r.items, () => null),
  ]);
  const def = await permitDef(c.permit.code);
  return { c, def, docs: docs.items, events, staff };
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
  const def = st.def;
  const step = c.step;
  const staffStep = !!step && step.awaiting_decision && step.role !== 'applicant' && (step.kind ?? 'decision') === 'decision';
  const stepActions = c.actions.filter((a) => staffStep && a === step!.code);
  const bill = billFacts(c, def);
  replace(
    p.root,
    h('p', { class: 'small' }, h('a', { href: '#/' }, '← Kembali ke antrean')),
    heading(`Berkas ${c.registration_number ?? '(draf)'}`, `Berkas ${c.registration_number ?? ''}`),
    flash,
    undeliveredBanner(
      c,
      def,
      'staff',
      can('applicant_contact') ? CONTACT_FORM_ID : undefined,
      can('applicant_contact') ? null : h('p', { class: 'small' }, 'Kontak pemohon diperbaiki oleh petugas front office.'),
    ),
    h('p', { class: 'lead' }, holderOf(def, c.application)),
    dl([
      ['Jenis izin', h('span', { id: 'case-permit' }, c.permit.name)],
      ['Kantor', c.office ? h('span', { id: 'case-office' }, c.office.name) : null],
      ['Status', h('strong', { id: 'case-status' }, c.status.label)],
      ['Tahap', step ? stepWithSop(step.title, step.sop) : null],
      ['Ditangani oleh', step?.role_label],
      ['Batas waktu tahap', c.deadlines.step ? stateBadge(c.deadlines.step.state, `${c.deadlines.step.state_label} (${(c.deadlines.step.left_days ?? 0) < 0 ? '' : 'sisa '}${daysLeft(c.deadlines.step.left_days)})`) : null],
      ['Diajukan', formatInstant(c.submitted_at)],
    ]),
    section(
      'decision',
      'Keputusan',
      stepActions.length
        ? stepActions.map((a) => decisionForm(p, st, step!, a))
        : notice(
            'info',
            h(
              'p',
              { id: 'no-action' },
              step
                ? `Tidak ada tindakan untuk Anda pada berkas ini. Berkas sedang berada pada tahap ${step.title}, ditangani oleh ${step.role_label}.`
                : `Tidak ada tindakan untuk Anda pada berkas ini. Status berkas: ${c.status.label}.`,
            ),
          ),
    ),
    staffStep ? handoverForm(p, st, step!) : null,
    can('applicant_contact') && c.status.code !== 'draft'
      ? section(
          'contact',
          'Kontak pemohon',
          contactForm(c, def, {
            title: 'Perbaiki kontak pemohon',
            intro: 'Setelah menghubungi pemohon, ubah e-mail, nomor HP atau pilihan pemberitahuannya. Pemberitahuan terakhir yang tidak terkirim dikirim ulang ke kontak yang baru; perubahan dicatat dalam jejak audit.',
            open: !!c.notices?.undelivered.length,
            saved: (_after, resent) => refresh(p, st, contactSavedMessage(resent)),
          }),
        )
      : null,
    section('notices', 'Riwayat pemberitahuan', deliveriesTable(c, def)),
    revisionBox(c, def, true),
    section('deadlines', 'Jangka waktu (hari kerja)', clocks(c.deadlines, def)),
    section('current-step', 'Tahap saat ini', currentStep(step, c.status.label)),
    section('application', 'Data permohonan', applicationFacts(def, c.application, c.requirements)),
    section('documents', 'Dokumen persyaratan', documentsTable(c, st.docs, c.requirements ?? [])),
    bill ? section('bill', def.bill?.title ?? 'Retribusi', bill, billButton(c)) : null,
    section('letters', 'Surat', lettersBlock(p, st)),
    outcomeFacts(c, def) ? section('result', 'Rekomendasi dan hasil', outcomeFacts(c, def)) : null,
    section('decisions', 'Keputusan per tahap', decisionsTrail(c, def)),
    section('history', 'Jejak audit', auditTrail(st.events, def, c.requirements)),
  );
}

function billButton(c: CaseView): HTMLElement | null {
  if (!c.bill?.file) return null;
  return h('p', null, openButton('Lihat SKRD', `Lihat SKRD ${c.bill.number}`, async () => (await get<{ url: string }>(`/cases/${c.id}/bill/download`)).url));
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
            `Draf versi ${d.version} (${letterTitle(st.def, d.kind)}), ${formatInstant(d.drafted_at)} oleh ${d.drafted_by.name}${d.notes ? `, catatan: ${d.notes}` : ''} `,
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
        ['Jenis', letterTitle(st.def, s.kind)],
        ['Ditandatangani', `${formatInstant(s.signed_at)} oleh ${s.signer.name}`],
        ['Status', s.revoked_at ? `Dicabut ${formatInstant(s.revoked_at)}${s.revoked_reason ? `: ${s.revoked_reason}` : ''}` : 'Sah'],
        ['Verifikasi publik', h('a', { href: `/#/verifikasi/${s.document_id}`, target: '_blank', rel: 'noopener' }, 'Halaman verifikasi')],
      ]),
      h('p', null, openButton('Lihat surat bertanda tangan', 'Lihat surat bertanda tangan', async () => (await get<{ url: string }>(`/cases/${c.id}/letter/download`)).url)),
    );
    if (can('revoke_letters') && !s.revoked_at) parts.push(revokeForm(p, st, s.document_id));
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

/**
 * Hands the case waiting at a staff step to a colleague who holds the step's role (their own or
 * held by delegation today), with a reason; the API says who may hand it on.
 */
function handoverForm(p: Page, st: State, step: StepView): HTMLElement {
  const me = currentUser()?.sub;
  const actingAs = (m: StaffMember) => m.acting.find((a) => a.role === step.role);
  const colleagues = (st.staff ?? []).filter((m) => m.sub !== me && (m.roles.some((r) => r.code === step.role) || actingAs(m)));
  const wrap = (...children: Child[]) => h('details', { id: 'handover', class: 'panel' }, h('summary', null, 'Alihkan ke petugas lain'), children);
  if (!st.staff) return wrap(notice('warning', h('p', null, 'Daftar petugas kantor tidak dapat dimuat. Muat ulang halaman untuk mengalihkan berkas.')));
  if (!colleagues.length) return wrap(h('p', { class: 'small' }, `Tidak ada petugas lain yang memegang peran ${step.role_label}.`));
  const P = 'handover';
  const form = h('form', { id: 'handover-form', novalidate: true, class: 'stack' });
  const summary = new ErrorSummary(form);
  const btn = h('button', { type: 'submit', class: 'btn btn-secondary' }, 'Alihkan berkas');
  const optionLabel = (m: StaffMember) => {
    const a = m.roles.some((r) => r.code === step.role) ? undefined : actingAs(m);
    return a ? `${m.name} (${a.designation} ${a.role_label})` : m.name;
  };
  add(form,
    summary.el,
    h('p', { class: 'small' }, `Berkas keluar dari antrean bersama ${step.role_label} dan hanya dapat diputuskan oleh petugas yang dipilih. Pengalihan dicatat dalam jejak audit.`),
    field(P, {
      name: 'to',
      label: 'Petugas tujuan',
      required: true,
      options: colleagues.map((m) => [m.sub, optionLabel(m)] as [string, string]),
      emptyOption: '— Pilih petugas —',
    }),
    field(P, { name: 'reason', label: 'Alasan', textarea: true, required: true, hint: '5–500 karakter, misalnya cuti, beban kerja atau benturan kepentingan.', attrs: { maxlength: 500 } }),
    h('div', { class: 'actions' }, btn),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const to = valueOf(form, 'to');
    const reason = valueOf(form, 'reason');
    const errors = [];
    if (!to) errors.push({ field: 'to', code: 'required', detail: 'Pilih petugas tujuan.' });
    if (!reason) errors.push({ field: 'reason', code: 'required', detail: 'Wajib diisi.' });
    if (errors.length) {
      summary.show('Periksa kembali isian yang ditandai.', errors);
      return;
    }
    void busy(btn, async () => {
      summary.clear();
      try {
        await post<CaseView>(`/cases/${st.c.id}/assign`, { version: st.c.version, to, reason });
        await refresh(p, st, `Berkas dialihkan kepada ${colleagues.find((m) => m.sub === to)?.name ?? to}.`);
      } catch (e) {
        summary.showProblem(e);
      }
    });
  });
  return wrap(form);
}

/** A decision field applies to the chosen outcome (all outcomes when it names none). */
function appliesTo(f: FieldDef, outcome: string): boolean {
  return !f.outcomes?.length || f.outcomes.includes(outcome);
}

function decisionForm(p: Page, st: State, step: StepView, code: string): HTMLElement {
  const P = `d-${code}`;
  const c = st.c;
  // "Documents to upload again" are those of the application (not of a later step).
  const reqs = (c.requirements ?? st.def.requirements).filter((r) => !r.step).map((r) => ({ code: r.code, name: r.name }));
  const fields = step.fields ?? [];
  const form = h('form', { id: `decision-${code}`, class: 'decision-form stack', novalidate: true, 'aria-labelledby': `${P}-title` });
  const summary = new ErrorSummary(form);
  const reasonField = field(P, {
    name: 'reason',
    label: 'Alasan',
    textarea: true,
    hint: step.outcomes.some((o) => o.reason_required)
      ? `Wajib untuk keputusan: ${step.outcomes.filter((o) => o.reason_required).map((o) => o.label).join('; ')}.`
      : undefined,
    attrs: { maxlength: 2000 },
  });
  const reasonReq = reasonField.querySelector<HTMLElement>('.opt');
  const controls = fields.map((f) => ({ f, el: fieldControl(P, f, undefined, { requirements: reqs }) }));
  const update = () => {
    const outcome = valueOf(form, 'outcome');
    const chosen = step.outcomes.find((o) => o.code === outcome);
    const needsReason = !!chosen?.reason_required;
    const ta = reasonField.querySelector('textarea')!;
    ta.required = needsReason;
    if (reasonReq) reasonReq.textContent = needsReason ? ' (wajib)' : ' (opsional)';
    for (const { f, el } of controls) {
      // A field for some outcomes only is shown once one of them is chosen.
      el.hidden = f.outcomes?.length ? !(chosen && appliesTo(f, chosen.code)) : false;
    }
  };
  const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Simpan keputusan');
  add(form,
    h('h3', { id: `${P}-title` }, stepWithSop(step.title, step.sop)),
    h('p', { class: 'small' }, `Sebagai ${step.role_label || roleLabel(step.role)}. Keputusan dicatat dalam jejak audit dan tidak dapat dibatalkan.`),
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
    controls.map((x) => x.el),
    h('div', { class: 'actions' }, btn),
  );
  update();
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const outcome = valueOf(form, 'outcome');
    const chosen = step.outcomes.find((o) => o.code === outcome);
    const errors = [];
    if (!chosen) errors.push({ field: 'outcome', code: 'required', detail: 'Pilih salah satu keputusan.' });
    const body: Values = { version: st.c.version, outcome };
    const reason = valueOf(form, 'reason');
    if (reason) body.reason = reason;
    else if (chosen?.reason_required) errors.push({ field: 'reason', code: 'reason_required', detail: 'Alasan wajib diisi untuk keputusan ini.' });
    if (chosen) {
      const applying = fields.filter((f) => appliesTo(f, chosen.code));
      errors.push(...readFields(form, applying, body, isRequired).errors);
    }
    if (errors.length) {
      summary.show('Periksa kembali isian yang ditandai.', errors);
      return;
    }
    void busy(btn, async () => {
      summary.clear();
      try {
        const after = await post<CaseView>(`/cases/${c.id}/steps/${encodeURIComponent(code)}`, body);
        const next = after.step ? `Berkas diteruskan ke tahap ${after.step.title}.` : `Status berkas: ${after.status.label}.`;
        await refresh(p, st, `Keputusan "${chosen!.label}" pada tahap ${step.title} disimpan. ${next}`);
      } catch (e) {
        summary.showProblem(e);
      }
    });
  });
  return form;
}
