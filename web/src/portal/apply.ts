// "Ajukan permohonan": the application form, new (POST /cases) or edited in draft/revision
// (PUT /cases/{id} with the case's version).

import { get, post, put } from '../shared/api';
import { add, h } from '../shared/dom';
import { todayWita } from '../shared/format';
import { ErrorSummary, busy, field, valueOf } from '../shared/forms';
import type { Application, CaseView } from '../shared/types';
import { announce, heading, navigate, notice, setFlash, type Page } from '../shared/ui';
import { validateApplication, type ApplicationInput } from './validate';

const P = 'app';

function readForm(form: HTMLFormElement): ApplicationInput {
  const v = (n: string) => valueOf(form, n);
  const members = v('cash_office.member_count');
  return {
    cooperative_name: v('cooperative_name'),
    legal_entity_number: v('legal_entity_number'),
    nib: v('nib'),
    branch: {
      address: v('branch.address'),
      operating_permit_number: v('branch.operating_permit_number'),
      operating_permit_date: v('branch.operating_permit_date'),
      business_started_on: v('branch.business_started_on'),
    },
    cash_office: {
      address: v('cash_office.address'),
      member_count: members === '' ? null : Number(members),
      head_name: v('cash_office.head_name'),
    },
    oss_reference: v('oss_reference'),
    contact: { email: v('contact.email'), phone: v('contact.phone') },
  };
}

/** The body the API expects: blanks are left out so that it reports them as required. */
function toBody(a: ApplicationInput): Record<string, unknown> {
  const strip = (o: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(o)) {
      if (val === '' || val === null) continue;
      out[k] = val && typeof val === 'object' ? strip(val as Record<string, unknown>) : val;
    }
    return out;
  };
  return strip(a as unknown as Record<string, unknown>);
}

function buildForm(a: Application | null): HTMLFormElement {
  const today = todayWita();
  const form = h('form', { id: 'application-form', novalidate: true, class: 'stack' });
  add(form,
    h(
      'fieldset',
      { class: 'group' },
      h('legend', null, 'Data koperasi'),
      field(P, { name: 'cooperative_name', label: 'Nama koperasi', required: true, value: a?.cooperative_name, attrs: { autocomplete: 'organization', maxlength: 200 } }),
      field(P, {
        name: 'legal_entity_number',
        label: 'Nomor badan hukum koperasi',
        required: true,
        hint: 'Contoh: AHU-0001234.AH.01.26.TAHUN 2019',
        value: a?.legal_entity_number,
      }),
      field(P, {
        name: 'nib',
        label: 'Nomor Induk Berusaha (NIB)',
        required: true,
        hint: 'Tepat 13 angka, sesuai OSS.',
        value: a?.nib,
        attrs: { inputmode: 'numeric', autocomplete: 'off', maxlength: 20 },
      }),
      field(P, { name: 'oss_reference', label: 'Nomor referensi permohonan di OSS', required: true, hint: 'Contoh: I-202611260001', value: a?.oss_reference }),
    ),
    h(
      'fieldset',
      { class: 'group' },
      h('legend', null, 'Kantor cabang penyelenggara'),
      field(P, { name: 'branch.address', label: 'Alamat kantor cabang', required: true, textarea: true, value: a?.branch.address, attrs: { rows: 2 } }),
      field(P, { name: 'branch.operating_permit_number', label: 'Nomor izin operasional kantor cabang', required: true, value: a?.branch.operating_permit_number }),
      field(P, { name: 'branch.operating_permit_date', label: 'Tanggal izin operasional', type: 'date', required: true, value: a?.branch.operating_permit_date, attrs: { max: today } }),
      field(P, {
        name: 'branch.business_started_on',
        label: 'Tanggal mulai kegiatan usaha simpan pinjam kantor cabang',
        type: 'date',
        required: true,
        hint: 'Paling sedikit 6 (enam) bulan sebelum hari ini.',
        value: a?.branch.business_started_on,
        attrs: { max: today },
      }),
    ),
    h(
      'fieldset',
      { class: 'group' },
      h('legend', null, 'Kantor kas yang akan dibuka'),
      field(P, { name: 'cash_office.address', label: 'Alamat kantor kas', required: true, textarea: true, value: a?.cash_office.address, attrs: { rows: 2 } }),
      field(P, {
        name: 'cash_office.member_count',
        label: 'Jumlah anggota kantor kas',
        type: 'number',
        required: true,
        hint: 'Paling sedikit 20 (dua puluh) orang.',
        value: a?.cash_office.member_count,
        attrs: { min: 20, step: 1, inputmode: 'numeric' },
      }),
      field(P, { name: 'cash_office.head_name', label: 'Nama calon kepala kantor kas', required: true, value: a?.cash_office.head_name, attrs: { autocomplete: 'name' } }),
    ),
    h(
      'fieldset',
      { class: 'group' },
      h('legend', null, 'Kontak pengurus'),
      field(P, { name: 'contact.email', label: 'E-mail', type: 'email', required: true, value: a?.contact.email, attrs: { autocomplete: 'email' } }),
      field(P, {
        name: 'contact.phone',
        label: 'Nomor telepon',
        type: 'tel',
        required: true,
        hint: 'Contoh: 0812-3456-7890',
        value: a?.contact.phone,
        attrs: { autocomplete: 'tel' },
      }),
    ),
  );
  return form;
}

export async function applyPage(p: Page, caseId?: string): Promise<void> {
  let existing: CaseView | null = null;
  if (caseId) {
    existing = await get<CaseView>(`/cases/${encodeURIComponent(caseId)}`);
    if (!p.current()) return;
    if (!existing.actions.includes('edit')) {
      add(p.root, heading('Ubah permohonan'), notice('warning', h('p', null, 'Permohonan ini tidak dapat diubah lagi.')), h('p', null, h('a', { href: `#/berkas/${existing.id}` }, 'Kembali ke berkas')));
      return;
    }
  }
  const form = buildForm(existing?.application ?? null);
  const summary = new ErrorSummary(form);
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, existing ? 'Simpan perubahan' : 'Simpan dan lanjutkan ke unggah dokumen');
  form.prepend(summary.el);
  add(form,
    h('div', { class: 'actions' }, submit, existing ? h('a', { href: `#/berkas/${existing.id}`, class: 'btn btn-secondary' }, 'Batal') : null),
  );
  add(p.root,
    heading(existing ? 'Ubah permohonan' : 'Ajukan permohonan', existing ? 'Ubah permohonan' : 'Ajukan permohonan'),
    h(
      'p',
      null,
      existing
        ? `Permohonan ${existing.registration_number ?? '(draf)'}. Perubahan disimpan tanpa mengubah dokumen yang sudah diunggah.`
        : 'Izin Pembukaan Kantor Kas Koperasi Simpan Pinjam. Isi data di bawah ini; setelah disimpan sebagai draf Anda dapat mengunggah dokumen persyaratan lalu mengajukan permohonan.',
    ),
    h('p', { class: 'small' }, 'Isian bertanda (wajib) harus diisi.'),
    form,
  );

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const input = readForm(form);
    const errors = validateApplication(input);
    if (errors.length) {
      summary.show('Periksa kembali isian yang ditandai.', errors);
      announce(`${errors.length} isian perlu diperbaiki.`);
      return;
    }
    summary.clear();
    await busy(submit, async () => {
      try {
        let saved: CaseView;
        if (existing) {
          saved = await put<CaseView>(`/cases/${existing.id}`, { version: existing.version, application: toBody(input) });
        } else {
          saved = await post<CaseView>('/cases', toBody(input));
        }
        setFlash(existing ? 'Perubahan permohonan disimpan.' : 'Permohonan disimpan sebagai draf. Silakan unggah dokumen persyaratan lalu ajukan.');
        navigate(`#/berkas/${saved.id}`);
      } catch (e) {
        summary.showProblem(e);
      }
    });
  });
}
