// How the portal's answers leave: caching headers of HTML pages, and how error answers arrive (late,
// with a body that trickles out or never ends).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PortalOptions } from './options.ts';

type Body = string | Buffer | Uint8Array;
type Headers = Record<string, string | string[]>;

export type AnswerSettings = Pick<PortalOptions, 'htmlCache' | 'errorDelayMs' | 'errorBody' | 'errorBodyMs'>;

const SLOW_CHUNKS = 10;
const ENDLESS_TICK_MS = 250;

export class Answers {
  #settings: AnswerSettings;
  #stopping: AbortSignal;
  #extraHeaders: (res: ServerResponse) => Headers;

  /** `extraHeaders` are added to every answer when it leaves; headers given by the caller win. */
  constructor(
    settings: AnswerSettings,
    stopping: AbortSignal,
    extraHeaders: (res: ServerResponse) => Headers = () => ({}),
  ) {
    this.#settings = settings;
    this.#stopping = stopping;
    this.#extraHeaders = extraHeaders;
  }

  /** A complete answer at once. */
  send(res: ServerResponse, status: number, type: string, body: Body, headers: Headers = {}): void {
    if (res.destroyed || res.headersSent) return;
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, { ...this.#head(res, type, headers), 'Content-Length': String(bytes.length) });
    res.end(bytes);
  }

  redirect(res: ServerResponse, location: string, headers: Headers = {}): void {
    if (res.destroyed || res.headersSent) return;
    res.writeHead(302, { ...this.#extraHeaders(res), Location: location, 'Content-Length': '0', ...headers });
    res.end();
  }

  /** An error status (4xx, 5xx): `errorDelayMs` late, then its body complete, slow or endless. */
  async error(res: ServerResponse, status: number, type: string, body: string, headers: Headers = {}): Promise<void> {
    const { errorDelayMs, errorBody } = this.#settings;
    if (!(await this.#pause(errorDelayMs)) || res.destroyed || res.headersSent) return;
    if (errorBody === 'complete') return this.send(res, status, type, body, headers);
    const bytes = Buffer.from(body);
    if (errorBody === 'slow') {
      res.writeHead(status, { ...this.#head(res, type, headers), 'Content-Length': String(bytes.length) });
      res.flushHeaders();
      return this.#trickle(res, bytes);
    }
    res.writeHead(status, this.#head(res, type, headers));
    res.flushHeaders();
    return this.#endless(res, bytes);
  }

  #head(res: ServerResponse, type: string, headers: Headers): Headers {
    const noStore = this.#settings.htmlCache === 'no-store' && type.startsWith('text/html');
    return {
      'Content-Type': type,
      ...(noStore ? { 'Cache-Control': 'private, no-store' } : {}),
      ...this.#extraHeaders(res),
      ...headers,
    };
  }

  /** The body in SLOW_CHUNKS parts spread over `errorBodyMs`, then the end. */
  async #trickle(res: ServerResponse, bytes: Buffer): Promise<void> {
    const size = Math.ceil(bytes.length / SLOW_CHUNKS);
    for (let start = 0; start < bytes.length; start += size) {
      if (res.destroyed) return;
      res.write(bytes.subarray(start, start + size));
      if (!(await this.#pause(this.#settings.errorBodyMs / SLOW_CHUNKS))) return;
    }
    res.end();
  }

  /** The page, then a little more every tick, until the client goes away or the portal stops. */
  async #endless(res: ServerResponse, bytes: Buffer): Promise<void> {
    res.write(bytes);
    while (!res.destroyed && (await this.#pause(ENDLESS_TICK_MS))) {
      if (!res.destroyed) res.write('\n<!-- still loading -->');
    }
  }

  /** False when the portal stopped meanwhile. */
  async #pause(ms: number): Promise<boolean> {
    if (this.#stopping.aborted) return false;
    if (ms <= 0) return true;
    try {
      await sleep(ms, undefined, { signal: this.#stopping });
      return true;
    } catch {
      return false;
    }
  }
}

export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
