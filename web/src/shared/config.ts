// The runtime configuration of this deployment, fetched from /config.json at start.

export interface DevAuth {
  mode: 'dev';
  users: string;
  login: string;
}

export interface CognitoAuth {
  mode: 'cognito';
  /** The hosted UI's domain, e.g. https://xxx.auth.ap-southeast-3.amazoncognito.com */
  domain: string;
  clientId: string;
  /** Where Cognito sends the browser back with ?code= (the portal). */
  redirectUri: string;
  /** Optional: the console's own callback URL; defaults to <origin>/console/. */
  consoleRedirectUri?: string;
  /** Optional: where Cognito's /logout returns; defaults to the redirect URI. */
  logoutUri?: string;
  scope?: string;
}

export interface Config {
  api: string;
  auth: DevAuth | CognitoAuth;
  environment?: string;
}

let current: Config | null = null;

export async function loadConfig(): Promise<Config> {
  const resp = await fetch('/config.json', { cache: 'no-store', headers: { accept: 'application/json' } });
  if (!resp.ok) throw new Error(`config.json: ${resp.status}`);
  const c = (await resp.json()) as Config;
  c.api = c.api.replace(/\/+$/, '');
  current = c;
  return c;
}

export function config(): Config {
  if (!current) throw new Error('config not loaded');
  return current;
}
