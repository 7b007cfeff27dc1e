// The Cognito mode of the portal, without AWS: /config.json is replaced by a Cognito
// configuration and the hosted UI's endpoints are answered by the test. It checks the
// authorization-code-with-PKCE round trip (S256 challenge, state, the token exchange's form),
// that the id_token becomes the bearer token (a real token of the local runner stands in for
// it, so /api/me answers), and the hosted UI's logout.
//
// The deployed CSP (`default-src 'self'`) would refuse the token exchange with the Cognito
// domain; this context bypasses CSP, and the report to the back end says that the AWS CSP
// needs `connect-src` for the Cognito domain, the API and the upload bucket.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { apiLogin, launchBrowser, newPage, startRunner } from './harness.mjs';

let runner;
let browser;
const errors = [];
const DOMAIN = 'https://pd-test.auth.ap-southeast-3.amazoncognito.com';

before(async () => {
  runner = await startRunner();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await runner?.stop();
});

const b64url = (buf) => buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

test('cognito mode: hosted UI, authorization code with PKCE, id_token as bearer, logout', { timeout: 120_000 }, async () => {
  const realToken = await apiLogin(runner.base, 'pemohon');
  const { context, page } = await newPage(browser, runner.base, errors, undefined, { bypassCSP: true });
  await context.route('**/config.json', (route) =>
    route.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({
        api: '/api',
        auth: { mode: 'cognito', domain: DOMAIN, clientId: 'client-123', redirectUri: `${runner.base}/` },
        environment: 'uji',
      }),
    }),
  );
  let authorize = null;
  let tokenForm = null;
  let logoutUrl = null;
  await context.route(`${DOMAIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/oauth2/authorize') {
      authorize = url;
      const back = new URL(url.searchParams.get('redirect_uri'));
      back.searchParams.set('code', 'kode-otorisasi-1');
      back.searchParams.set('state', url.searchParams.get('state'));
      return route.fulfill({ status: 302, headers: { location: back.toString() } });
    }
    if (url.pathname === '/oauth2/token') {
      tokenForm = new URLSearchParams(route.request().postData() ?? '');
      return route.fulfill({
        contentType: 'application/json',
        headers: { 'access-control-allow-origin': runner.base },
        body: JSON.stringify({ id_token: realToken, access_token: 'x', token_type: 'Bearer', expires_in: 3600 }),
      });
    }
    if (url.pathname === '/logout') {
      logoutUrl = url;
      return route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>keluar</title>' });
    }
    return route.abort();
  });

  await page.goto('/#/berkas');
  // Not signed in: the sign-in page offers the hosted UI.
  const button = page.locator('button', { hasText: 'Masuk melalui halaman masuk DPMPTSP' });
  await button.waitFor();
  await button.click();
  // Back from the hosted UI, signed in, on the page asked for, without ?code= in the address.
  await page.locator('h1', { hasText: 'Berkas saya' }).waitFor();
  assert.equal(new URL(page.url()).search, '');
  assert.match(await page.locator('nav').textContent(), /Rina Wati/);

  assert.ok(authorize, 'went to the hosted UI');
  assert.equal(authorize.searchParams.get('response_type'), 'code');
  assert.equal(authorize.searchParams.get('client_id'), 'client-123');
  assert.equal(authorize.searchParams.get('redirect_uri'), `${runner.base}/`);
  assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  assert.ok(tokenForm, 'exchanged the code');
  assert.equal(tokenForm.get('grant_type'), 'authorization_code');
  assert.equal(tokenForm.get('code'), 'kode-otorisasi-1');
  assert.equal(tokenForm.get('client_id'), 'client-123');
  assert.equal(tokenForm.get('redirect_uri'), `${runner.base}/`);
  const verifier = tokenForm.get('code_verifier');
  assert.ok(verifier && verifier.length >= 43, 'a PKCE verifier of at least 43 characters');
  assert.equal(b64url(createHash('sha256').update(verifier).digest()), authorize.searchParams.get('code_challenge'));

  // The id_token is the bearer token of API calls.
  const sent = await page.evaluate(() => JSON.parse(sessionStorage.getItem('pd.portal.session')).token);
  assert.equal(sent, realToken);

  // Logout goes through the hosted UI's /logout.
  await page.locator('nav button', { hasText: 'Keluar' }).click();
  await page.waitForURL(`${DOMAIN}/logout**`);
  assert.equal(logoutUrl.searchParams.get('client_id'), 'client-123');
  assert.equal(logoutUrl.searchParams.get('logout_uri'), `${runner.base}/`);

  await context.close();
  assert.deepEqual(errors, []);
});
