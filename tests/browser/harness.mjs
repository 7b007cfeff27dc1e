// Shared harness of the browser tests: starts the local runner on a free port with a fresh
// data directory, launches Debian's Chromium through playwright-core, and offers the small
// helpers the scenarios use (sign-in, screenshots, PDFs).

import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../..');
export const screenshotDir = join(repoRoot, 'target', 'screenshots');

// playwright-core is a devDependency of web/; resolve it from there.
const require = createRequire(join(repoRoot, 'web', 'package.json'));
const { chromium } = require('playwright-core');

/** Starts the runner (with `extraEnv`); resolves to { base, stop, dataDir }. */
export async function startRunner(extraEnv = {}) {
  const bin = process.env.PD_RUNNER_BIN || join(repoRoot, 'target', 'debug', 'perizinan');
  const dataDir = await mkdtemp(join(tmpdir(), 'pd-browser-'));
  const env = { ...process.env, RUST_LOG: process.env.TEST_LOG || 'warn', ...extraEnv };
  delete env.PD_WEB_DIR;
  if (process.env.PD_TEST_WEB_DIR) env.PD_WEB_DIR = resolve(process.env.PD_TEST_WEB_DIR);
  const child = spawn(bin, ['--port', '0', '--data-dir', dataDir], {
    env,
    stdio: ['ignore', 'pipe', process.env.TEST_LOG ? 'inherit' : 'ignore'],
  });
  const exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
  const base = await new Promise((res, rej) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => rej(new Error(`${bin} printed no "listening on" line within 60 s`)), 60_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      rej(new Error(`cannot start ${bin}: ${e.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`${bin} exited (${code}) before listening`));
    });
    lines.on('line', (line) => {
      const m = /^listening on (http:\/\/\S+)/.exec(line.trim());
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
  });
  // Keep draining stdout so the runner never blocks on a full pipe.
  child.stdout.resume();
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  return { base, stop, dataDir };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.PD_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

/**
 * A fresh browser context (its own sessionStorage) with one page; fails the test on any
 * uncaught page error or a Content-Security-Policy violation.
 */
export async function newPage(browser, base, errors, viewport = { width: 1280, height: 900 }, options = {}) {
  const context = await browser.newContext({ baseURL: base, viewport, acceptDownloads: true, locale: 'id-ID', timezoneId: 'Asia/Makassar', ...options });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    const t = m.text();
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(t)) errors.push(`csp: ${t}`);
  });
  page.setDefaultTimeout(15_000);
  return { context, page };
}

export async function screenshot(page, name) {
  await mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/** Signs in through the dev sign-in page of the portal ('/') or the console ('/console/'). */
export async function signIn(page, app, username) {
  await page.goto(`${app}#/masuk`);
  await page.locator(`button[data-username="${username}"]`).click();
  await page.waitForFunction(() => !location.hash.startsWith('#/masuk'));
}

/** A small but real PDF. */
export function pdf(title) {
  return Buffer.from(
    `%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n% ${title}\ntrailer<</Root 1 0 R>>\n%%EOF\n`,
  );
}

/** Today in WITA (UTC+8), YYYY-MM-DD. */
export function todayWita() {
  return new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
}

/** n calendar months before today (WITA), the day clamped to the month's end. */
export function monthsAgo(n) {
  const [y, m, d] = todayWita().split('-').map(Number);
  const total = y * 12 + (m - 1) - n;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  const last = new Date(Date.UTC(ny, nm, 0)).getUTCDate();
  return `${ny}-${String(nm).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** The documents a kantor kas application needs (the permit's required requirements). */
export const REQUIRED = ['branch_operating_permit', 'branch_activity_proof', 'member_list', 'oss_permit_copy'];

/** The permits of the catalogue (infra/permits/<code>/permit.json). */
export const PERMITS = {
  kk: { code: 'kantor-kas-ksp', prefix: 'KK', name: 'Izin Pembukaan Kantor Kas Koperasi Simpan Pinjam' },
  kcp: { code: 'kantor-cabang-pembantu-ksp', prefix: 'KCP', name: 'Izin Pembukaan Kantor Cabang Pembantu Koperasi Simpan Pinjam' },
  pbg: { code: 'pbg', prefix: 'PBG', name: 'Persetujuan Bangunan Gedung' },
};

/** A JSON call to the API, for setting up data the scenario is not about. */
export async function api(base, method, path, { token, body } = {}) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const resp = await fetch(`${base}/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await resp.text();
  const json = text ? JSON.parse(text) : null;
  if (!resp.ok) throw new Error(`${method} ${path}: ${resp.status} ${text}`);
  return json;
}

export async function apiLogin(base, username) {
  return (await api(base, 'POST', '/auth/dev/login', { body: { username } })).token;
}

/** A valid kantor kas application body (as tests/common/mod.rs `application()`). */
export function application() {
  return {
    permit: PERMITS.kk.code,
    cooperative_name: 'KSP Maju Bersama',
    legal_entity_number: 'AHU-0004321.AH.01.26.TAHUN 2020',
    nib: '9120007654321',
    branch: {
      address: 'Jl. Bhayangkara No. 12, Bontang Utara',
      operating_permit_number: '503/113/DPMPTSP/2024',
      operating_permit_date: monthsAgo(10),
      business_started_on: monthsAgo(8),
    },
    cash_office: { address: 'Jl. Ahmad Yani No. 7, Bontang Selatan', member_count: 30, head_name: 'Siti Aminah' },
    oss_reference: 'I-202611260002',
    oss_applied_on: todayWita(),
    contact: { email: 'pengurus@ksp-maju.test', phone: '0812-1111-2222' },
  };
}

/** Uploads one PDF for `code` through the API's upload flow. */
export async function uploadDocument(base, token, caseId, code) {
  const bytes = pdf(code);
  const t = await api(base, 'POST', `/cases/${caseId}/documents`, {
    token,
    body: { requirement: code, file_name: `${code}.pdf`, media_type: 'application/pdf', size: bytes.length },
  });
  const put = await fetch(t.upload.url, { method: t.upload.method, headers: t.upload.headers, body: bytes });
  if (!put.ok) throw new Error(`upload ${code}: ${put.status}`);
  await api(base, 'POST', `/cases/${caseId}/documents/${t.document.id}/confirm`, { token });
}

/**
 * Creates, fills and submits a case through the API; returns it. `body` defaults to the kantor
 * kas application; every document the case view marks required (and not of a later step) is
 * uploaded.
 */
export async function submittedCase(base, username, body = application()) {
  const token = await apiLogin(base, username);
  const c = await api(base, 'POST', '/cases', { token, body });
  for (const r of c.requirements.filter((x) => x.required && !x.step)) await uploadDocument(base, token, c.id, r.code);
  const fresh = await api(base, 'GET', `/cases/${c.id}`, { token });
  return api(base, 'POST', `/cases/${c.id}/submit`, { token, body: { version: fresh.version } });
}

/** A permit's example application (GET /permits/{code}/example, with today's dates). */
export async function example(base, code) {
  return api(base, 'GET', `/permits/${code}/example`);
}

/**
 * Structural accessibility checks of the current page: one main and one h1, lang="id", every
 * form control labelled, every id reference resolvable, no duplicate ids, every button named,
 * every role="img" named. Returns the problems found.
 */
export async function accessibilityProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    if (document.documentElement.lang !== 'id') problems.push(`html lang is "${document.documentElement.lang}"`);
    if (document.querySelectorAll('main').length !== 1) problems.push('not exactly one <main>');
    if (document.querySelectorAll('h1').length !== 1) problems.push(`${document.querySelectorAll('h1').length} <h1> elements`);
    const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden' || !visible(el)) continue;
      const named = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (!named) problems.push(`unlabelled control ${el.outerHTML.slice(0, 80)}`);
    }
    const ids = new Map();
    for (const el of document.querySelectorAll('[id]')) ids.set(el.id, (ids.get(el.id) ?? 0) + 1);
    for (const [id, n] of ids) if (n > 1) problems.push(`duplicate id "${id}"`);
    for (const attr of ['aria-describedby', 'aria-labelledby', 'aria-controls', 'for']) {
      for (const el of document.querySelectorAll(`[${attr}]`)) {
        for (const ref of el.getAttribute(attr).split(/\s+/).filter(Boolean)) {
          if (!document.getElementById(ref)) problems.push(`${attr}="${ref}" points nowhere`);
        }
      }
    }
    for (const b of document.querySelectorAll('button, a[href]')) {
      if (!visible(b)) continue;
      const name = (b.getAttribute('aria-label') || b.textContent || '').trim();
      if (!name) problems.push(`unnamed ${b.tagName.toLowerCase()} ${b.outerHTML.slice(0, 80)}`);
    }
    for (const el of document.querySelectorAll('[role="img"]')) {
      const by = el.getAttribute('aria-labelledby');
      if (!el.getAttribute('aria-label') && !(by && by.split(/\s+/).every((r) => document.getElementById(r)?.textContent?.trim()))) {
        problems.push('role=img without a name');
      }
    }
    return problems;
  });
}
