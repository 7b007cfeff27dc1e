// Signing in. Locally ("dev"): pick a demo user, POST its username, keep the token. In AWS
// ("cognito"): the hosted UI with the authorization code flow and PKCE; the id_token is sent as
// the bearer token (the HTTP API's JWT authorizer checks it against the user pool).

import { get, post } from './api';
import { config, type CognitoAuth } from './config';
import { clearSession, currentUser, saveSession, updateUser, type User } from './session';
import type { Me } from './types';

export interface DemoUser {
  username: string;
  name: string;
  email?: string;
  roles: { code: string; label: string }[];
  /** The staff member's office (its code); null for applicants and cross-office viewers. */
  office?: string | null;
}

export async function demoUsers(): Promise<DemoUser[]> {
  const c = config();
  if (c.auth.mode !== 'dev') return [];
  const r = await get<{ items: DemoUser[] }>(c.auth.users, { anonymous: true, absolute: true });
  return r.items;
}

export async function devLogin(username: string): Promise<User> {
  const c = config();
  if (c.auth.mode !== 'dev') throw new Error('not dev mode');
  const r = await post<{ token: string; user: User; expires_in?: number }>(
    c.auth.login,
    { username },
    { anonymous: true, absolute: true },
  );
  saveSession(r.token, r.user, r.expires_in);
  // The login answer names the user and roles; what the roles may do comes from GET /me.
  return refreshUser();
}

/**
 * Asks `GET /me` who the signed-in user is and what their roles may do (`capabilities`), and
 * keeps it with the session's token.
 */
export async function refreshUser(): Promise<User> {
  const me = await get<Me>('/me', { noRedirect: true });
  const user: User = { ...currentUser(), ...me, capabilities: me.capabilities ?? [] };
  updateUser(user);
  return user;
}

// ---- Cognito hosted UI, authorization code + PKCE ----

const PKCE_KEY = 'pd.pkce';

function b64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(n = 48): string {
  const a = new Uint8Array(n);
  crypto.getRandomValues(a);
  return b64url(a);
}

async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return b64url(new Uint8Array(digest));
}

function redirectUri(a: CognitoAuth, app: 'portal' | 'console'): string {
  if (app === 'console') return a.consoleRedirectUri ?? `${location.origin}/console/`;
  return a.redirectUri;
}

/** Sends the browser to the hosted UI. `returnTo` is the hash route to open afterwards. */
export async function cognitoLogin(app: 'portal' | 'console', returnTo: string): Promise<void> {
  const a = config().auth;
  if (a.mode !== 'cognito') throw new Error('not cognito mode');
  const verifier = randomString();
  const state = randomString(16);
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, returnTo }));
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: a.clientId,
    redirect_uri: redirectUri(a, app),
    scope: a.scope ?? 'openid email profile',
    state,
    code_challenge_method: 'S256',
    code_challenge: await challengeOf(verifier),
  });
  location.assign(`${a.domain.replace(/\/+$/, '')}/oauth2/authorize?${q}`);
}

/**
 * On return from the hosted UI (?code=…&state=…): exchanges the code for tokens, stores the
 * id_token and who it is. Returns the hash route to open, or null when this is not a return.
 */
export async function completeCognitoLogin(app: 'portal' | 'console'): Promise<string | null> {
  const a = config().auth;
  if (a.mode !== 'cognito') return null;
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const err = params.get('error');
  if (!code && !err) return null;
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null') as
    | { verifier: string; state: string; returnTo: string }
    | null;
  sessionStorage.removeItem(PKCE_KEY);
  // Drop ?code= from the address bar whatever happens.
  history.replaceState(null, '', location.pathname + location.hash);
  if (err) throw new Error(params.get('error_description') ?? err);
  if (!saved || saved.state !== params.get('state')) {
    throw new Error('Sesi masuk tidak cocok (state). Silakan masuk kembali.');
  }
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: a.clientId,
    code: code!,
    redirect_uri: redirectUri(a, app),
    code_verifier: saved.verifier,
  });
  const resp = await fetch(`${a.domain.replace(/\/+$/, '')}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  if (!resp.ok) throw new Error('Penukaran kode masuk gagal. Silakan masuk kembali.');
  const tokens = (await resp.json()) as { id_token: string; expires_in?: number };
  // Store the token first so that /me is called with it.
  saveSession(tokens.id_token, { name: '', roles: [] }, tokens.expires_in);
  await refreshUser();
  return saved.returnTo || '#/';
}

export function logout(app: 'portal' | 'console'): void {
  clearSession();
  const a = config().auth;
  if (a.mode === 'cognito') {
    const q = new URLSearchParams({
      client_id: a.clientId,
      logout_uri: a.logoutUri ?? redirectUri(a, app),
    });
    location.assign(`${a.domain.replace(/\/+$/, '')}/logout?${q}`);
  }
}
