// The revision loop in a real browser: the front office returns a file as incomplete (the
// reason is required, the missing documents are picked only for that outcome), the applicant
// sees the request, the API's own refusal of a resubmission without the new upload is shown
// beside the document, the form is corrected and the document uploaded again, and the file
// goes back to the front office.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { accessibilityProblems, launchBrowser, newPage, pdf, screenshot, signIn, startRunner, submittedCase } from './harness.mjs';

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

test('revision: returned as incomplete, corrected, uploaded again and resubmitted', { timeout: 300_000 }, async () => {
  const c = await submittedCase(runner.base, 'pemohon');

  // --- The front office returns it.
  const { context: foCtx, page: f } = await newPage(browser, runner.base, errors);
  await signIn(f, '/console/', 'fo');
  await f.goto(`/console/#/kasus/${c.id}`);
  const form = f.locator('#decision-front_office_verification');
  await form.waitFor();
  const missing = form.locator('[data-field="missing"]');
  assert.equal(await missing.isVisible(), false, 'missing documents only for a negative outcome');
  await form.locator('input[name=outcome][value=incomplete]').check();
  assert.equal(await missing.isVisible(), true);
  await form.locator('button[type=submit]').click();
  await form.locator('[data-field="reason"] .field-error', { hasText: 'Alasan wajib diisi untuk keputusan ini.' }).waitFor();
  await form.locator('textarea[name=reason]').fill('Daftar anggota tidak ditandatangani pengurus.');
  await missing.locator('input[value=member_list]').check();
  await screenshot(f, 'console-case-return');
  assert.deepEqual(await accessibilityProblems(f), []);
  await form.locator('button[type=submit]').click();
  await f.locator('#decision-done', { hasText: 'Perbaikan berkas oleh pemohon' }).waitFor();
  await foCtx.close();

  // --- The applicant sees the request.
  const { context, page } = await newPage(browser, runner.base, errors, { width: 360, height: 780 });
  await signIn(page, '/', 'pemohon');
  await page.goto(`/#/berkas/${c.id}`);
  const revision = page.locator('#revision');
  await revision.waitFor();
  assert.match(await revision.textContent(), /Daftar anggota tidak ditandatangani pengurus\./);
  assert.match(await revision.textContent(), /Daftar anggota Kantor Kas/);
  assert.match(await page.locator('#req-member_list').textContent(), /Diminta diunggah ulang/);

  // Resubmitting without the new upload: the API refuses; its error sits beside the document.
  await page.click('#submit-case');
  const docError = page.locator('#req-member_list > .field-error');
  await docError.waitFor({ state: 'visible' });
  assert.match(await docError.textContent(), /Dokumen harus diunggah ulang setelah berkas dikembalikan: Daftar anggota Kantor Kas/);
  assert.match(await page.locator('#submit .error-summary').textContent(), /persyaratan/i);
  await screenshot(page, 'case-page-revision-phone');
  assert.deepEqual(await accessibilityProblems(page), []);

  // The form is corrected (PUT with the case's version) ...
  await page.click('a[href$="/ubah"]');
  await page.locator('#application-form').waitFor();
  await page.fill('#app-cash_office-member_count', '19');
  await page.click('#application-form button[type=submit]');
  await page.locator('#app-cash_office-member_count-error', { hasText: 'paling sedikit 20 (dua puluh) orang' }).waitFor();
  await page.fill('#app-cash_office-member_count', '31');
  await page.click('#application-form button[type=submit]');
  await page.locator('.flash', { hasText: 'Perubahan permohonan disimpan' }).waitFor();
  assert.match(await page.locator('#application').textContent(), /31 orang/);

  // ... the member list uploaded again (version 2), and the file resubmitted.
  await page.setInputFiles('#file-member_list', { name: 'daftar-anggota-v2.pdf', mimeType: 'application/pdf', buffer: pdf('daftar anggota v2') });
  await page.click('#upload-member_list');
  await page.locator('#req-member_list .doc-status', { hasText: 'versi 2' }).waitFor();
  await page.click('#submit-case');
  await page.locator('.flash', { hasText: 'diajukan kembali' }).waitFor();
  assert.match(await page.locator('#current-step').textContent(), /Verifikasi pendaftaran oleh petugas front office/);
  assert.equal(await page.locator('#revision').count(), 0, 'the request is no longer shown once resubmitted');
  await context.close();

  assert.deepEqual(errors, []);
});
