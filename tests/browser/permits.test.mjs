// The permit catalogue in a real browser: the public catalogue page lists the three permits
// with their requirements (the conditional ones with their condition, the payment slip at its
// step); an applicant applies for each of them from there, with the form rendered from the
// permit's definition and filled by "Isi dengan contoh"; the KCP form shows the API's rule
// errors (a work plan shorter than a year, too few members) beside their fields; a PBG case
// goes through the steps only PBG has — the technical assessment with its retribution amount,
// the SKRD, the applicant's payment slip upload and its verification — to the signed PBG.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { PERMITS, accessibilityProblems, launchBrowser, monthsAgo, newPage, pdf, screenshot, signIn, startRunner, todayWita } from './harness.mjs';

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

/** From the catalogue, opens the application form of `permit` and fills it with the example. */
async function openFormWithExample(page, permit) {
  await page.goto('/#/izin');
  await page.locator(`#apply-${permit.code}`).click();
  await page.locator(`#application-form[data-permit="${permit.code}"]`).waitFor();
  assert.equal((await page.locator('#permit-name').textContent()).trim(), permit.name);
  await page.click('#fill-example');
  await page.locator('.example [role=status]', { hasText: 'Formulir diisi dengan contoh' }).waitFor();
}

/** Saves the form, expecting the draft's page. Returns the case id. */
async function saveDraft(page) {
  await page.locator('#application-form button[type=submit]').click();
  await page.waitForURL(/#\/berkas\/[0-9a-f-]+$/);
  await page.locator('#case-status', { hasText: 'Draf' }).waitFor();
  return page.url().split('/').pop();
}

/** Uploads a PDF for every document the draft's page marks as required, then submits. */
async function uploadRequiredAndSubmit(page, permit) {
  const codes = await page.$$eval('#requirements li.req-item', (items) =>
    items.filter((li) => /^Wajib/.test(li.querySelector('.req-need')?.textContent ?? '') && li.querySelector('input[type=file]')).map((li) => li.id.replace(/^req-/, '')),
  );
  assert.ok(codes.length >= 4, `${permit.code}: required documents ${codes}`);
  for (const code of codes) {
    await page.setInputFiles(`#file-${code}`, { name: `${code}.pdf`, mimeType: 'application/pdf', buffer: pdf(code) });
    await page.click(`#upload-${code}`);
    await page.waitForFunction((id) => document.getElementById(id)?.value === 100, `progress-${code}`);
    await page.locator(`#req-${code} .doc-status`, { hasText: 'Sudah diunggah' }).waitFor();
  }
  await page.click('#submit-case');
  await page.locator('#case-status', { hasText: 'Dalam proses' }).waitFor();
  const title = await page.locator('h1').textContent();
  const registration = new RegExp(`\\b${permit.prefix}-\\d{4}-\\d{6}`).exec(title)?.[0];
  assert.ok(registration, `${permit.code}: registration number in "${title}"`);
  return registration;
}

/**
 * A staff member signs in to the console, finds the case in its own queue, checks that its
 * page offers exactly its own step's form, fills it and saves it. Returns the console page's
 * context (closed by the caller) when `keep` is set.
 */
async function staffDecides(user, caseId, step, fill, { shot, row: rowCheck, keep } = {}) {
  const { context, page } = await newPage(browser, runner.base, errors);
  try {
    await signIn(page, '/console/', user);
    await page.waitForSelector('#queue');
    const row = page.locator(`#queue tr[data-case-id="${caseId}"]`);
    await assert.doesNotReject(row.waitFor(), `${user}: the case is in the queue`);
    if (rowCheck) await rowCheck(row, page);
    await row.locator('a').first().click();
    const form = page.locator(`#decision-${step}`);
    await form.waitFor();
    assert.equal(await page.locator('form.decision-form').count(), 1, `${user}: only its own step's form`);
    await fill(form, page);
    if (shot) await capture(page, shot);
    await form.locator('button[type=submit]').click();
    await page.locator('#decision-done').waitFor();
    const done = await page.locator('#decision-done').textContent();
    assert.match(done, /disimpan/, `${user} at ${step}: ${done}`);
    assert.equal(await page.locator(`#decision-${step}`).count(), 0);
    if (keep) return { context, page };
  } catch (e) {
    await context.close();
    throw e;
  }
  await context.close();
  return null;
}

test('the catalogue page lists every permit with its requirements', { timeout: 120_000 }, async () => {
  const { context, page } = await newPage(browser, runner.base, errors);
  await page.goto('/');
  await page.locator('nav a[href="#/izin"]').click();
  await page.locator('#izin-pbg').waitFor();
  for (const p of Object.values(PERMITS)) {
    const card = page.locator(`#izin-${p.code}`);
    assert.equal((await card.locator('h2').textContent()).trim(), p.name);
    assert.ok(await card.locator(`#apply-${p.code}`).isVisible(), `${p.code}: a button to apply`);
  }
  // Fee, processing time and product come from the definitions.
  const pbg = await page.locator('#izin-pbg').textContent();
  assert.match(pbg, /Retribusi daerah/);
  assert.match(pbg, /Persetujuan Bangunan Gedung \(PBG\)/);
  assert.match(await page.locator('#izin-kantor-kas-ksp').textContent(), /Tidak dipungut biaya/);
  // A conditional requirement shows its condition; a step's document shows its step.
  const approval = await page.locator('#izin-kantor-cabang-pembantu-ksp li[data-requirement="regional_head_approval"]').textContent();
  assert.match(approval, /Wajib bila Koperasi sudah memiliki Kantor Cabang di Kota Bontang: Tidak/);
  const landUse = await page.locator('#izin-pbg li[data-requirement="land_use_agreement"]').textContent();
  assert.match(landUse, /Wajib bila Tanah milik pemohon sendiri: Tidak/);
  const slip = await page.locator('#izin-pbg li[data-requirement="deposit_slip"]').textContent();
  assert.match(slip, /Diunggah kemudian, pada tahap Pembayaran retribusi/);
  await capture(page, 'catalogue');
  // Applying asks for sign-in first, then opens the form of that permit.
  await page.click('#apply-pbg');
  await page.waitForURL(/#\/masuk$/);
  await page.locator('button[data-username="pemohon"]').click();
  await page.locator('#application-form[data-permit="pbg"]').waitFor();
  await context.close();
  assert.deepEqual(errors, []);
});

test('KCP: the rule errors of the form beside their fields, then applied and submitted', { timeout: 300_000 }, async () => {
  const permit = PERMITS.kcp;
  const { context, page } = await newPage(browser, runner.base, errors);
  await signIn(page, '/', 'pemohon2');
  await openFormWithExample(page, permit);
  // The form is this permit's: its own sections and a yes/no question.
  assert.match(await page.locator('#application-form').textContent(), /Laporan keuangan dan rencana kerja/);
  assert.equal(await page.locator('#app-has_branch_in_city-0').isChecked(), true, 'the example says the cooperative has a branch in the city');
  // A work plan of six months and ten members: the API's rules answer, beside each field.
  await page.fill('#app-work_plan-starts_on', todayWita());
  await page.fill('#app-work_plan-ends_on', monthsAgo(-6));
  await page.fill('#app-sub_branch-member_count', '10');
  await page.locator('#application-form button[type=submit]').click();
  const plan = page.locator('#app-work_plan-starts_on-error');
  await plan.waitFor({ state: 'visible' });
  assert.equal((await plan.textContent()).trim(), 'Rencana kerja KCP paling sedikit berjangka 1 (satu) tahun.');
  assert.equal(await page.getAttribute('#app-work_plan-starts_on', 'aria-invalid'), 'true');
  const members = page.locator('#app-sub_branch-member_count-error');
  assert.equal((await members.textContent()).trim(), 'Jumlah anggota di wilayah jaringan pelayanan KCP paling sedikit 20 (dua puluh) orang.');
  const summary = page.locator('#application-form .error-summary');
  assert.match(await summary.textContent(), /Awal rencana kerja KCP: Rencana kerja KCP paling sedikit/);
  await capture(page, 'application-form-kcp-rules');

  // Corrected; without a branch in the city the Wali Kota's approval becomes required.
  await page.fill('#app-work_plan-ends_on', monthsAgo(-24));
  await page.fill('#app-sub_branch-member_count', '42');
  await page.check('#app-has_branch_in_city-1');
  const caseId = await saveDraft(page);
  assert.ok(caseId);
  assert.equal(await page.locator('#case-permit').textContent(), permit.name);
  assert.match(await page.locator('#req-regional_head_approval .req-need').textContent(), /^Wajib \(karena Koperasi sudah memiliki Kantor Cabang di Kota Bontang: Tidak\)/);
  assert.match(await page.locator('#application').textContent(), /Koperasi sudah memiliki Kantor Cabang di Kota Bontang\s*Tidak/);
  const registration = await uploadRequiredAndSubmit(page, permit);
  assert.match(await page.locator('#current-step').textContent(), /Verifikasi pendaftaran oleh petugas front office/);
  // The list of the applicant's cases names the permit.
  await page.goto('/#/berkas');
  assert.match(await page.locator(`#my-cases li[data-case-id="${caseId}"]`).textContent(), new RegExp(`${registration}.*${permit.name}`));
  await context.close();
  assert.deepEqual(errors, []);
});

test('PBG: applied from the catalogue, technical assessment with the retribution, SKRD, payment slip and its verification, signed', { timeout: 600_000 }, async () => {
  const permit = PERMITS.pbg;
  const { context: appCtx, page } = await newPage(browser, runner.base, errors);
  await signIn(page, '/', 'pemohon');
  await openFormWithExample(page, permit);
  // Choices (a radio group and a select), decimals with a unit, a boolean.
  assert.equal(await page.locator('#app-owner-kind-0').isChecked(), true);
  assert.equal(await page.inputValue('#app-building-function'), 'hunian');
  assert.equal(await page.inputValue('#app-building-floor_area'), '180,5');
  await capture(page, 'application-form-pbg');
  const caseId = await saveDraft(page);
  const facts = await page.locator('#application').textContent();
  assert.match(facts, /Jenis pemilik\s*Perorangan/);
  assert.match(facts, /Luas total lantai bangunan\s*180,5 m²/);
  assert.match(facts, /Tanah milik pemohon sendiri\s*Ya/);
  // The deposit slip belongs to a later step: not offered with the application.
  assert.equal(await page.locator('#file-deposit_slip').count(), 0);
  assert.match(await page.locator('#req-land_use_agreement .req-need').textContent(), /Tidak wajib untuk isian Anda/);
  const registration = await uploadRequiredAndSubmit(page, permit);
  assert.match(await page.locator('#current-step').textContent(), /Verifikasi kelengkapan dokumen oleh Dinas PUTR/);

  // --- Dinas PUTR: documents complete; the queue row names the permit and the owner.
  await staffDecides('putr', caseId, 'document_verification', async (form) => form.locator('input[name=outcome][value=complete]').check(), {
    row: async (row) => {
      assert.match(await row.textContent(), /\bPBG\b/);
      assert.match(await row.textContent(), /Hendra Wijaya/);
    },
  });

  // --- The technical assessment, a step only PBG has: the retribution amount only for "compliant".
  const kept = await staffDecides(
    'putr-teknis',
    caseId,
    'technical_assessment',
    async (form) => {
      const amount = form.locator('[data-field="retribution_amount"]');
      const missing = form.locator('[data-field="missing"]');
      assert.equal(await amount.isVisible(), false, 'no amount before an outcome is chosen');
      await form.locator('input[name=outcome][value=revision]').check();
      assert.equal(await missing.isVisible(), true, 'documents to upload again for a revision');
      assert.equal(await amount.isVisible(), false, 'no amount for a revision');
      await form.locator('input[name=outcome][value=compliant]').check();
      assert.equal(await amount.isVisible(), true);
      assert.equal(await missing.isVisible(), false);
      assert.match(await amount.textContent(), /Nilai retribusi PBG/);
      // Saving at once: the required fields of this outcome are named beside each.
      await form.locator('button[type=submit]').click();
      await form.locator('[data-field="findings"] .field-error', { hasText: 'Wajib diisi.' }).waitFor();
      await form.locator('[data-field="retribution_amount"] .field-error', { hasText: 'Wajib diisi.' }).waitFor();
      // Not an amount.
      await form.locator('input[name=retribution_amount]').fill('dua belas juta');
      await form.locator('button[type=submit]').click();
      await form.locator('[data-field="retribution_amount"] .field-error', { hasText: 'Tulis nilai rupiah dengan angka' }).waitFor();
      await form.locator('textarea[name=findings]').fill('Rencana teknis memenuhi standar teknis bangunan gedung.');
      await form.locator('input[name=compliance_number]').fill('640/012/PUTR/2026');
      await form.locator('input[name=compliance_date]').fill(todayWita());
      await form.locator('input[name=retribution_amount]').fill('12.500.000');
      await form.locator('textarea[name=retribution_basis]').fill('Luas 180,5 m² × indeks × tarif perda.');
    },
    { shot: 'console-case-pbg-technical', keep: true },
  );
  {
    const { context, page: t } = kept;
    assert.match(await t.locator('#decision-done').textContent(), /Penerbitan SKRD oleh DPMPTSP/);
    // The decision in the trail, with the step's own field labels and the amount in rupiah.
    const trail = await t.locator('#decisions').textContent();
    assert.match(trail, /Memenuhi standar teknis; retribusi dihitung/);
    assert.match(trail, /Nilai retribusi PBG\s*Rp12\.500\.000/);
    assert.match(trail, /Nomor Surat Pemenuhan Standar Teknis\s*640\/012\/PUTR\/2026/);
    await context.close();
  }

  // --- The back office issues the SKRD.
  await staffDecides('bo', caseId, 'skrd_issuance', async (form) => form.locator('input[name=outcome][value=issued]').check());

  // --- The applicant: the bill, its PDF, and the payment slip at its step.
  await page.reload();
  const block = page.locator('#step-upload');
  await block.waitFor();
  const billText = await block.textContent();
  assert.match(billText, /Rp12\.500\.000/);
  assert.match(billText, /Jatuh tempo/);
  const [bill] = await Promise.all([page.waitForEvent('download'), page.click('#download-bill')]);
  assert.match(bill.suggestedFilename(), /^SKRD-.*\.pdf$/);
  assert.equal((await readFile(await bill.path())).subarray(0, 5).toString(), '%PDF-');
  // Sending before uploading: the API's error sits beside the slip.
  await page.click('#submit-step');
  const slipError = page.locator('#req-deposit_slip > .field-error');
  await slipError.waitFor({ state: 'visible' });
  assert.match(await slipError.textContent(), /Slip setoran retribusi daerah/);
  await page.setInputFiles('#file-deposit_slip', { name: 'slip-setoran.pdf', mimeType: 'application/pdf', buffer: pdf('slip setoran') });
  await page.click('#upload-deposit_slip');
  await page.waitForFunction(() => document.getElementById('progress-deposit_slip')?.value === 100);
  await page.locator('#req-deposit_slip .doc-status', { hasText: 'Sudah diunggah' }).waitFor();
  await capture(page, 'case-page-pbg-payment');
  await page.click('#submit-step');
  await page.locator('.flash', { hasText: 'Slip setoran diajukan' }).waitFor();
  assert.match(await page.locator('#current-step').textContent(), /Verifikasi bukti pembayaran retribusi/);
  assert.equal(await page.locator('#step-upload').count(), 0);

  // --- The payment operator verifies the payment; the head signs.
  await staffDecides(
    'kasir',
    caseId,
    'payment_verification',
    async (form) => {
      await form.locator('input[name=outcome][value=verified]').check();
      await form.locator('input[name=payment_reference]').fill('BPD-KALTIM-778899');
      await form.locator('input[name=paid_on]').fill(todayWita());
    },
    { shot: 'console-case-payment-verification' },
  );
  await staffDecides('kadis', caseId, 'pbg_approval', async (form) => form.locator('input[name=outcome][value=sign]').check());

  // --- Signed: the PBG downloads; the bill shows the verified payment.
  await page.reload();
  await page.locator('#case-status', { hasText: 'Izin terbit' }).waitFor();
  assert.match(await page.locator('#bill').textContent(), /Terverifikasi.*BPD-KALTIM-778899/);
  assert.match(await page.locator('#download-letter').textContent(), /Unduh Persetujuan Bangunan Gedung/);
  const [letter] = await Promise.all([page.waitForEvent('download'), page.click('#download-letter')]);
  assert.equal((await readFile(await letter.path())).subarray(0, 5).toString(), '%PDF-');
  await capture(page, 'case-page-pbg-issued');
  const history = await page.locator('#history').textContent();
  for (const t of ['Dokumen lengkap', 'Memenuhi standar teknis; retribusi dihitung', 'Terbitkan SKRD', 'Slip setoran diajukan', 'Pembayaran terverifikasi', 'Tandatangani']) {
    assert.ok(history.includes(t), `history mentions "${t}"`);
  }
  // The notice by the title PBG's definition gives it (the kantor kas permit says "Berkas sudah
  // lengkap"), and the roles of the technical agency by their titles.
  assert.ok(history.includes('Pemberitahuan dikirim: Dokumen sudah lengkap'), 'the file_complete notice as PBG names it');
  assert.ok(!history.includes('Berkas sudah lengkap'), 'not in the kantor kas wording');
  assert.match(history, /Agus Salim \(Petugas Verifikasi Dinas PUTR\)/);
  assert.match(history, /Nur Aini \(Operator Verifikasi Pembayaran Retribusi\)/);
  await appCtx.close();

  // --- The audit trail in the console names every notice as the case's permit does, the office's
  // own notices from the web's labels and an unknown one by its code; an actor's role by the
  // title the API sends beside it. The trail records only some of the notices sent (the API's
  // workflow `notify` tasks), so these events are added to the API's answer here.
  {
    const { context, page: k } = await newPage(browser, runner.base, errors);
    const system = { name: 'Sistem Perizinan Digital', sub: 'system' };
    await context.route(`**/api/cases/${caseId}/events`, async (route) => {
      const resp = await route.fetch();
      const body = await resp.json();
      const at = new Date().toISOString();
      let seq = body.items.length;
      const add = (e) => body.items.push({ seq: ++seq, at, actor: system, ...e });
      add({ action: 'notice.sent', outcome: 'payment_requested' });
      add({ action: 'notice.sent', outcome: 'permit_issued' });
      add({ action: 'notice.sent', outcome: 'escalation' });
      add({ action: 'notice.sent', outcome: 'kode_tak_dikenal' });
      add({ action: 'letter.revoked', actor: { name: 'Inspektur Uji', role: 'inspectorate', role_label: 'Inspektorat Daerah', sub: 'x' }, reason: 'Uji tampilan.' });
      body.count = body.items.length;
      await route.fulfill({ response: resp, json: body });
    });
    await signIn(k, '/console/', 'kabid');
    await k.goto(`/console/#/kasus/${caseId}`);
    const trail = k.locator('#history');
    await trail.locator('li', { hasText: 'Inspektur Uji' }).waitFor();
    const text = await trail.textContent();
    assert.match(text, /Pemberitahuan dikirim: SKRD terbit, mohon bayar retribusi/);
    assert.match(text, /Pemberitahuan dikirim: PBG terbit/);
    assert.match(text, /Pemberitahuan dikirim: Keterlambatan dilaporkan ke atasan/);
    assert.match(text, /Pemberitahuan dikirim: kode_tak_dikenal/);
    assert.match(text, /Inspektur Uji \(Inspektorat Daerah\)/);
    assert.match(text, /Lina Marlina \(Tim Teknis Dinas PUTR\)/);
    await context.close();
  }

  // The public tracking page names the permit.
  {
    const { context, page: p } = await newPage(browser, runner.base, errors);
    await p.goto(`/#/lacak/${registration}`);
    await p.locator('#track-result', { hasText: 'Izin terbit' }).waitFor();
    assert.match(await p.locator('#track-result').textContent(), /Persetujuan Bangunan Gedung/);
    await context.close();
  }

  // --- The head's reports for PBG only: its own steps, its permit in the CSV.
  {
    const { context, page: k } = await newPage(browser, runner.base, errors);
    await signIn(k, '/console/', 'kabid');
    await k.goto(`/console/#/laporan?dari=${todayWita()}&sampai=${todayWita()}`);
    await k.locator('#sla-table').waitFor();
    assert.match(await k.locator('#sla-table').textContent(), /Izin Pembukaan Kantor Kas KSP/, 'all permits by default');
    await k.selectOption('#period-permit', 'pbg');
    await k.click('#period-form button[type=submit]');
    await k.waitForURL(/izin=pbg/);
    await k.locator('#sla-table', { hasText: 'Pemeriksaan rencana teknis' }).waitFor();
    const sla = await k.locator('#sla-table').textContent();
    assert.ok(!sla.includes('Kantor Kas'), 'only PBG steps');
    assert.match(sla, /Verifikasi bukti pembayaran retribusi oleh operator DPMPTSP/);
    const [csv] = await Promise.all([k.waitForEvent('download'), k.locator('#report-sla button.csv').first().click()]);
    const text = await readFile(await csv.path(), 'utf8');
    assert.match(text, /^\uFEFFizin,/);
    assert.ok(text.split('\r\n').slice(1).filter(Boolean).every((l) => l.startsWith('PBG,')), 'the CSV holds PBG rows only');
    const [xlsx] = await Promise.all([k.waitForEvent('download'), k.locator('#report-sla button.xlsx').first().click()]);
    assert.equal(xlsx.suggestedFilename(), `laporan-sla-steps-${todayWita()}-${todayWita()}.xlsx`);
    assert.equal((await readFile(await xlsx.path())).subarray(0, 2).toString('latin1'), 'PK', 'the XLSX is a zip archive');
    await capture(k, 'reports-pbg');
    await context.close();
  }
  assert.deepEqual(errors, []);
});

test('Kantor kas: applied from the catalogue with the example and submitted', { timeout: 300_000 }, async () => {
  // The full kantor kas flow (to the issued permit) is flow.test.mjs; here the catalogue's way in.
  const permit = PERMITS.kk;
  const { context, page } = await newPage(browser, runner.base, errors);
  await signIn(page, '/', 'pemohon');
  await openFormWithExample(page, permit);
  // Every text-like field carries the definition's length limits (a type's defaults included):
  // the browser stops at the maximum and names a value that is too short before sending.
  const maxlength = (id) => page.getAttribute(id, 'maxlength');
  assert.equal(await maxlength('#app-cooperative_name'), '200');
  assert.equal(await maxlength('#app-legal_entity_number'), '100');
  assert.equal(await maxlength('#app-branch-address'), '300');
  assert.equal(await maxlength('#app-cash_office-head_name'), '120');
  await page.fill('#app-cash_office-head_name', 'x'.repeat(130));
  assert.equal((await page.inputValue('#app-cash_office-head_name')).length, 120, 'typing stops at the maximum');
  await page.fill('#app-cash_office-head_name', 'Al');
  await page.fill('#app-branch-address', 'Jl.');
  const sent = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/cases') sent.push(r.url());
  });
  await page.locator('#application-form button[type=submit]').click();
  await page.locator('#app-cash_office-head_name-error', { hasText: 'Paling sedikit 3 karakter.' }).waitFor();
  assert.equal((await page.locator('#app-branch-address-error').textContent()).trim(), 'Paling sedikit 5 karakter.');
  assert.equal(await page.getAttribute('#app-cash_office-head_name', 'aria-invalid'), 'true');
  assert.deepEqual(sent, [], 'nothing is sent while the browser sees the problem');
  await page.fill('#app-cash_office-head_name', 'Siti Aminah');
  await page.fill('#app-branch-address', 'Jl. Bhayangkara No. 12, Bontang Utara');
  await saveDraft(page);
  await uploadRequiredAndSubmit(page, permit);
  await context.close();
  assert.deepEqual(errors, []);
});
