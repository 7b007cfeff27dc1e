// The page shell (skip link, banner, navigation, main, footer, live region) and the hash router.

import { Problem } from './api';
import { h, replace, type Child } from './dom';

export interface Page {
  /** The container the route renders into (already in the document). */
  root: HTMLElement;
  /** The matched groups of the route's pattern. */
  params: string[];
  /** Whether this render is still the current one (the person may have moved on). */
  current(): boolean;
}

export interface Route {
  path: RegExp;
  render: (p: Page) => Promise<void> | void;
}

let siteName = '';
let mainEl: HTMLElement;
let liveEl: HTMLElement;
let alertEl: HTMLElement;
let renderSeq = 0;
let routes: Route[] = [];
let notFound: (p: Page) => void = () => {};
let beforeRender: () => void = () => {};

export interface ShellParts {
  app: HTMLElement;
  siteName: string;
  subtitle: string;
  homeHref: string;
  nav: HTMLElement;
  environment?: string;
}

export function buildShell(s: ShellParts): void {
  siteName = s.siteName;
  mainEl = h('main', { id: 'main', tabindex: -1 });
  liveEl = h('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true', id: 'live-status' });
  alertEl = h('div', { class: 'visually-hidden', role: 'alert', 'aria-atomic': 'true', id: 'live-alert' });
  replace(
    s.app,
    h('a', { class: 'skip-link', href: '#main', onclick: (e: Event) => { e.preventDefault(); mainEl.focus(); } }, 'Langsung ke isi utama'),
    h(
      'header',
      { class: 'site-header' },
      h(
        'div',
        { class: 'brand' },
        h('a', { href: s.homeHref, class: 'brand-link' }, h('span', { class: 'brand-name' }, s.siteName), h('span', { class: 'brand-sub' }, s.subtitle)),
        s.environment ? h('span', { class: 'env-badge' }, `Lingkungan: ${s.environment}`) : null,
      ),
      s.nav,
    ),
    mainEl,
    h(
      'footer',
      { class: 'site-footer' },
      h('p', null, 'Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu (DPMPTSP) Kota Bontang · Jl. Awang Long No. 1, Bontang'),
    ),
    liveEl,
    alertEl,
  );
}

/** Says something to screen readers (and nothing visible). */
export function announce(message: string, urgent = false): void {
  const el = urgent ? alertEl : liveEl;
  el.textContent = '';
  // A fresh text node after a tick is announced even when the text repeats.
  setTimeout(() => {
    el.textContent = message;
  }, 30);
}

export function setTitle(title: string): void {
  document.title = `${title} — ${siteName}`;
}

/** The page's h1, focusable so that focus lands on it after navigation. */
export function heading(text: Child, title?: string): HTMLHeadingElement {
  if (title) setTitle(title);
  else if (typeof text === 'string') setTitle(text);
  return h('h1', { tabindex: -1, class: 'page-title' }, text);
}

export function startRouter(r: Route[], fallback: (p: Page) => void, onEach?: () => void): void {
  routes = r;
  notFound = fallback;
  if (onEach) beforeRender = onEach;
  window.addEventListener('hashchange', () => void render());
  void render();
}

export function navigate(hash: string): void {
  if (location.hash === hash) void render();
  else location.hash = hash;
}

export function currentPath(): string {
  const raw = location.hash.replace(/^#/, '') || '/';
  return raw.startsWith('/') ? raw : `/${raw}`;
}

export async function render(): Promise<void> {
  const seq = ++renderSeq;
  const path = currentPath();
  const root = h('div', { class: 'page', 'aria-busy': 'true' });
  replace(mainEl, root);
  beforeRender();
  const page = (params: string[]): Page => ({ root, params, current: () => seq === renderSeq });
  try {
    for (const route of routes) {
      const m = route.path.exec(path);
      if (m) {
        await route.render(page(m.slice(1).map((x) => (x === undefined ? '' : decodeURIComponent(x)))));
        break;
      }
    }
    if (!routes.some((x) => x.path.test(path))) notFound(page([]));
  } catch (e) {
    if (seq === renderSeq) replace(root, heading('Terjadi kesalahan'), problemBox(e));
  } finally {
    root.removeAttribute('aria-busy');
  }
  // After navigating inside the app, focus goes to the new page's heading (screen readers
  // announce it); on the first load it stays at the start of the document, before the skip link.
  if (seq === renderSeq && seq > 1) {
    const h1 = root.querySelector<HTMLElement>('h1');
    (h1 ?? mainEl).focus();
    window.scrollTo(0, 0);
  }
}

export function loading(text = 'Memuat…'): HTMLElement {
  return h('p', { class: 'loading', role: 'status' }, text);
}

/** A visible box with a problem's title and detail. */
export function problemBox(e: unknown): HTMLElement {
  if (e instanceof Problem) {
    return h('div', { class: 'notice notice-error', role: 'alert' }, h('p', null, h('strong', null, e.title)), h('p', null, e.detail));
  }
  return h('div', { class: 'notice notice-error', role: 'alert' }, h('p', null, h('strong', null, 'Terjadi kesalahan')), h('p', null, e instanceof Error ? e.message : String(e)));
}

export function notice(kind: 'info' | 'success' | 'warning' | 'error', ...children: Child[]): HTMLElement {
  return h('div', { class: `notice notice-${kind}` }, children);
}

/** A button that looks like one and never submits a form by accident. */
export function button(label: Child, onClick: (ev: MouseEvent) => void, attrs: Record<string, string> = {}): HTMLButtonElement {
  return h('button', { type: 'button', class: 'btn', ...attrs, onclick: onClick }, label);
}

/** A state badge that carries its meaning in text (and an icon), not in colour alone. */
export function stateBadge(state: string | undefined, label: string | undefined): HTMLElement {
  const icon: Record<string, string> = { overdue: '⚠', near_due: '◷', on_time: '✓', paused: '‖', done: '✓' };
  return h(
    'span',
    { class: `badge badge-${state ?? 'none'}` },
    h('span', { 'aria-hidden': 'true' }, `${icon[state ?? ''] ?? '•'} `),
    label ?? state ?? '',
  );
}

const FLASH_KEY = 'pd.flash';

/** A message to show (and announce) on the next page. */
export function setFlash(message: string): void {
  sessionStorage.setItem(FLASH_KEY, message);
}

/** The pending flash message as a success notice, or null. */
export function takeFlash(): HTMLElement | null {
  const m = sessionStorage.getItem(FLASH_KEY);
  if (!m) return null;
  sessionStorage.removeItem(FLASH_KEY);
  announce(m);
  return h('div', { class: 'notice notice-success flash' }, h('p', null, m));
}
