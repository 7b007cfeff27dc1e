// The complaints officer's register: open complaints (with the complainant's identity),
// recording a complaint from another channel, and one complaint's page with its step form.

import { get, post } from '../shared/api';
import { add, dl, h, replace, type Child } from '../shared/dom';
import { formatDate, formatInstant } from '../shared/format';
import { ErrorSummary, busy, checkedValues, choiceGroup, field, valueOf } from '../shared/forms';
import { COMPLAINT_KINDS, COMPLAINT_OUTCOMES, COMPLAINT_STATUS, complaintEventOutcome, FOLLOW_UPS, RECORDED_CHANNELS, actionLabel } from '../shared/labels';
import { actorRole } from '../shared/catalogue';
import type { Actor, EventList, List } from '../shared/types';
import { announce, heading, loading, navigate, notice, setFlash, takeFlash, type Page } from '../shared/ui';
import { emailError, phoneError } from '../shared/fields';

interface Complaint {
  id: string;
  tracking_code: string;
  kind: string;
  kind_label: string;
  channel: string;
  channel_label: string;
  about?: string;
  lapor_reference?: string;
  text: string;
  complainant?: { name: string; email?: string; phone?: string };
  recorded_by?: Actor;
  filed_at: string;
  registered_at?: string;
  due_on?: string;
  status: string;
  step?: string;
  step_title?: string;
  sop?: string;
  awaiting_decision?: boolean;
  outcomes?: string[];
  findings?: string;
  follow_ups: { types: string[]; with_dinas_koperasi: boolean; notes: string; at?: string; by?: Actor }[];
  satisfaction: { outcome: string; note?: string; at?: string }[];
  completion_requests?: { missing: string; asked_at: string; due_on: string; completed_at?: string; addition?: string; expired_at?: string; actor?: Actor }[];
  completion_due_on?: string;
  forwarded_to?: string;
  duplicate_of?: string;
  email_confirmed?: boolean;
  closed_as?: string;
  closed_as_label?: string;
  closed_at?: string;
  version: number;
}

export async function complaintsRegisterPage(p: Page): Promise<void> {
  add(p.root,
    heading('Register pengaduan'),
    takeFlash() ?? '',
    h('p', null, 'Pengaduan, saran dan masukan yang masih ditangani. Identitas pengadu bersifat rahasia dan hanya tampil bagi petugas pengaduan.'),
    h('p', null, h('a', { href: '#/pengaduan/catat', class: 'btn btn-primary' }, 'Catat pengaduan dari saluran lain')),
    loading(),
  );
  // The register comes a page at a time, in the API's order (earliest deadline first, then filing).
  let list = await get<RegisterPage>('/complaints');
  if (!p.current()) return;
  p.root.querySelector('.loading')?.remove();
  const status = h('p', { role: 'status', id: 'complaints-count' });
  const shown: Complaint[] = [...list.items];
  const setStatus = () => (status.textContent = list.next_cursor ? `${shown.length} pengaduan terbuka ditampilkan; masih ada berikutnya.` : `${shown.length} pengaduan terbuka.`);
  setStatus();
  add(p.root, status);
  if (!shown.length) return;
  const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  const row = (c: Complaint) => {
            const late = !!c.due_on && c.due_on < today;
            return h(
              'tr',
              { class: late ? 'late' : undefined },
              h('th', { scope: 'row' }, h('a', { href: `#/pengaduan/${c.id}` }, c.tracking_code), late ? h('span', null, ' ', h('span', { class: 'badge badge-overdue' }, '⚠ Terlambat')) : null),
              h('td', { 'data-label': 'Jenis' }, c.kind_label),
              h('td', { 'data-label': 'Saluran' }, c.channel_label),
              h('td', { 'data-label': 'Pengadu' }, c.complainant ? c.complainant.name : 'Anonim'),
              h('td', { 'data-label': 'Diterima' }, formatInstant(c.filed_at)),
              h('td', { 'data-label': 'Tahap' }, c.step_title ? `${c.sop}. ${c.step_title}` : COMPLAINT_STATUS[c.status] ?? c.status),
              h('td', { 'data-label': 'Batas 60 hari' }, c.due_on ? formatDate(c.due_on) : 'Dimulai saat dicatat'),
            );
  };
  const tbody = h('tbody', null, shown.map(row));
  const more = h('button', { type: 'button', class: 'btn', id: 'complaints-more' }, 'Muat lagi');
  more.hidden = !list.next_cursor;
  more.addEventListener('click', () => {
    void busy(more, async () => {
      const next = await get<RegisterPage>(`/complaints?cursor=${encodeURIComponent(list.next_cursor ?? '')}`);
      if (!p.current()) return;
      list = next;
      shown.push(...next.items);
      add(tbody, next.items.map(row));
      more.hidden = !next.next_cursor;
      setStatus();
      announce(status.textContent ?? '');
    });
  });
  add(p.root,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'responsive', id: 'complaints-register' },
        h('caption', null, 'Pengaduan terbuka'),
        h('thead', null, h('tr', null, ['Kode', 'Jenis', 'Saluran', 'Pengadu', 'Diterima', 'Tahap', 'Batas 60 hari'].map((t) => h('th', { scope: 'col' }, t)))),
        tbody,
      ),
    ),
    h('div', { class: 'actions' }, more),
  );
}

/** A page of `GET /complaints`. */
interface RegisterPage extends List<Complaint> {
  next_cursor?: string | null;
}

export function recordComplaintPage(p: Page): void {
  const P = 'rec';
  const form = h('form', { id: 'record-form', novalidate: true, class: 'stack' });
  const summary = new ErrorSummary(form);
  const identity = h(
    'fieldset',
    { class: 'group', id: 'rec-identity' },
    h('legend', null, 'Identitas pengadu'),
    field(P, { name: 'name', label: 'Nama', required: true }),
    field(P, { name: 'email', label: 'E-mail', type: 'email' }),
    field(P, { name: 'phone', label: 'Nomor telepon', type: 'tel' }),
  );
  const anon = h('input', { type: 'checkbox', id: `${P}-anonymous`, name: 'anonymous', 'aria-controls': 'rec-identity' });
  anon.addEventListener('change', () => (identity.hidden = anon.checked));
  const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Catat pengaduan');
  const lapor = field(P, {
    name: 'lapor_reference',
    label: 'Nomor pelacakan SP4N-LAPOR!',
    required: true,
    hint: 'Nomor laporan di lapor.go.id: 1–40 huruf, angka atau tanda hubung (-), contoh 12345678.',
    attrs: { maxlength: 41, autocomplete: 'off', spellcheck: 'false' },
  });
  lapor.hidden = true;
  const channel = field(P, { name: 'channel', label: 'Saluran', required: true, options: RECORDED_CHANNELS, emptyOption: '— Pilih saluran —' });
  channel.querySelector('select')?.addEventListener('change', () => (lapor.hidden = valueOf(form, 'channel') !== 'sp4n_lapor'));
  add(form,
    summary.el,
    channel,
    lapor,
    choiceGroup(P, { name: 'kind', legend: 'Jenis', type: 'radio', required: true, choices: COMPLAINT_KINDS, checked: ['complaint'], inline: true }),
    field(P, { name: 'about', label: 'Nomor pendaftaran yang diadukan', hint: 'Contoh KK-2026-000123 atau PBG-2026-000045, bila ada.' }),
    field(P, { name: 'text', label: 'Isi pengaduan', textarea: true, required: true, hint: 'Paling sedikit 10 karakter.', attrs: { rows: 6, maxlength: 5000 } }),
    h('div', { class: 'field choice', 'data-field': 'anonymous' }, anon, h('label', { for: `${P}-anonymous` }, 'Pengadu tidak menyebutkan identitas (anonim)')),
    identity,
    h('div', { class: 'actions' }, btn, h('a', { href: '#/pengaduan', class: 'btn btn-secondary' }, 'Batal')),
  );
  add(p.root, heading('Catat pengaduan'), h('p', null, 'Untuk pengaduan yang diterima melalui kotak pengaduan, telepon, faksimile, website, e-mail, langsung kepada petugas, atau diteruskan dari SP4N-LAPOR! (lapor.go.id).'), form);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body: Record<string, unknown> = { channel: valueOf(form, 'channel'), kind: valueOf(form, 'kind'), text: valueOf(form, 'text'), anonymous: anon.checked };
    const errors = [];
    if (!body.channel) errors.push({ field: 'channel', code: 'required', detail: 'Wajib diisi.' });
    if (body.channel === 'sp4n_lapor') {
      const ref = valueOf(form, 'lapor_reference').replace(/^#/, '').trim();
      if (!ref) errors.push({ field: 'lapor_reference', code: 'required', detail: 'Nomor pelacakan SP4N-LAPOR! wajib diisi untuk pengaduan dari SP4N-LAPOR!.' });
      else if (!/^[A-Za-z0-9-]{1,40}$/.test(ref)) errors.push({ field: 'lapor_reference', code: 'invalid_lapor_reference', detail: 'Nomor pelacakan SP4N-LAPOR! terdiri atas 1–40 huruf, angka atau tanda hubung (-), contoh 12345678.' });
      body.lapor_reference = ref;
    }
    const text = String(body.text);
    if (!text) errors.push({ field: 'text', code: 'required', detail: 'Wajib diisi.' });
    else if (Array.from(text).length < 10) errors.push({ field: 'text', code: 'too_short', detail: 'Paling sedikit 10 karakter.' });
    const about = valueOf(form, 'about').toUpperCase();
    if (about) body.about = about;
    if (!anon.checked) {
      const name = valueOf(form, 'name');
      const email = valueOf(form, 'email');
      const phone = valueOf(form, 'phone');
      if (!name) errors.push({ field: 'name', code: 'required', detail: 'Wajib diisi.' });
      if (email && emailError(email)) errors.push({ field: 'email', code: 'invalid_email', detail: emailError(email)! });
      if (phone && phoneError(phone)) errors.push({ field: 'phone', code: 'invalid_phone', detail: phoneError(phone)! });
      if (name) body.name = name;
      if (email) body.email = email;
      if (phone) body.phone = phone;
    }
    if (errors.length) {
      summary.show('Periksa kembali isian yang ditandai.', errors);
      return;
    }
    void busy(btn, async () => {
      summary.clear();
      try {
        const c = await post<Complaint>('/complaints/recorded', body);
        setFlash(`Pengaduan dicatat dengan kode ${c.tracking_code}.`);
        navigate(`#/pengaduan/${c.id}`);
      } catch (e) {
        summary.showProblem(e);
      }
    });
  });
}

export async function complaintDetailPage(p: Page, id: string): Promise<void> {
  add(p.root, heading('Pengaduan'), loading());
  const [c, ev] = await Promise.all([get<Complaint>(`/complaints/${encodeURIComponent(id)}`), get<EventList>(`/complaints/${encodeURIComponent(id)}/events`)]);
  if (!p.current()) return;
  drawComplaint(p, c, ev, takeFlash());
}

function drawComplaint(p: Page, c: Complaint, ev: EventList, flash: HTMLElement | null): void {
  const section = (id: string, title: string, ...children: Child[]) =>
    h('section', { class: 'panel', 'aria-labelledby': `${id}-title`, id }, h('h2', { id: `${id}-title` }, title), children);
  replace(
    p.root,
    h('p', { class: 'small' }, h('a', { href: '#/pengaduan' }, '← Kembali ke register')),
    heading(`Pengaduan ${c.tracking_code}`),
    flash,
    dl([
      ['Status', h('strong', null, COMPLAINT_STATUS[c.status] ?? c.status)],
      ['Tahap', c.step_title ? `${c.sop}. ${c.step_title}` : null],
      ['Jenis', c.kind_label],
      ['Saluran', c.channel_label],
      ['Nomor SP4N-LAPOR!', c.lapor_reference],
      ['Tentang berkas', c.about],
      ['Diterima', formatInstant(c.filed_at)],
      ['Dicatat', c.registered_at ? formatInstant(c.registered_at) : null],
      ['Batas waktu (60 hari)', c.due_on ? formatDate(c.due_on) : null],
      ['Batas pengadu melengkapi', c.completion_due_on ? formatDate(c.completion_due_on) : null],
      ['Diteruskan kepada', c.forwarded_to],
      ['Duplikat dari', c.duplicate_of ? h('span', { class: 'code' }, c.duplicate_of) : null],
      ['Ditutup sebagai', c.closed_as_label],
      ['Selesai', c.closed_at ? formatInstant(c.closed_at) : null],
    ]),
    section(
      'c-step',
      'Tindakan',
      c.status === 'open' && c.step && c.awaiting_decision
        ? stepForm(p, c)
        : notice(
            'info',
            h(
              'p',
              null,
              c.status !== 'open'
                ? `Pengaduan ini sudah ditutup${c.closed_as_label ? ` (${c.closed_as_label})` : ''}.`
                : c.completion_due_on
                  ? `Menunggu pengadu melengkapi pengaduan paling lambat ${formatDate(c.completion_due_on)}. Bila tidak dilengkapi, pengaduan ditutup otomatis.`
                  : 'Pengaduan sedang diteruskan sistem ke tahap berikutnya. Muat ulang halaman sebentar lagi.',
            ),
          ),
    ),
    c.completion_requests?.length
      ? section(
          'c-completion',
          'Kelengkapan pengaduan',
          c.completion_requests.map((r, i) =>
            dl([
              [`Diminta ${i + 1}`, `${formatInstant(r.asked_at)} — batas ${formatDate(r.due_on)}`],
              ['Yang perlu dilengkapi', r.missing],
              ['Dilengkapi', r.completed_at ? formatInstant(r.completed_at) : r.expired_at ? 'Tidak dilengkapi sampai batas waktu' : 'Belum'],
              ['Keterangan tambahan pengadu', r.addition],
            ]),
          ),
        )
      : null,
    section('c-text', 'Isi pengaduan', h('p', { class: 'complaint-text' }, c.text)),
    section(
      'c-who',
      'Pengadu (rahasia)',
      c.complainant
        ? dl([
            ['Nama', c.complainant.name],
            ['E-mail', c.complainant.email ? `${c.complainant.email}${c.email_confirmed === false ? ' (belum dikonfirmasi pengadu: tidak menerima pemberitahuan)' : ''}` : undefined],
            ['Telepon', c.complainant.phone],
          ])
        : h('p', null, 'Anonim.'),
      c.recorded_by ? h('p', { class: 'small' }, `Dicatat oleh ${c.recorded_by.name}.`) : null,
    ),
    c.findings || c.follow_ups.length || c.satisfaction.length
      ? section(
          'c-handling',
          'Penanganan',
          c.findings ? dl([['Hasil penelitian', c.findings]]) : null,
          c.follow_ups.map((f, i) =>
            dl([
              [`Tindak lanjut ${i + 1}`, f.types.map((t) => FOLLOW_UPS.find(([k]) => k === t)?.[1] ?? t).join(', ')],
              ['Bersama Dinas Koperasi', f.with_dinas_koperasi ? 'Ya' : 'Tidak'],
              ['Uraian', f.notes],
            ]),
          ),
          c.satisfaction.map((s, i) => dl([[`Verifikasi kepuasan ${i + 1}`, `${COMPLAINT_OUTCOMES[s.outcome] ?? s.outcome}${s.note ? `: ${s.note}` : ''}`]])),
        )
      : null,
    section(
      'c-audit',
      'Jejak audit',
      h(
        'ol',
        { class: 'timeline' },
        ev.items.map((e) =>
          h(
            'li',
            null,
            h('p', { class: 'tl-when' }, formatInstant(e.at)),
            h('p', null, h('strong', null, actionLabel(e.action)), e.outcome ? `: ${complaintEventOutcome(e.action, e.outcome)}` : ''),
            e.reason ? h('p', { class: 'tl-reason' }, e.reason) : null,
            h('p', { class: 'small' }, e.actor.name, e.actor.role ? ` (${actorRole(e.actor)})` : ''),
          ),
        ),
      ),
      ev.chain_valid ? null : notice('error', h('p', null, 'Rantai hash jejak audit TIDAK utuh.')),
    ),
  );
}

function stepForm(p: Page, c: Complaint): HTMLElement {
  const step = c.step!;
  const P = `c-${step}`;
  const form = h('form', { id: `complaint-step-${step}`, class: 'decision-form stack', novalidate: true, 'aria-labelledby': `${P}-title` });
  const summary = new ErrorSummary(form);
  const outcomes = c.outcomes ?? [];
  const extras: Child[] = [];
  if (step === 'registration') {
    const missing = field(P, { name: 'missing', label: 'Yang perlu dilengkapi pengadu', textarea: true, required: true, hint: 'Dikirim kepada pengadu (e-mail, bila ada) dan tampil di halaman pelacakan; pengadu diberi waktu 10 hari kerja. Jangan cantumkan data pribadi.', attrs: { maxlength: 2000 } });
    const forwarded = field(P, { name: 'forwarded_to', label: 'Diteruskan kepada (instansi yang berwenang)', required: true, hint: 'Contoh: Dinas Perhubungan Kota Bontang.', attrs: { maxlength: 200 } });
    const duplicate = field(P, { name: 'duplicate_of', label: 'Kode pelacakan pengaduan yang sama', required: true, hint: 'Pengaduan sebelumnya yang sudah tercatat, contoh ADU-ABCDE-23456. Kode ini tidak ditampilkan kepada pengadu.', attrs: { maxlength: 20, autocomplete: 'off', spellcheck: 'false' } });
    missing.hidden = true;
    forwarded.hidden = true;
    duplicate.hidden = true;
    form.addEventListener('change', () => {
      const o = valueOf(form, 'outcome');
      missing.hidden = o !== 'incomplete';
      forwarded.hidden = o !== 'outside_authority';
      duplicate.hidden = o !== 'duplicate';
    });
    extras.push(missing, forwarded, duplicate);
  }
  if (step === 'investigation') extras.push(field(P, { name: 'findings', label: 'Hasil penelitian dan pemeriksaan', textarea: true, required: true, attrs: { maxlength: 4000 } }));
  if (step === 'follow_up') {
    extras.push(
      choiceGroup(P, { name: 'follow_up', legend: 'Bentuk tindak lanjut', type: 'checkbox', required: true, choices: FOLLOW_UPS, hint: 'Pilih satu atau lebih.' }),
      h('div', { class: 'field choice', 'data-field': 'with_dinas_koperasi' }, h('input', { type: 'checkbox', id: `${P}-dinas`, name: 'with_dinas_koperasi' }), h('label', { for: `${P}-dinas` }, 'Dilakukan bersama Dinas Koperasi, UKM dan Perdagangan')),
    );
  }
  extras.push(
    field(P, {
      name: 'notes',
      label: step === 'follow_up' ? 'Uraian tindak lanjut' : 'Catatan',
      textarea: true,
      required: step === 'follow_up',
      attrs: { maxlength: 4000 },
    }),
  );
  const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Simpan');
  add(form,
    h('h3', { id: `${P}-title` }, `${c.sop}. ${c.step_title}`),
    summary.el,
    choiceGroup(P, {
      name: 'outcome',
      legend: 'Hasil',
      type: 'radio',
      required: true,
      choices: outcomes.map((o) => [o, COMPLAINT_OUTCOMES[o] ?? o] as [string, string]),
      // Registration: most complaints are complete, so `registered` is preselected.
      checked: step === 'registration' && outcomes.includes('registered') ? ['registered'] : outcomes.length === 1 ? outcomes : [],
    }),
    extras,
    h('div', { class: 'actions' }, btn),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body: Record<string, unknown> = { version: c.version, outcome: valueOf(form, 'outcome') };
    const errors = [];
    if (!body.outcome) errors.push({ field: 'outcome', code: 'required', detail: 'Pilih salah satu hasil.' });
    const notes = valueOf(form, 'notes');
    if (notes) body.notes = notes;
    if (step === 'registration' && body.outcome === 'incomplete') {
      const m = valueOf(form, 'missing');
      if (m) body.missing = m;
      else errors.push({ field: 'missing', code: 'required', detail: 'Sebutkan apa yang perlu dilengkapi pengadu.' });
    }
    if (step === 'registration' && body.outcome === 'outside_authority') {
      const f = valueOf(form, 'forwarded_to');
      if (f) body.forwarded_to = f;
      else errors.push({ field: 'forwarded_to', code: 'required', detail: 'Sebutkan instansi tujuan penerusan.' });
    }
    if (step === 'registration' && body.outcome === 'duplicate') {
      const d = valueOf(form, 'duplicate_of').toUpperCase();
      if (d) body.duplicate_of = d;
      else errors.push({ field: 'duplicate_of', code: 'required', detail: 'Sebutkan kode pelacakan pengaduan yang sama.' });
    }
    if (step === 'investigation') {
      const f = valueOf(form, 'findings');
      if (f) body.findings = f;
      else errors.push({ field: 'findings', code: 'required', detail: 'Wajib diisi.' });
    }
    if (step === 'follow_up') {
      const types = checkedValues(form, 'follow_up');
      if (!types.length) errors.push({ field: 'follow_up', code: 'required', detail: 'Pilih paling sedikit satu tindak lanjut.' });
      body.follow_up = types;
      body.with_dinas_koperasi = form.querySelector<HTMLInputElement>('input[name=with_dinas_koperasi]')!.checked;
      if (!notes) errors.push({ field: 'notes', code: 'required', detail: 'Uraikan tindak lanjut yang dilakukan.' });
    }
    if (errors.length) {
      summary.show('Periksa kembali isian yang ditandai.', errors);
      return;
    }
    void busy(btn, async () => {
      summary.clear();
      try {
        await post<Complaint>(`/complaints/${c.id}/steps/${step}`, body);
        const [fresh, ev2] = await Promise.all([get<Complaint>(`/complaints/${c.id}`), get<EventList>(`/complaints/${c.id}/events`)]);
        if (!p.current()) return;
        const msg =
          fresh.status === 'closed'
            ? `Tersimpan. Pengaduan ditutup${fresh.closed_as_label ? `: ${fresh.closed_as_label}` : ''}.`
            : `Tersimpan. Tahap berikutnya: ${fresh.step_title ?? ''}.`;
        drawComplaint(p, fresh, ev2, h('div', { class: 'notice notice-success', tabindex: -1, id: 'complaint-done' }, h('p', null, msg)));
        announce(msg);
        document.getElementById('complaint-done')?.focus();
      } catch (e) {
        summary.showProblem(e);
      }
    });
  });
  return form;
}
