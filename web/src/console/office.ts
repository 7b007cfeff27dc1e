// "Kantor": the office's administration for its administrator (`office_admin`) and its heads
// (`reports`): the staff roster with the roles each holds by delegation — and, for the
// administrator, inviting staff, giving and taking roles, disabling accounts — the acting officials
// (Plt./Plh.) — recorded and revoked by the administrator only, with the API's field errors
// beside the fields — and the workload per step and per officer.

import { Problem, get, post } from '../shared/api';
import { add, h, replace, type Child } from '../shared/dom';
import { formatDate, formatInstant } from '../shared/format';
import { ErrorSummary, busy, field, valueOf } from '../shared/forms';
import { ACTING_KINDS, DELEGATION_STATES } from '../shared/labels';
import { can } from '../shared/session';
import type { Coded, Delegation, List, StaffList, StaffMember, Workload } from '../shared/types';
import { announce, heading, loading, stateBadge, type Page } from '../shared/ui';

interface State {
  staff: StaffMember[];
  assignable: Coded[];
  delegations: Delegation[];
  workload: Workload;
}

async function load(): Promise<State> {
  const [staff, delegations, workload] = await Promise.all([
    get<StaffList>('/office/staff'),
    get<List<Delegation>>('/office/delegations'),
    get<Workload>('/office/workload'),
  ]);
  return { staff: staff.items, assignable: staff.assignable_roles ?? [], delegations: delegations.items, workload };
}

export async function officePage(p: Page): Promise<void> {
  add(p.root, heading('Kantor'), loading());
  const st = await load();
  if (!p.current()) return;
  draw(p, st, null);
}

async function refresh(p: Page, message: string): Promise<void> {
  const st = await load();
  if (!p.current()) return;
  draw(p, st, h('div', { class: 'notice notice-success flash', tabindex: -1, id: 'office-done' }, h('p', null, message)));
  announce(message);
  document.getElementById('office-done')?.focus();
}

function section(id: string, title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'panel', 'aria-labelledby': `${id}-title`, id }, h('h2', { id: `${id}-title` }, title), children);
}

function table(id: string, caption: string, head: string[], rows: Child[][], empty: string, numeric: number[] = []): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'responsive', id },
      h('caption', null, caption),
      h('thead', null, h('tr', null, head.map((t, i) => h('th', { scope: 'col', class: numeric.includes(i) ? 'num' : undefined }, t)))),
      h(
        'tbody',
        null,
        rows.length
          ? rows.map((r) => h('tr', null, r.map((cell, i) => (i === 0 ? h('th', { scope: 'row' }, cell) : h('td', { 'data-label': head[i], class: numeric.includes(i) ? 'num' : undefined }, cell)))))
          : h('tr', null, h('td', { colspan: head.length }, empty)),
      ),
    ),
  );
}

function draw(p: Page, st: State, flash: HTMLElement | null): void {
  const admin = can('office_admin');
  replace(
    p.root,
    heading('Kantor'),
    flash,
    h('p', { class: 'lead', id: 'office-name' }, st.workload.office.name),
    section(
      'delegations',
      'Pelaksana tugas dan pelaksana harian',
      h('p', { class: 'small' }, 'Pelaksana Tugas (Plt.) mengisi jabatan yang kosong; Pelaksana Harian (Plh.) menggantikan pejabat yang berhalangan sementara. Selama berlaku, pelaksana memegang peran tersebut dan keputusannya dicatat atas nama jabatan itu.'),
      delegationsTable(p, st, admin),
      admin ? delegationForm(p, st) : null,
    ),
    section(
      'staff',
      'Petugas',
      staffTable(p, st, admin),
      admin ? inviteForm(p, st) : null,
    ),
    section(
      'workload',
      'Beban kerja',
      table(
        'workload-steps',
        'Beban kerja per tahap',
        ['Tahap', 'Ditangani oleh', 'Menunggu', 'Belum ditugaskan', 'Batas waktu terdekat'],
        st.workload.steps.map((s) => [s.title, s.role_label, String(s.waiting), String(s.unassigned), s.earliest_due_on ? formatDate(s.earliest_due_on) : '–']),
        'Tidak ada tahap petugas.',
        [2, 3],
      ),
      table(
        'workload-officers',
        'Berkas yang ditugaskan per petugas',
        ['Petugas', 'Berkas ditugaskan', 'Batas waktu terdekat'],
        st.workload.officers.map((o) => [o.name, String(o.assigned), o.earliest_due_on ? formatDate(o.earliest_due_on) : '–']),
        'Belum ada berkas yang dialihkan kepada petugas tertentu.',
        [1],
      ),
    ),
  );
}

/** The badge of a delegation's state: in force, scheduled, over or revoked. */
function stateOf(d: Delegation): HTMLElement {
  const look: Record<string, string> = { active: 'done', scheduled: 'paused', ended: 'none', revoked: 'none' };
  return stateBadge(look[d.state], DELEGATION_STATES[d.state] ?? d.state);
}

function delegationsTable(p: Page, st: State, admin: boolean): HTMLElement {
  const head = ['Peran', 'Pejabat yang digantikan', 'Pelaksana', 'Masa berlaku', 'Nomor surat perintah', 'Keadaan'];
  if (admin) head.push('Tindakan');
  const revokeHost = h('div', { id: 'revoke-delegation' });
  const rows = st.delegations.map((d) => {
    const revocable = admin && (d.state === 'active' || d.state === 'scheduled');
    const reason = d.history.find((e) => e.action === 'granted')?.reason;
    return h(
      'tr',
      { 'data-delegation-id': d.id, 'data-state': d.state },
      h('th', { scope: 'row' }, `${d.designation} ${d.role_label}`),
      h('td', { 'data-label': head[1] }, d.from.name),
      h('td', { 'data-label': head[2] }, d.to.name),
      h('td', { 'data-label': head[3] }, `${formatDate(d.starts_on)} – ${formatDate(d.ends_on)}`),
      h('td', { 'data-label': head[4] }, d.letter_number, reason ? h('span', { class: 'small' }, h('br'), reason) : null),
      h('td', { 'data-label': head[5] }, stateOf(d)),
      admin
        ? h(
            'td',
            { 'data-label': head[6] },
            revocable
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'btn btn-small btn-secondary',
                    'aria-label': `Cabut ${d.designation} ${d.role_label} ${d.to.name}`,
                    onclick: () => {
                      replace(revokeHost, revokeForm(p, d, () => replace(revokeHost)));
                      revokeHost.querySelector<HTMLElement>('h3')?.focus();
                    },
                  },
                  'Cabut',
                )
              : '–',
          )
        : null,
    );
  });
  return h(
    'div',
    null,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'responsive', id: 'delegations-table' },
        h('caption', null, `${st.delegations.length} pelimpahan`),
        h('thead', null, h('tr', null, head.map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, rows.length ? rows : h('tr', null, h('td', { colspan: head.length }, 'Belum ada pelaksana tugas atau pelaksana harian.'))),
      ),
    ),
    revokeHost,
  );
}

function revokeForm(p: Page, d: Delegation, cancel: () => void): HTMLElement {
  const form = h('form', { id: 'revoke-delegation-form', novalidate: true, class: 'stack' });
  const summary = new ErrorSummary(form);
  const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Cabut pelimpahan');
  add(form,
    h('h3', { tabindex: -1 }, `Cabut ${d.designation} ${d.role_label}: ${d.to.name}`),
    summary.el,
    h('p', { class: 'small' }, `Sejak dicabut, ${d.to.name} tidak lagi memegang peran ${d.role_label}. Pelimpahan yang dicabut tetap tercatat.`),
    field('revoke', { name: 'reason', label: 'Alasan pencabutan', textarea: true, attrs: { maxlength: 500 } }),
    h('div', { class: 'actions' }, btn, h('button', { type: 'button', class: 'btn btn-secondary', onclick: cancel }, 'Batal')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const reason = valueOf(form, 'reason');
    void busy(btn, async () => {
      summary.clear();
      try {
        await post<Delegation>(`/office/delegations/${encodeURIComponent(d.id)}/revoke`, reason ? { reason } : {});
        await refresh(p, `${d.designation} ${d.role_label} atas nama ${d.to.name} telah dicabut.`);
      } catch (e) {
        summary.showProblem(e);
      }
    });
  });
  return form;
}

function delegationForm(p: Page, st: State): HTMLElement {
  const P = 'dlg';
  const form = h('form', { id: 'delegation-form', novalidate: true, class: 'stack', 'aria-labelledby': `${P}-title` });
  const summary = new ErrorSummary(form);
  // The staff roles held in this office, each once, in the roster's order.
  const roles = new Map<string, string>();
  for (const m of st.staff) for (const r of m.roles) if (!roles.has(r.code)) roles.set(r.code, r.label);
  const people = st.staff.map((m) => [m.sub, `${m.name} (${m.roles.map((r) => r.label).join(', ')})`] as [string, string]);
  const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Catat pelimpahan');
  add(form,
    h('h3', { id: `${P}-title` }, 'Catat pelaksana tugas atau pelaksana harian'),
    summary.el,
    h('p', { class: 'small' }, 'Sesuai surat perintah yang ditandatangani atasan pejabat. Pelimpahan tidak dapat berlaku surut dan paling lama 3 bulan; perpanjangan dicatat sebagai pelimpahan baru.'),
    field(P, { name: 'role', label: 'Peran', required: true, options: [...roles], emptyOption: '— Pilih peran —' }),
    field(P, { name: 'kind', label: 'Jenis', required: true, options: ACTING_KINDS, emptyOption: '— Pilih jenis —' }),
    field(P, { name: 'from', label: 'Pejabat yang digantikan', required: true, options: people, emptyOption: '— Pilih petugas —' }),
    field(P, { name: 'to', label: 'Pelaksana', required: true, options: people, emptyOption: '— Pilih petugas —' }),
    field(P, { name: 'starts_on', label: 'Mulai berlaku', type: 'date', required: true }),
    field(P, { name: 'ends_on', label: 'Berakhir', type: 'date', required: true, hint: 'Hari terakhir pelimpahan (ikut dihitung).' }),
    field(P, { name: 'letter_number', label: 'Nomor surat perintah', required: true, hint: 'Contoh: 800/123/BKPSDM/2026.', attrs: { maxlength: 100, autocomplete: 'off' } }),
    field(P, { name: 'reason', label: 'Keterangan', textarea: true, attrs: { maxlength: 500 } }),
    h('div', { class: 'actions' }, btn),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body: Record<string, string> = {};
    const errors = [];
    for (const name of ['role', 'kind', 'from', 'to', 'starts_on', 'ends_on', 'letter_number']) {
      const v = valueOf(form, name);
      if (v) body[name] = v;
      else errors.push({ field: name, code: 'required', detail: 'Wajib diisi.' });
    }
    const reason = valueOf(form, 'reason');
    if (reason) body.reason = reason;
    if (errors.length) {
      summary.show('Periksa kembali isian yang ditandai.', errors);
      return;
    }
    void busy(btn, async () => {
      summary.clear();
      try {
        const d = await post<Delegation>('/office/delegations', body);
        await refresh(p, `${d.designation} ${d.role_label} dicatat: ${d.to.name} menggantikan ${d.from.name}, ${formatDate(d.starts_on)} – ${formatDate(d.ends_on)}.`);
      } catch (e) {
        summary.showProblem(e);
      }
    });
  });
  return form;
}

/** The roster; for the administrator with each account's state and its actions. */
function staffTable(p: Page, st: State, admin: boolean): HTMLElement {
  const head = ['Nama', 'Peran', 'Pelaksana (Plt./Plh.)', 'Status', 'Terakhir aktif'];
  if (admin) head.push('Tindakan');
  const host = h('div', { id: 'staff-action' });
  const open = (form: HTMLElement): void => {
    replace(host, form);
    host.querySelector<HTMLElement>('h3')?.focus();
  };
  const rows = st.staff.map((m) =>
    h(
      'tr',
      { 'data-sub': m.sub, 'data-status': m.status },
      h('th', { scope: 'row' }, m.name, admin && m.email ? h('span', { class: 'small' }, h('br'), m.email) : null),
      h('td', { 'data-label': head[1] }, m.roles.map((r) => r.label).join(', ')),
      h('td', { 'data-label': head[2] }, m.acting.length ? m.acting.map((a) => `${a.designation} ${a.role_label} (menggantikan ${a.for}) s.d. ${formatDate(a.ends_on)}`).join('; ') : '–'),
      h('td', { 'data-label': head[3] }, stateBadge(m.status === 'active' ? 'done' : m.status === 'invited' ? 'paused' : 'none', m.status_label)),
      h('td', { 'data-label': head[4] }, formatInstant(m.seen_at ?? undefined) || '–'),
      admin
        ? h(
            'td',
            { 'data-label': head[5] },
            m.status !== 'disabled'
              ? h('button', { type: 'button', class: 'btn btn-small btn-secondary', 'aria-label': `Ubah peran ${m.name}`, onclick: () => open(rolesForm(p, st, m, () => replace(host))) }, 'Ubah peran')
              : null,
            ' ',
            h(
              'button',
              { type: 'button', class: 'btn btn-small btn-secondary', 'aria-label': `${m.status === 'disabled' ? 'Aktifkan' : 'Nonaktifkan'} ${m.name}`, onclick: () => open(statusForm(p, m, () => replace(host))) },
              m.status === 'disabled' ? 'Aktifkan' : 'Nonaktifkan',
            ),
          )
        : null,
    ),
  );
  return h(
    'div',
    null,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'responsive', id: 'staff-table' },
        h('caption', null, `${st.staff.length} petugas`),
        h('thead', null, h('tr', null, head.map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, rows.length ? rows : h('tr', null, h('td', { colspan: head.length }, 'Belum ada petugas yang tercatat.'))),
      ),
    ),
    host,
  );
}

/** Role checkboxes as one field (`roles`; the API's `roles[i]` errors land on it). */
function rolesField(prefix: string, roles: Coded[], checked: string[]): HTMLElement {
  return h(
    'fieldset',
    { class: 'field', 'data-field': 'roles', id: `${prefix}-roles` },
    h('legend', null, 'Peran'),
    h('p', { class: 'field-error', id: `${prefix}-roles-error`, hidden: true }),
    roles.map((r) =>
      h(
        'label',
        { class: 'check' },
        h('input', { type: 'checkbox', name: 'roles', value: r.code, checked: checked.includes(r.code) ? true : undefined }),
        ` ${r.label}`,
      ),
    ),
  );
}

function checkedRoles(form: HTMLFormElement): string[] {
  return Array.from(form.querySelectorAll<HTMLInputElement>('input[name="roles"]:checked')).map((i) => i.value);
}

/** The API's problem with `roles[i]` field errors shown on the roles field. */
function showAccountProblem(summary: ErrorSummary, e: unknown): void {
  if (e instanceof Problem && e.errors.length) {
    summary.show(e.detail, e.errors.map((x) => ({ ...x, field: x.field.startsWith('roles[') ? 'roles' : x.field })));
  } else {
    summary.showProblem(e);
  }
}

function inviteForm(p: Page, st: State): HTMLElement {
  const P = 'inv';
  const form = h('form', { id: 'invite-form', novalidate: true, class: 'stack', 'aria-labelledby': `${P}-title` });
  const summary = new ErrorSummary(form);
  const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Undang petugas');
  add(form,
    h('h3', { id: `${P}-title` }, 'Undang petugas baru'),
    summary.el,
    h('p', { class: 'small' }, 'Akun dibuat untuk kantor ini dengan peran yang dipilih; undangan dikirim ke alamat e-mail dinas petugas. Petugas aktif setelah pertama kali masuk.'),
    field(P, { name: 'name', label: 'Nama lengkap (sesuai SK)', required: true, attrs: { maxlength: 120, autocomplete: 'off' } }),
    field(P, { name: 'email', label: 'E-mail dinas', type: 'email', required: true, attrs: { autocomplete: 'off' } }),
    rolesField(P, st.assignable, []),
    field(P, { name: 'reason', label: 'Keterangan', hint: 'Contoh: nomor SK penempatan.', textarea: true, attrs: { maxlength: 500 } }),
    h('div', { class: 'actions' }, btn),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body: Record<string, unknown> = { name: valueOf(form, 'name'), email: valueOf(form, 'email'), roles: checkedRoles(form) };
    const reason = valueOf(form, 'reason');
    if (reason) body.reason = reason;
    void busy(btn, async () => {
      summary.clear();
      try {
        const m = await post<StaffMember>('/office/staff', body);
        await refresh(p, `${m.name} diundang sebagai ${m.roles.map((r) => r.label).join(', ')}. Undangan dikirim ke ${m.email ?? 'alamat e-mailnya'}.`);
      } catch (e) {
        showAccountProblem(summary, e);
      }
    });
  });
  return form;
}

function rolesForm(p: Page, st: State, m: StaffMember, cancel: () => void): HTMLElement {
  const P = 'roles';
  const form = h('form', { id: 'staff-roles-form', novalidate: true, class: 'stack' });
  const summary = new ErrorSummary(form);
  const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Simpan peran');
  add(form,
    h('h3', { tabindex: -1 }, `Ubah peran: ${m.name}`),
    summary.el,
    h('p', { class: 'small' }, `Setelah disimpan, ${m.name} perlu masuk kembali untuk bekerja dengan peran yang baru.`),
    rolesField(P, st.assignable, m.roles.map((r) => r.code)),
    field(P, { name: 'reason', label: 'Alasan', textarea: true, attrs: { maxlength: 500 } }),
    h('div', { class: 'actions' }, btn, h('button', { type: 'button', class: 'btn btn-secondary', onclick: cancel }, 'Batal')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body: Record<string, unknown> = { roles: checkedRoles(form), version: m.version };
    const reason = valueOf(form, 'reason');
    if (reason) body.reason = reason;
    void busy(btn, async () => {
      summary.clear();
      try {
        const next = await post<StaffMember>(`/office/staff/${encodeURIComponent(m.sub)}/roles`, body);
        await refresh(p, `Peran ${next.name} sekarang: ${next.roles.map((r) => r.label).join(', ')}.`);
      } catch (e) {
        showAccountProblem(summary, e);
      }
    });
  });
  return form;
}

function statusForm(p: Page, m: StaffMember, cancel: () => void): HTMLElement {
  const P = 'acct';
  const off = m.status !== 'disabled';
  const form = h('form', { id: 'staff-status-form', novalidate: true, class: 'stack' });
  const summary = new ErrorSummary(form);
  const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, off ? 'Nonaktifkan akun' : 'Aktifkan akun');
  add(form,
    h('h3', { tabindex: -1 }, `${off ? 'Nonaktifkan' : 'Aktifkan kembali'} akun: ${m.name}`),
    summary.el,
    h('p', { class: 'small' }, off
      ? `${m.name} tidak dapat masuk lagi dan sesi yang sedang berjalan segera ditolak; pelimpahan Plt./Plh. kepadanya berakhir hari ini. Akun tidak dihapus: keputusan dan surat tetap mencantumkan namanya.`
      : `${m.name} dapat masuk kembali dengan peran yang dimilikinya sebelum dinonaktifkan.`),
    field(P, { name: 'reason', label: 'Alasan', required: off, hint: off ? 'Contoh: mutasi, pensiun, atau nomor SK.' : undefined, textarea: true, attrs: { maxlength: 500 } }),
    h('div', { class: 'actions' }, btn, h('button', { type: 'button', class: 'btn btn-secondary', onclick: cancel }, 'Batal')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const reason = valueOf(form, 'reason');
    const body: Record<string, unknown> = { version: m.version };
    if (reason) body.reason = reason;
    void busy(btn, async () => {
      summary.clear();
      try {
        const next = await post<StaffMember & { assigned_cases?: number }>(`/office/staff/${encodeURIComponent(m.sub)}/${off ? 'deactivate' : 'activate'}`, body);
        const handed = next.assigned_cases ? ` ${next.assigned_cases} berkas masih dialihkan kepadanya; alihkan kepada petugas lain.` : '';
        await refresh(p, `Akun ${next.name} ${off ? 'dinonaktifkan' : 'diaktifkan kembali'}.${handed}`);
      } catch (e) {
        summary.showProblem(e);
      }
    });
  });
  return form;
}
