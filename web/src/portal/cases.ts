// The applicant's own cases: the list and one case's page (uploads, submit, revision, the
// bill and an applicant upload step, survey, the signed letter). What is offered follows the
// case's `actions`; every label comes from the case's permit definition.

import { get, post, Problem } from '../shared/api';
import { applicationFacts, applicationRequirements, auditTrail, billFacts, clocks, currentStep, holderOf, inRevision, outcomeFacts, revisionBox, stepRequirements } from '../shared/caseview';
import { formFields, letterTitle, permitDef, requirementDef, stepTitle } from '../shared/catalogue';
import { add, dl, h, replace, type Child } from '../shared/dom';
import { conditionText } from '../shared/fields';
import { formatDate, formatInstant, formatSize } from '../shared/format';
import { ErrorSummary, busy, choiceGroup, field, valueOf } from '../shared/forms';
import { SURVEY_PROFILE_LABELS } from '../shared/labels';
import { CONTACT_FORM_ID, contactForm, contactSavedMessage, undeliveredBanner } from '../shared/notices';
import type { CaseSummary, CaseView, EventList, List, PermitDef, Requirement } from '../shared/types';
import { announce, heading, loading, notice, problemBox, stateBadge, takeFlash, type Page } from '../shared/ui';
import { sendFile, type UploadTicket } from '../shared/upload';

export async function myCasesPage(p: Page): Promise<void> {
  add(p.root, heading('Berkas saya'), takeFlash() ?? '', loading());
  const list = await get<List<CaseSummary>>('/cases');
  if (!p.current()) return;
  p.root.querySelector('.loading')?.remove();
  add(p.root, h('p', null, h('a', { href: '#/izin', class: 'btn btn-primary', id: 'start-application' }, 'Mulai permohonan baru')));
  if (!list.items.length) {
    add(p.root, notice('info', h('p', null, 'Anda belum memiliki permohonan.')));
    return;
  }
  add(p.root,
    h(
      'ul',
      { class: 'card-list', id: 'my-cases' },
      list.items.map((c) =>
        h(
          'li',
          { class: 'card', 'data-case-id': c.id },
          h('h2', { class: 'card-title' }, h('a', { href: `#/berkas/${c.id}` }, c.registration_number ?? 'Draf permohonan', c.holder ? ` — ${c.holder}` : '')),
          dl([
            ['Jenis izin', c.permit.name],
            ['Status', c.status.label],
            ['Tahap', c.step ? c.step.title : null],
            ['Batas waktu tahap', c.deadline ? stateBadge(c.deadline.state, `${c.deadline.state_label}${c.deadline.due_on ? `, ${formatDate(c.deadline.due_on)}` : ''}`) : null],
            ['Diperbarui', formatInstant(c.updated_at)],
            ['Perlu tindakan Anda', actionSummary(c)],
          ]),
        ),
      ),
    ),
  );
}

function actionSummary(c: CaseSummary): string | null {
  const t: string[] = [];
  for (const a of c.actions) {
    if (a === 'edit') continue;
    if (a === 'upload') t.push('unggah dokumen');
    else if (a === 'submit') t.push('ajukan');
    else if (a === 'survey') t.push('isi survei kepuasan');
    else if (c.step && a === c.step.code) t.push(c.step.title.charAt(0).toLowerCase() + c.step.title.slice(1));
  }
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
  def: PermitDef;
  events: EventList | null;
  /** Requirements uploaded during this visit: their progress bar stays, at 100 %. */
  uploaded: Set<string>;
}

export async function casePage(p: Page, id: string): Promise<void> {
  add(p.root, heading('Berkas permohonan'), loading());
  const [c, events] = await Promise.all([get<CaseView>(`/cases/${encodeURIComponent(id)}`), get<EventList>(`/cases/${encodeURIComponent(id)}/events`)]);
  const def = await permitDef(c.permit.code);
  if (!p.current()) return;
  const st: CasePageState = { c, def, events, uploaded: new Set() };
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

/** The step the applicant must complete by uploading its documents (e.g. the payment slip). */
function uploadStep(c: CaseView): CaseView['step'] {
  const s = c.step;
  return s && s.kind === 'applicant_upload' && c.actions.includes(s.code) ? s : null;
}

function draw(p: Page, st: CasePageState, flash: HTMLElement | null): void {
  const c = st.c;
  const def = st.def;
  const title = c.registration_number ? `Berkas ${c.registration_number}` : 'Draf permohonan';
  const statusBanner =
    c.status.code === 'issued'
      ? notice(
          'success',
          h(
            'p',
            null,
            h('strong', null, `${c.status.label}. `),
            c.issuance ? `Nomor izin di ${def.national_system ?? 'sistem nasional'}: ${c.issuance.number}. ` : '',
            c.letter.signed ? `${letterTitle(def, c.letter.signed.kind)} dapat diunduh di bawah.` : '',
          ),
        )
      : c.status.code === 'refused'
        ? notice('error', h('p', null, h('strong', null, 'Permohonan ditolak. '), 'Surat penolakan dapat diunduh di bawah.'))
        : null;
  // While the applicant is filling the file, its documents come first; afterwards, where it stands.
  const filling = c.actions.includes('submit') || (c.actions.includes('upload') && !uploadStep(c));
  const submit = c.actions.includes('submit') ? section('submit', c.status.code === 'draft' ? 'Ajukan permohonan' : 'Ajukan kembali', submitBlock(p, st)) : null;
  const bill = c.bill && !uploadStep(c) ? section('bill', def.bill?.title ?? 'Retribusi', billFacts(c, def), billDownload(c)) : null;
  replace(
    p.root,
    heading(title),
    flash,
    h('p', { class: 'lead' }, holderOf(def, c.application)),
    dl([
      ['Jenis izin', h('span', { id: 'case-permit' }, c.permit.name)],
      ['Kantor', c.office ? h('span', { id: 'case-office' }, c.office.name) : null],
      ['Status', h('strong', { id: 'case-status' }, c.status.label)],
      ['Nomor pendaftaran', c.registration_number ?? 'Belum ada (diberikan saat diajukan)'],
      ['Dibuat', formatInstant(c.created_at)],
      ['Diajukan', c.submitted_at ? formatInstant(c.submitted_at) : null],
      ['Selesai', c.closed_at ? formatInstant(c.closed_at) : null],
    ]),
    statusBanner,
    undeliveredBanner(c, def, 'applicant', c.status.code !== 'draft' ? CONTACT_FORM_ID : undefined),
    revisionBox(c, def),
    todoSection(p, st),
    filling ? [requirementsSection(p, st), submit] : null,
    section('current-step', 'Tahap saat ini', currentStep(c.step, c.status.label)),
    section('deadlines', 'Jangka waktu (hari kerja)', clocks(c.deadlines, def)),
    filling ? null : [requirementsSection(p, st), submit],
    bill,
    section('application', 'Data permohonan', applicationFacts(def, c.application, c.requirements), c.actions.includes('edit') ? h('p', null, h('a', { href: `#/berkas/${c.id}/ubah`, class: 'btn btn-secondary' }, 'Ubah isian permohonan')) : null),
    outcomeFacts(c, def) ? section('result', 'Hasil', outcomeFacts(c, def)) : null,
    c.status.code !== 'draft'
      ? section(
          'contact',
          'Kontak untuk pemberitahuan',
          contactForm(c, def, {
            title: 'Perbaiki kontak',
            intro: 'Pemberitahuan tentang berkas ini dikirim ke e-mail dan nomor HP di bawah. Bila ada yang salah, perbaiki di sini; pemberitahuan terakhir yang tidak sampai dikirim ulang ke kontak yang baru.',
            open: !!c.notices?.undelivered.length,
            saved: (_after, resent) => refresh(p, st, undefined, contactSavedMessage(resent)),
          }),
        )
      : null,
    section('history', 'Riwayat berkas', st.events ? auditTrail(st.events, def, c.requirements) : null),
  );
}

/** "Yang dapat Anda lakukan": an upload step (e.g. paying the retribution), the survey, the signed letter. */
function todoSection(p: Page, st: CasePageState): HTMLElement | null {
  const c = st.c;
  const parts: Child[] = [];
  const step = uploadStep(c);
  if (step) parts.push(uploadStepBlock(p, st, step));
  if (c.actions.includes('survey')) parts.push(surveyBlock(p, st));
  if (c.letter.signed) parts.push(letterBlock(c, st.def));
  if (!parts.length) return null;
  return section('todo', 'Yang dapat Anda lakukan', parts);
}

function submitBlock(p: Page, st: CasePageState): HTMLElement {
  const c = st.c;
  const revision = c.status.code !== 'draft';
  const wrap = h('div', { class: 'block', id: 'submit-block', 'data-field': 'submit' });
  const summary = new ErrorSummary(p.root);
  const missing = applicationRequirements(c).filter((r) => r.required && !r.document);
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
        : 'Pastikan isian sudah benar dan semua dokumen wajib sudah diunggah. Setelah diajukan, isian tidak dapat diubah kecuali diminta perbaikan.',
    ),
    missing.length && !revision ? h('p', { class: 'small', id: 'missing-count' }, `Dokumen wajib yang belum diunggah: ${missing.length}.`) : null,
    btn,
  );
  return wrap;
}

/** Opens a short-lived signed download link (the letter or the SKRD) inside the click. */
function downloadButton(id: string, label: string, path: string, fallbackName: string): HTMLElement {
  const host = h('span', { class: 'fallback-link' });
  const btn = h('button', { type: 'button', class: 'btn btn-primary', id }, label);
  const status = h('p', { role: 'status', class: 'small' });
  btn.addEventListener('click', () =>
    busy(btn, async () => {
      try {
        const r = await get<{ url: string; file_name?: string }>(path);
        const name = r.file_name ?? fallbackName;
        // The URL is a short-lived signed link; following it downloads the PDF.
        const a = h('a', { href: r.url, download: name, rel: 'noopener' });
        document.body.append(a);
        a.click();
        a.remove();
        replace(host, h('a', { href: r.url, download: name }, `Tautan unduhan: ${name}`));
        status.textContent = 'Unduhan dimulai.';
      } catch (e) {
        replace(host, problemBox(e));
      }
    }),
  );
  return h('div', null, h('p', null, btn), host, status);
}

function billDownload(c: CaseView): HTMLElement | null {
  if (!c.bill?.file) return null;
  return downloadButton('download-bill', 'Unduh SKRD (PDF)', `/cases/${c.id}/bill/download`, 'skrd.pdf');
}

function letterBlock(c: CaseView, def: PermitDef): HTMLElement {
  const s = c.letter.signed!;
  const title = letterTitle(def, s.kind);
  return h(
    'div',
    { class: 'block' },
    h('h3', null, 'Surat yang ditandatangani'),
    dl([
      ['Surat', title],
      ['Nomor surat', s.number],
      ['Ditandatangani', `${formatInstant(s.signed_at)} oleh ${s.signer.name}`],
      ['Status', s.revoked_at ? 'Dicabut' : 'Sah'],
    ]),
    downloadButton('download-letter', `Unduh ${title}`, `/cases/${c.id}/letter/download`, 'surat.pdf'),
    h('p', null, h('a', { href: `#/verifikasi/${s.document_id}` }, 'Periksa keaslian surat ini')),
  );
}

/** The applicant's upload step: the bill to pay, the step's documents, and sending them. */
function uploadStepBlock(p: Page, st: CasePageState, step: NonNullable<CaseView['step']>): HTMLElement {
  const c = st.c;
  const reqs = stepRequirements(c, step.code);
  const summary = new ErrorSummary(p.root);
  const btn = h('button', { type: 'button', class: 'btn btn-primary', id: 'submit-step' }, 'Kirim untuk diverifikasi');
  btn.addEventListener('click', () =>
    busy(btn, async () => {
      summary.clear();
      try {
        const after = await post<CaseView>(`/cases/${c.id}/steps/${encodeURIComponent(step.code)}`, { version: st.c.version });
        const next = after.step ? ` Berkas diteruskan ke tahap ${after.step.title}.` : '';
        await refresh(p, st, undefined, `${step.title}: ${step.outcomes[0]?.label ?? 'selesai'}.${next}`);
      } catch (e) {
        summary.showProblem(e);
      }
    }),
  );
  return h(
    'div',
    { class: 'block', id: 'step-upload', 'data-step': step.code },
    h('h3', null, step.title),
    summary.el,
    c.bill
      ? [
          h('p', null, `Bayar retribusi sesuai ${st.def.bill?.title ?? 'SKRD'} paling lambat tanggal jatuh tempo, lalu unggah bukti setorannya di sini.`),
          billFacts(c, st.def),
          billDownload(c),
        ]
      : h('p', null, 'Unggah dokumen yang diminta pada tahap ini, lalu kirim untuk diverifikasi petugas.'),
    h('ul', { class: 'req-list' }, reqs.map((r) => requirementRow(p, st, r, true))),
    h('p', { class: 'small' }, 'Setelah dikirim, petugas memverifikasi dokumen Anda.'),
    btn,
  );
}

/** Whether the applicant may upload requirement `r` now. */
function canUpload(c: CaseView, r: Requirement): boolean {
  if (!c.actions.includes('upload')) return false;
  if (r.step) return c.step?.code === r.step;
  return !uploadStep(c);
}

function requirementsSection(p: Page, st: CasePageState): HTMLElement {
  const c = st.c;
  const current = uploadStep(c)?.code;
  const reqs = applicationRequirements(c);
  // Documents of later steps, once uploaded, are listed too (their step's block shows them while it waits).
  const later = (c.requirements ?? []).filter((r) => r.step && r.step !== current && r.document);
  const uploading = reqs.some((r) => canUpload(c, r));
  return section(
    'requirements',
    'Dokumen persyaratan',
    uploading ? h('p', null, 'Unggah setiap dokumen dalam bentuk berkas yang diminta. Dokumen yang diunggah ulang menjadi versi baru; versi lama tetap tersimpan.') : null,
    h('ul', { class: 'req-list' }, reqs.map((r) => requirementRow(p, st, r, canUpload(c, r))), later.map((r) => requirementRow(p, st, r, false))),
  );
}

function requirementNeed(st: CasePageState, r: Requirement): string {
  if (r.step) return `Diunggah pada tahap ${stepTitle(st.def, r.step)}`;
  const d = requirementDef(st.def, r.code);
  if (d?.required === 'conditional') {
    const cond = conditionText(d, formFields(st.def));
    return r.required ? `Wajib (karena ${cond})` : `Tidak wajib untuk isian Anda (wajib bila ${cond})`;
  }
  return r.required ? 'Wajib' : 'Opsional';
}

function requirementRow(p: Page, st: CasePageState, r: Requirement, upload: boolean): HTMLElement {
  const c = st.c;
  const idBase = `req-${r.code}`;
  const requested = inRevision(c) && c.revision?.missing.includes(r.code);
  const li = h('li', { class: `req-item${requested ? ' req-requested' : ''}`, id: idBase, 'data-field': `documents.${r.code}` });
  const doc = r.document;
  add(li,
    h('h3', null, r.name),
    r.description ? h('p', null, r.description) : null,
    h('p', { class: 'small req-need' }, requirementNeed(st, r), ` · Jenis berkas: ${r.kinds.map((k) => k.toUpperCase()).join(', ')} · Paling besar ${formatSize(r.max_bytes)}`),
    requested ? h('p', null, stateBadge('overdue', 'Diminta diunggah ulang')) : null,
    h('p', { class: 'field-error', id: `${idBase}-doc-error`, hidden: true }),
    doc
      ? h('p', { class: 'doc-status' }, stateBadge('done', 'Sudah diunggah'), ` ${doc.file_name} (versi ${doc.version}, ${formatSize(doc.size)}, ${formatInstant(doc.stored_at ?? doc.created_at)}) `, viewDocButton(c.id, doc.id, r.name))
      : h('p', { class: 'doc-status' }, stateBadge(r.required ? 'near_due' : 'none', 'Belum diunggah')),
  );
  if (upload) add(li, uploadControl(p, st, r));
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
