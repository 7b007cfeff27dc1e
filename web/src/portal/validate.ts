// The application's rules, checked in the browser exactly as the API checks them (same
// fields, same Indonesian messages), so that most mistakes are shown before sending.

import type { FieldProblem } from '../shared/api';
import { addMonths, formatDate, isIsoDate, todayWita } from '../shared/format';

export interface ApplicationInput {
  cooperative_name: string;
  legal_entity_number: string;
  nib: string;
  branch: { address: string; operating_permit_number: string; operating_permit_date: string; business_started_on: string };
  cash_office: { address: string; member_count: number | null; head_name: string };
  oss_reference: string;
  contact: { email: string; phone: string };
}

const REQUIRED = 'Wajib diisi.';

function text(v: string, min: number, max: number): string | null {
  const t = v.trim();
  const n = Array.from(t).length;
  if (n === 0) return REQUIRED;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(t)) return 'Tidak boleh berisi karakter kontrol.';
  if (n < min) return `Paling sedikit ${min} karakter.`;
  if (n > max) return `Paling banyak ${max} karakter.`;
  return null;
}

function reference(v: string): string | null {
  const e = text(v, 3, 100);
  if (e) return e;
  if (!/^[\p{L}\p{N} ./\-:_()]+$/u.test(v.trim())) return 'Hanya huruf, angka, spasi dan tanda . / - : _ ( ).';
  return null;
}

function dateNotFuture(v: string, today: string): string | null {
  const t = v.trim();
  if (!t) return REQUIRED;
  if (!isIsoDate(t)) return 'Tanggal tidak valid; gunakan format TTTT-BB-HH (contoh 2026-05-31).';
  if (t > today) return 'Tanggal tidak boleh setelah hari ini.';
  return null;
}

export function nibError(v: string): string | null {
  const t = v.trim();
  if (!t) return REQUIRED;
  return /^[0-9]{13}$/.test(t) ? null : 'NIB harus terdiri dari tepat 13 angka.';
}

export function emailError(v: string): string | null {
  const t = v.trim();
  if (!t) return REQUIRED;
  const bad = 'Alamat e-mail tidak valid.';
  if (t.length > 254 || /\s/.test(t)) return bad;
  const at = t.indexOf('@');
  if (at < 0) return bad;
  const local = t.slice(0, at);
  const domain = t.slice(at + 1);
  const domainOk =
    domain.includes('.') && !domain.startsWith('.') && !domain.endsWith('.') && !domain.includes('..') && /^[A-Za-z0-9.-]+$/.test(domain);
  const localOk = local.length > 0 && local.length <= 64 && /^[A-Za-z0-9._%+'-]+$/.test(local);
  return domainOk && localOk ? null : bad;
}

export function phoneError(v: string): string | null {
  const t = v.trim();
  if (!t) return REQUIRED;
  const bad = 'Nomor telepon tidak valid; contoh 0812-3456-7890 atau +62 548 20594.';
  let digits = '';
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c >= '0' && c <= '9') digits += c;
    else if (c === '+' && i === 0) continue;
    else if (' -.()'.includes(c)) continue;
    else return bad;
  }
  let national: string;
  if (digits.startsWith('62')) national = digits.slice(2);
  else if (digits.startsWith('0')) national = digits.slice(1);
  else return bad;
  if (national.length < 7 || national.length > 12 || national.startsWith('0')) return bad;
  return null;
}

/** Persyaratan 2: six calendar months of branch activity before today (WITA). */
export function branchAgeError(started: string, today: string): string | null {
  const qualifies = addMonths(started, 6);
  if (qualifies <= today) return null;
  return `Kantor cabang harus telah melaksanakan kegiatan usaha simpan pinjam paling sedikit 6 (enam) bulan; syarat ini baru terpenuhi pada ${formatDate(qualifies)}.`;
}

export function validateApplication(a: ApplicationInput, today = todayWita()): FieldProblem[] {
  const out: FieldProblem[] = [];
  const add = (field: string, detail: string | null, code = 'invalid') => {
    if (detail) out.push({ field, code, detail });
  };
  add('cooperative_name', text(a.cooperative_name, 3, 200));
  add('legal_entity_number', reference(a.legal_entity_number));
  add('nib', nibError(a.nib), 'nib_format');
  add('oss_reference', reference(a.oss_reference));
  add('branch.address', text(a.branch.address, 5, 300));
  add('branch.operating_permit_number', reference(a.branch.operating_permit_number));
  add('branch.operating_permit_date', dateNotFuture(a.branch.operating_permit_date, today));
  const startedErr = dateNotFuture(a.branch.business_started_on, today);
  add('branch.business_started_on', startedErr);
  if (!startedErr) add('branch.business_started_on', branchAgeError(a.branch.business_started_on.trim(), today), 'branch_too_young');
  add('cash_office.address', text(a.cash_office.address, 5, 300));
  const m = a.cash_office.member_count;
  if (m === null || Number.isNaN(m)) add('cash_office.member_count', REQUIRED, 'required');
  else if (!Number.isInteger(m)) add('cash_office.member_count', 'Harus berupa bilangan bulat.');
  else if (m < 20) add('cash_office.member_count', 'Jumlah anggota Kantor Kas paling sedikit 20 (dua puluh) orang.', 'min_members');
  else if (m > 4294967295) add('cash_office.member_count', 'Jumlah anggota terlalu besar.');
  add('cash_office.head_name', text(a.cash_office.head_name, 3, 120));
  add('contact.email', emailError(a.contact.email));
  add('contact.phone', phoneError(a.contact.phone));
  return out;
}
