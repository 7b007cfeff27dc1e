// The heads' dashboard (SLA per step as an accessible bar chart with a table fallback) and the
// reports (SLA, IKM, complaints) for a chosen period, each downloadable as CSV; a cross-office
// viewer reads them for one office or all offices together.

import { downloadWithAuth, get } from '../shared/api';
import { add, h, replace, svg, type Child } from '../shared/dom';
import { formatDate, formatInstant, formatNumber, monthStartWita, todayWita } from '../shared/format';
import { ErrorSummary, busy, field, valueOf } from '../shared/forms';
import { officeList, permitList, roleLabel } from '../shared/catalogue';
import { can } from '../shared/session';
import { announce, heading, loading, navigate, notice, problemBox, type Page } from '../shared/ui';

interface SlaStep {
  permit: string;
  permit_name: string;
  step: string;
  title: string;
  sop: string;
  role: string;
  role_label?: string;
  target_days?: number;
  handled: number;
  median_days?: number | null;
  p90_days?: number | null;
  on_time: number;
  on_time_percent?: number | null;
}

interface SlaReport {
  period: { from: string; to: string };
  /** The office covered; null for all offices together. */
  office?: string | null;
  generated_at: string;
  steps: SlaStep[];
  permit?: string | null;
  overdue: {
    case_id: string;
    registration_number?: string;
    permit: string;
    permit_name: string;
    step: string;
    title?: string;
    sop?: string;
    role: string;
    role_label?: string;
    due_on: string;
    working_days_late: number;
  }[];
}

interface IkmReport {
  period: { from: string; to: string };
  office?: string | null;
  respondents: number;
  source?: string;
  index: {
    ikm: number | null;
    ikm_with_printed_weight?: number | null;
    band?: string | null;
    band_label?: string | null;
    respondents: number;
    elements: { code: string; name: string; nrr: number | null; weighted: number | null }[];
  } | null;
  suggestions: string[];
}

interface Count {
  code: string;
  label: string;
  count: number;
}

interface ComplaintsReport {
  period: { from: string; to: string };
  office?: string | null;
  total: number;
  open: number;
  dissatisfied_rounds: number;
  with_dinas_koperasi: number;
  median_resolution_days: number | null;
  per_channel: Count[];
  per_kind: Count[];
  per_follow_up: Count[];
  per_outcome: Count[];
  late: { tracking_code: string; channel: string; due_on: string; closed_on?: string | null; open: boolean }[];
}

interface Period {
  from: string;
  to: string;
  /** One permit's code, or '' for all. */
  permit: string;
  /** One office's code, or '' for all (a cross-office viewer's choice; the heads read their own). */
  office: string;
}

/**
 * The period, permit and office of a route's query (?dari=&sampai=&izin=&kantor=), defaulting to
 * this month, every permit and every office.
 */
export function periodOf(query: string | undefined): Period {
  const q = new URLSearchParams(query ?? '');
  return { from: q.get('dari') || monthStartWita(), to: q.get('sampai') || todayWita(), permit: q.get('izin') || '', office: q.get('kantor') || '' };
}

function routeQuery(period: Period): string {
  const q = new URLSearchParams({ dari: period.from, sampai: period.to });
  if (period.permit) q.set('izin', period.permit);
  if (period.office) q.set('kantor', period.office);
  return q.toString();
}

/** A field without its "(opsional)" mark (a choice whose empty option means all). */
function unmarked(f: HTMLElement | null): HTMLElement | null {
  f?.querySelector('.opt')?.remove();
  return f;
}

async function periodForm(base: string, period: Period, withPermit = true): Promise<HTMLFormElement> {
  const withOffice = can('reports_all_offices');
  const [permits, offices] = await Promise.all([withPermit ? permitList() : [], withOffice ? officeList() : []]);
  const officeField = withOffice
    ? field('period', {
        name: 'office',
        label: 'Kantor',
        options: offices.map((o) => [o.code, o.name] as [string, string]),
        emptyOption: 'Semua kantor',
        value: period.office,
      })
    : null;
  const permitField = withPermit
    ? field('period', {
        name: 'permit',
        label: 'Jenis izin',
        options: permits.map((p) => [p.code, p.short_name] as [string, string]),
        emptyOption: 'Semua jenis izin',
        value: period.permit,
      })
    : null;
  const form = h('form', { id: 'period-form', novalidate: true, class: 'stack', 'aria-label': 'Periode laporan' });
  const summary = new ErrorSummary(form);
  add(form,
    summary.el,
    h(
      'div',
      { class: 'period' },
      field('period', { name: 'from', label: 'Dari tanggal', type: 'date', required: true, value: period.from }),
      field('period', { name: 'to', label: 'Sampai tanggal', type: 'date', required: true, value: period.to }),
      unmarked(officeField),
      unmarked(permitField),
      h('button', { type: 'submit', class: 'btn btn-primary' }, 'Tampilkan'),
    ),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const from = valueOf(form, 'from');
    const to = valueOf(form, 'to');
    const errors = [];
    if (!from) errors.push({ field: 'from', code: 'required', detail: 'Wajib diisi.' });
    if (!to) errors.push({ field: 'to', code: 'required', detail: 'Wajib diisi.' });
    if (from && to && to < from) errors.push({ field: 'to', code: 'invalid_period', detail: 'Tanggal akhir tidak boleh sebelum tanggal awal.' });
    if (errors.length) {
      summary.show('Periksa kembali isian yang ditandai.', errors);
      return;
    }
    navigate(`${base}?${routeQuery({ from, to, permit: withPermit ? valueOf(form, 'permit') : '', office: withOffice ? valueOf(form, 'office') : '' })}`);
  });
  return form;
}

function qs(period: Period, extra: Record<string, string> = {}, withPermit = true): string {
  const q = new URLSearchParams({ from: period.from, to: period.to, ...extra });
  if (withPermit && period.permit) q.set('permit', period.permit);
  if (period.office) q.set('office', period.office);
  return q.toString();
}

/** Which office a report covers, from its answer's `office` (null: every office together). */
async function coverage(office: string | null | undefined, id: string): Promise<HTMLElement> {
  const name = office ? (await officeList().catch(() => [])).find((o) => o.code === office)?.name ?? office : 'Semua kantor';
  return h('p', { class: 'small', id }, `Kantor: ${name}`);
}

/** Whether the report spans several permits (then every row names its permit). */
function several(steps: SlaStep[]): boolean {
  return new Set(steps.map((s) => s.permit)).size > 1;
}

function stepName(s: SlaStep, withPermit: boolean): string {
  return `${withPermit ? `${s.permit_name} — ` : ''}${s.sop && s.sop !== '–' ? `${s.sop}. ` : ''}${s.title}`;
}

/** A download of one report table; `kind` (csv or xlsx) is the button's class and the file's format. */
function downloadButton(kind: 'csv' | 'xlsx', label: string, path: string, fallback: string, status: HTMLElement): HTMLButtonElement {
  const btn = h('button', { type: 'button', class: `btn btn-secondary btn-small ${kind}` }, h('span', { 'aria-hidden': 'true' }, '⬇'), label);
  btn.addEventListener('click', () =>
    busy(btn, async () => {
      try {
        const name = await downloadWithAuth(path, fallback);
        status.textContent = `Berkas ${name} diunduh.`;
        announce(`Berkas ${name} diunduh.`);
      } catch (e) {
        replace(status, problemBox(e));
      }
    }),
  );
  return btn;
}

function table(caption: string, head: string[], rows: Child[][], opts: { id?: string; numeric?: number[]; rowClass?: (i: number) => string | undefined } = {}): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'responsive', id: opts.id },
      h('caption', null, caption),
      h('thead', null, h('tr', null, head.map((t, i) => h('th', { scope: 'col', class: opts.numeric?.includes(i) ? 'num' : undefined }, t)))),
      h(
        'tbody',
        null,
        rows.length
          ? rows.map((r, ri) =>
              h(
                'tr',
                { class: opts.rowClass?.(ri) },
                r.map((cell, i) => (i === 0 ? h('th', { scope: 'row' }, cell) : h('td', { 'data-label': head[i], class: opts.numeric?.includes(i) ? 'num' : undefined }, cell))),
              ),
            )
          : h('tr', null, h('td', { colspan: head.length }, 'Tidak ada data pada periode ini.')),
      ),
    ),
  );
}

function staffSteps(r: SlaReport): SlaStep[] {
  return r.steps.filter((s) => s.role !== 'applicant');
}

/** A horizontal stacked bar chart (on time / late per step) as inline SVG with title and desc. */
function slaChart(steps: SlaStep[]): SVGElement {
  const width = 720;
  const labelH = 18;
  const barH = 18;
  const rowH = labelH + barH + 14;
  const left = 8;
  const barMax = 520;
  const groupH = 26;
  const max = Math.max(1, ...steps.map((s) => s.handled));
  const named = several(steps);
  // With several permits, each permit's steps follow a heading row with its name.
  const groups = named ? new Set(steps.map((s) => s.permit)).size : 0;
  const height = steps.length * rowH + groups * groupH + 10;
  const desc = steps
    .map((s) => `${named ? `${s.permit_name}, ` : ''}${s.title}: ${s.handled} ditangani, ${s.on_time} tepat waktu, ${s.handled - s.on_time} terlambat`)
    .join('; ');
  const chart = svg(
    'svg',
    {
      class: 'chart',
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: 'img',
      'aria-labelledby': 'sla-chart-title sla-chart-desc',
      id: 'sla-chart',
    },
    svg('title', { id: 'sla-chart-title' }, 'Berkas yang ditangani per tahap: tepat waktu dan terlambat'),
    svg('desc', { id: 'sla-chart-desc' }, desc || 'Tidak ada data.'),
    svg(
      'defs',
      null,
      svg(
        'pattern',
        { id: 'late-hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
        svg('rect', { width: 6, height: 6, fill: '#ffffff' }),
        svg('rect', { width: 3, height: 6, fill: '#a11d1d' }),
      ),
    ),
  );
  let y = 6;
  let permit: string | null = null;
  steps.forEach((s) => {
    if (named && s.permit !== permit) {
      permit = s.permit;
      add(chart, svg('text', { x: left, y: y + 17, 'font-size': 15, 'font-weight': 700, fill: '#073e61' }, s.permit_name));
      y += groupH;
    }
    const okW = (s.on_time / max) * barMax;
    const lateN = s.handled - s.on_time;
    const lateW = (lateN / max) * barMax;
    add(chart,
      svg('text', { x: left, y: y + 13, 'font-size': 13, fill: '#1b1f24' }, stepName(s, false)),
      svg('rect', { x: left, y: y + labelH, width: Math.max(okW, 0), height: barH, fill: '#1d6b34' }),
      svg('rect', { x: left + okW, y: y + labelH, width: Math.max(lateW, 0), height: barH, fill: 'url(#late-hatch)', stroke: lateN ? '#a11d1d' : 'none' }),
      svg(
        'text',
        { x: left + okW + lateW + 6, y: y + labelH + 14, 'font-size': 12, fill: '#1b1f24' },
        s.handled ? `${s.on_time} tepat waktu · ${lateN} terlambat` : 'belum ada',
      ),
    );
    y += rowH;
  });
  return chart;
}

function overdueTable(r: SlaReport, id = 'overdue-table'): HTMLElement {
  return table(
    `Berkas yang melewati batas waktu saat ini (${r.overdue.length})`,
    ['Nomor pendaftaran', 'Izin', 'Tahap', 'Peran', 'Batas waktu', 'Terlambat'],
    r.overdue.map((o) => [
      h('a', { href: `#/kasus/${o.case_id}` }, o.registration_number ?? o.case_id),
      o.permit_name,
      o.title ?? o.step,
      o.role_label || roleLabel(o.role),
      formatDate(o.due_on),
      `${o.working_days_late} hari kerja`,
    ]),
    { id, numeric: [5], rowClass: () => 'late' },
  );
}

function slaTable(steps: SlaStep[], id: string): HTMLElement {
  const named = several(steps);
  return table(
    'Kinerja per tahap',
    [named ? 'Izin — tahap' : 'Tahap', 'Target (hari kerja)', 'Ditangani', 'Tepat waktu', 'Terlambat', '% tepat waktu', 'Median (hari kerja)', 'P90 (hari kerja)'],
    steps.map((s) => [
      stepName(s, named),
      s.target_days !== undefined ? String(s.target_days) : '–',
      String(s.handled),
      String(s.on_time),
      String(s.handled - s.on_time),
      s.on_time_percent !== undefined && s.on_time_percent !== null ? `${formatNumber(s.on_time_percent, 1)}%` : '–',
      formatNumber(s.median_days ?? null, 1),
      formatNumber(s.p90_days ?? null, 0),
    ]),
    { id, numeric: [1, 2, 3, 4, 5, 6, 7] },
  );
}

export async function dashboardPage(p: Page, query?: string): Promise<void> {
  const period = periodOf(query);
  add(p.root,
    heading('Dasbor kinerja'),
    h('p', null, 'Berkas yang selesai ditangani per tahap pada periode terpilih, tepat waktu atau terlambat terhadap target hari kerja, dan berkas yang saat ini melewati batas waktu.'),
    loading(),
  );
  const [form, r] = await Promise.all([periodForm('#/dasbor', period), get<SlaReport>(`/reports/sla?${qs(period)}`)]);
  if (!p.current()) return;
  p.root.querySelector('.loading')?.before(form);
  p.root.querySelector('.loading')?.remove();
  const steps = staffSteps(r);
  const handled = steps.reduce((a, s) => a + s.handled, 0);
  const onTime = steps.reduce((a, s) => a + s.on_time, 0);
  add(p.root,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'dash-sum-title' },
      h('h2', { id: 'dash-sum-title' }, `Ringkasan ${formatDate(r.period.from)} – ${formatDate(r.period.to)}`),
      h(
        'ul',
        { class: 'tiles' },
        h('li', { class: 'stat' }, h('strong', null, String(handled)), h('span', null, 'tahap ditangani')),
        h('li', { class: 'stat' }, h('strong', null, String(onTime)), h('span', null, 'tepat waktu')),
        h('li', { class: 'stat' }, h('strong', null, String(handled - onTime)), h('span', null, 'terlambat')),
        h('li', { class: 'stat' }, h('strong', null, String(r.overdue.length)), h('span', null, 'berkas saat ini melewati batas waktu')),
      ),
      h('p', { class: 'small' }, `Data per ${formatInstant(r.generated_at)}.`),
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'dash-chart-title' },
      h('h2', { id: 'dash-chart-title' }, 'Tepat waktu dan terlambat per tahap'),
      h('p', { class: 'legend', 'aria-hidden': 'true' }, h('span', { class: 'lg-ok' }, 'Tepat waktu'), h('span', { class: 'lg-late' }, 'Terlambat (arsir)')),
      slaChart(steps),
      h('details', null, h('summary', null, 'Tampilkan data grafik sebagai tabel'), slaTable(steps, 'dashboard-table')),
    ),
    h('section', { class: 'panel', 'aria-labelledby': 'dash-overdue-title' }, h('h2', { id: 'dash-overdue-title' }, 'Melewati batas waktu'), r.overdue.length ? overdueTable(r) : notice('success', h('p', null, 'Tidak ada berkas yang melewati batas waktu.'))),
    h('p', null, h('a', { href: `#/laporan?${routeQuery(period)}` }, 'Buka laporan lengkap dan unduhan CSV')),
  );
}

export async function reportsPage(p: Page, query?: string): Promise<void> {
  const period = periodOf(query);
  // The SLA and IKM reports for the roles with `reports` or `reports_all_offices`; the
  // complaints report also for those with `complaints` (the API lets all of them read it).
  const allOffices = can('reports_all_offices');
  const heads = can('reports') || allOffices;
  const complaints = heads || can('complaints');
  add(p.root,
    heading('Laporan'),
    h(
      'p',
      null,
      heads ? 'Laporan untuk periode terpilih, dalam tabel dan sebagai berkas CSV. Laporan SLA dan IKM dapat dibatasi pada satu jenis izin.' : 'Laporan untuk periode terpilih, dalam tabel dan sebagai berkas CSV.',
      allOffices ? ' Pilih satu kantor, atau semua kantor dihitung bersama.' : null,
    ),
    await periodForm('#/laporan', period, heads),
  );
  if (!p.current()) return;
  const status = h('div', { role: 'status', class: 'small', id: 'download-status' });
  add(p.root, status);
  const sections: Promise<void>[] = [];
  if (heads) {
    const sla = h('section', { class: 'panel', 'aria-labelledby': 'rep-sla-title', id: 'report-sla' }, h('h2', { id: 'rep-sla-title' }, 'Laporan SLA (waktu penyelesaian)'), loading());
    const ikm = h('section', { class: 'panel', 'aria-labelledby': 'rep-ikm-title', id: 'report-ikm' }, h('h2', { id: 'rep-ikm-title' }, 'Indeks Kepuasan Masyarakat (IKM)'), loading());
    add(p.root, sla, ikm);
    sections.push(fill(sla, () => slaSection(period, status)), fill(ikm, () => ikmSection(period, status)));
  }
  if (complaints) {
    const adu = h('section', { class: 'panel', 'aria-labelledby': 'rep-adu-title', id: 'report-complaints' }, h('h2', { id: 'rep-adu-title' }, 'Laporan pengaduan'), loading());
    add(p.root, adu);
    sections.push(fill(adu, () => complaintsSection(period, status)));
  }
  await Promise.all(sections);
}

async function fill(sec: HTMLElement, make: () => Promise<Child>): Promise<void> {
  try {
    const content = await make();
    sec.querySelector('.loading')?.replaceWith(h('div', null, content));
  } catch (e) {
    sec.querySelector('.loading')?.replaceWith(problemBox(e));
  }
}

async function slaSection(period: Period, status: HTMLElement): Promise<Child> {
  const r = await get<SlaReport>(`/reports/sla?${qs(period)}`);
  return [
    await coverage(r.office, 'sla-office'),
    h(
      'div',
      { class: 'actions' },
      downloadButton('csv', 'Unduh CSV per tahap', `/reports/sla?${qs(period, { format: 'csv', table: 'steps' })}`, 'laporan-sla.csv', status),
      downloadButton('xlsx', 'Unduh XLSX per tahap', `/reports/sla?${qs(period, { format: 'xlsx', table: 'steps' })}`, 'laporan-sla.xlsx', status),
      downloadButton('csv', 'Unduh CSV berkas terlambat', `/reports/sla?${qs(period, { format: 'csv', table: 'overdue' })}`, 'laporan-sla-terlambat.csv', status),
      downloadButton('xlsx', 'Unduh XLSX berkas terlambat', `/reports/sla?${qs(period, { format: 'xlsx', table: 'overdue' })}`, 'laporan-sla-terlambat.xlsx', status),
    ),
    slaTable(staffSteps(r), 'sla-table'),
    overdueTable(r, 'sla-overdue-table'),
  ];
}

async function ikmSection(period: Period, status: HTMLElement): Promise<Child> {
  const r = await get<IkmReport>(`/reports/ikm?${qs(period)}`);
  const idx = r.index;
  return [
    await coverage(r.office, 'ikm-office'),
    h(
      'div',
      { class: 'actions' },
      downloadButton('csv', 'Unduh CSV IKM', `/reports/ikm?${qs(period, { format: 'csv' })}`, 'laporan-ikm.csv', status),
      downloadButton('xlsx', 'Unduh XLSX IKM', `/reports/ikm?${qs(period, { format: 'xlsx' })}`, 'laporan-ikm.xlsx', status),
    ),
    r.source ? h('p', { class: 'small' }, `Dasar: ${r.source}.`) : null,
    idx
      ? [
          h(
            'dl',
            { class: 'facts' },
            h('div', null, h('dt', null, 'Responden'), h('dd', null, String(r.respondents))),
            h('div', null, h('dt', null, 'Nilai IKM'), h('dd', null, h('strong', null, formatNumber(idx.ikm)))),
            h('div', null, h('dt', null, 'Mutu pelayanan'), h('dd', null, idx.band ? `${idx.band} (${idx.band_label ?? ''})` : '–')),
            idx.ikm_with_printed_weight !== undefined && idx.ikm_with_printed_weight !== null
              ? h('div', null, h('dt', null, 'Dengan bobot tercetak 0,111'), h('dd', null, formatNumber(idx.ikm_with_printed_weight)))
              : null,
          ),
          table(
            'Nilai rata-rata per unsur (NRR)',
            ['Unsur', 'Uraian', 'NRR', 'NRR tertimbang'],
            idx.elements.map((e) => [e.code.toUpperCase(), e.name, formatNumber(e.nrr, 4), formatNumber(e.weighted, 4)]),
            { id: 'ikm-table', numeric: [2, 3] },
          ),
        ]
      : notice('info', h('p', null, `Belum ada responden survei pada periode ini (${r.respondents}).`)),
    h('h3', null, 'Saran dan masukan'),
    // The respondents' own words stay with their office (the API sends a cross-office viewer none).
    can('reports_all_offices')
      ? h('p', null, 'Saran dan masukan responden hanya dibaca oleh pimpinan kantor masing-masing.')
      : r.suggestions.length
        ? h('ul', null, r.suggestions.map((s) => h('li', null, s)))
        : h('p', null, 'Tidak ada saran pada periode ini.'),
  ];
}

async function complaintsSection(period: Period, status: HTMLElement): Promise<Child> {
  // Complaints are about the service, not one permit: the period only.
  const r = await get<ComplaintsReport>(`/reports/complaints?${qs(period, {}, false)}`);
  const counts = (title: string, list: Count[], id: string) => table(title, ['Uraian', 'Jumlah'], list.map((c) => [c.label, String(c.count)]), { id, numeric: [1] });
  return [
    await coverage(r.office, 'complaints-office'),
    h(
      'div',
      { class: 'actions' },
      downloadButton('csv', 'Unduh CSV ringkasan', `/reports/complaints?${qs(period, { format: 'csv', table: 'summary' }, false)}`, 'laporan-pengaduan.csv', status),
      downloadButton('xlsx', 'Unduh XLSX ringkasan', `/reports/complaints?${qs(period, { format: 'xlsx', table: 'summary' }, false)}`, 'laporan-pengaduan.xlsx', status),
      downloadButton('csv', 'Unduh CSV pengaduan terlambat', `/reports/complaints?${qs(period, { format: 'csv', table: 'late' }, false)}`, 'laporan-pengaduan-terlambat.csv', status),
      downloadButton('xlsx', 'Unduh XLSX pengaduan terlambat', `/reports/complaints?${qs(period, { format: 'xlsx', table: 'late' }, false)}`, 'laporan-pengaduan-terlambat.xlsx', status),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('div', null, h('dt', null, 'Jumlah pengaduan'), h('dd', null, String(r.total))),
      h('div', null, h('dt', null, 'Masih ditangani'), h('dd', null, String(r.open))),
      h('div', null, h('dt', null, 'Putaran tidak puas'), h('dd', null, String(r.dissatisfied_rounds))),
      h('div', null, h('dt', null, 'Bersama Dinas Koperasi'), h('dd', null, String(r.with_dinas_koperasi))),
      h('div', null, h('dt', null, 'Median waktu penyelesaian'), h('dd', null, r.median_resolution_days === null ? '–' : `${formatNumber(r.median_resolution_days, 1)} hari`)),
    ),
    counts('Per saluran', r.per_channel, 'complaints-channel'),
    counts('Per jenis', r.per_kind, 'complaints-kind'),
    counts('Per tindak lanjut', r.per_follow_up, 'complaints-follow-up'),
    counts('Per hasil', r.per_outcome, 'complaints-outcome'),
    table(
      `Pengaduan melewati 60 hari (${r.late.length})`,
      ['Kode pelacakan', 'Saluran', 'Batas waktu', 'Selesai'],
      r.late.map((l) => [l.tracking_code, l.channel, formatDate(l.due_on), l.open ? 'Belum selesai' : formatDate(l.closed_on ?? '')]),
      { id: 'complaints-late', rowClass: () => 'late' },
    ),
  ];
}
