// Dates, sizes and numbers as Indonesians write them; times in WITA (Asia/Makassar, UTC+8).

const MONTHS = [
  'Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni',
  'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember',
];

/** 2026-03-26 → "26 Maret 2026". */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) return iso;
  return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]}`;
}

const WITA_MS = 8 * 3600 * 1000;

/** An instant → "26 November 2026 pukul 21.28 WITA". */
export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = new Date(t + WITA_MS);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} pukul ${hh}.${mm} WITA`;
}

/** Today's date in WITA as YYYY-MM-DD. */
export function todayWita(now = Date.now()): string {
  return new Date(now + WITA_MS).toISOString().slice(0, 10);
}

/** The first day of the current month in WITA. */
export function monthStartWita(now = Date.now()): string {
  return `${todayWita(now).slice(0, 8)}01`;
}

/** Adds calendar months as chrono does: the day is clamped to the end of a shorter month. */
export function addMonths(iso: string, months: number): string {
  const [y, m, d] = iso.split('-').map(Number);
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  const last = new Date(Date.UTC(ny, nm, 0)).getUTCDate();
  const nd = Math.min(d, last);
  return `${String(ny).padStart(4, '0')}-${String(nm).padStart(2, '0')}-${String(nd).padStart(2, '0')}`;
}

export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const [y, m, d] = s.split('-').map(Number);
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

export function formatSize(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '';
  if (bytes < 1024) return `${bytes} bita`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toLocaleString('id-ID', { maximumFractionDigits: 1 })} KB`;
  return `${(bytes / 1024 / 1024).toLocaleString('id-ID', { maximumFractionDigits: 1 })} MB`;
}

export function formatNumber(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined) return '–';
  return n.toLocaleString('id-ID', { maximumFractionDigits: digits });
}

/** "1 hari kerja" / "3 hari kerja". */
export function workingDays(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  return `${n} hari kerja`;
}

/** Working days left, or how many are past when negative. */
export function daysLeft(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  return n < 0 ? `lewat ${-n} hari kerja` : `${n} hari kerja`;
}

/** 12500000 → "Rp12.500.000" (rupiah, no decimals). */
export function formatRupiah(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  return `Rp${Math.round(n).toLocaleString('id-ID', { maximumFractionDigits: 0 })}`;
}
