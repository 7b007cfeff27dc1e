// The work queue: cases waiting on the caller's roles, earliest due first, of every permit or
// of one (?izin=<code>); late ones are marked in words and with an icon, not by colour alone.

import { get } from '../shared/api';
import { permitList } from '../shared/catalogue';
import { add, h } from '../shared/dom';
import { daysLeft, formatDate, formatInstant } from '../shared/format';
import { field } from '../shared/forms';
import { currentUser } from '../shared/session';
import type { CaseSummary, List } from '../shared/types';
import { heading, loading, navigate, notice, stateBadge, takeFlash, type Page } from '../shared/ui';

function dueKey(c: CaseSummary): string {
  return c.deadline?.due_on ?? '9999-12-31';
}

/** A select of the catalogue's permits that re-opens `base` with ?izin=<code>. */
export async function permitFilter(base: string, selected: string, extra: Record<string, string> = {}): Promise<HTMLElement> {
  const list = await permitList();
  const el = field('filter', {
    name: 'permit',
    label: 'Jenis izin',
    options: list.map((p) => [p.code, p.short_name] as [string, string]),
    emptyOption: 'Semua jenis izin',
    value: selected,
  });
  el.querySelector('.opt')?.remove();
  const select = el.querySelector('select')!;
  select.addEventListener('change', () => {
    const q = new URLSearchParams(extra);
    if (select.value) q.set('izin', select.value);
    const qs = q.toString();
    navigate(qs ? `${base}?${qs}` : base);
  });
  return el;
}

export async function queuePage(p: Page, query?: string): Promise<void> {
  const user = currentUser();
  const permit = new URLSearchParams(query ?? '').get('izin') ?? '';
  add(p.root,
    heading('Antrean kerja'),
    takeFlash() ?? '',
    h('p', null, `Berkas yang menunggu keputusan Anda sebagai ${user?.roles.map((r) => r.label).join(' dan ') ?? '-'}, diurutkan menurut batas waktu terdekat.`),
    loading(),
  );
  const [list, filter] = await Promise.all([
    get<List<CaseSummary>>(permit ? `/cases?${new URLSearchParams({ permit })}` : '/cases'),
    permitFilter('#/', permit),
  ]);
  if (!p.current()) return;
  p.root.querySelector('.loading')?.remove();
  const items = [...list.items].sort((a, b) => dueKey(a).localeCompare(dueKey(b)) || (a.step?.since ?? '').localeCompare(b.step?.since ?? ''));
  const late = items.filter((c) => c.deadline?.state === 'overdue').length;
  const near = items.filter((c) => c.deadline?.state === 'near_due').length;
  add(p.root,
    h('div', { class: 'filters', id: 'queue-filter' }, filter),
    h(
      'p',
      { id: 'queue-summary', role: 'status' },
      h('strong', null, `${items.length} berkas`),
      ` menunggu; ${late} terlambat, ${near} mendekati batas waktu.`,
    ),
  );
  if (!items.length) {
    add(p.root, notice('success', h('p', null, 'Tidak ada berkas yang menunggu keputusan Anda.')));
    return;
  }
  add(p.root,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'responsive', id: 'queue' },
        h('caption', null, 'Antrean berkas'),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ['Nomor pendaftaran', 'Izin', 'Atas nama', 'Tahap', 'Masuk tahap', 'Batas waktu', 'Sisa', 'Keadaan'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          null,
          items.map((c) => {
            const d = c.deadline;
            const overdue = d?.state === 'overdue';
            return h(
              'tr',
              { class: overdue ? 'late' : undefined, 'data-case-id': c.id, 'data-permit': c.permit.code },
              h(
                'th',
                { scope: 'row' },
                h('a', { href: `#/kasus/${c.id}` }, c.registration_number ?? c.id),
                overdue ? [' ', stateBadge('overdue', 'Terlambat')] : null,
              ),
              h(
                'td',
                { 'data-label': 'Izin' },
                h('abbr', { title: c.permit.name }, c.permit.short_name),
                c.office ? [h('br'), h('span', { class: 'small case-office' }, c.office.name)] : null,
              ),
              h('td', { 'data-label': 'Atas nama' }, c.holder ?? '–'),
              h('td', { 'data-label': 'Tahap' }, c.step ? `${c.step.title} (${c.step.sop})` : c.status.label),
              h('td', { 'data-label': 'Masuk tahap' }, formatInstant(c.step?.since)),
              h('td', { 'data-label': 'Batas waktu' }, d?.due_on ? formatDate(d.due_on) : '–'),
              h('td', { 'data-label': 'Sisa', class: 'num' }, daysLeft(d?.left_days)),
              h('td', { 'data-label': 'Keadaan' }, stateBadge(d?.state, d?.state_label)),
            );
          }),
        ),
      ),
    ),
  );
}
