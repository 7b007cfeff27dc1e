// "Mulai permohonan": the catalogue of permits the office serves, each with what it is, its
// requirements (conditional ones with their condition, later ones with their step), the
// processing time, the fee and the product, and a button to apply. Public: no sign-in needed
// to read it; applying asks for it.

import { allPermitDefs, formFields, stepTitle } from '../shared/catalogue';
import { add, dl, h } from '../shared/dom';
import { conditionText } from '../shared/fields';
import { formatSize } from '../shared/format';
import type { PermitDef, RequirementDef } from '../shared/types';
import { currentUser } from '../shared/session';
import { heading, loading, takeFlash, type Page } from '../shared/ui';

function requirementItem(def: PermitDef, r: RequirementDef): HTMLElement {
  let when: string;
  if (r.step) when = `Diunggah kemudian, pada tahap ${stepTitle(def, r.step)}.`;
  else if (r.required === 'conditional') when = `Wajib bila ${conditionText(r, formFields(def))}.`;
  else if (r.required) when = 'Wajib.';
  else when = 'Opsional.';
  return h(
    'li',
    { 'data-requirement': r.code, class: r.required === 'conditional' ? 'req-conditional' : undefined },
    h('strong', null, r.name),
    r.description ? h('span', null, ` — ${r.description}`) : null,
    h('br'),
    h('span', { class: 'small' }, `${when} ${r.kinds.map((k) => k.toUpperCase()).join(', ')}, paling besar ${formatSize(r.max_bytes)}.${r.source ? ` (${r.source})` : ''}`),
  );
}

function permitCard(def: PermitDef): HTMLElement {
  const id = `izin-${def.code}`;
  const signedIn = !!currentUser();
  return h(
    'article',
    { class: 'panel permit-card', id, 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title` }, def.name),
    h('p', { class: 'lead' }, def.description),
    dl([
      ['Produk', def.product],
      ['Waktu penyelesaian', def.processing_time],
      ['Biaya', def.fee.label],
      ['Instansi teknis', def.technical_agency?.name],
      ['Sistem nasional', def.national_system],
    ]),
    h('h3', null, 'Persyaratan'),
    h('ol', { class: 'requirements' }, def.requirements.map((r) => requirementItem(def, r))),
    def.legal_basis.length ? [h('h3', null, 'Dasar hukum'), h('ul', null, def.legal_basis.map((l) => h('li', null, l)))] : null,
    def.assumptions.length
      ? h('details', null, h('summary', null, 'Asumsi yang dipakai layanan ini'), h('ul', null, def.assumptions.map((a) => h('li', null, a))))
      : null,
    h(
      'p',
      { class: 'actions' },
      h('a', { href: `#/ajukan/${def.code}`, class: 'btn btn-primary', id: `apply-${def.code}` }, `Ajukan ${def.short_name}`),
      signedIn ? null : h('span', { class: 'small' }, ' Anda akan diminta masuk terlebih dahulu.'),
    ),
  );
}

export async function catalogPage(p: Page): Promise<void> {
  add(p.root,
    heading('Mulai permohonan'),
    takeFlash() ?? '',
    h('p', null, 'Pilih jenis izin yang akan Anda ajukan. Setiap izin mempunyai formulir, persyaratan dan tahapannya sendiri.'),
    loading(),
  );
  const defs = await allPermitDefs();
  if (!p.current()) return;
  p.root.querySelector('.loading')?.remove();
  add(p.root,
    h('nav', { 'aria-label': 'Jenis izin', class: 'toc' }, h('ul', null, defs.map((d) => h('li', null, h('a', { href: `#/izin`, 'data-target': `izin-${d.code}`, onclick: jump }, d.short_name))))),
    defs.map(permitCard),
  );
}

/** In-page links without touching the hash router. */
function jump(ev: Event): void {
  ev.preventDefault();
  const target = document.getElementById((ev.currentTarget as HTMLElement).dataset.target ?? '');
  if (target) {
    target.scrollIntoView();
    target.querySelector<HTMLElement>('h2')?.setAttribute('tabindex', '-1');
    target.querySelector<HTMLElement>('h2')?.focus();
  }
}
