// Form fields as the API defines them (FieldDef): the control for each field type, reading a
// control back into a JSON value, the checks the browser can make before sending (with the
// API's own wording), and a stored value in words.

import type { FieldProblem } from './api';
import { h, type Attrs, type Child } from './dom';
import { formatDate, formatNumber, formatRupiah, isIsoDate, todayWita } from './format';
import { checkedValues, choiceGroup, controlId, field, valueOf } from './forms';
import type { FieldDef, RequirementDef, Values } from './types';

const REQUIRED = 'Wajib diisi.';

export const isRequired = (f: FieldDef): boolean => f.required !== false;

// ---- Values nested by dotted paths ----

export function getPath(values: Values | null | undefined, path: string): unknown {
  let cur: unknown = values;
  for (const part of path.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function setPath(values: Values, path: string, v: unknown): void {
  const parts = path.split('.');
  let cur: Record<string, unknown> = values;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    if (!next || typeof next !== 'object' || Array.isArray(next)) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = v;
}

// ---- Numbers as Indonesians type them ----

/** "180,5", "1.234,5", "180.5", "1.000" → a number; null when it is not one. */
export function parseDecimal(raw: string): number | null {
  let t = raw.trim().replace(/\s+/g, '');
  if (!t) return null;
  if (t.includes(',')) t = t.replace(/\./g, '').replace(',', '.');
  else if (/^-?\d{1,3}(\.\d{3})+$/.test(t)) t = t.replace(/\./g, '');
  if (!/^-?\d+(\.\d+)?$/.test(t)) return null;
  return Number(t);
}

/** "Rp12.500.000", "12.500.000", "12500000" → 12500000; null when it is not an amount. */
export function parseRupiah(raw: string): number | null {
  const t = raw.trim().replace(/^rp\.?\s*/i, '').replace(/[\s.]/g, '').replace(/,0{1,2}$/, '');
  if (!/^\d+$/.test(t)) return null;
  return Number(t);
}

function showBound(n: number): string {
  return Number.isInteger(n) ? String(n) : String(n);
}

// ---- Controls ----

export interface ControlOpts {
  /** The permit's requirements, for `requirement_list`. */
  requirements?: { code: string; name: string }[];
  /** Shown instead of the definition's required mark (decision fields that depend on the outcome). */
  required?: boolean;
}

function hintOf(f: FieldDef, extra?: string): Child {
  const parts: string[] = [];
  if (f.help) parts.push(f.help);
  if (extra) parts.push(extra);
  if (f.personal) parts.push('Data pribadi: hanya dapat dilihat oleh Anda dan petugas.');
  return parts.length ? parts.join(' ') : null;
}

function inputValue(f: FieldDef, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (f.type === 'money' && typeof v === 'number') return v.toLocaleString('id-ID', { maximumFractionDigits: 0 });
  if (f.type === 'decimal' && typeof v === 'number') return v.toLocaleString('id-ID', { maximumFractionDigits: f.decimals ?? 2, useGrouping: false });
  return String(v);
}

/** The labelled control of one field, with its hint and (empty) error slot. */
export function fieldControl(prefix: string, f: FieldDef, value: unknown, o: ControlOpts = {}): HTMLElement {
  const required = o.required ?? isRequired(f);
  const base = { name: f.path, label: f.label, required };
  const today = todayWita();
  switch (f.type) {
    case 'choice': {
      const options = (f.options ?? []).map((x) => [x.code, x.label] as [string, string]);
      if (options.length <= 4) {
        return choiceGroup(prefix, {
          name: f.path,
          legend: f.label,
          type: 'radio',
          required,
          hint: hintOf(f),
          choices: options,
          checked: typeof value === 'string' ? [value] : [],
          inline: options.length <= 3,
        });
      }
      return field(prefix, { ...base, hint: hintOf(f), options, emptyOption: '— Pilih —', value: typeof value === 'string' ? value : '' });
    }
    case 'boolean': {
      if (required) {
        return choiceGroup(prefix, {
          name: f.path,
          legend: f.label,
          type: 'radio',
          required: true,
          hint: hintOf(f),
          choices: [
            ['true', 'Ya'],
            ['false', 'Tidak'],
          ],
          checked: value === true ? ['true'] : value === false ? ['false'] : [],
          inline: true,
        });
      }
      const id = controlId(prefix, f.path);
      const hint = hintOf(f);
      return h(
        'div',
        { class: 'field choice', 'data-field': f.path },
        h('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
        h('input', { type: 'checkbox', id, name: f.path, value: 'true', checked: value === true ? true : undefined, 'aria-describedby': hint ? `${id}-hint` : undefined }),
        h('label', { for: id }, f.label),
        hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
      );
    }
    case 'requirement_list':
      return choiceGroup(prefix, {
        name: f.path,
        legend: f.label,
        type: 'checkbox',
        required: false,
        hint: hintOf(f),
        choices: (o.requirements ?? []).map((r) => [r.code, r.name] as [string, string]),
        checked: Array.isArray(value) ? value.map(String) : [],
      });
    default:
      break;
  }
  const attrs: Attrs = {};
  let type = 'text';
  let textarea = false;
  let extra: string | undefined;
  let unit = f.unit;
  let unitBefore = false;
  switch (f.type) {
    case 'text':
      textarea = !!f.multiline;
      if (textarea) attrs.rows = 4;
      break;
    case 'address':
      textarea = true;
      attrs.rows = 2;
      break;
    case 'reference':
      attrs.autocomplete = 'off';
      attrs.spellcheck = 'false';
      break;
    case 'name':
      attrs.autocomplete = 'off';
      break;
    case 'integer':
      type = 'number';
      attrs.step = 1;
      attrs.inputmode = 'numeric';
      if (f.min !== undefined) attrs.min = f.min;
      if (f.max !== undefined) attrs.max = f.max;
      break;
    case 'decimal':
      attrs.inputmode = 'decimal';
      extra = `Gunakan koma untuk pecahan, contoh 180,5.`;
      break;
    case 'money':
      attrs.inputmode = 'numeric';
      attrs.autocomplete = 'off';
      unit = 'Rp';
      unitBefore = true;
      extra = 'Dalam rupiah, tanpa sen; contoh 12.500.000.';
      break;
    case 'date':
      type = 'date';
      if (f.not_future !== false) attrs.max = today;
      if (f.not_past) attrs.min = today;
      break;
    case 'email':
      type = 'email';
      attrs.autocomplete = 'email';
      break;
    case 'phone':
      type = 'tel';
      attrs.autocomplete = 'tel';
      break;
    case 'mobile':
      type = 'tel';
      attrs.autocomplete = 'tel';
      attrs.inputmode = 'tel';
      break;
    case 'nib':
    case 'nik':
      attrs.inputmode = 'numeric';
      attrs.autocomplete = 'off';
      attrs.maxlength = 20;
      break;
  }
  // The API sends the length limits of every text-like field (its type's defaults included);
  // the browser stops typing at the maximum, textError() names a value too short or too long.
  if (f.max_length !== undefined && (f.type === 'text' || f.type === 'reference' || f.type === 'name' || f.type === 'address')) attrs.maxlength = f.max_length;
  const el = field(prefix, { ...base, type, textarea, hint: hintOf(f, extra), value: inputValue(f, value), attrs, unit, unitBefore });
  if (f.type === 'money') {
    const input = el.querySelector('input')!;
    input.addEventListener('blur', () => {
      const n = parseRupiah(input.value);
      if (n !== null) input.value = n.toLocaleString('id-ID', { maximumFractionDigits: 0 });
    });
  }
  return el;
}

/** Sets a field's control to `value` (for "Isi dengan contoh"). */
export function setControl(form: HTMLFormElement, f: FieldDef, value: unknown): void {
  const inputs = Array.from(form.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(`[name="${CSS.escape(f.path)}"]`));
  if (!inputs.length) return;
  const first = inputs[0];
  if (first instanceof HTMLInputElement && (first.type === 'radio' || first.type === 'checkbox')) {
    const wanted = Array.isArray(value) ? value.map(String) : value === undefined || value === null ? [] : [String(value)];
    for (const i of inputs as HTMLInputElement[]) i.checked = wanted.includes(i.value);
    return;
  }
  first.value = inputValue(f, value) ?? '';
}

// ---- Reading and checking ----

export interface ReadResult {
  /** The JSON value to send; undefined when the field is blank. */
  value?: unknown;
  /** A problem the browser can see before sending, in the API's words. */
  error?: string;
}

function textError(f: FieldDef, t: string): string | null {
  const n = Array.from(t).length;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(t)) return 'Tidak boleh berisi karakter kontrol.';
  if (f.min_length !== undefined && n < f.min_length) return `Paling sedikit ${f.min_length} karakter.`;
  if (f.max_length !== undefined && n > f.max_length) return `Paling banyak ${f.max_length} karakter.`;
  return null;
}

function boundsError(f: FieldDef, n: number): string | null {
  if (f.min !== undefined && n < f.min) return `Nilai paling sedikit ${showBound(f.min)}.`;
  if (f.max !== undefined && n > f.max) return `Nilai paling besar ${showBound(f.max)}.`;
  return null;
}

export function nibError(t: string): string | null {
  return /^[0-9]{13}$/.test(t) ? null : 'NIB harus terdiri dari tepat 13 angka.';
}

export function nikError(t: string): string | null {
  return /^[0-9]{16}$/.test(t) ? null : 'NIK harus terdiri dari tepat 16 angka.';
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
  const national = nationalDigits(t);
  if (national === null || national.length < 7 || national.length > 12 || national.startsWith('0')) {
    return 'Nomor telepon tidak valid; contoh 0812-3456-7890 atau +62 548 20594.';
  }
  return null;
}

/** The digits of an Indonesian number after the country code or the trunk `0`, or null when it is not written as one. */
function nationalDigits(t: string): string | null {
  let digits = '';
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c >= '0' && c <= '9') digits += c;
    else if (c === '+' && i === 0) continue;
    else if (' -.()'.includes(c)) continue;
    else return null;
  }
  if (digits.startsWith('62')) return digits.slice(2);
  if (digits.startsWith('0')) return digits.slice(1);
  return null;
}

export const MOBILE_INVALID = 'Nomor HP tidak valid untuk SMS; gunakan nomor seluler, contoh 0812-3456-7890.';

/**
 * A mobile number that can receive SMS, as the API checks it: 08…, 628… or +628…, a mobile
 * network's range (81, 82, 83, 85, 87, 88, 89 — not 0800 freephone, 0809 or 0868 satellite,
 * nor a landline), 9 to 12 digits after the country code or the 0.
 */
export function mobileError(v: string): string | null {
  const t = v.trim();
  if (!t) return REQUIRED;
  const national = nationalDigits(t);
  if (national === null || national.length < 9 || national.length > 12) return MOBILE_INVALID;
  return /^8[1235789]/.test(national) ? null : MOBILE_INVALID;
}

/** Reads one field's control: its JSON value, or the error the browser can already see. */
export function readField(form: HTMLFormElement, f: FieldDef, required = isRequired(f)): ReadResult {
  const blank = (): ReadResult => (required ? { error: REQUIRED } : {});
  switch (f.type) {
    case 'requirement_list':
      return { value: checkedValues(form, f.path) };
    case 'boolean': {
      const el = form.querySelector<HTMLInputElement>(`input[name="${CSS.escape(f.path)}"]`);
      if (el?.type === 'checkbox') return { value: el.checked };
      const v = valueOf(form, f.path);
      if (v === 'true') return { value: true };
      if (v === 'false') return { value: false };
      return blank();
    }
    default:
      break;
  }
  const raw = valueOf(form, f.path);
  if (!raw) {
    // A number input holding text reports an empty value but a bad input.
    const el = form.querySelector<HTMLInputElement>(`input[name="${CSS.escape(f.path)}"]`);
    if (el?.validity?.badInput) return { error: 'Harus berupa bilangan bulat.' };
    return blank();
  }
  switch (f.type) {
    case 'integer': {
      if (!/^-?\d+$/.test(raw)) return { error: 'Harus berupa bilangan bulat.' };
      const n = Number(raw);
      const e = boundsError(f, n);
      return e ? { error: e } : { value: n };
    }
    case 'decimal': {
      const n = parseDecimal(raw);
      if (n === null) return { error: 'Harus berupa angka, contoh 180,5.' };
      const e = boundsError(f, n);
      return e ? { error: e } : { value: n };
    }
    case 'money': {
      const n = parseRupiah(raw);
      if (n === null) return { error: 'Tulis nilai rupiah dengan angka, contoh 12.500.000.' };
      const e = boundsError(f, n);
      return e ? { error: e } : { value: n };
    }
    case 'date': {
      if (!isIsoDate(raw)) return { error: 'Tanggal tidak valid; gunakan format TTTT-BB-HH (contoh 2026-05-31).' };
      const today = todayWita();
      if (f.not_future !== false && raw > today) return { error: 'Tanggal tidak boleh setelah hari ini.' };
      if (f.not_past && raw < today) return { error: 'Tanggal tidak boleh sebelum hari ini.' };
      return { value: raw };
    }
    case 'nib': {
      const e = nibError(raw);
      return e ? { error: e } : { value: raw };
    }
    case 'nik': {
      const e = nikError(raw);
      return e ? { error: e } : { value: raw };
    }
    case 'email': {
      const e = emailError(raw);
      return e ? { error: e } : { value: raw };
    }
    case 'phone': {
      const e = phoneError(raw);
      return e ? { error: e } : { value: raw };
    }
    case 'mobile': {
      const e = mobileError(raw);
      return e ? { error: e } : { value: raw };
    }
    case 'choice':
      return { value: raw };
    default: {
      const e = textError(f, raw);
      return e ? { error: e } : { value: raw };
    }
  }
}

/**
 * Reads `fields` into a body nested by path; blanks are left out (the API names the required
 * ones). Returns the body and the problems seen.
 */
export function readFields(form: HTMLFormElement, fields: FieldDef[], body: Values = {}, requiredOf?: (f: FieldDef) => boolean): { body: Values; errors: FieldProblem[] } {
  const errors: FieldProblem[] = [];
  for (const f of fields) {
    const r = readField(form, f, requiredOf ? requiredOf(f) : isRequired(f));
    if (r.error) errors.push({ field: f.path, code: r.error === REQUIRED ? 'required' : 'invalid', detail: r.error });
    else if (r.value !== undefined) setPath(body, f.path, r.value);
  }
  return { body, errors };
}

// ---- Values in words ----

/** A stored value of field `f` as a person reads it. */
export function displayValue(f: FieldDef | undefined, v: unknown, requirements?: { code: string; name: string }[]): string {
  if (v === undefined || v === null || v === '') return '';
  if (v === '[dihapus]') return '(dihapus sesuai jadwal retensi)';
  if (!f) {
    if (typeof v === 'boolean') return v ? 'Ya' : 'Tidak';
    if (Array.isArray(v)) return v.map(String).join(', ');
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  }
  const withUnit = (s: string) => (f.unit ? `${s} ${f.unit}` : s);
  switch (f.type) {
    case 'date':
      return typeof v === 'string' ? formatDate(v) : String(v);
    case 'money':
      return typeof v === 'number' ? formatRupiah(v) : String(v);
    case 'integer':
      return typeof v === 'number' ? withUnit(formatNumber(v, 0)) : String(v);
    case 'decimal':
      return typeof v === 'number' ? withUnit(formatNumber(v, f.decimals ?? 2)) : String(v);
    case 'boolean':
      return v === true ? 'Ya' : v === false ? 'Tidak' : String(v);
    case 'choice':
      return f.options?.find((o) => o.code === v)?.label ?? String(v);
    case 'requirement_list':
      if (!Array.isArray(v)) return String(v);
      if (!v.length) return 'Tidak ada';
      return v.map((c) => requirements?.find((r) => r.code === c)?.name ?? String(c)).join('; ');
    default:
      return String(v);
  }
}

/** "Koperasi sudah memiliki Kantor Cabang di Kota Bontang: Tidak" for a conditional requirement. */
export function conditionText(r: RequirementDef, fields: FieldDef[]): string {
  const c = r.condition;
  if (!c) return '';
  const f = fields.find((x) => x.path === c.field);
  const value = f ? displayValue(f, c.equals) : typeof c.equals === 'boolean' ? (c.equals ? 'Ya' : 'Tidak') : String(c.equals);
  return `${c.label || f?.label || c.field}: ${value}`;
}
