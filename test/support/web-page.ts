// Driving bookout's web page from tests: its address from the terminal, raw HTTP requests with
// chosen headers (fetch cannot set Host), and waiting for what the page shows.
import { request } from 'node:http';
import type { Page } from 'playwright-core';
import type { CliRun } from './harness.ts';

/** The page's address, as `bookout ui --no-open` or `bookout run --ui --no-open` prints it. */
export async function pageUrl(run: CliRun): Promise<URL> {
  await run.waitForOutput(/The bookout page: http:\/\/\S+/, 60_000);
  return new URL(/The bookout page: (http:\/\/\S+)/.exec(run.output())![1]!);
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with exactly these headers; a stream (SSE) is read for a moment only. */
export function rawRequest(
  url: URL,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: { host: url.host, ...options.headers },
      },
      (response) => {
        let body = '';
        const finish = () => {
          clearTimeout(timer);
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
          response.destroy();
        };
        const timer = setTimeout(finish, 1500);
        response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        response.on('end', finish);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Waits until the page shows `phase` (its badge). */
export async function waitForPhase(page: Page, phase: string | RegExp, timeoutMs = 90_000): Promise<void> {
  const pattern = typeof phase === 'string' ? new RegExp(`^${phase}$`) : phase;
  await page.waitForFunction(
    ([source, flags]) => new RegExp(source!, flags).test(document.getElementById('phase')?.textContent ?? ''),
    [pattern.source, pattern.flags],
    { timeout: timeoutMs },
  );
}

/** A number the page shows, by element id. */
export async function shown(page: Page, id: string): Promise<number> {
  return Number(await page.locator(`#${id}`).textContent());
}
