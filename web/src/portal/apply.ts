// The application form of one permit, rendered from its definition (`form.sections`): new
// (POST /cases with `permit` and the `office` applied to, chosen when several offer the permit)
// or edited in draft/revision (PUT /cases/{id} with the case's version). The browser checks what it can see (blanks, formats, bounds) in the API's words;
// everything else — the permit's rules — comes back from the API beside its field.

import { get, post, put, Problem } from '../shared/api';
import { formFields, officesOffering, permitDef } from '../shared/catalogue';
import { config } from '../shared/config';
import { add, h } from '../shared/dom';
import { fieldControl, getPath, readFields, setControl } from '../shared/fields';
import { ErrorSummary, busy, field, valueOf } from '../shared/forms';
import type { CaseView, Office, PermitDef, Values } from '../shared/types';
import { announce, button, heading, navigate, notice, problemBox, setFlash, type Page } from '../shared/ui';

const P = 'app';

function buildForm(def: PermitDef, values: Values | null): HTMLFormElement {
  const form = h('form', { id: 'application-form', novalidate: true, class: 'stack', 'data-permit': def.code });
  def.form.sections.forEach((s, i) => {
    const helpId = s.help ? `${P}-section-${i}-help` : undefined;
    add(form,
      h(
        'fieldset',
        { class: 'group', 'aria-describedby': helpId },
        h('legend', null, s.title),
        s.help ? h('p', { class: 'hint', id: helpId! }, s.help) : null,
        s.fields.map((f) => fieldControl(P, f, values ? getPath(values, f.path) : undefined, { requirements: def.requirements })),
      ),
    );
  });
  return form;
}

/** Where a new application goes: a select when several offices offer the permit, else the one office's name. */
function officeChoice(offices: Office[]): HTMLElement | null {
  if (!offices.length) return null;
  return h(
    'fieldset',
    { class: 'group' },
    h('legend', null, 'Kantor tujuan'),
    offices.length > 1
      ? field(P, {
          name: 'office',
          label: 'DPMPTSP yang dituju',
          required: true,
          hint: 'Izin ini dilayani oleh lebih dari satu kantor. Pilih kantor di wilayah lokasi usaha atau bangunan Anda.',
          options: offices.map((o) => [o.code, o.name] as [string, string]),
          value: offices[0].code,
        })
      : h('p', { id: 'app-office-name', 'data-office': offices[0].code }, 'Permohonan diajukan kepada ', h('strong', null, offices[0].name), '.'),
  );
}

/** The API's field names of a PUT (`application.nib`) as the form names them (`nib`). */
function withoutPrefix(e: unknown): unknown {
  if (e instanceof Problem) {
    e.errors = e.errors.map((x) => ({ ...x, field: x.field.replace(/^application\./, '') }));
  }
  return e;
}

export async function applyPage(p: Page, o: { permit?: string; caseId?: string }): Promise<void> {
  let existing: CaseView | null = null;
  if (o.caseId) {
    existing = await get<CaseView>(`/cases/${encodeURIComponent(o.caseId)}`);
    if (!p.current()) return;
    if (!existing.actions.includes('edit')) {
      add(p.root, heading('Ubah permohonan'), notice('warning', h('p', null, 'Permohonan ini tidak dapat diubah lagi.')), h('p', null, h('a', { href: `#/berkas/${existing.id}` }, 'Kembali ke berkas')));
      return;
    }
  }
  const code = existing?.permit.code ?? o.permit ?? '';
  let def: PermitDef;
  let offices: Office[] = [];
  try {
    [def, offices] = await Promise.all([permitDef(code), existing ? [] : officesOffering(code)]);
  } catch (e) {
    if (!p.current()) return;
    add(p.root, heading('Ajukan permohonan'), problemBox(e), h('p', null, h('a', { href: '#/izin' }, 'Lihat jenis izin yang tersedia')));
    return;
  }
  if (!p.current()) return;
  const form = buildForm(def, existing?.application ?? null);
  const summary = new ErrorSummary(form);
  const choice = officeChoice(offices);
  if (choice) form.prepend(choice);
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, existing ? 'Simpan perubahan' : 'Simpan dan lanjutkan ke unggah dokumen');
  form.prepend(summary.el);
  add(form, h('div', { class: 'actions' }, submit, existing ? h('a', { href: `#/berkas/${existing.id}`, class: 'btn btn-secondary' }, 'Batal') : h('a', { href: '#/izin', class: 'btn btn-secondary' }, 'Kembali ke daftar izin')));

  // Locally, a button fills the form with the permit's example application.
  const exampleBox = h('div', { class: 'example' });
  const exampleStatus = h('p', { role: 'status', class: 'small' });
  const local = config().environment === 'lokal' && !existing;
  if (local) {
    const btn = button('Isi dengan contoh', () =>
      void busy(btn, async () => {
        try {
          const ex = await get<Values>(`/permits/${encodeURIComponent(def.code)}/example`, { anonymous: true });
          for (const f of formFields(def)) setControl(form, f, getPath(ex, f.path));
          summary.clear();
          exampleStatus.textContent = 'Formulir diisi dengan contoh. Periksa dan ubah sebelum menyimpan.';
        } catch (e) {
          exampleStatus.replaceChildren(problemBox(e));
        }
      }),
      { id: 'fill-example', class: 'btn btn-secondary' },
    );
    add(exampleBox, h('p', null, btn, ' ', h('span', { class: 'small' }, 'Hanya di lingkungan lokal: mengisi semua isian dengan data contoh.')), exampleStatus);
  }

  add(p.root,
    heading(existing ? 'Ubah permohonan' : 'Ajukan permohonan', existing ? 'Ubah permohonan' : `Ajukan ${def.short_name}`),
    h('p', { class: 'lead', id: 'permit-name' }, def.name),
    h(
      'p',
      null,
      existing
        ? `Permohonan ${existing.registration_number ?? '(draf)'}. Perubahan disimpan tanpa mengubah dokumen yang sudah diunggah.`
        : 'Isi data di bawah ini; setelah disimpan sebagai draf Anda dapat mengunggah dokumen persyaratan lalu mengajukan permohonan.',
    ),
    h('p', { class: 'small' }, 'Isian bertanda (wajib) harus diisi.'),
    local ? exampleBox : null,
    form,
  );

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const { body, errors } = readFields(form, formFields(def));
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
          saved = await put<CaseView>(`/cases/${existing.id}`, { version: existing.version, application: body });
        } else {
          const office = offices.length > 1 ? valueOf(form, 'office') : offices[0]?.code;
          saved = await post<CaseView>('/cases', { permit: def.code, ...(office ? { office } : {}), ...body });
        }
        setFlash(existing ? 'Perubahan permohonan disimpan.' : 'Permohonan disimpan sebagai draf. Silakan unggah dokumen persyaratan lalu ajukan.');
        navigate(`#/berkas/${saved.id}`);
      } catch (e) {
        summary.showProblem(withoutPrefix(e));
      }
    });
  });
}
