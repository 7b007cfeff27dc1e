// One kantor kas case through the portal and the console in a real browser: the applicant
// picks the permit from the catalogue and applies (seeing an Indonesian error beside a wrong NIB), uploads the four documents with progress
// bars and submits; every staff role decides its step from its own queue, and no one sees
// another role's form; the applicant answers the SKM survey; after effectuation the case says
// "Izin terbit", the signed letter downloads and verifies as the signed bytes.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { REQUIRED, accessibilityProblems, launchBrowser, monthsAgo, newPage, pdf, screenshot, signIn, startRunner, todayWita } from './harness.mjs';

let runner;
let browser;
const errors = [];

/** Takes the screenshot and checks the page's structure for accessibility. */
async function capture(page, name) {
  await screenshot(page, name);
  assert.deepEqual(await accessibilityProblems(page), [], `accessibility of ${name}`);
}

before(async () => {
  runner = await startRunner();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await runner?.stop();
});

/** Fills the kantor kas application form (portal, #/ajukan/kantor-kas-ksp) with a valid application, except `nib`. */
async function fillApplication(page, nib) {
  await page.fill('#app-cooperative_name', 'KSP Sejahtera Bersama');
  await page.fill('#app-legal_entity_number', 'AHU-0001234.AH.01.26.TAHUN 2019');
  await page.fill('#app-nib', nib);
  await page.fill('#app-oss_reference', 'I-202611260001');
  await page.fill('#app-oss_applied_on', todayWita());
  await page.fill('#app-branch-address', 'Jl. Bhayangkara No. 10, Bontang Utara');
  await page.fill('#app-branch-operating_permit_number', '503/112/DPMPTSP/2024');
  await page.fill('#app-branch-operating_permit_date', monthsAgo(10));
  await page.fill('#app-branch-business_started_on', monthsAgo(8));
  await page.fill('#app-cash_office-address', 'Jl. Ahmad Yani No. 5, Bontang Selatan');
  await page.fill('#app-cash_office-member_count', '25');
  await page.fill('#app-cash_office-head_name', 'Rahmat Hidayat');
  await page.fill('#app-contact-email', 'pengurus@ksp-sejahtera.test');
  await page.fill('#app-contact-phone', '0812-3456-7890');
}

/**
 * A staff member signs in to the console, finds the case in its own queue, checks that its
 * page offers exactly its own step's form, fills it and saves it.
 */
async function staffDecides(user, caseId, step, fill, shot) {
  const { context, page } = await newPage(browser, runner.base, errors);
  try {
    await signIn(page, '/console/', user);
    await page.waitForSelector('#queue');
    const row = page.locator(`#queue tr[data-case-id="${caseId}"]`);
    await assert.doesNotReject(row.waitFor(), `${user}: the case is in the queue`);
    // The row names the permit (short name) and the holder.
    assert.match(await row.textContent(), /Izin Pembukaan Kantor Kas KSP/);
    assert.match(await row.textContent(), /KSP Sejahtera Bersama/);
    if (shot?.queue) await capture(page, shot.queue);
    await row.locator('a').first().click();
    const form = page.locator(`#decision-${step}`);
    await form.waitFor();
    assert.equal(await page.locator('form.decision-form').count(), 1, `${user}: only its own step's form`);
    await fill(form, page);
    if (shot?.form) await capture(page, shot.form);
    await form.locator('button[type=submit]').click();
    await page.locator('#decision-done').waitFor();
    const done = await page.locator('#decision-done').textContent();
    assert.match(done, /disimpan/, `${user} at ${step}: ${done}`);
    // After deciding, the form is gone: the step has moved on.
    assert.equal(await page.locator(`#decision-${step}`).count(), 0);
  } finally {
    await context.close();
  }
}

test('a case from application to issued permit, through portal and console', { timeout: 600_000 }, async () => {
  // --- The portal's home page, on a desktop and on a 360 px phone.
  {
    const { context, page } = await newPage(browser, runner.base, errors, { width: 360, height: 780 });
    await page.goto('/');
    await page.locator('h1').waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'id');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling at 360 px (overflow ${overflow}px)`);
    await capture(page, 'portal-home-phone');
    await context.close();
  }
  const { context: appCtx, page } = await newPage(browser, runner.base, errors);
  await page.goto('/');
  assert.match(await page.locator('h1').textContent(), /Perizinan Digital/);
  // The home page lists the catalogue's permits.
  await page.locator('#permits li[data-permit]').first().waitFor();
  assert.equal(await page.locator('#permits li[data-permit]').count(), 3);
  assert.equal(await page.locator('main').count(), 1);
  assert.equal(await page.locator('header').count(), 1);
  assert.equal(await page.locator('nav').count(), 1);
  await capture(page, 'portal-home');

  // Keyboard: the first Tab reaches the skip link, Enter moves focus to the main content;
  // focus is visible.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Langsung ke isi utama');
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'none');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => ({ tag: document.activeElement?.tagName, outline: getComputedStyle(document.activeElement).outlineStyle }));
  assert.equal(focused.tag, 'A');
  assert.notEqual(focused.outline, 'none', 'focus is visible on links');

  // --- The applicant signs in, starts from the catalogue and fills the form with a 12-digit NIB.
  await signIn(page, '/', 'pemohon');
  await page.locator('nav a[href="#/izin"]').click();
  await page.locator('#apply-kantor-kas-ksp').click();
  await page.locator('#application-form[data-permit="kantor-kas-ksp"]').waitFor();
  assert.match(await page.locator('#permit-name').textContent(), /Izin Pembukaan Kantor Kas Koperasi Simpan Pinjam/);
  await fillApplication(page, '912000123456');
  await page.locator('#application-form button[type=submit]').click();
  const nibError = page.locator('#app-nib-error');
  await nibError.waitFor({ state: 'visible' });
  assert.equal((await nibError.textContent()).trim(), 'NIB harus terdiri dari tepat 13 angka.');
  assert.equal(await page.getAttribute('#app-nib', 'aria-invalid'), 'true');
  assert.match(await page.getAttribute('#app-nib', 'aria-describedby'), /app-nib-error/);
  const summary = page.locator('#application-form .error-summary');
  assert.ok(await summary.isVisible(), 'the summary at the top is shown');
  assert.match(await summary.textContent(), /Periksa kembali isian yang ditandai/);
  assert.ok(await summary.evaluate((el) => el === document.activeElement), 'focus moves to the summary');
  await capture(page, 'application-form-error');

  // The summary's link takes the keyboard to the field.
  await summary.locator('a').first().click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'app-nib');

  // --- Corrected, saved as a draft.
  await page.fill('#app-nib', '9120001234567');
  await page.locator('#application-form button[type=submit]').click();
  await page.waitForURL(/#\/berkas\/[0-9a-f-]+$/);
  const caseId = page.url().split('/').pop();
  await page.locator('#case-status').waitFor();
  assert.equal(await page.locator('#case-status').textContent(), 'Draf');
  assert.equal(await page.locator('#case-permit').textContent(), 'Izin Pembukaan Kantor Kas Koperasi Simpan Pinjam');
  // The values read back with the definition's labels and formats.
  const facts = await page.locator('#application').textContent();
  assert.match(facts, /Jumlah anggota Kantor Kas\s*25 orang/);
  assert.match(facts, /Nama calon kepala Kantor Kas\s*Rahmat Hidayat/);
  assert.equal(await page.isHidden('#app-nib-error').catch(() => true), true);

  // --- The four documents, each with its progress bar.
  for (const code of REQUIRED) {
    await page.setInputFiles(`#file-${code}`, { name: `${code}.pdf`, mimeType: 'application/pdf', buffer: pdf(code) });
    await page.click(`#upload-${code}`);
    const progress = page.locator(`#progress-${code}`);
    await progress.waitFor({ state: 'visible' });
    await page.waitForFunction((id) => document.getElementById(id)?.value === 100, `progress-${code}`);
    assert.equal(await progress.getAttribute('max'), '100');
    await page.locator(`#req-${code} .doc-status`, { hasText: 'Sudah diunggah' }).waitFor();
  }
  await page.locator('#submit-case').waitFor();
  await capture(page, 'case-page-draft');

  // --- Submitted.
  await page.click('#submit-case');
  await page.locator('#case-status', { hasText: 'Dalam proses' }).waitFor();
  const title = await page.locator('h1').textContent();
  const registration = /\bKK-\d{4}-\d{6}/.exec(title)?.[0];
  assert.ok(registration, `registration number in "${title}"`);
  assert.match(await page.locator('#current-step').textContent(), /Verifikasi pendaftaran oleh petugas front office/);
  assert.match(await page.locator('#deadlines').textContent(), /Waktu instansi\s*Pemeriksaan dan persetujuan oleh DPMPTSP/);
  assert.match(await page.locator('#history').textContent(), /Permohonan diajukan/);
  assert.equal(await page.locator('#submit-case').count(), 0, 'no submit button once submitted');
  await capture(page, 'case-page');

  // --- The public tracking page knows it.
  {
    const { context, page: p } = await newPage(browser, runner.base, errors);
    await p.goto(`/#/lacak/${registration}`);
    await p.locator('#track-result', { hasText: 'Dalam proses' }).waitFor();
    assert.match(await p.locator('#track-result').textContent(), /Izin Pembukaan Kantor Kas Koperasi Simpan Pinjam/);
    await context.close();
  }

  // --- The back office opening the case while it waits at the front office: no form.
  {
    const { context, page: p } = await newPage(browser, runner.base, errors);
    await signIn(p, '/console/', 'bo');
    await p.waitForSelector('#queue-summary');
    assert.equal(await p.locator(`#queue tr[data-case-id="${caseId}"]`).count(), 0, 'not in the back office queue yet');
    await p.goto(`/console/#/kasus/${caseId}`);
    await p.locator('#no-action').waitFor();
    assert.match(await p.locator('#no-action').textContent(), /Petugas Front Office/);
    assert.equal(await p.locator('form.decision-form').count(), 0, 'bo sees no decision form at front office verification');
    assert.equal(await p.locator('#decision button[type=submit]').count(), 0);
    await context.close();
  }

  // --- Every staff role decides from its own queue, in the SOP's order.
  const choose = (outcome) => async (form) => form.locator(`input[name=outcome][value=${outcome}]`).check();
  await staffDecides('fo', caseId, 'front_office_verification', choose('complete'), { queue: 'console-queue', form: 'console-case-action' });
  await staffDecides('bo', caseId, 'back_office_validation', choose('valid'));
  await staffDecides('kasi', caseId, 'section_head_forwarding', choose('forward'));
  await staffDecides(
    'teknis',
    caseId,
    'technical_verification',
    async (form) => {
      await form.locator('input[name=outcome][value=verified]').check();
      // A decision's text field is bounded as the definition says (the API sends the limits).
      assert.equal(await form.locator('textarea[name=findings]').getAttribute('maxlength'), '4000');
      // findings is required: saving without it shows the error beside the field.
      await form.locator('button[type=submit]').click();
      await form.locator('[data-field="findings"] .field-error', { hasText: 'Wajib diisi.' }).waitFor();
      await form.locator('textarea[name=findings]').fill('Lokasi sesuai; papan nama terpasang.');
      await form.locator('input[name=site_visit_on]').fill(todayWita());
    },
    { form: 'console-case-technical' },
  );
  await staffDecides('diskop', caseId, 'recommendation', async (form) => {
    await form.locator('input[name=outcome][value=grant]').check();
    await form.locator('input[name=recommendation_number]').fill('500/045/DKUMP/2026');
    await form.locator('input[name=recommendation_date]').fill(todayWita());
  });
  await staffDecides('bo', caseId, 'letter_drafting', async (form) => {
    await form.locator('input[name=outcome][value=drafted]').check();
    await form.locator('textarea[name=notes]').fill('Draf sesuai rekomendasi.');
  });
  await staffDecides('kasi', caseId, 'section_head_validation', async (form, p) => {
    // The draft letter is there to read.
    assert.match(await p.locator('#letters').textContent(), /Draf versi 1/);
    await form.locator('input[name=outcome][value=approve]').check();
  });
  await staffDecides('kabid', caseId, 'division_head_validation', choose('approve'));
  await staffDecides('kadis', caseId, 'head_signature', choose('sign'));

  // --- The applicant answers the SKM survey at step q.
  await page.reload();
  await page.locator('#survey-form').waitFor();
  assert.match(await page.locator('#current-step').textContent(), /survei kepuasan/i);
  const scores = { u1: 4, u2: 4, u3: 3, u4: 4, u5: 4, u6: 4, u7: 4, u8: 3, u9: 3 };
  // Sending with one element unanswered shows the error beside it.
  for (const [u, s] of Object.entries(scores)) if (u !== 'u9') await page.check(`input[name="answers.${u}"][value="${s}"]`);
  await page.click('#survey-form button[type=submit]');
  await page.locator('[data-field="answers.u9"] .field-error', { hasText: 'wajib dijawab' }).waitFor();
  await page.check('input[name="answers.u9"][value="3"]');
  await page.selectOption('#skm-profile-education', 's1');
  await page.fill('#skm-suggestion', 'Pelayanan cepat dan jelas.');
  await capture(page, 'survey');
  await page.click('#survey-form button[type=submit]');
  await page.locator('.flash', { hasText: 'survei Anda telah diterima' }).waitFor();
  assert.equal(await page.locator('#survey-form').count(), 0);

  // --- The back office records the effectuation in OSS.
  await staffDecides('bo', caseId, 'effectuation', async (form) => {
    await form.locator('input[name=outcome][value=effectuated]').check();
    await form.locator('input[name=oss_permit_number]').fill('KK-OSS-2026-0099');
    await form.locator('input[name=effective_on]').fill(todayWita());
  });

  // --- "Izin terbit", and the signed letter downloads.
  await page.reload();
  await page.locator('#case-status', { hasText: 'Izin terbit' }).waitFor();
  assert.match(await page.locator('main').textContent(), /KK-OSS-2026-0099/);
  await capture(page, 'case-page-issued');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-letter')]);
  assert.match(download.suggestedFilename(), /^503-\d{4}-SPK-KK-DPMPTSP-\d{4}\.pdf$/);
  const letterPath = await download.path();
  const letter = await readFile(letterPath);
  assert.equal(letter.subarray(0, 5).toString(), '%PDF-');

  // --- The public verification page: valid, and the downloaded bytes are the signed ones.
  const verifyHref = await page.locator('a', { hasText: 'Periksa keaslian surat ini' }).getAttribute('href');
  const documentId = verifyHref.split('/').pop();
  {
    const { context, page: p } = await newPage(browser, runner.base, errors);
    await p.goto(`/#/verifikasi/${documentId}`);
    await p.locator('#verify-result', { hasText: 'Status: Sah' }).waitFor();
    await p.setInputFiles('#verify-file', { name: 'surat.pdf', mimeType: 'application/pdf', buffer: letter });
    await p.click('#verify-form button[type=submit]');
    await p.locator('#verify-match', { hasText: 'Berkas cocok' }).waitFor();
    await capture(p, 'verification');
    // A different file is reported as different.
    await p.setInputFiles('#verify-file', { name: 'palsu.pdf', mimeType: 'application/pdf', buffer: pdf('palsu') });
    await p.click('#verify-form button[type=submit]');
    await p.locator('#verify-match', { hasText: 'Berkas tidak cocok' }).waitFor();
    await context.close();
  }

  // --- The audit trail on the applicant's page lists the decisions, the notices by the titles
  // the permit gives them, and each actor's role by its title.
  const history = await page.locator('#history').textContent();
  for (const t of ['Berkas lengkap', 'Pendaftaran valid', 'Rekomendasikan penerbitan izin', 'Tandatangani surat', 'Survei diisi', 'Izin telah diefektifkan di OSS']) {
    assert.ok(history.includes(t), `history mentions "${t}"`);
  }
  assert.ok(history.includes('Pemberitahuan dikirim: Berkas sudah lengkap'), 'the file_complete notice as the permit names it');
  assert.match(history, /Andi Pratama \(Petugas Front Office\)/);
  assert.match(history, /Maria Ulfa \(Pejabat Dinas Koperasi, UKM dan Perdagangan\)/);
  assert.match(history, /Rantai hash jejak audit utuh/);

  // --- Revoking the signed letter is offered to whom the registry lets revoke (the head of
  // agency), not to the other heads.
  for (const [user, offered] of [['kabid', false], ['kadis', true]]) {
    const { context, page: p } = await newPage(browser, runner.base, errors);
    await signIn(p, '/console/', user);
    await p.goto(`/console/#/kasus/${caseId}`);
    await p.locator('#letters', { hasText: 'Surat yang ditandatangani' }).waitFor();
    assert.equal(await p.locator('#revoke-form').count(), offered ? 1 : 0, `${user}: the revoke form`);
    if (offered) {
      await p.locator('#letters summary', { hasText: 'Cabut surat ini' }).click();
      await p.locator('#revoke-form textarea[name=reason]').waitFor();
    }
    await context.close();
  }

  // --- The dashboard of a head: the chart, its table and the steps handled today.
  {
    const { context, page: p } = await newPage(browser, runner.base, errors);
    await signIn(p, '/console/', 'kabid');
    await p.goto('/console/#/dasbor');
    const chart = p.locator('#sla-chart');
    await chart.waitFor();
    assert.equal(await chart.getAttribute('role'), 'img');
    assert.match(await p.locator('#sla-chart-desc').textContent(), /Verifikasi pendaftaran oleh petugas front office: 1 ditangani, 1 tepat waktu/);
    assert.ok((await p.locator('#dashboard-table tbody tr').count()) >= 10);
    await capture(p, 'dashboard');
    // Reports: the IKM of today counts this one respondent; the CSV downloads with its name.
    await p.goto(`/console/#/laporan?dari=${todayWita()}&sampai=${todayWita()}`);
    await p.locator('#ikm-table').waitFor();
    assert.match(await p.locator('#report-ikm').textContent(), /Responden\s*1/);
    const [csv] = await Promise.all([p.waitForEvent('download'), p.locator('#report-ikm button.csv').click()]);
    assert.equal(csv.suggestedFilename(), `laporan-ikm-${todayWita()}-${todayWita()}.csv`);
    const text = await readFile(await csv.path(), 'utf8');
    assert.match(text, /^\uFEFFunsur,uraian,nilai,nilai_tertimbang\r\n/);
    await capture(p, 'reports');
    await context.close();
  }

  await appCtx.close();
  assert.deepEqual(errors, [], 'no page errors and no CSP violations');
});
