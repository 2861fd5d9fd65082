import { randomBytes, timingSafeEqual } from 'node:crypto';

/** A new random token for the page's address: 256 bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export interface RequestFacts {
  method: string;
  /** The request target as sent: path and query. */
  url: string;
  host: string | undefined;
  origin: string | undefined;
  contentType: string | undefined;
}

export type Verdict = { ok: true; path: string } | { ok: false; status: 403 | 415; why: string };

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Whether a request may reach the page's server, and the path inside the token when it may. Against
 * other local users: the token (in the path, so the page's own relative links carry it), compared in
 * constant time. Against other sites: the Host header must name this server (a site whose name was
 * pointed at 127.0.0.1 sends its own name), an Origin header must be this server's own, and what
 * changes something must be a JSON POST with its Origin, which no plain form or link can send.
 */
export function checkRequest(request: RequestFacts, token: string, port: number): Verdict {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!request.host || !hosts.includes(request.host.toLowerCase())) return { ok: false, status: 403, why: 'host' };
  if (request.origin !== undefined && request.origin !== `http://${request.host.toLowerCase()}`)
    return { ok: false, status: 403, why: 'origin' };
  const path = request.url.split('?')[0] ?? '';
  const match = /^\/([^/]+)(\/.*)?$/.exec(path);
  if (!match || !sameText(match[1]!, token)) return { ok: false, status: 403, why: 'token' };
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    if (request.method !== 'POST' || request.origin === undefined) return { ok: false, status: 403, why: 'origin' };
    if (!/^application\/json(;|$)/i.test(request.contentType ?? '')) return { ok: false, status: 415, why: 'type' };
  }
  return { ok: true, path: match[2] ?? '' };
}
