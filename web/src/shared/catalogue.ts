// The permit catalogue as the API defines it (GET /permits, GET /permits/{code}) and the offices
// serving it (GET /offices): every step title, outcome, role, form field and requirement the
// pages show comes from here, fetched once per page load and kept.

import { get } from './api';
import { currentUser } from './session';
import type { Actor, FieldDef, Office, PermitDef, PermitSummary, RequirementDef, StepDef } from './types';

let listCache: Promise<PermitSummary[]> | null = null;
let officeCache: Promise<Office[]> | null = null;
const defCache = new Map<string, Promise<PermitDef>>();
/** Role labels learnt from the definitions' steps (role → role_label). */
const roleNames = new Map<string, string>();

export function permitList(): Promise<PermitSummary[]> {
  if (!listCache) {
    listCache = get<{ items: PermitSummary[] }>('/permits', { anonymous: true }).then((r) => r.items);
    listCache.catch(() => {
      listCache = null;
    });
  }
  return listCache;
}

/** The offices and the permits each offers. */
export function officeList(): Promise<Office[]> {
  if (!officeCache) {
    officeCache = get<{ items: Office[] }>('/offices', { anonymous: true }).then((r) => r.items);
    officeCache.catch(() => {
      officeCache = null;
    });
  }
  return officeCache;
}

/** The offices that offer permit `code`, in the API's order. */
export async function officesOffering(code: string): Promise<Office[]> {
  return (await officeList()).filter((o) => o.permits.some((p) => p.code === code));
}

export function permitDef(code: string): Promise<PermitDef> {
  let p = defCache.get(code);
  if (!p) {
    p = get<PermitDef>(`/permits/${encodeURIComponent(code)}`, { anonymous: true }).then((d) => {
      for (const s of d.steps) if (s.role_label) roleNames.set(s.role, s.role_label);
      return d;
    });
    p.catch(() => defCache.delete(code));
    defCache.set(code, p);
  }
  return p;
}

/** The definitions of several permits, by code. */
export async function permitDefs(codes: Iterable<string>): Promise<Map<string, PermitDef>> {
  const unique = Array.from(new Set(codes));
  const defs = await Promise.all(unique.map((c) => permitDef(c)));
  return new Map(defs.map((d) => [d.code, d]));
}

/** Every permit's full definition. */
export async function allPermitDefs(): Promise<PermitDef[]> {
  const list = await permitList();
  return Promise.all(list.map((p) => permitDef(p.code)));
}

export function formFields(def: PermitDef): FieldDef[] {
  return def.form.sections.flatMap((s) => s.fields);
}

export function formField(def: PermitDef | null | undefined, path: string): FieldDef | undefined {
  return def ? formFields(def).find((f) => f.path === path) : undefined;
}

export function stepDef(def: PermitDef | null | undefined, code: string | null | undefined): StepDef | undefined {
  if (!def || !code) return undefined;
  return def.steps.find((s) => s.code === code);
}

export function stepTitle(def: PermitDef | null | undefined, code: string | null | undefined): string {
  if (!code) return '';
  return stepDef(def, code)?.title ?? code;
}

export function outcomeLabel(def: PermitDef | null | undefined, step: string | null | undefined, outcome: string | null | undefined): string {
  if (!outcome) return '';
  return stepDef(def, step)?.outcomes.find((o) => o.code === outcome)?.label ?? outcome;
}

export function requirementDef(def: PermitDef | null | undefined, code: string): RequirementDef | undefined {
  return def?.requirements.find((r) => r.code === code);
}

/**
 * A role's title when the API sent only its code: from the steps of the definitions loaded so
 * far or the signed-in user's own roles; the code itself when neither names it. Prefer the
 * `role_label` the API sends beside a role (audit events, report rows): `actorRole`.
 */
export function roleLabel(code: string | null | undefined): string {
  if (!code) return '';
  const own = currentUser()?.roles.find((r) => r.code === code)?.label;
  return roleNames.get(code) ?? own ?? code;
}

/** The title of an actor's role: the `role_label` sent with it, else `roleLabel` of its code. */
export function actorRole(a: Actor | null | undefined): string {
  if (!a?.role) return '';
  return a.role_label || roleLabel(a.role);
}

/** The title of notice `code` as the case's permit names it (`notices`); undefined when it does not. */
export function noticeTitle(def: PermitDef | null | undefined, code: string): string | undefined {
  return def?.notices?.[code];
}

/** A letter title as the definition prints it ("SURAT PEMENUHAN KOMITMEN"), in title case. */
export function titleCase(s: string): string {
  const small = new Set(['dan', 'atau', 'di', 'ke', 'dari', 'untuk', 'oleh', 'pada', 'yang']);
  return s
    .toLowerCase()
    .split(/\s+/)
    .map((w, i) => (i > 0 && small.has(w) ? w : w.charAt(0).toUpperCase() + w.slice(1)))
    .join(' ');
}

/** The title of a case's letter of `kind` (grant or refusal). */
export function letterTitle(def: PermitDef | null | undefined, kind: string): string {
  const t = kind === 'grant' ? def?.letters.grant : kind === 'refusal' ? def?.letters.refusal : undefined;
  if (t) return titleCase(t);
  return kind === 'refusal' ? 'Surat penolakan' : 'Surat';
}

/** "SOP huruf g" for the lettered steps of the SOPs, "SOP langkah 2a" for numbered ones. */
export function sopRef(sop: string | null | undefined): string {
  if (!sop || sop === '–' || sop === '-') return '';
  return /^[a-z]$/.test(sop) ? `SOP huruf ${sop}` : `SOP langkah ${sop}`;
}

/** "Judul tahap (SOP huruf g)". */
export function stepWithSop(title: string, sop: string | null | undefined): string {
  const ref = sopRef(sop);
  return ref ? `${title} (${ref})` : title;
}
