import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkRequest, newToken } from './guard.ts';
import type { PageState } from './monitor.ts';
import { CLIENT_JS } from './page/client.ts';
import { PAGE_HTML } from './page/html.ts';
import { PAGE_CSS } from './page/style.ts';

/** What the server serves: the page's state, and what its buttons do. */
export interface WebApp {
  state(): PageState;
  /** Starts a run from the form's fields; the message says why not. */
  start(fields: unknown): Promise<{ ok: true } | { ok: false; status: number; message: string }>;
  stop(): { ok: true } | { ok: false; status: number; message: string };
  /** The report the page links to, when there is one. */
  reportPath(): string | undefined;
}

const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";
const REPORT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";
const STATE_EVERY_MS = 1000;
const MAX_BODY_BYTES = 16 * 1024;

/** Headers of every answer. No CORS header, ever: no other origin may read anything here. */
const COMMON_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * The web page's server, in the same process as the run: on 127.0.0.1 only, on a free port, every
 * request checked (see checkRequest). The page gets its state as Server-Sent Events, once a second.
 */
export class WebServer {
  readonly token = newToken();
  #app: WebApp;
  #server: Server;
  #port = 0;
  #streams = new Set<ServerResponse>();
  #timer: NodeJS.Timeout | undefined;
  #pageSeen: (() => void) | undefined;
  #streamsChanged = new Set<() => void>();

  private constructor(app: WebApp) {
    this.#app = app;
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch(() => {
        if (!response.headersSent) this.#send(response, 500, 'text/plain; charset=utf-8', 'internal error');
        else response.end();
      });
    });
  }

  static async start(app: WebApp): Promise<WebServer> {
    const server = new WebServer(app);
    await new Promise<void>((resolve, reject) => {
      server.#server.once('error', reject);
      server.#server.listen(0, '127.0.0.1', () => resolve());
    });
    server.#port = (server.#server.address() as AddressInfo).port;
    return server;
  }

  get port(): number {
    return this.#port;
  }

  /** The page's address, token included. */
  get url(): string {
    return `http://127.0.0.1:${this.#port}/${this.token}/`;
  }

  /** Pages connected now (each holds one live stream). */
  get pagesOpen(): number {
    return this.#streams.size;
  }

  /** Called once, when the page was first loaded (the opener's file can go then). */
  onPageSeen(callback: () => void): void {
    this.#pageSeen = callback;
  }

  /** Resolves when no page is connected any more, after `maxMs` at most, or when `signal` aborts. */
  async untilPagesClosed(maxMs: number, signal?: AbortSignal): Promise<void> {
    if (this.pagesOpen === 0) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#streamsChanged.delete(check);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const check = () => {
        if (this.pagesOpen === 0) done();
      };
      const timer = setTimeout(done, maxMs);
      this.#streamsChanged.add(check);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Sends the state to every page now (also what the timer does every second). */
  broadcast(): void {
    if (this.#streams.size === 0) return;
    const message = `event: state\ndata: ${JSON.stringify(this.#app.state())}\n\n`;
    for (const stream of this.#streams) stream.write(message);
  }

  async close(): Promise<void> {
    this.broadcast();
    clearInterval(this.#timer);
    for (const stream of this.#streams) stream.end();
    this.#streams.clear();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const verdict = checkRequest(
      {
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        host: request.headers.host,
        origin: request.headers.origin,
        contentType: request.headers['content-type'],
      },
      this.token,
      this.#port,
    );
    if (!verdict.ok) {
      request.resume();
      return this.#send(response, verdict.status, 'text/plain; charset=utf-8', 'forbidden');
    }
    const route = `${request.method} ${verdict.path}`;
    switch (route) {
      case 'GET ':
        response.writeHead(308, { ...COMMON_HEADERS, Location: `/${this.token}/` });
        return void response.end();
      case 'GET /':
        this.#pageSeen?.();
        this.#pageSeen = undefined;
        return this.#send(response, 200, 'text/html; charset=utf-8', PAGE_HTML, PAGE_POLICY);
      case 'GET /app.js':
        return this.#send(response, 200, 'text/javascript; charset=utf-8', CLIENT_JS);
      case 'GET /app.css':
        return this.#send(response, 200, 'text/css; charset=utf-8', PAGE_CSS);
      case 'GET /api/state':
        return this.#json(response, 200, this.#app.state());
      case 'GET /events':
        return this.#openStream(request, response);
      case 'POST /api/start': {
        const fields = await readJson(request);
        if (fields === undefined) return this.#json(response, 400, { message: 'The request was not valid JSON.' });
        const result = await this.#app.start(fields);
        this.broadcast();
        return result.ok
          ? this.#json(response, 200, { ok: true })
          : this.#json(response, result.status, { message: result.message });
      }
      case 'POST /api/stop': {
        request.resume();
        const result = this.#app.stop();
        this.broadcast();
        return result.ok
          ? this.#json(response, 200, { ok: true })
          : this.#json(response, result.status, { message: result.message });
      }
      case 'GET /report.html':
        return this.#report(response);
      default:
        request.resume();
        return this.#send(response, 404, 'text/plain; charset=utf-8', 'not found');
    }
  }

  async #report(response: ServerResponse): Promise<void> {
    const path = this.#app.reportPath();
    const html = path ? await readFile(path, 'utf8').catch(() => undefined) : undefined;
    if (html === undefined) return this.#send(response, 404, 'text/plain; charset=utf-8', 'no report yet');
    this.#send(response, 200, 'text/html; charset=utf-8', html, REPORT_POLICY);
  }

  #openStream(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, {
      ...COMMON_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
    });
    response.write('retry: 2000\n\n');
    this.#streams.add(response);
    this.#notifyStreams();
    response.write(`event: state\ndata: ${JSON.stringify(this.#app.state())}\n\n`);
    this.#timer ??= setInterval(() => this.broadcast(), STATE_EVERY_MS);
    request.on('close', () => {
      this.#streams.delete(response);
      this.#notifyStreams();
      if (this.#streams.size === 0) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    });
  }

  #notifyStreams(): void {
    for (const listener of this.#streamsChanged) listener();
  }

  #json(response: ServerResponse, status: number, body: unknown): void {
    this.#send(response, status, 'application/json; charset=utf-8', JSON.stringify(body));
  }

  #send(response: ServerResponse, status: number, type: string, body: string, policy = PAGE_POLICY): void {
    response.writeHead(status, {
      ...COMMON_HEADERS,
      'Content-Type': type,
      'Content-Length': Buffer.byteLength(body),
      'Content-Security-Policy': policy,
    });
    response.end(body);
  }
}

/** The request's JSON body (at most 16 KB), or undefined when it is not JSON. */
async function readJson(request: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}
