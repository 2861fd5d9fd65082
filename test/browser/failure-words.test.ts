// Errors in the step's words: what real Chromium throws through Playwright reaches the console as
// its first clause, and the log file keeps the rest.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { classifyBrowserError } from '../../src/browser/web-failures.ts';
import { briefMessage, messageOf, technicalOf } from '../../src/engine/failure.ts';
import { ConsoleLogSink, ConsoleOutput, FileLogSink, Log } from '../../src/ui/console.ts';
import { Redactor } from '../../src/ui/redactor.ts';
import { launchTestBrowser } from '../support/browser.ts';

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function thrown(work: () => Promise<unknown>): Promise<Error> {
  try {
    await work();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe("errors in the step's words", { timeout: 60_000 }, () => {
  let browser: Browser;
  let page: Page;
  before(async () => {
    browser = await launchTestBrowser();
    page = await browser.newPage();
  });
  after(() => browser?.close());

  it('an unreachable portal: the error code, not the address, the API call or the call log', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/ValuesOnline/Inventory`;
    const error = await thrown(() => page.goto(url));
    assert.match(error.message, /^page\.goto: net::ERR_CONNECTION_REFUSED at http/, 'what Playwright says');
    const failure = classifyBrowserError(error, true);
    assert.equal(failure.kind, 'unavailable');
    assert.equal(failure.message, 'request failed: the portal cannot be reached (net::ERR_CONNECTION_REFUSED)');
    assert.match(technicalOf(failure)!, /^page\.goto: net::ERR_CONNECTION_REFUSED at http:.*Call log:/);
  });

  it('a click that times out: "no answer in time: Timeout 300ms exceeded"', async () => {
    const fresh = await browser.newPage();
    await fresh.setContent('<p>no button here</p>');
    const error = await thrown(() => fresh.locator('#exportMenu').click({ timeout: 300 }));
    assert.match(error.message, /^locator\.click: Timeout 300ms exceeded\.\nCall log:/);
    const failure = classifyBrowserError(error, true);
    assert.equal(failure.kind, 'hang');
    assert.equal(failure.message, 'no answer in time: Timeout 300ms exceeded');
    assert.equal(messageOf(error), 'Timeout 300ms exceeded');
  });

  it('a closed tab: "the tab failed (Target page, context or browser has been closed)"', async () => {
    const doomed = await browser.newPage();
    const waiting = thrown(() => doomed.waitForSelector('#never', { timeout: 10_000 }));
    await doomed.close();
    const failure = classifyBrowserError(await waiting, true);
    assert.equal(failure.kind, 'slot');
    assert.equal(failure.message, 'the tab failed (Target page, context or browser has been closed)');
  });

  it('the first clause of library messages; other messages keep their first line', () => {
    assert.equal(briefMessage('page.goto: net::ERR_ABORTED; maybe frame was detached?'), 'net::ERR_ABORTED');
    assert.equal(
      briefMessage('frame.evaluate: Execution context was destroyed, most likely because of a navigation'),
      'Execution context was destroyed, most likely because of a navigation',
    );
    assert.equal(
      briefMessage("EACCES: permission denied, open '/x/metrics.json'"),
      "EACCES: permission denied, open '/x/metrics.json'",
    );
    assert.equal(
      briefMessage('the PDF belongs to Stock # 165002; rejected\nmore'),
      'the PDF belongs to Stock # 165002; rejected',
    );
    assert.equal(briefMessage(''), 'unknown error');
  });

  it('the console shows the words, the log file keeps the technical text', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bookout-words-'));
    try {
      const stream = new PassThrough();
      let shown = '';
      stream.on('data', (chunk) => (shown += chunk));
      const log = new Log(new Redactor());
      log.add(new ConsoleLogSink(new ConsoleOutput(stream as unknown as NodeJS.WriteStream)));
      log.add(new FileLogSink(join(dir, 'bookout.log')));
      const raw =
        'page.goto: net::ERR_CONNECTION_RESET at http://portal/x\nCall log:\n  - navigating to "http://portal/x"';
      const failure = classifyBrowserError(new Error(raw), true);
      log.warn(`165001: ${failure.message}; cause: portal; retry 1 of 2 in 5 s`, { technical: technicalOf(failure) });
      assert.match(
        shown,
        /WARN: 165001: request failed: the portal cannot be reached \(net::ERR_CONNECTION_RESET\); cause/,
      );
      assert.doesNotMatch(shown, /http|page\.goto|Call log/);
      const file = readFileSync(join(dir, 'bookout.log'), 'utf8');
      assert.match(file, /the portal cannot be reached/);
      assert.match(
        file,
        /\n {32}page\.goto: net::ERR_CONNECTION_RESET at http:\/\/portal\/x \| Call log: \| - navigating/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
