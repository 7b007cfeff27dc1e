// The signed-in user of this tab: the bearer token and who it belongs to, in sessionStorage
// (gone when the tab closes). The portal and the console keep separate sessions.

import type { ActingRole, Capability, OfficeRef } from './types';

export interface Role {
  code: string;
  label: string;
}

export interface User {
  name: string;
  username?: string;
  sub?: string;
  email?: string;
  roles: Role[];
  /** What the roles may do outside the permits' steps (GET /me); absent in an older session. */
  capabilities?: Capability[];
  /** The staff member's office and the roles they hold by delegation (GET /me). */
  office?: OfficeRef | null;
  acting?: ActingRole[];
}

interface Stored {
  token: string;
  user: User;
  /** Epoch ms after which the token is no longer sent. */
  expires?: number;
}

let app = 'portal';

export function setApp(name: 'portal' | 'console'): void {
  app = name;
}

function key(): string {
  return `pd.${app}.session`;
}

export function saveSession(token: string, user: User, expiresInSeconds?: number): void {
  const s: Stored = { token, user };
  if (expiresInSeconds) s.expires = Date.now() + expiresInSeconds * 1000;
  sessionStorage.setItem(key(), JSON.stringify(s));
}

function stored(): Stored | null {
  const raw = sessionStorage.getItem(key());
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Stored;
    if (s.expires && Date.now() > s.expires) {
      sessionStorage.removeItem(key());
      return null;
    }
    return s;
  } catch {
    sessionStorage.removeItem(key());
    return null;
  }
}

export function token(): string | null {
  return stored()?.token ?? null;
}

export function currentUser(): User | null {
  return stored()?.user ?? null;
}

/** Replaces the stored user (after `GET /me`), keeping the token and its expiry. */
export function updateUser(user: User): void {
  const s = stored();
  if (!s) return;
  s.user = user;
  sessionStorage.setItem(key(), JSON.stringify(s));
}

export function clearSession(): void {
  sessionStorage.removeItem(key());
}

export function hasRole(code: string): boolean {
  return !!currentUser()?.roles.some((r) => r.code === code);
}

/**
 * Whether the signed-in user's roles grant `cap` (reports, the security log, revoking letters,
 * complaints…), as `GET /me` says from the office's role registry.
 */
export function can(cap: Capability): boolean {
  return !!currentUser()?.capabilities?.includes(cap);
}

/** Whether the stored user was saved with its capabilities (a session from before they existed was not). */
export function knowsCapabilities(): boolean {
  return Array.isArray(currentUser()?.capabilities);
}
