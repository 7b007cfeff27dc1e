// "Kantor": the office's administration for its administrator (`office_admin`) and its heads
// (`reports`): the staff roster with the roles each holds by delegation, the acting officials
// (Plt./Plh.) — recorded and revoked by the administrator only, with the API's field errors
// beside the fields — and the workload per step and per officer.

import { get, post } from '../shared/api';
import { add, h, replace, type Child } from '../shared/dom';
import { formatDate, formatInstant } from '../shared/format';
import { ErrorSummary, busy, field, valueOf } from '../shared/forms';
import { ACTING_KINDS, DELEGATION_STATES } from '../shared/labels';
import { can } from '../shared/session';
import type { Delegation, List, StaffMember, Workload } from '../shared/types';
import { announce, heading, loading, stateBadge, type Page } from '../shared/ui';

interface State {
  staff: StaffMember[];
  delegations: Delegation[];
  workload: Workload;
}

async function load(): Promise<State> {
  const [staff, delegations, workload] = await Promise.all([
    get<List<StaffMember>>('/office/staff'),
    get<List<Delegation>>('/office/delegations'),
    get<Workload>('/office/workload'),
  ]);
  return { staff: staff.items, delegations: delegations.items, workload };
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
      table(
        'staff-table',
        `${st.staff.length} petugas`,
        ['Nama', 'Peran', 'Pelaksana (Plt./Plh.)', 'Terakhir aktif'],
        st.staff.map((m) => [
          m.name,
          m.roles.map((r) => r.label).join(', '),
          m.acting.length ? m.acting.map((a) => `${a.designation} ${a.role_label} (menggantikan ${a.for}) s.d. ${formatDate(a.ends_on)}`).join('; ') : '–',
          formatInstant(m.seen_at) || '–',
        ]),
        'Belum ada petugas yang tercatat.',
      ),
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
