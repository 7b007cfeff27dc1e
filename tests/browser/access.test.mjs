// What the console offers each staff member, from the capabilities `GET /api/me` names (the
// office's role registry), not from role codes written in the web: the heads (`reports`) have
// Dasbor and Laporan with the SLA, IKM and complaints reports, and Kantor; the complaints officer
// (`complaints`) has Pengaduan and only the complaints report; staff with neither have the work
// queue only, and the pages they lack say "Tidak berwenang". The cross-office viewer
// (`reports_all_offices`) has only Laporan, for all offices together or the one chosen. A session
// stored before the capabilities existed asks `GET /api/me` again.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, apiLogin, launchBrowser, newPage, signIn, startRunner, todayWita } from './harness.mjs';

let runner;
let browser;
const errors = [];

before(async () => {
  runner = await startRunner();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await runner?.stop();
});

/** The console's menu items once it shows who is signed in. */
async function menu(page) {
  await page.locator('nav.site-nav .who').waitFor();
  return (await page.locator('nav.site-nav ul a').allTextContents()).map((t) => t.trim());
}

/** Opens a console route and waits for its heading, `expected` (exactly). */
async function open(page, hash, expected) {
  await page.goto(`/console/${hash}`);
  await page.locator('main h1', { hasText: new RegExp(`^${expected}$`) }).waitFor();
}

const QUEUE = 'Antrean kerja';
const HEAD_MENU = [QUEUE, 'Dasbor', 'Laporan', 'Kantor'];

/** Who sees what: the capabilities the role registry grants each demo user, and the menu they give. */
const STAFF = [
  // The front office corrects an applicant's contact on the case page (no page of its own).
  { user: 'fo', capabilities: ['applicant_contact'], menu: [QUEUE] },
  { user: 'teknis', capabilities: [], menu: [QUEUE] },
  { user: 'kasir', capabilities: [], menu: [QUEUE] },
  { user: 'putr-kadis', capabilities: [], menu: [QUEUE] },
  { user: 'kasi', capabilities: ['reports', 'complaint_escalation'], menu: HEAD_MENU },
  { user: 'kabid', capabilities: ['reports', 'security_log'], menu: HEAD_MENU },
  { user: 'kadis', capabilities: ['reports', 'security_log', 'revoke_letters'], menu: HEAD_MENU },
  { user: 'plt', capabilities: ['reports', 'security_log', 'complaint_escalation'], menu: HEAD_MENU },
  { user: 'pengaduan', capabilities: ['complaints'], menu: ['Laporan', 'Pengaduan'] },
];

test('the console menu and pages follow the capabilities of GET /me', { timeout: 300_000 }, async () => {
  for (const s of STAFF) {
    const me = await api(runner.base, 'GET', '/me', { token: await apiLogin(runner.base, s.user) });
    assert.deepEqual([...me.capabilities].sort(), [...s.capabilities].sort(), `${s.user}: the registry's capabilities`);
    const { context, page } = await newPage(browser, runner.base, errors);
    try {
      await signIn(page, '/console/', s.user);
      assert.deepEqual(await menu(page), s.menu, `${s.user}: menu`);
      // The session keeps what /me said.
      const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem('pd.console.session')).user.capabilities);
      assert.deepEqual([...stored].sort(), [...s.capabilities].sort(), `${s.user}: capabilities in the session`);
      const reports = s.capabilities.includes('reports');
      const complaints = s.capabilities.includes('complaints');
      await open(page, '#/dasbor', reports ? 'Dasbor kinerja' : 'Tidak berwenang');
      if (reports) await page.locator('#sla-chart').waitFor();
      await open(page, '#/pengaduan', complaints ? 'Register pengaduan' : 'Tidak berwenang');
      if (complaints) await page.locator('main p[role=status]', { hasText: 'pengaduan terbuka' }).waitFor();
      await open(page, `#/laporan?dari=${todayWita()}&sampai=${todayWita()}`, reports || complaints ? 'Laporan' : 'Tidak berwenang');
      if (reports || complaints) {
        await page.locator('#report-complaints table').first().waitFor();
        if (reports) await page.locator('#report-ikm dl, #report-ikm .notice').first().waitFor();
        assert.equal(await page.locator('#report-sla').count(), reports ? 1 : 0, `${s.user}: SLA report`);
        assert.equal(await page.locator('#report-ikm').count(), reports ? 1 : 0, `${s.user}: IKM report`);
        assert.equal(await page.locator('#report-complaints').count(), 1, `${s.user}: complaints report`);
        assert.equal(await page.locator('#period-permit').count(), reports ? 1 : 0, `${s.user}: a permit to choose only for the SLA and IKM`);
      }
    } finally {
      await context.close();
    }
  }
  assert.deepEqual(errors, []);
});

test('the cross-office viewer reads the reports of all offices or of the one chosen', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, runner.base, errors);
  const sla = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/reports/sla?')) sla.push(new URL(r.url()).searchParams);
  });
  await signIn(page, '/console/', 'pemantau');
  assert.deepEqual(await menu(page), ['Laporan'], 'no work queue: the reports are the start page');
  await page.locator('main h1', { hasText: /^Laporan$/ }).waitFor();
  const offices = await page.$$eval('#period-office option', (os) => os.map((o) => [o.value, o.textContent]));
  assert.deepEqual(offices, [
    ['', 'Semua kantor'],
    ['bontang', 'DPMPTSP Kota Bontang'],
    ['pematangsiantar', 'DPMPTSP Kota Pematangsiantar'],
  ]);
  await page.locator('#sla-office', { hasText: 'Kantor: Semua kantor' }).waitFor();
  assert.equal(sla.at(-1).get('office'), null, 'all offices together by default');
  await page.selectOption('#period-office', 'pematangsiantar');
  await page.locator('#period-form button[type=submit]').click();
  await page.locator('#sla-office', { hasText: 'Kantor: DPMPTSP Kota Pematangsiantar' }).waitFor();
  assert.match(page.url(), /#\/laporan\?.*kantor=pematangsiantar/);
  assert.equal(sla.at(-1).get('office'), 'pematangsiantar');
  assert.equal(await page.inputValue('#period-office'), 'pematangsiantar');
  await page.locator('#ikm-office', { hasText: 'Kantor: DPMPTSP Kota Pematangsiantar' }).waitFor();
  await page.locator('#complaints-office', { hasText: 'Kantor: DPMPTSP Kota Pematangsiantar' }).waitFor();
  // The download is of the same office's report.
  await Promise.all([page.waitForEvent('download'), page.locator('#report-sla button.csv').first().click()]);
  assert.equal(sla.at(-1).get('office'), 'pematangsiantar');
  assert.equal(sla.at(-1).get('format'), 'csv');
  await context.close();
  assert.deepEqual(errors, []);
});

test('a session stored without capabilities asks GET /me again', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, runner.base, errors);
  await signIn(page, '/console/', 'kabid');
  assert.deepEqual(await menu(page), HEAD_MENU);
  // As a session saved before /me named the capabilities.
  await page.evaluate(() => {
    const s = JSON.parse(sessionStorage.getItem('pd.console.session'));
    delete s.user.capabilities;
    sessionStorage.setItem('pd.console.session', JSON.stringify(s));
  });
  await page.goto('/console/#/dasbor');
  await page.reload();
  await page.locator('#sla-chart').waitFor();
  assert.deepEqual(await menu(page), HEAD_MENU);
  const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem('pd.console.session')).user);
  assert.deepEqual([...stored.capabilities].sort(), ['reports', 'security_log']);
  assert.equal(stored.name, 'Dewi Lestari');
  await context.close();
  assert.deepEqual(errors, []);
});
