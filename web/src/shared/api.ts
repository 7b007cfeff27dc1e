// Calls to the HTTP API. Every refusal is an RFC 9457 problem; it is thrown as a Problem with
// its Indonesian detail and field errors.

import { config } from './config';
import { token } from './session';

export interface FieldProblem {
  field: string;
  code: string;
  detail: string;
}

export class Problem extends Error {
  status: number;
  code: string;
  title: string;
  detail: string;
  errors: FieldProblem[];

  constructor(p: { status: number; code?: string; title?: string; detail?: string; errors?: FieldProblem[] }) {
    super(p.detail || p.title || `HTTP ${p.status}`);
    this.status = p.status;
    this.code = p.code ?? 'error';
    this.title = p.title ?? 'Terjadi kesalahan';
    this.detail = p.detail ?? 'Permintaan tidak dapat diproses.';
    this.errors = p.errors ?? [];
  }
}

let onUnauthorized: () => void = () => {};

/** What to do when the API answers 401 (the app sends the person back to sign-in). */
export function setUnauthorizedHandler(f: () => void): void {
  onUnauthorized = f;
}

export function apiUrl(path: string): string {
  return `${config().api}${path}`;
}

function authHeaders(): Record<string, string> {
  const t = token();
  return t ? { authorization: `Bearer ${t}` } : {};
}

async function problemOf(resp: Response): Promise<Problem> {
  let body: any = null;
  try {
    body = await resp.json();
  } catch {
    body = null;
  }
  if (body && typeof body === 'object' && (body.detail || body.title)) {
    return new Problem({ ...body, status: body.status ?? resp.status });
  }
  return new Problem({
    status: resp.status,
    title: 'Terjadi kesalahan',
    detail: `Server menjawab dengan kode ${resp.status}. Silakan coba lagi.`,
  });
}

function networkProblem(): Problem {
  return new Problem({
    status: 0,
    code: 'network',
    title: 'Tidak dapat terhubung',
    detail: 'Tidak dapat menghubungi server. Periksa koneksi internet Anda lalu coba lagi.',
  });
}

export interface RequestOptions {
  /** Do not send the session's token (public pages). */
  anonymous?: boolean;
  /** Raw body and its media type (e.g. a PDF to verify). */
  raw?: { body: Blob | ArrayBuffer; type: string };
  /** Do not redirect to sign-in on 401. */
  noRedirect?: boolean;
  /** The path is a full URL or an absolute path of this site (not under the API root). */
  absolute?: boolean;
}

export async function request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (!opts.anonymous) Object.assign(headers, authHeaders());
  let payload: BodyInit | undefined;
  if (opts.raw) {
    headers['content-type'] = opts.raw.type;
    payload = opts.raw.body;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let resp: Response;
  try {
    resp = await fetch(opts.absolute ? path : apiUrl(path), { method, headers, body: payload });
  } catch {
    throw networkProblem();
  }
  if (resp.status === 401 && !opts.anonymous && !opts.noRedirect) {
    const p = await problemOf(resp);
    onUnauthorized();
    throw p;
  }
  if (!resp.ok) throw await problemOf(resp);
  if (resp.status === 204) return undefined as T;
  const text = await resp.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const get = <T>(path: string, opts?: RequestOptions) => request<T>('GET', path, undefined, opts);
export const post = <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('POST', path, body, opts);
export const put = <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PUT', path, body, opts);

/** The file name of a Content-Disposition header (RFC 6266, filename* preferred). */
export function dispositionName(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* fall through */
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"/i.exec(header) ?? /filename\s*=\s*([^;]+)/i.exec(header);
  return plain ? plain[1].trim() : fallback;
}

/** Fetches a file with the session's token and hands it to the browser as a download. */
export async function downloadWithAuth(path: string, fallbackName: string): Promise<string> {
  let resp: Response;
  try {
    resp = await fetch(apiUrl(path), { headers: { ...authHeaders() } });
  } catch {
    throw networkProblem();
  }
  if (resp.status === 401) {
    const p = await problemOf(resp);
    onUnauthorized();
    throw p;
  }
  if (!resp.ok) throw await problemOf(resp);
  const blob = await resp.blob();
  const name = dispositionName(resp.headers.get('content-disposition'), fallbackName);
  saveBlob(blob, name);
  return name;
}

export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
