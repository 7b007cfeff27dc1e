// The applicant's own cases: the list and one case's page (uploads, submit, revision, survey,
// the signed letter). What is offered follows the case's `actions`.

import { get, post, Problem } from '../shared/api';
import { applicationFacts, auditTrail, clocks, currentStep, outcomeFacts, revisionBox } from '../shared/caseview';
import { add, dl, h, replace, type Child } from '../shared/dom';
import { formatDate, formatInstant, formatSize } from '../shared/format';
import { ErrorSummary, busy, choiceGroup, field, valueOf } from '../shared/forms';
import { SURVEY_PROFILE_LABELS } from '../shared/labels';
import type { CaseSummary, CaseView, EventList, List, Requirement } from '../shared/types';
import { announce, heading, loading, notice, problemBox, stateBadge, takeFlash, type Page } from '../shared/ui';
import { sendFile, type UploadTicket } from '../shared/upload';

export async function myCasesPage(p: Page): Promise<void> {
  add(p.root, heading('Berkas saya'), takeFlash() ?? '', loading());
  const list = await get<List<CaseSummary>>('/cases');
  if (!p.current()) return;
  p.root.querySelector('.loading')?.remove();
  add(p.root, h('p', null, h('a', { href: '#/ajukan', class: 'btn btn-primary' }, 'Ajukan permohonan baru')));
  if (!list.items.length) {
    add(p.root, notice('info', h('p', null, 'Anda belum memiliki permohonan.')));
    return;
  }
  add(p.root,
    h(
      'ul',
      { class: 'card-list' },
      list.items.map((c) =>
        h(
          'li',
          { class: 'card' },
          h('h2', { class: 'card-title' }, h('a', { href: `#/berkas/${c.id}` }, c.registration_number ?? 'Draf permohonan', ' — ', c.cooperative_name)),
          dl([
            ['Status', c.status.label],
            ['Tahap', c.step ? c.step.title : null],
            ['Batas waktu tahap', c.deadline ? stateBadge(c.deadline.state, `${c.deadline.state_label}${c.deadline.due_on ? `, ${formatDate(c.deadline.due_on)}` : ''}`) : null],
            ['Diperbarui', formatInstant(c.updated_at)],
            ['Perlu tindakan Anda', actionSummary(c.actions)],
          ]),
        ),
      ),
    ),
  );
}

function actionSummary(actions: string[]): string | null {
  const t: string[] = [];
  if (actions.includes('upload')) t.push('unggah dokumen');
  if (actions.includes('submit')) t.push('ajukan');
  if (actions.includes('survey')) t.push('isi survei kepuasan');
  return t.length ? `Ya: ${t.join(', ')}` : null;
}

function section(id: string, title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'panel', 'aria-labelledby': `${id}-title`, id }, h('h2', { id: `${id}-title` }, title), children);
}

const MEDIA: Record<string, string> = { pdf: 'application/pdf', jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png' };

function mediaTypeOf(file: File): string {
  if (file.type) return file.type;
  const ext = file.name.split('.').pop()?.toLowerCase() ?? '';
  return MEDIA[ext] ?? 'application/octet-stream';
}

function accept(kinds: string[]): string {
  return kinds.flatMap((k) => [`.${k}`, MEDIA[k]]).filter(Boolean).join(',');
}

/** State kept across re-renders of one case page. */
interface CasePageState {
  c: CaseView;
  events: EventList | null;
  /** Requirements uploaded during this visit: their progress bar stays, at 100 %. */
  uploaded: Set<string>;
}

export async function casePage(p: Page, id: string): Promise<void> {
  add(p.root, heading('Berkas permohonan'), loading());
  const [c, events] = await Promise.all([get<CaseView>(`/cases/${encodeURIComponent(id)}`), get<EventList>(`/cases/${encodeURIComponent(id)}/events`)]);
  if (!p.current()) return;
  const st: CasePageState = { c, events, uploaded: new Set() };
  const flash = takeFlash();
  draw(p, st, flash);
}

async function refresh(p: Page, st: CasePageState, focusId?: string, message?: string): Promise<void> {
  const [c, events] = await Promise.all([get<CaseView>(`/cases/${st.c.id}`), get<EventList>(`/cases/${st.c.id}/events`)]);
  if (!p.current()) return;
  st.c = c;
  st.events = events;
  draw(p, st, message ? h('div', { class: 'notice notice-success flash' }, h('p', null, message)) : null);
  if (message) announce(message);
  const target = focusId ? document.getElementById(focusId) : null;
  if (target) target.focus();
  else p.root.querySelector<HTMLElement>('h1')?.focus();
}

function draw(p: Page, st: CasePageState, flash: HTMLElement | null): void {
  const c = st.c;
  const title = c.registration_number ? `Berkas ${c.registration_number}` : 'Draf permohonan';
  const statusBanner =
    c.status.code === 'issued'
      ? notice('success', h('p', null, h('strong', null, 'Izin terbit. '), c.permit ? `Nomor izin di OSS: ${c.permit.oss_permit_number}.` : ''))
      : c.status.code === 'refused'
        ? notice('error', h('p', null, h('strong', null, 'Permohonan ditolak. '), 'Surat penolakan dapat diunduh di bawah.'))
        : null;
  const uploading = c.actions.includes('upload');
  const submit = c.actions.includes('submit') ? section('submit', c.status.code === 'draft' ? 'Ajukan permohonan' : 'Ajukan kembali', submitBlock(p, st)) : null;
  replace(
    p.root,
    heading(title),
    flash,
    h('p', { class: 'lead' }, c.application.cooperative_name),
    dl([
      ['Status', h('strong', { id: 'case-status' }, c.status.label)],
      ['Nomor pendaftaran', c.registration_number ?? 'Belum ada (diberikan saat diajukan)'],
      ['Dibuat', formatInstant(c.created_at)],
      ['Diajukan', c.submitted_at ? formatInstant(c.submitted_at) : null],
      ['Selesai', c.closed_at ? formatInstant(c.closed_at) : null],
    ]),
    statusBanner,
    revisionBox(c),
    todoSection(p, st),
    // While the applicant is filling the file, its documents come first; afterwards, where it stands.
    uploading ? [requirementsSection(p, st), submit] : null,
    section('current-step', 'Tahap saat ini', currentStep(c.step, c.status.label)),
    section('deadlines', 'Jangka waktu (hari kerja)', clocks(c.deadlines)),
    uploading ? null : [requirementsSection(p, st), submit],
    section('application', 'Data permohonan', applicationFacts(c.application), c.actions.includes('edit') ? h('p', null, h('a', { href: `#/berkas/${c.id}/ubah`, class: 'btn btn-secondary' }, 'Ubah isian permohonan')) : null),
    outcomeFacts(c) ? section('result', 'Hasil', outcomeFacts(c)) : null,
    section('history', 'Riwayat berkas', st.events ? auditTrail(st.events, c.requirements) : null),
  );
}

/** "Yang perlu Anda lakukan": submit/resubmit, the survey, the signed letter. */
function todoSection(p: Page, st: CasePageState): HTMLElement | null {
  const c = st.c;
  const parts: Child[] = [];
  if (c.actions.includes('survey')) parts.push(surveyBlock(p, st));
  if (c.letter.signed) parts.push(letterBlock(c));
  if (!parts.length) return null;
  return section('todo', 'Yang dapat Anda lakukan', parts);
}

function submitBlock(p: Page, st: CasePageState): HTMLElement {
  const c = st.c;
  const revision = c.status.code !== 'draft';
  const wrap = h('div', { class: 'block', id: 'submit-block', 'data-field': 'submit' });
  const summary = new ErrorSummary(p.root);
  const missing = (c.requirements ?? []).filter((r) => r.required && !r.document);
  const btn = h('button', { type: 'button', class: 'btn btn-primary', id: 'submit-case' }, revision ? 'Ajukan kembali' : 'Ajukan permohonan');
  btn.addEventListener('click', () =>
    busy(btn, async () => {
      summary.clear();
      try {
        const after = await post<CaseView>(`/cases/${c.id}/submit`, { version: st.c.version });
        await refresh(p, st, undefined, revision ? 'Berkas perbaikan telah diajukan kembali.' : `Permohonan telah diajukan dengan nomor pendaftaran ${after.registration_number ?? ''}.`);
      } catch (e) {
        summary.showProblem(e);
      }
    }),
  );
  add(wrap,
    summary.el,
    h(
      'p',
      null,
      revision
        ? 'Setelah memperbaiki isian dan mengunggah ulang dokumen yang diminta, ajukan kembali berkas ini.'
        : 'Pastikan isian sudah benar dan keempat dokumen wajib sudah diunggah. Setelah diajukan, isian tidak dapat diubah kecuali diminta perbaikan.',
    ),
    missing.length && !revision ? h('p', { class: 'small' }, `Dokumen wajib yang belum diunggah: ${missing.length}.`) : null,
    btn,
  );
  return wrap;
}

function letterBlock(c: CaseView): HTMLElement {
  const s = c.letter.signed!;
  const host = h('span', { class: 'fallback-link' });
  const btn = h('button', { type: 'button', class: 'btn btn-primary', id: 'download-letter' }, s.kind === 'grant' ? 'Unduh Surat Pemenuhan Komitmen' : 'Unduh surat penolakan');
  const status = h('p', { role: 'status', class: 'small' });
  btn.addEventListener('click', () =>
    busy(btn, async () => {
      try {
        const r = await get<{ url: string; file_name?: string }>(`/cases/${c.id}/letter/download`);
        // The URL is a short-lived signed link; following it downloads the PDF.
        const a = h('a', { href: r.url, download: r.file_name ?? 'surat.pdf', rel: 'noopener' });
        document.body.append(a);
        a.click();
        a.remove();
        replace(host, h('a', { href: r.url, download: r.file_name ?? 'surat.pdf' }, `Tautan unduhan: ${r.file_name ?? 'surat.pdf'}`));
        status.textContent = 'Unduhan surat dimulai.';
      } catch (e) {
        replace(host, problemBox(e));
      }
    }),
  );
  return h(
    'div',
    { class: 'block' },
    h('h3', null, 'Surat yang ditandatangani'),
    dl([
      ['Nomor surat', s.number],
      ['Ditandatangani', `${formatInstant(s.signed_at)} oleh ${s.signer.name}`],
      ['Status', s.revoked_at ? 'Dicabut' : 'Sah'],
    ]),
    h('p', null, btn, ' ', h('a', { href: `#/verifikasi/${s.document_id}` }, 'Periksa keaslian surat ini')),
    host,
    status,
  );
}

function requirementsSection(p: Page, st: CasePageState): HTMLElement {
  const c = st.c;
  const canUpload = c.actions.includes('upload');
  const reqs = c.requirements ?? [];
  return section(
    'requirements',
    'Dokumen persyaratan',
    canUpload ? h('p', null, 'Unggah setiap dokumen dalam bentuk berkas yang diminta. Dokumen yang diunggah ulang menjadi versi baru; versi lama tetap tersimpan.') : null,
    h(
      'ul',
      { class: 'req-list' },
      reqs.map((r) => requirementRow(p, st, r, canUpload)),
    ),
  );
}

function requirementRow(p: Page, st: CasePageState, r: Requirement, canUpload: boolean): HTMLElement {
  const c = st.c;
  const idBase = `req-${r.code}`;
  const requested = c.revision?.missing.includes(r.code);
  const li = h('li', { class: `req-item${requested ? ' req-requested' : ''}`, id: idBase, 'data-field': `documents.${r.code}` });
  const doc = r.document;
  add(li,
    h('h3', null, r.name),
    h('p', { class: 'small' }, r.required ? 'Wajib' : 'Opsional', ` · Jenis berkas: ${r.kinds.map((k) => k.toUpperCase()).join(', ')} · Paling besar ${formatSize(r.max_bytes)}`),
    requested ? h('p', null, stateBadge('overdue', 'Diminta diunggah ulang')) : null,
    h('p', { class: 'field-error', id: `${idBase}-doc-error`, hidden: true }),
    doc
      ? h('p', { class: 'doc-status' }, stateBadge('done', 'Sudah diunggah'), ` ${doc.file_name} (versi ${doc.version}, ${formatSize(doc.size)}, ${formatInstant(doc.stored_at ?? doc.created_at)}) `, viewDocButton(c.id, doc.id, r.name))
      : h('p', { class: 'doc-status' }, stateBadge(r.required ? 'near_due' : 'none', 'Belum diunggah')),
  );
  if (canUpload) add(li, uploadControl(p, st, r));
  return li;
}

function viewDocButton(caseId: string, docId: string, name: string): HTMLElement {
  const host = h('span');
  const btn = h('button', { type: 'button', class: 'btn btn-small btn-secondary', 'aria-label': `Lihat dokumen ${name}` }, 'Lihat');
  btn.addEventListener('click', async () => {
    const w = window.open('', '_blank');
    try {
      const r = await get<{ url: string }>(`/cases/${caseId}/documents/${docId}/download`);
      if (w) {
        w.opener = null;
        w.location.href = r.url;
      } else replace(host, h('a', { href: r.url, target: '_blank', rel: 'noopener' }, 'Buka dokumen'));
    } catch (e) {
      w?.close();
      replace(host, problemBox(e));
    }
  });
  return h('span', null, btn, host);
}

function uploadControl(p: Page, st: CasePageState, r: Requirement): HTMLElement {
  const c = st.c;
  const inputId = `file-${r.code}`;
  const errId = `${inputId}-error`;
  const progId = `progress-${r.code}`;
  const input = h('input', { type: 'file', id: inputId, name: r.code, accept: accept(r.kinds), 'aria-describedby': `${inputId}-hint` });
  const err = h('p', { class: 'field-error', id: errId, hidden: true });
  const done = st.uploaded.has(r.code);
  const progress = h('progress', { id: progId, max: 100, value: done ? 100 : 0 });
  const pct = h('span', { class: 'progress-text', 'aria-hidden': 'true' }, done ? '100%' : '0%');
  const progWrap = h('div', { class: 'progress-wrap', hidden: !done }, h('label', { for: progId }, `Kemajuan unggah ${r.name}`), progress, pct);
  const status = h('p', { class: 'upload-status', role: 'status', 'aria-live': 'polite' }, done ? 'Unggahan selesai dan dokumen telah diterima.' : '');
  const btn = h('button', { type: 'button', class: 'btn', id: `upload-${r.code}` }, r.document ? 'Unggah ulang' : 'Unggah');
  const showErr = (m: string | null) => {
    err.textContent = m ?? '';
    err.hidden = !m;
    if (m) {
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', `${inputId}-hint ${errId}`);
    } else {
      input.removeAttribute('aria-invalid');
      input.setAttribute('aria-describedby', `${inputId}-hint`);
    }
  };
  btn.addEventListener('click', () =>
    busy(btn, async () => {
      showErr(null);
      const file = input.files?.[0];
      if (!file) {
        showErr('Pilih berkas terlebih dahulu.');
        input.focus();
        return;
      }
      const ext = file.name.split('.').pop()?.toLowerCase() ?? '';
      if (!r.kinds.includes(ext === 'jpeg' ? 'jpg' : ext)) {
        showErr(`Jenis berkas tidak diizinkan; gunakan ${r.kinds.map((k) => k.toUpperCase()).join(', ')}.`);
        input.focus();
        return;
      }
      if (file.size > r.max_bytes) {
        showErr(`Berkas terlalu besar; paling besar ${formatSize(r.max_bytes)}.`);
        input.focus();
        return;
      }
      if (file.size === 0) {
        showErr('Berkas kosong.');
        input.focus();
        return;
      }
      progWrap.hidden = false;
      progress.value = 0;
      pct.textContent = '0%';
      status.textContent = `Mengunggah ${file.name}…`;
      try {
        const ticket = await post<{ document: { id: string }; upload: UploadTicket }>(`/cases/${c.id}/documents`, {
          requirement: r.code,
          file_name: file.name,
          media_type: mediaTypeOf(file),
          size: file.size,
        });
        let lastAnnounced = 0;
        await sendFile(ticket.upload, file, file.name, (loaded, total) => {
          const v = total ? Math.round((loaded / total) * 100) : 0;
          progress.value = v;
          pct.textContent = `${v}%`;
          if (v - lastAnnounced >= 25 && v < 100) {
            lastAnnounced = v;
            status.textContent = `Mengunggah ${file.name}: ${v}%`;
          }
        });
        const confirmed = await post<{ document: { version: number } }>(`/cases/${c.id}/documents/${ticket.document.id}/confirm`);
        st.uploaded.add(r.code);
        await refresh(p, st, `file-${r.code}`, `${r.name}: dokumen diterima (versi ${confirmed.document.version}).`);
      } catch (e) {
        progWrap.hidden = true;
        status.textContent = '';
        if (e instanceof Problem) {
          const msgs = e.errors.length ? e.errors.map((x) => x.detail).join(' ') : e.detail;
          showErr(msgs);
        } else showErr(e instanceof Error ? e.message : String(e));
        input.focus();
      }
    }),
  );
  return h(
    'div',
    { class: 'upload' },
    h('label', { for: inputId }, `Pilih berkas: ${r.name}`),
    h('p', { class: 'hint', id: `${inputId}-hint` }, `${r.kinds.map((k) => k.toUpperCase()).join(', ')}, paling besar ${formatSize(r.max_bytes)}.`),
    err,
    h('div', { class: 'upload-row' }, input, btn),
    progWrap,
    status,
  );
}

// ---- SKM survey (step q) ----

interface SurveyQuestions {
  elements: { code: string; name: string; question: string; answers: { label: string; score: number }[] }[];
  profile: Record<string, string[]>;
  source?: string;
}

function surveyBlock(p: Page, st: CasePageState): HTMLElement {
  const wrap = h('div', { class: 'block', id: 'survey-block' }, h('h3', null, 'Survei Kepuasan Masyarakat (SKM)'), loading('Memuat pertanyaan survei…'));
  void (async () => {
    try {
      const q = await get<SurveyQuestions>('/survey/questions', { anonymous: true });
      if (!p.current()) return;
      wrap.querySelector('.loading')?.remove();
      add(wrap, surveyForm(p, st, q));
    } catch (e) {
      wrap.querySelector('.loading')?.replaceWith(problemBox(e));
    }
  })();
  return wrap;
}

function surveyForm(p: Page, st: CasePageState, q: SurveyQuestions): HTMLFormElement {
  const P = 'skm';
  const form = h('form', { id: 'survey-form', novalidate: true, class: 'stack' });
  const summary = new ErrorSummary(form);
  const profileLabels: Record<string, string> = { sex: 'Jenis kelamin', education: 'Pendidikan terakhir', occupation: 'Pekerjaan utama' };
  add(form,
    summary.el,
    h('p', null, 'Mohon nilai pelayanan perizinan ini. Jawaban Anda dipakai untuk menghitung Indeks Kepuasan Masyarakat; identitas Anda tidak ditampilkan dalam laporan.'),
    q.source ? h('p', { class: 'small' }, `Dasar: ${q.source}.`) : null,
    q.elements.map((el, i) =>
      choiceGroup(P, {
        name: `answers.${el.code}`,
        legend: h('span', null, h('span', { class: 'q-no' }, `${i + 1}. ${el.name}. `), el.question),
        type: 'radio',
        required: true,
        choices: el.answers.map((a) => [String(a.score), a.label] as [string, string]),
      }),
    ),
    h(
      'fieldset',
      { class: 'group' },
      h('legend', null, 'Profil responden (opsional)'),
      field(P, { name: 'profile.age', label: 'Umur (tahun)', type: 'number', attrs: { min: 15, max: 100, inputmode: 'numeric' } }),
      Object.entries(q.profile).map(([k, codes]) =>
        field(P, {
          name: `profile.${k}`,
          label: profileLabels[k] ?? k,
          options: codes.map((c) => [c, SURVEY_PROFILE_LABELS[k]?.[c] ?? c] as [string, string]),
          emptyOption: '— Tidak diisi —',
        }),
      ),
    ),
    field(P, { name: 'suggestion', label: 'Saran dan masukan', textarea: true, attrs: { maxlength: 2000 } }),
  );
  const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Kirim survei');
  add(form, h('div', { class: 'actions' }, btn));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void busy(btn, async () => {
      summary.clear();
      const answers: Record<string, number> = {};
      const errors = [];
      for (const el of q.elements) {
        const v = valueOf(form, `answers.${el.code}`);
        if (v) answers[el.code] = Number(v);
        else errors.push({ field: `answers.${el.code}`, code: 'required', detail: `Unsur ${el.code.toUpperCase()} (${el.name}) wajib dijawab.` });
      }
      const age = valueOf(form, 'profile.age');
      if (age && (!/^\d+$/.test(age) || Number(age) < 15 || Number(age) > 100)) {
        errors.push({ field: 'profile.age', code: 'out_of_range', detail: 'Umur harus antara 15 dan 100 tahun.' });
      }
      if (errors.length) {
        summary.show('Periksa kembali isian yang ditandai.', errors);
        return;
      }
      const profile: Record<string, unknown> = {};
      if (age) profile.age = Number(age);
      for (const k of Object.keys(q.profile)) {
        const v = valueOf(form, `profile.${k}`);
        if (v) profile[k] = v;
      }
      const body: Record<string, unknown> = { version: st.c.version, answers };
      if (Object.keys(profile).length) body.profile = profile;
      const suggestion = valueOf(form, 'suggestion');
      if (suggestion) body.suggestion = suggestion;
      try {
        await post<CaseView>(`/cases/${st.c.id}/survey`, body);
        await refresh(p, st, undefined, 'Terima kasih, survei Anda telah diterima.');
      } catch (e) {
        summary.showProblem(e);
      }
    });
  });
  return form;
}
