// Pages without sign-in: home, tracking a case, verifying a signed document, complaints.

import { apiUrl, get, post, Problem } from '../shared/api';
import { add, dl, h, replace } from '../shared/dom';
import { formatDate, formatInstant } from '../shared/format';
import { permitList, stepWithSop } from '../shared/catalogue';
import { emailError, phoneError } from '../shared/fields';
import { ErrorSummary, busy, choiceGroup, field, valueOf } from '../shared/forms';
import { COMPLAINT_KINDS } from '../shared/labels';
import { solveChallenge } from '../shared/pow';
import { currentUser } from '../shared/session';
import { heading, loading, navigate, notice, problemBox, stateBadge, takeFlash, type Page } from '../shared/ui';

export async function homePage(p: Page): Promise<void> {
  const user = currentUser();
  add(p.root,
    heading('Perizinan Digital Kota Bontang', 'Beranda'),
    takeFlash() ?? '',
    h(
      'p',
      { class: 'lead' },
      'Layanan perizinan daring DPMPTSP Kota Bontang: pilih jenis izin, ajukan permohonan, unggah dokumen, pantau prosesnya dan unduh surat yang sudah ditandatangani.',
    ),
    h(
      'ul',
      { class: 'tiles' },
      h(
        'li',
        null,
        h('h2', null, h('a', { href: '#/izin' }, 'Mulai permohonan')),
        h('p', null, user ? 'Pilih jenis izin, isi formulirnya lalu unggah dokumen persyaratan.' : 'Lihat jenis izin dan persyaratannya; masuk untuk mengajukan dan memantau permohonan Anda.'),
      ),
      h('li', null, h('h2', null, h('a', { href: '#/lacak' }, 'Lacak berkas')), h('p', null, 'Lihat posisi permohonan dengan nomor pendaftaran, tanpa perlu masuk.')),
      h('li', null, h('h2', null, h('a', { href: '#/verifikasi' }, 'Verifikasi dokumen')), h('p', null, 'Periksa keaslian surat yang diterbitkan DPMPTSP.')),
      h('li', null, h('h2', null, h('a', { href: '#/pengaduan' }, 'Pengaduan')), h('p', null, 'Sampaikan pengaduan, saran atau masukan — boleh tanpa nama — dan pantau tindak lanjutnya.')),
    ),
  );
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'permits-title', id: 'permits' }, h('h2', { id: 'permits-title' }, 'Jenis izin yang dilayani'), loading());
  add(p.root, panel);
  try {
    const list = await permitList();
    if (!p.current()) return;
    panel.querySelector('.loading')?.replaceWith(
      h(
        'ul',
        { class: 'card-list' },
        list.map((x) =>
          h(
            'li',
            { class: 'card', 'data-permit': x.code },
            h('h3', { class: 'card-title' }, x.name),
            h('p', null, x.description),
            dl([
              ['Waktu penyelesaian', x.processing_time],
              ['Biaya', x.fee.label],
            ]),
          ),
        ),
      ),
      h('p', null, h('a', { href: '#/izin', class: 'btn btn-primary' }, 'Lihat persyaratan dan mulai permohonan')),
    );
  } catch (e) {
    panel.querySelector('.loading')?.replaceWith(problemBox(e));
  }
}

// ---- Lacak berkas ----

/** A registration number: the permit's prefix (2–5 capital letters), the year and a sequence. */
export const REGISTRATION_NUMBER = /^([A-Z]{2,4}-)?[A-Z]{2,5}-\d{4}-\d{6}$/;

interface TrackView {
  registration_number: string;
  permit?: { code: string; name: string; short_name: string };
  office?: { code: string; name: string };
  status: { code: string; label: string };
  step?: { sop: string; title: string; role_label: string };
  submitted_at?: string;
  updated_at: string;
}

export async function trackPage(p: Page, number?: string): Promise<void> {
  const form = h('form', { id: 'track-form', novalidate: true, class: 'stack', role: 'search' });
  const summary = new ErrorSummary(form);
  const result = h('div', { id: 'track-result', 'aria-live': 'polite' });
  add(form,
    summary.el,
    field('track', {
      name: 'registration_number',
      label: 'Nomor pendaftaran',
      required: true,
      hint: 'Contoh: KK-2026-000123, PBG-2026-000045 atau PMS-PBG-2026-000001 (tertera pada tanda terima permohonan).',
      value: number ?? '',
      attrs: { autocomplete: 'off', spellcheck: 'false' },
    }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Lacak')),
  );
  add(p.root, heading('Lacak berkas'), h('p', null, 'Masukkan nomor pendaftaran untuk melihat status dan tahap permohonan. Data pribadi tidak ditampilkan.'), form, result);
  const lookup = async (n: string) => {
    summary.clear();
    replace(result);
    try {
      const t = await get<TrackView>(`/track/${encodeURIComponent(n)}`, { anonymous: true });
      if (!p.current()) return;
      replace(
        result,
        h(
          'section',
          { class: 'panel', 'aria-labelledby': 'track-result-title' },
          h('h2', { id: 'track-result-title' }, `Berkas ${t.registration_number}`),
          dl([
            ['Jenis izin', t.permit?.name],
            ['Kantor', t.office?.name],
            ['Status', h('strong', null, t.status.label)],
            ['Tahap', t.step ? stepWithSop(t.step.title, t.step.sop) : null],
            ['Ditangani oleh', t.step?.role_label],
            ['Diajukan', formatInstant(t.submitted_at)],
            ['Pembaruan terakhir', formatInstant(t.updated_at)],
          ]),
        ),
      );
    } catch (e) {
      if (e instanceof Problem && e.status === 404) {
        summary.show('Nomor pendaftaran tidak ditemukan. Periksa kembali penulisannya.', [
          { field: 'registration_number', code: 'not_found', detail: 'Nomor pendaftaran tidak ditemukan.' },
        ]);
      } else summary.showProblem(e);
    }
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const n = valueOf(form, 'registration_number').toUpperCase();
    if (!n) {
      summary.show('Periksa kembali isian yang ditandai.', [{ field: 'registration_number', code: 'required', detail: 'Wajib diisi.' }]);
      return;
    }
    if (`#/lacak/${encodeURIComponent(n)}` !== location.hash) history.replaceState(null, '', `#/lacak/${encodeURIComponent(n)}`);
    void lookup(n);
  });
  if (number) await lookup(number);
}

// ---- Verifikasi dokumen ----

interface VerifyView {
  document_id: string;
  title: string;
  number: string;
  holder: string;
  decision: string;
  signer: string;
  position: string;
  signed_at: string;
  signed_at_label?: string;
  sha256: string;
  algorithm: string;
  key_id: string;
  signature_valid: boolean;
  status: string;
  status_label: string;
  revoked_at?: string | null;
  revoked_reason?: string | null;
  matches?: boolean;
  matches_label?: string;
  uploaded_sha256?: string;
  uploaded_embedded_signature?: { checked: boolean; valid: boolean; problem?: string | null };
  embedded_signature_label?: string;
}

export async function verifyPage(p: Page, id?: string): Promise<void> {
  const form = h('form', { id: 'verify-form', novalidate: true, class: 'stack' });
  const summary = new ErrorSummary(form);
  const result = h('div', { id: 'verify-result' });
  add(form,
    summary.el,
    field('verify', {
      name: 'id',
      label: 'Kode dokumen',
      required: true,
      hint: 'Kode yang tertera di bawah kode QR pada surat, atau bagian akhir alamat yang dibuka kode QR.',
      value: id ?? '',
      attrs: { autocomplete: 'off', spellcheck: 'false' },
    }),
    field('verify', {
      name: 'file',
      label: 'Berkas PDF surat',
      type: 'file',
      hint: 'Unggah berkas PDF yang Anda terima untuk memastikan isinya sama persis dengan dokumen yang ditandatangani. Berkas hanya dicocokkan, tidak disimpan.',
      attrs: { accept: '.pdf,application/pdf' },
    }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Periksa')),
  );
  add(p.root,
    heading('Verifikasi dokumen'),
    h('p', null, 'Periksa apakah surat yang diterbitkan DPMPTSP Kota Bontang sah, masih berlaku, dan tanda tangan elektroniknya valid.'),
    form,
    result,
  );
  const check = async (docId: string, file: File | null) => {
    summary.clear();
    replace(result);
    try {
      const v = file
        ? await post<VerifyView>(`/verify/${encodeURIComponent(docId)}`, undefined, { anonymous: true, raw: { body: file, type: 'application/pdf' } })
        : await get<VerifyView>(`/verify/${encodeURIComponent(docId)}`, { anonymous: true });
      if (!p.current()) return;
      replace(result, verifyResult(v));
      result.querySelector<HTMLElement>('h2')?.focus();
    } catch (e) {
      if (e instanceof Problem && e.status === 404) {
        summary.show('Dokumen dengan kode ini tidak ditemukan.', [{ field: 'id', code: 'not_found', detail: 'Kode dokumen tidak ditemukan.' }]);
      } else summary.showProblem(e);
    }
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const docId = valueOf(form, 'id');
    const input = form.querySelector<HTMLInputElement>('input[type=file]')!;
    const file = input.files?.[0] ?? null;
    const errors = [];
    if (!docId) errors.push({ field: 'id', code: 'required', detail: 'Wajib diisi.' });
    if (file && !/\.pdf$/i.test(file.name) && file.type !== 'application/pdf') errors.push({ field: 'file', code: 'media_type', detail: 'Berkas harus berupa PDF.' });
    if (errors.length) {
      summary.show('Periksa kembali isian yang ditandai.', errors);
      return;
    }
    void busy(form.querySelector('button[type=submit]'), () => check(docId, file));
  });
  if (id) await check(id, null);
}

function verifyResult(v: VerifyView): HTMLElement {
  const ok = v.status === 'valid' && v.signature_valid;
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'verify-title' },
    h('h2', { id: 'verify-title', tabindex: -1 }, `${v.title} ${v.number}`),
    h(
      'div',
      { class: `notice ${ok ? 'notice-success' : 'notice-error'}`, role: 'status' },
      h('p', null, h('strong', null, `Status: ${v.status_label}. `), v.signature_valid ? 'Tanda tangan elektronik valid.' : 'Tanda tangan elektronik TIDAK valid.'),
      v.revoked_at ? h('p', null, `Dicabut pada ${formatInstant(v.revoked_at)}${v.revoked_reason ? `: ${v.revoked_reason}` : ''}.`) : null,
    ),
    v.matches !== undefined
      ? h(
          'div',
          { class: `notice ${v.matches ? 'notice-success' : 'notice-error'}`, role: 'alert', id: 'verify-match' },
          h('p', null, stateBadge(v.matches ? 'done' : 'overdue', v.matches ? 'Berkas cocok' : 'Berkas tidak cocok'), ' ', v.matches_label ?? ''),
          v.embedded_signature_label ? h('p', { id: 'verify-embedded' }, v.embedded_signature_label) : null,
        )
      : null,
    dl([
      ['Pemegang', v.holder],
      ['Keputusan', v.decision],
      ['Penandatangan', `${v.signer}, ${v.position}`],
      ['Waktu tanda tangan', v.signed_at_label ?? formatInstant(v.signed_at)],
      ['Sidik SHA-256', h('code', { class: 'hash' }, v.sha256)],
      v.uploaded_sha256 ? ['SHA-256 berkas yang diunggah', h('code', { class: 'hash' }, v.uploaded_sha256)] : ['', null],
      ['Algoritma', v.algorithm],
      ['Kunci', v.key_id],
    ]),
    h('p', { class: 'small' }, 'Kunci publik untuk pemeriksaan mandiri: ', h('a', { href: apiUrl('/verify/public-key') }, 'unduh kunci publik (PEM)'), '.'),
  );
}

// ---- Pengaduan ----

interface ComplaintTrack {
  tracking_code: string;
  kind: string;
  channel: string;
  status: string;
  filed_on: string;
  due_on?: string | null;
  closed_at?: string | null;
  follow_up?: string[] | null;
  step?: { sop: string; title: string } | null;
  /** While the complaint waits for the complainant to complete it. */
  incomplete?: { missing: string; due_on: string; message: string } | null;
  closed_as?: string | null;
  /** Closed as outside the office's authority: the institution it went to. */
  forwarded_to?: string | null;
  /** Whether notices reach the complainant's e-mail address (null without one). */
  email_confirmed?: boolean | null;
  /** While the address is not confirmed: what to tell the complainant. */
  email_message?: string | null;
}

interface ComplaintChallenge {
  challenge: string;
  difficulty: number;
  algorithm: string;
  expires_at: string;
}

/**
 * Filing without sign-in carries a proof of work (issue 17: no third-party captcha): a fresh
 * challenge from the API, solved here in chunks while `status` says "Memverifikasi…".
 */
async function complaintProof(status: HTMLElement): Promise<{ challenge: string; nonce: string }> {
  status.hidden = false;
  status.textContent = 'Memverifikasi…';
  try {
    const ch = await get<ComplaintChallenge>('/complaints/challenge', { anonymous: true });
    const expected = 2 ** ch.difficulty;
    const nonce = await solveChallenge(ch.challenge, ch.difficulty, (tries) => {
      const pct = Math.min(99, Math.round((100 * tries) / (2 * expected)));
      status.textContent = `Memverifikasi… ${pct}%`;
    });
    status.textContent = 'Memverifikasi… selesai, mengirim pengaduan.';
    return { challenge: ch.challenge, nonce };
  } catch (e) {
    status.hidden = true;
    throw e;
  }
}

export async function complaintPage(p: Page): Promise<void> {
  const P = 'adu';
  const form = h('form', { id: 'complaint-form', novalidate: true, class: 'stack' });
  const summary = new ErrorSummary(form);
  const identity = h(
    'fieldset',
    { class: 'group', id: 'identity' },
    h('legend', null, 'Identitas pengadu'),
    h('p', { class: 'hint' }, 'Identitas hanya dapat dilihat petugas pengaduan dan tidak pernah dicantumkan dalam laporan.'),
    field(P, { name: 'name', label: 'Nama', required: true, attrs: { autocomplete: 'name' } }),
    field(P, { name: 'email', label: 'E-mail', type: 'email', attrs: { autocomplete: 'email' } }),
    field(P, { name: 'phone', label: 'Nomor telepon', type: 'tel', attrs: { autocomplete: 'tel' } }),
  );
  const anon = h('input', { type: 'checkbox', id: `${P}-anonymous`, name: 'anonymous', 'aria-controls': 'identity' });
  const powStatus = h('p', { id: 'complaint-pow', class: 'small', role: 'status', hidden: true });
  anon.addEventListener('change', () => {
    identity.hidden = anon.checked;
  });
  add(form,
    summary.el,
    choiceGroup(P, { name: 'kind', legend: 'Jenis', type: 'radio', required: true, choices: COMPLAINT_KINDS, checked: ['complaint'], inline: true }),
    field(P, {
      name: 'about',
      label: 'Nomor pendaftaran permohonan yang diadukan',
      hint: 'Isi bila pengaduan menyangkut permohonan tertentu, contoh KK-2026-000123.',
      attrs: { autocomplete: 'off' },
    }),
    field(P, { name: 'text', label: 'Isi pengaduan, saran atau masukan', textarea: true, required: true, hint: 'Paling sedikit 10 karakter.', attrs: { maxlength: 5000, rows: 6 } }),
    h('div', { class: 'field choice', 'data-field': 'anonymous' }, anon, h('label', { for: `${P}-anonymous` }, 'Kirim tanpa nama (anonim)')),
    identity,
    h('p', { class: 'hint' }, 'Bila Anda mencantumkan e-mail, kami mengirim satu pesan berisi tautan konfirmasi; pemberitahuan lain dikirim setelah alamat dikonfirmasi.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Kirim pengaduan')),
    powStatus,
  );
  const receipt = h('div', { id: 'complaint-receipt' });

  const trackForm = h('form', { id: 'complaint-track-form', novalidate: true, class: 'stack', role: 'search' });
  const trackSummary = new ErrorSummary(trackForm);
  add(trackForm,
    trackSummary.el,
    field('adutrack', { name: 'code', label: 'Kode pelacakan', required: true, hint: 'Contoh: ADU-ABCDE-FGHJK', attrs: { autocomplete: 'off', spellcheck: 'false' } }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn' }, 'Lacak pengaduan')),
  );

  add(p.root,
    heading('Pengaduan'),
    h('p', null, 'Sampaikan pengaduan, saran atau masukan tentang pelayanan perizinan. Anda boleh tidak mencantumkan nama. Setelah terkirim, simpan kode pelacakan untuk memantau tindak lanjutnya.'),
    h('section', { class: 'panel', 'aria-labelledby': 'file-title' }, h('h2', { id: 'file-title' }, 'Sampaikan pengaduan'), form, receipt),
    h('section', { class: 'panel', 'aria-labelledby': 'ctrack-title' }, h('h2', { id: 'ctrack-title' }, 'Lacak pengaduan'), trackForm),
  );

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body: Record<string, unknown> = { kind: valueOf(form, 'kind'), text: valueOf(form, 'text'), anonymous: anon.checked };
    const about = valueOf(form, 'about').toUpperCase();
    if (about) body.about = about;
    const errors = [];
    if (!body.kind) errors.push({ field: 'kind', code: 'required', detail: 'Wajib diisi.' });
    const text = String(body.text);
    if (!text) errors.push({ field: 'text', code: 'required', detail: 'Wajib diisi.' });
    else if (Array.from(text).length < 10) errors.push({ field: 'text', code: 'too_short', detail: 'Paling sedikit 10 karakter.' });
    if (about && !REGISTRATION_NUMBER.test(about)) errors.push({ field: 'about', code: 'invalid_registration_number', detail: 'Nomor pendaftaran tidak valid (contoh KK-2026-000123 atau PBG-2026-000045).' });
    if (!anon.checked) {
      const name = valueOf(form, 'name');
      const email = valueOf(form, 'email');
      const phone = valueOf(form, 'phone');
      if (!name) errors.push({ field: 'name', code: 'required', detail: 'Wajib diisi.' });
      else if (Array.from(name).length < 2) errors.push({ field: 'name', code: 'too_short', detail: 'Paling sedikit 2 karakter.' });
      if (email) {
        const m = emailError(email);
        if (m) errors.push({ field: 'email', code: 'invalid_email', detail: m });
      }
      if (phone) {
        const m = phoneError(phone);
        if (m) errors.push({ field: 'phone', code: 'invalid_phone', detail: m });
      }
      if (name) body.name = name;
      if (email) body.email = email;
      if (phone) body.phone = phone;
    }
    if (errors.length) {
      summary.show('Periksa kembali isian yang ditandai.', errors);
      return;
    }
    void busy(form.querySelector('button[type=submit]'), async () => {
      summary.clear();
      try {
        body.proof = await complaintProof(powStatus);
        const r = await post<{ id: string; tracking_code: string; tracking: ComplaintTrack }>('/complaints', body, { anonymous: true });
        powStatus.hidden = true;
        form.reset();
        identity.hidden = false;
        replace(
          receipt,
          h(
            'div',
            { class: 'notice notice-success', role: 'status', tabindex: -1, id: 'complaint-receipt-box' },
            h('p', null, h('strong', null, 'Pengaduan Anda telah kami terima. ')),
            h('p', null, 'Kode pelacakan: ', h('strong', { class: 'code', id: 'tracking-code' }, r.tracking_code)),
            h('p', null, 'Simpan kode ini; kode tidak dapat dikirim ulang bila Anda mengadu tanpa nama. ', h('a', { href: `#/pengaduan/lacak/${r.tracking_code}` }, 'Lacak pengaduan ini')),
            r.tracking.email_confirmed === false
              ? h('p', { id: 'complaint-email-pending' }, 'Kami mengirim tautan konfirmasi ke e-mail Anda. Pemberitahuan perkembangan pengaduan dikirim lewat e-mail setelah alamat itu dikonfirmasi.')
              : null,
          ),
        );
        receipt.querySelector<HTMLElement>('#complaint-receipt-box')?.focus();
      } catch (e) {
        powStatus.hidden = true;
        summary.showProblem(e);
      }
    });
  });

  trackForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const code = valueOf(trackForm, 'code').toUpperCase();
    if (!code) {
      trackSummary.show('Periksa kembali isian yang ditandai.', [{ field: 'code', code: 'required', detail: 'Wajib diisi.' }]);
      return;
    }
    navigate(`#/pengaduan/lacak/${encodeURIComponent(code)}`);
  });
}

export async function complaintTrackPage(p: Page, code: string): Promise<void> {
  add(p.root, heading(`Pengaduan ${code}`, 'Lacak pengaduan'));
  try {
    const t = await get<ComplaintTrack>(`/complaints/track/${encodeURIComponent(code)}`, { anonymous: true });
    if (!p.current()) return;
    drawComplaintTrack(p, code, t, null);
  } catch (e) {
    if (e instanceof Problem && e.status === 404) add(p.root, notice('error', h('p', null, 'Kode pelacakan tidak ditemukan. Periksa kembali penulisannya.')));
    else add(p.root, problemBox(e));
    add(p.root, h('p', null, h('a', { href: '#/pengaduan' }, 'Kembali ke halaman pengaduan')));
  }
}

function drawComplaintTrack(p: Page, code: string, t: ComplaintTrack, flash: HTMLElement | null): void {
  replace(
    p.root,
    heading(`Pengaduan ${code}`, 'Lacak pengaduan'),
    flash,
    t.incomplete ? incompleteBox(p, code, t.incomplete) : null,
    t.forwarded_to
      ? notice('info', h('p', { id: 'complaint-forwarded' }, 'Pengaduan ini di luar kewenangan kami dan telah diteruskan kepada ', h('strong', null, t.forwarded_to), '.'))
      : null,
    t.email_message ? notice('info', h('p', { id: 'complaint-email-unconfirmed' }, t.email_message)) : null,
    dl([
        ['Kode pelacakan', t.tracking_code],
        ['Jenis', t.kind],
        ['Saluran', t.channel],
        ['Diterima', t.filed_on],
        ['Status', h('strong', null, t.status)],
        ['Tahap', t.step ? `${t.step.title} (huruf ${t.step.sop})` : null],
        ['Batas waktu penyelesaian', t.due_on ? formatDate(t.due_on) : null],
        ['Tindak lanjut', t.follow_up?.length ? t.follow_up.join(', ') : null],
        ['Diteruskan kepada', t.forwarded_to ?? null],
        ['Selesai', t.closed_at ? formatInstant(t.closed_at) : null],
        ['E-mail pemberitahuan', t.email_confirmed == null ? null : t.email_confirmed ? 'Terkonfirmasi' : 'Belum dikonfirmasi'],
      ]),
    h('p', { class: 'small' }, 'Demi kerahasiaan, isi pengaduan dan identitas pengadu tidak ditampilkan di halaman ini.'),
    h('p', null, h('a', { href: '#/pengaduan' }, 'Kembali ke halaman pengaduan')),
  );
}

/** The officer found the complaint incomplete: what is missing, the last day, and the form. */
function incompleteBox(p: Page, code: string, inc: { missing: string; due_on: string; message: string }): HTMLElement {
  const P = 'lengkapi';
  const form = h('form', { id: 'complaint-complete-form', novalidate: true, class: 'stack' });
  const summary = new ErrorSummary(form);
  const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Kirim kelengkapan');
  add(form,
    summary.el,
    field(P, { name: 'text', label: 'Keterangan yang dilengkapi', textarea: true, required: true, hint: 'Paling sedikit 10 karakter. Jangan cantumkan data pribadi yang tidak diminta.', attrs: { maxlength: 5000, rows: 5 } }),
    h('div', { class: 'actions' }, btn),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = valueOf(form, 'text');
    if (!text) return summary.show('Periksa kembali isian yang ditandai.', [{ field: 'text', code: 'required', detail: 'Wajib diisi.' }]);
    if (Array.from(text).length < 10) return summary.show('Periksa kembali isian yang ditandai.', [{ field: 'text', code: 'too_short', detail: 'Paling sedikit 10 karakter.' }]);
    void busy(btn, async () => {
      summary.clear();
      try {
        const t = await post<ComplaintTrack>(`/complaints/track/${encodeURIComponent(code)}/completion`, { text }, { anonymous: true });
        if (!p.current()) return;
        drawComplaintTrack(p, code, t, notice('success', h('p', { id: 'complaint-completed', tabindex: -1 }, 'Terima kasih. Kelengkapan pengaduan telah kami terima dan pengaduan akan dicatat oleh petugas.')));
        document.getElementById('complaint-completed')?.focus();
      } catch (e) {
        summary.showProblem(e);
      }
    });
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'incomplete-title', id: 'complaint-incomplete' },
    h('h2', { id: 'incomplete-title' }, inc.message),
    h('p', null, h('strong', null, 'Yang perlu dilengkapi: '), inc.missing),
    h('p', { class: 'small' }, `Bila tidak dilengkapi sampai ${formatDate(inc.due_on)}, pengaduan ditutup dan tidak ditindaklanjuti.`),
    form,
  );
}

/**
 * The link of the confirmation request: `#/pengaduan/konfirmasi?kode=…&token=…`. Confirming
 * takes a click (a mail scanner opening the link confirms nothing).
 */
export async function complaintConfirmPage(p: Page, query: string): Promise<void> {
  const q = new URLSearchParams(query);
  const code = (q.get('kode') ?? '').trim().toUpperCase();
  const token = (q.get('token') ?? '').trim();
  add(p.root, heading('Konfirmasi alamat e-mail', 'Pengaduan'));
  if (!code || !token) {
    add(p.root, notice('error', h('p', null, 'Tautan konfirmasi tidak lengkap. Buka tautan persis seperti di e-mail.')));
    return;
  }
  const btn = h('button', { type: 'button', class: 'btn btn-primary', id: 'complaint-confirm' }, 'Konfirmasi alamat e-mail');
  const out = h('div', { id: 'complaint-confirm-result' });
  btn.addEventListener('click', () => {
    void busy(btn, async () => {
      try {
        await post<ComplaintTrack>(`/complaints/${encodeURIComponent(code)}/email/confirm`, { token }, { anonymous: true });
        if (!p.current()) return;
        btn.hidden = true;
        replace(
          out,
          notice('success', h('p', { id: 'complaint-confirmed', tabindex: -1 }, 'Terima kasih, alamat e-mail Anda telah dikonfirmasi. Pemberitahuan perkembangan pengaduan akan dikirim ke alamat ini. ', h('a', { href: `#/pengaduan/lacak/${encodeURIComponent(code)}` }, 'Lacak pengaduan'))),
        );
        document.getElementById('complaint-confirmed')?.focus();
      } catch (e) {
        replace(out, problemBox(e));
      }
    });
  });
  add(p.root,
    h('p', null, 'Konfirmasi bahwa alamat e-mail ini milik Anda untuk menerima pemberitahuan pengaduan ', h('strong', { class: 'code' }, code), '.'),
    h('div', { class: 'actions' }, btn),
    out,
  );
}
