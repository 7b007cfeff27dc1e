// The applicant's notices by e-mail and SMS in a real browser (issue 19): the application form
// checks the mobile number as the API does and offers "E-mail dan SMS"; once the front office
// marks the file complete the outbox holds the SMS to the applicant's number; the mail service
// reports the e-mail as bounced; the console's case page warns "E-mail pemohon tidak terkirim"
// with the address and the service's words, lists the sendings, and the applicant's page warns
// too; the front office corrects the address with the case page's form, the warning goes and the
// notice goes out again to the new address.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { REQUIRED, accessibilityProblems, apiLogin, launchBrowser, monthsAgo, newPage, screenshot, signIn, startRunner, todayWita, uploadDocument } from './harness.mjs';

let runner;
let browser;
const errors = [];

const EMAIL = 'pengurus@ksp-sejahtera.test';
const NEW_EMAIL = 'bendahara@ksp-sejahtera.test';
const MOBILE = '+6281234567890';
const MOBILE_ERROR = 'Nomor HP tidak valid untuk SMS; gunakan nomor seluler, contoh 0812-3456-7890.';

before(async () => {
  runner = await startRunner();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await runner?.stop();
});

/** Takes the screenshot and checks the page's structure for accessibility. */
async function capture(page, name) {
  await screenshot(page, name);
  assert.deepEqual(await accessibilityProblems(page), [], `accessibility of ${name}`);
}

async function outbox() {
  const resp = await fetch(`${runner.base}/_outbox`);
  assert.equal(resp.status, 200, 'GET /_outbox');
  return (await resp.json()).items;
}

/** Waits (up to 30 s) for an outbox item matching `pred`. */
async function waitForMessage(pred, what) {
  const until = Date.now() + 30_000;
  for (;;) {
    const found = (await outbox()).find(pred);
    if (found) return found;
    if (Date.now() > until) assert.fail(`no ${what} in the outbox: ${JSON.stringify((await outbox()).map((m) => [m.channel, m.to, m.subject]))}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const fileComplete = (to) => (m) => m.channel === 'email' && m.to.includes(to) && m.subject.startsWith('Berkas sudah lengkap');

test('an e-mail that bounced is flagged in the console, the front office corrects it and the notice goes again', { timeout: 300_000 }, async () => {
  // --- The applicant applies, choosing e-mail and SMS.
  const { context: appCtx, page } = await newPage(browser, runner.base, errors);
  await signIn(page, '/', 'pemohon');
  await page.goto('/#/ajukan/kantor-kas-ksp');
  await page.locator('#application-form[data-permit="kantor-kas-ksp"]').waitFor();
  const phone = page.locator('#app-contact-phone');
  assert.equal(await phone.getAttribute('type'), 'tel');
  assert.equal(await phone.getAttribute('inputmode'), 'tel');
  assert.equal(await phone.getAttribute('autocomplete'), 'tel');
  await page.fill('#app-cooperative_name', 'KSP Sejahtera Bersama');
  await page.fill('#app-legal_entity_number', 'AHU-0001234.AH.01.26.TAHUN 2019');
  await page.fill('#app-nib', '9120001234567');
  await page.fill('#app-oss_reference', 'I-202611260001');
  await page.fill('#app-oss_applied_on', todayWita());
  await page.fill('#app-branch-address', 'Jl. Bhayangkara No. 10, Bontang Utara');
  await page.fill('#app-branch-operating_permit_number', '503/112/DPMPTSP/2024');
  await page.fill('#app-branch-operating_permit_date', monthsAgo(10));
  await page.fill('#app-branch-business_started_on', monthsAgo(8));
  await page.fill('#app-cash_office-address', 'Jl. Ahmad Yani No. 5, Bontang Selatan');
  await page.fill('#app-cash_office-member_count', '25');
  await page.fill('#app-cash_office-head_name', 'Rahmat Hidayat');
  await page.fill('#app-contact-email', EMAIL);
  // A Bontang landline receives no SMS: the browser says so in the API's words.
  await page.fill('#app-contact-phone', '(0548) 20594');
  await page.check('input[name="contact.notify_by"][value="both"]');
  await page.locator('#application-form button[type=submit]').click();
  const phoneError = page.locator('#app-contact-phone-error');
  await phoneError.waitFor({ state: 'visible' });
  assert.equal((await phoneError.textContent()).trim(), MOBILE_ERROR);
  assert.equal(await phone.getAttribute('aria-invalid'), 'true');
  await page.fill('#app-contact-phone', '0812-3456-7890');
  await page.locator('#application-form button[type=submit]').click();
  await page.waitForURL(/#\/berkas\/[0-9a-f-]+$/);
  const caseId = page.url().split('/').pop();
  await page.locator('#case-status', { hasText: 'Draf' }).waitFor();
  assert.match(await page.locator('#application').textContent(), /Pemberitahuan melalui\s*E-mail dan SMS/);
  // The documents go up through the API (the upload in the browser is flow.test's subject).
  const token = await apiLogin(runner.base, 'pemohon');
  for (const code of REQUIRED) await uploadDocument(runner.base, token, caseId, code);
  await page.reload();
  await page.click('#submit-case');
  await page.locator('#case-status', { hasText: 'Dalam proses' }).waitFor();
  assert.equal(await page.locator('#undelivered').count(), 0, 'no warning while every notice arrived');

  // --- The front office marks the file complete (SOP h).
  const { context: foCtx, page: fo } = await newPage(browser, runner.base, errors);
  await signIn(fo, '/console/', 'fo');
  await fo.goto(`/console/#/kasus/${caseId}`);
  const decision = fo.locator('#decision-front_office_verification');
  await decision.waitFor();
  await decision.locator('input[name=outcome][value=complete]').check();
  await decision.locator('button[type=submit]').click();
  await fo.locator('#decision-done', { hasText: 'disimpan' }).waitFor();

  // The applicant chose both: an SMS to the number in E.164 and the e-mail.
  const sms = await waitForMessage((m) => m.channel === 'sms' && m.to.includes(MOBILE), `SMS to ${MOBILE}`);
  assert.equal(sms.subject, '');
  assert.ok(sms.segments >= 1, `SMS segments: ${sms.segments}`);
  assert.ok(['gsm7', 'ucs2'].includes(sms.encoding), `SMS encoding: ${sms.encoding}`);
  assert.ok(sms.message_id, 'the SMS has a message id');
  const mail = await waitForMessage(fileComplete(EMAIL), `"Berkas sudah lengkap" e-mail to ${EMAIL}`);

  // --- The mail service reports a hard bounce.
  const diagnostic = 'smtp; 550 5.1.1 user unknown';
  const ev = await fetch(`${runner.base}/_outbox/${encodeURIComponent(mail.file)}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ event: 'bounce', detail: diagnostic }),
  });
  assert.equal(ev.status, 200, `bounce event: ${await ev.clone().text()}`);
  assert.equal((await ev.json()).result, 'recorded');

  // --- The console's case page warns, names the address and the service's words.
  await fo.reload();
  const banner = fo.locator('#undelivered');
  await banner.waitFor();
  assert.equal(await banner.getAttribute('role'), 'alert');
  const bannerText = await banner.textContent();
  assert.match(bannerText, /E-mail pemohon tidak terkirim — hubungi pemohon dan perbaiki alamatnya\./);
  assert.ok(bannerText.includes(EMAIL), `the address in the warning: ${bannerText}`);
  assert.ok(bannerText.includes(diagnostic), `the service's detail in the warning: ${bannerText}`);
  assert.match(bannerText, /Berkas sudah lengkap/);
  assert.doesNotMatch(bannerText, /SMS pemohon tidak terkirim/, 'the SMS arrived as far as anyone knows');
  // The history of the sendings: the e-mail bounced, the SMS handed to the service.
  const history = fo.locator('#notices');
  assert.match(await history.locator('h2').textContent(), /Riwayat pemberitahuan/);
  const bounced = history.locator('tr[data-channel="email"][data-status="bounced"]');
  assert.equal(await bounced.count(), 1);
  assert.match(await bounced.textContent(), /Berkas sudah lengkap/);
  assert.match(await bounced.textContent(), /Gagal \(bounce\)/);
  const smsRow = history.locator('tr[data-channel="sms"][data-notice="file_complete"]');
  assert.equal(await smsRow.count(), 1);
  assert.match(await smsRow.textContent(), /SMS/);
  assert.ok((await smsRow.textContent()).includes(MOBILE));
  assert.match(await smsRow.textContent(), /Terkirim ke layanan/);
  await capture(fo, 'console-case-undelivered');

  // --- The applicant's page warns too.
  await page.reload();
  await page.locator('#undelivered').waitFor();
  assert.match(await page.locator('#undelivered').textContent(), /E-mail pemberitahuan tidak sampai kepada Anda/);
  assert.ok(await page.locator('#contact-form').isVisible(), 'the applicant may correct the contact');
  await capture(page, 'portal-case-undelivered');
  await appCtx.close();

  // --- The front office corrects the address with the page's form.
  const form = fo.locator('#contact-form');
  assert.ok(await form.isVisible(), 'the correction form is open while a notice did not arrive');
  assert.equal(await form.locator('#contact-email').inputValue(), EMAIL);
  // Nothing changed: said beside the e-mail field.
  await form.locator('button[type=submit]').click();
  await form.locator('[data-field="email"] .field-error', { hasText: 'Tidak ada kontak yang berubah' }).waitFor();
  // A freephone number is no mobile number.
  const before = await form.locator('#contact-phone').inputValue();
  await form.locator('#contact-phone').fill('0800-1-234567');
  await form.locator('button[type=submit]').click();
  await form.locator('[data-field="phone"] .field-error', { hasText: MOBILE_ERROR }).waitFor();
  await form.locator('#contact-phone').fill(before);
  await form.locator('#contact-email').fill(NEW_EMAIL);
  await form.locator('button[type=submit]').click();
  await fo.locator('#decision-done', { hasText: 'Kontak diperbarui; pemberitahuan dikirim ulang.' }).waitFor();
  assert.equal(await fo.locator('#undelivered').count(), 0, 'the warning is gone');
  assert.match(await fo.locator('#application').textContent(), new RegExp(NEW_EMAIL.replace(/[.]/g, '\\.')));
  assert.match(await fo.locator('#history').textContent(), /Kontak pemohon diperbaiki/);

  // The notice that did not arrive goes to the new address.
  const resent = await waitForMessage(fileComplete(NEW_EMAIL), `"Berkas sudah lengkap" e-mail to ${NEW_EMAIL}`);
  assert.notEqual(resent.file, mail.file);
  await fo.reload();
  await fo.locator(`#notices tr[data-channel="email"]`, { hasText: NEW_EMAIL }).waitFor();
  assert.equal(await fo.locator('#undelivered').count(), 0);
  await capture(fo, 'console-case-contact-corrected');
  await foCtx.close();

  assert.deepEqual(errors, []);
});
