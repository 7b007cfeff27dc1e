// Complaints in a real browser: an anonymous complaint through the portal and its public
// tracking, a complaint recorded by the officer from the telephone, the officer's register and
// steps b–e, the complaints report with its CSV; a named portal complaint whose address is
// confirmed through the e-mail's link, closed by the officer as a duplicate; the register's
// "Muat lagi"; then, on the runner's dev clock, a case past its deadline is marked late in the
// front office's queue and on the heads' dashboard. Filing from the portal solves the API's
// proof of work (the default 18 bits) in the browser.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { accessibilityProblems, api, apiLogin, launchBrowser, newPage, screenshot, signIn, startRunner, submittedCase, todayWita } from './harness.mjs';

let runner;
let browser;
const errors = [];

/** Takes the screenshot and checks the page's structure for accessibility. */
async function capture(page, name) {
  await screenshot(page, name);
  assert.deepEqual(await accessibilityProblems(page), [], `accessibility of ${name}`);
}

before(async () => {
  runner = await startRunner({ PD_DEV_CLOCK: '1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await runner?.stop();
});

test('complaints from the portal and the officer, and late cases marked in the queue', { timeout: 600_000 }, async () => {
  // A case to complain about, and to be late later (set up through the API).
  const lateCase = await submittedCase(runner.base, 'pemohon2');
  assert.equal(lateCase.step.code, 'front_office_verification');

  // --- a: an anonymous complaint through the portal, without signing in.
  const { context: pub, page } = await newPage(browser, runner.base, errors, { width: 360, height: 780 });
  await page.goto('/#/pengaduan');
  await page.locator('#complaint-form').waitFor();
  // Without a name and not anonymous: the error sits beside the name.
  await page.fill('#adu-text', 'Antrean di loket perizinan terlalu lama tanpa kepastian.');
  await page.click('#complaint-form button[type=submit]');
  await page.locator('#adu-name-error', { hasText: 'Wajib diisi.' }).waitFor();
  assert.equal(await page.getAttribute('#adu-name', 'aria-invalid'), 'true');
  await page.check('#adu-anonymous');
  assert.equal(await page.isVisible('#adu-name'), false, 'identity fields hidden when anonymous');
  await page.fill('#adu-about', lateCase.registration_number);
  // The proof of work at the default difficulty takes the browser a few seconds at most.
  const started = Date.now();
  await page.click('#complaint-form button[type=submit]');
  const code = (await page.locator('#tracking-code').textContent()).trim();
  assert.ok(Date.now() - started < 15_000, `filed in ${Date.now() - started} ms`);
  assert.match(code, /^ADU-[A-Z0-9]{5}-[A-Z0-9]{5}$/);
  await capture(page, 'complaint-filed-phone');
  // Tracking it shows progress, never the text.
  await page.locator('#complaint-receipt a').click();
  await page.locator('main dl').waitFor();
  const tracked = await page.locator('main').textContent();
  assert.match(tracked, /Dalam penanganan/);
  assert.ok(!tracked.includes('Antrean di loket'), 'no complaint text on the tracking page');

  // --- The complaints officer records a telephone complaint by a named person.
  const { context: off, page: o } = await newPage(browser, runner.base, errors);
  await signIn(o, '/console/', 'pengaduan');
  await o.locator('#complaints-register').waitFor();
  assert.equal(await o.locator('nav a[href="#/"]').count(), 0, 'no case queue for a complaints officer');
  await o.click('a[href="#/pengaduan/catat"]');
  await o.locator('#record-form').waitFor();
  await o.click('#record-form button[type=submit]');
  await o.locator('#rec-channel-error', { hasText: 'Wajib diisi.' }).waitFor();
  await o.selectOption('#rec-channel', 'telephone');
  await o.fill('#rec-text', 'Kantor kas KSP beroperasi sebelum izin terbit dan menarik dana anggota.');
  await o.fill('#rec-name', 'Sri Handayani');
  await o.fill('#rec-phone', '0812 1111 2222');
  await o.click('#record-form button[type=submit]');
  await o.waitForURL(/#\/pengaduan\/[0-9a-f-]+$/);
  await o.locator('.flash', { hasText: 'Pengaduan dicatat dengan kode' }).waitFor();
  assert.match(await o.locator('#c-who').textContent(), /Sri Handayani/);

  // The register lists both, the anonymous one without identity.
  await o.goto('/console/#/pengaduan');
  const register = o.locator('#complaints-register');
  await register.waitFor();
  assert.equal(await register.locator('tbody tr').count(), 2);
  assert.match(await register.textContent(), /Anonim/);
  assert.match(await register.textContent(), /Sri Handayani/);
  await capture(o, 'complaints-register');

  // --- b–e for the anonymous complaint.
  await register.locator('a', { hasText: code }).click();
  await o.locator('#complaint-step-registration').waitFor();
  await capture(o, 'complaint-page');
  await o.click('#complaint-step-registration button[type=submit]');
  await o.locator('#complaint-step-investigation').waitFor();
  await o.click('#complaint-step-investigation button[type=submit]');
  await o.locator('#c-investigation-findings-error', { hasText: 'Wajib diisi.' }).waitFor();
  await o.fill('#c-investigation-findings', 'Satu loket tutup saat jam istirahat.');
  await o.click('#complaint-step-investigation button[type=submit]');
  await o.locator('#complaint-step-follow_up').waitFor();
  await o.check('#complaint-step-follow_up input[name=follow_up][value=mediation]');
  await o.fill('#c-follow_up-notes', 'Jadwal istirahat petugas loket digilir.');
  await o.click('#complaint-step-follow_up button[type=submit]');
  await o.locator('#complaint-step-satisfaction_check').waitFor();
  await o.check('#complaint-step-satisfaction_check input[name=outcome][value=unreachable]');
  await o.fill('#c-satisfaction_check-notes', 'Pengadu anonim.');
  await o.click('#complaint-step-satisfaction_check button[type=submit]');
  await o.locator('#complaint-done', { hasText: 'selesai ditangani' }).waitFor();
  // The audit trail names the officer's role by the title the API sends with each event.
  assert.match(await o.locator('#c-audit').textContent(), /Fajar Nugroho \(Petugas Pengaduan\)/);

  // The public tracking page now says it is done.
  assert.ok(page.url().endsWith(`#/pengaduan/lacak/${code}`));
  await page.reload();
  await page.locator('main dl', { hasText: 'Selesai' }).waitFor();
  assert.match(await page.locator('main').textContent(), /Mediasi/);

  // --- The complaints report of today, as the officer sees it, and its CSV.
  await o.goto(`/console/#/laporan?dari=${todayWita()}&sampai=${todayWita()}`);
  await o.locator('#complaints-channel').waitFor();
  assert.equal(await o.locator('#report-sla').count(), 0, 'the officer reads only the complaints report');
  const channel = await o.locator('#complaints-channel').textContent();
  assert.match(channel, /Portal Perizinan Digital\s*1/);
  assert.match(channel, /Telepon \(0548-20594\)\s*1/);
  assert.ok(!(await o.locator('#report-complaints').textContent()).includes('Sri Handayani'), 'no names in the report');
  const [csv] = await Promise.all([o.waitForEvent('download'), o.locator('#report-complaints button.csv').first().click()]);
  assert.equal(csv.suggestedFilename(), `laporan-pengaduan-summary-${todayWita()}-${todayWita()}.csv`);
  // UTF-8 with a byte order mark, so that spreadsheet programs read the letters right.
  assert.match(await readFile(await csv.path(), 'utf8'), /^\uFEFFdimensi,kode,uraian,jumlah\r\n/);

  // --- A named complaint from the portal with an e-mail address: one confirmation request.
  await page.goto('/#/pengaduan');
  await page.locator('#complaint-form').waitFor();
  await page.fill('#adu-text', 'Petugas meminta biaya tambahan di luar ketentuan.');
  await page.fill('#adu-name', 'Warga Bontang');
  await page.fill('#adu-email', 'warga.portal@warga.test');
  await page.click('#complaint-form button[type=submit]');
  await page.locator('#complaint-email-pending').waitFor();
  const named = (await page.locator('#tracking-code').textContent()).trim();
  const outbox = async () => (await (await fetch(`${runner.base}/_outbox`)).json()).items.filter((m) => m.to[0] === 'warga.portal@warga.test');
  let mails = await outbox();
  assert.equal(mails.length, 1, JSON.stringify(mails.map((m) => m.subject)));
  assert.equal(mails[0].subject, `Konfirmasi alamat e-mail untuk pengaduan ${named}`);
  await page.goto(`/#/pengaduan/lacak/${named}`);
  await page.locator('#complaint-email-unconfirmed', { hasText: 'belum dikonfirmasi' }).waitFor();
  const link = /(http\S*#\/pengaduan\/konfirmasi\?\S+)/.exec(mails[0].body)[1];
  await page.goto(`/${link.slice(link.indexOf('#'))}`);
  await page.locator('#complaint-confirm').click();
  await page.locator('#complaint-confirmed').waitFor();
  await capture(page, 'complaint-email-confirmed');
  await page.goto(`/#/pengaduan/lacak/${named}`);
  await page.locator('main dl', { hasText: 'Terkonfirmasi' }).waitFor();

  // The officer closes it as a duplicate of Sri Handayani's: the code is required; the
  // complainant, now confirmed, is told.
  const adu = await apiLogin(runner.base, 'pengaduan');
  const open = await api(runner.base, 'GET', '/complaints?limit=200', { token: adu });
  const sri = open.items.find((c) => c.complainant?.name === 'Sri Handayani');
  const mine = open.items.find((c) => c.tracking_code === named);
  await o.goto(`/console/#/pengaduan/${mine.id}`);
  await o.locator('#complaint-step-registration').waitFor();
  assert.match(await o.locator('#complaint-step-registration').textContent(), /Spam/);
  await o.check('#complaint-step-registration input[name=outcome][value=duplicate]');
  await o.click('#complaint-step-registration button[type=submit]');
  await o.locator('#c-registration-duplicate_of-error', { hasText: 'kode pelacakan' }).waitFor();
  await o.fill('#c-registration-duplicate_of', sri.tracking_code);
  await o.click('#complaint-step-registration button[type=submit]');
  await o.locator('#complaint-done', { hasText: 'sama dengan pengaduan' }).waitFor();
  mails = await outbox();
  assert.equal(mails.length, 2);
  assert.match(mails[1].subject, /sama dengan pengaduan lain/);

  // --- The register a page at a time: 50, then "Muat lagi" for the rest.
  for (let i = 0; i < 50; i++) {
    await api(runner.base, 'POST', '/complaints/recorded', {
      token: adu,
      body: { kind: 'input', channel: 'complaints_box', anonymous: true, text: `Masukan nomor ${i} dari kotak pengaduan.` },
    });
  }
  const total = (await api(runner.base, 'GET', '/complaints?limit=200', { token: adu })).count;
  assert.ok(total > 50, `${total} open`);
  await o.goto('/console/#/pengaduan');
  await register.waitFor();
  assert.equal(await register.locator('tbody tr').count(), 50);
  await o.locator('#complaints-more', { hasText: 'Muat lagi' }).click();
  await o.locator('#complaints-count', { hasText: `${total} pengaduan terbuka.` }).waitFor();
  assert.equal(await register.locator('tbody tr').count(), total);
  assert.equal(await o.isVisible('#complaints-more'), false, 'nothing more to load');
  await off.close();
  await pub.close();

  // --- A week later (dev clock): the case is late in the front office's queue.
  const clock = await fetch(`${runner.base}/_dev/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advance_days: 7 }),
  });
  assert.ok(clock.ok, `dev clock: ${clock.status}`);
  const { context: fo, page: f } = await newPage(browser, runner.base, errors);
  await signIn(f, '/console/', 'fo');
  const row = f.locator(`#queue tr[data-case-id="${lateCase.id}"]`);
  await row.waitFor();
  assert.match(await row.getAttribute('class'), /\blate\b/);
  assert.match(await row.textContent(), /Terlambat/, 'late in words, not only in colour');
  assert.match(await row.textContent(), /Melewati batas waktu/);
  assert.match(await f.locator('#queue-summary').textContent(), /1 terlambat/);
  await capture(f, 'console-queue-late');
  await fo.close();

  // The heads' dashboard lists it among the overdue cases.
  const { context: head, page: k } = await newPage(browser, runner.base, errors);
  await signIn(k, '/console/', 'kadis');
  await k.goto('/console/#/dasbor');
  const overdue = k.locator('#overdue-table');
  await overdue.waitFor();
  assert.match(await overdue.textContent(), new RegExp(lateCase.registration_number));
  assert.match(await overdue.textContent(), /Petugas Front Office/);
  await capture(k, 'dashboard-overdue');
  await head.close();

  assert.deepEqual(errors, [], 'no page errors and no CSP violations');
});
