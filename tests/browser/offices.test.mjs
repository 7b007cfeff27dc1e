// Two offices in a real browser: an applicant applying for PBG, which both offices offer,
// chooses the office (Kota Pematangsiantar) and the draft names it; the office administrator of
// Bontang opens "Kantor" in the console and records a Plh. of the section head (Budi Santoso to
// Siti Rahmawati, from today for one day), listed as in force, and Siti's console header says
// whom she stands in for; the administrator invites a member (an error on the roles first) and
// disables the account.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PERMITS, accessibilityProblems, launchBrowser, newPage, screenshot, signIn, startRunner, todayWita } from './harness.mjs';

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

test('PBG: the applicant chooses the office, and the case names it', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, runner.base, errors);
  await signIn(page, '/', 'pemohon');
  await page.goto(`/#/ajukan/${PERMITS.pbg.code}`);
  await page.locator('#application-form[data-permit="pbg"]').waitFor();
  const offices = await page.$$eval('#app-office option', (os) => os.map((o) => [o.value, o.textContent]));
  assert.deepEqual(offices, [
    ['bontang', 'DPMPTSP Kota Bontang'],
    ['pematangsiantar', 'DPMPTSP Kota Pematangsiantar'],
  ]);
  assert.equal(await page.inputValue('#app-office'), 'bontang', 'the first office by default');
  await page.selectOption('#app-office', 'pematangsiantar');
  await page.click('#fill-example');
  await page.locator('.example [role=status]', { hasText: 'Formulir diisi dengan contoh' }).waitFor();
  await page.locator('#application-form button[type=submit]').click();
  await page.waitForURL(/#\/berkas\/[0-9a-f-]+$/);
  assert.equal(await page.locator('#case-office').textContent(), 'DPMPTSP Kota Pematangsiantar');
  await context.close();
  assert.deepEqual(errors, []);
});

test('Kantor: the office administrator records a Plh. of the section head', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, runner.base, errors);
  // The sign-in list groups the demo staff by office.
  await page.goto('/console/#/masuk');
  await page.locator('#users-pematangsiantar + ul button[data-username="pms-admin"]').waitFor();
  await page.locator('#users-bontang + ul button[data-username="admin"]').click();
  await page.waitForFunction(() => !location.hash.startsWith('#/masuk'));
  assert.match(await page.locator('nav.site-nav .who').textContent(), /Yohana Pasaribu · DPMPTSP Kota Bontang · Administrator Kantor/);
  await page.locator('nav.site-nav a', { hasText: /^Kantor$/ }).click();
  const form = page.locator('#delegation-form');
  await form.waitFor();
  await page.locator('#workload-steps tbody tr').first().waitFor();
  await page.selectOption('#dlg-role', 'section_head');
  await page.selectOption('#dlg-kind', 'plh');
  await page.selectOption('#dlg-from', 'local-kasi');
  await page.selectOption('#dlg-to', 'local-bo');
  await page.fill('#dlg-starts_on', todayWita());
  await page.fill('#dlg-ends_on', todayWita());
  await page.fill('#dlg-letter_number', '800/1/BKPSDM/2026');
  await page.fill('#dlg-reason', 'Kepala seksi dinas luar.');
  await form.locator('button[type=submit]').click();
  await page.locator('#office-done').waitFor();
  const row = page.locator('#delegations-table tbody tr', { hasText: '800/1/BKPSDM/2026' });
  assert.equal(await row.getAttribute('data-state'), 'active');
  assert.match(await row.textContent(), /Plh\. Kepala Seksi.*Budi Santoso.*Siti Rahmawati.*Berlaku/);
  assert.ok(await row.locator('button', { hasText: 'Cabut' }).isVisible(), 'an active delegation may be revoked');
  assert.match(await page.locator('#staff-table').textContent(), /Plh\. Kepala Seksi \(menggantikan Budi Santoso\)/);
  await screenshot(page, 'office-delegations');
  assert.deepEqual(await accessibilityProblems(page), [], 'accessibility of the Kantor page');
  await context.close();

  // The stand-in's console says whom she stands in for.
  const bo = await newPage(browser, runner.base, errors);
  await signIn(bo.page, '/console/', 'bo');
  assert.match(await bo.page.locator('nav.site-nav .who').textContent(), /Petugas Back Office, Plh\. Kepala Seksi \(menggantikan Budi Santoso\)/);
  await bo.context.close();
  assert.deepEqual(errors, []);
});

test('Kantor: the office administrator invites a member, then disables the account', { timeout: 120_000 }, async () => {
  const { page, context } = await newPage(browser, runner.base, errors);
  await signIn(page, '/console/', 'admin');
  await page.locator('nav.site-nav a', { hasText: /^Kantor$/ }).click();
  const form = page.locator('#invite-form');
  await form.waitFor();
  // Without a role: the API's error lands on the roles field, nothing is created.
  await page.fill('#inv-name', 'Eko Prasetyo');
  await page.fill('#inv-email', 'eko.prasetyo@dpmptsp-bontang.test');
  await form.locator('button[type=submit]').click();
  await form.locator('.error-summary', { hasText: 'Pilih sedikitnya satu peran' }).waitFor();
  assert.match(await page.locator('#inv-roles .field-error').textContent(), /Pilih sedikitnya satu peran/);
  await form.locator('input[name=roles][value=front_office]').check();
  await page.fill('#inv-reason', 'SK penempatan 800/77/BKPSDM/2026');
  await form.locator('button[type=submit]').click();
  await page.locator('#office-done', { hasText: 'Eko Prasetyo diundang sebagai Petugas Front Office' }).waitFor();
  const row = page.locator('#staff-table tbody tr', { hasText: 'Eko Prasetyo' });
  assert.equal(await row.getAttribute('data-status'), 'invited');
  assert.match(await row.textContent(), /eko\.prasetyo@dpmptsp-bontang\.test.*Petugas Front Office.*Diundang/);
  assert.deepEqual(await accessibilityProblems(page), [], 'accessibility of the Kantor page with the invitation');
  // Disabled with a reason; the row says so and offers to enable it again.
  await row.locator('button', { hasText: 'Nonaktifkan' }).click();
  const status = page.locator('#staff-status-form');
  await status.locator('h3').waitFor();
  await page.fill('#acct-reason', 'Salah alamat e-mail; diundang ulang.');
  await status.locator('button[type=submit]').click();
  await page.locator('#office-done', { hasText: 'Akun Eko Prasetyo dinonaktifkan' }).waitFor();
  const after = page.locator('#staff-table tbody tr', { hasText: 'Eko Prasetyo' });
  assert.equal(await after.getAttribute('data-status'), 'disabled');
  assert.ok(await after.locator('button', { hasText: 'Aktifkan' }).isVisible());
  await screenshot(page, 'office-staff-accounts');
  await context.close();
  assert.deepEqual(errors, []);
});
