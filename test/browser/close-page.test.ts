// Closing a tab in real headless Chromium at the worst moment: as its navigation commits. Chromium
// may then acknowledge the close and do nothing; Playwright's page.close() would wait for ever and the
// tab (its renderer process, its memory) would stay until the browser ends.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { closePage } from '../../src/browser/close-page.ts';
import { launchTestBrowser } from '../support/browser.ts';

const ROUNDS = 16;

describe('closing a tab', { timeout: 300_000 }, () => {
  let browser: Browser;
  let server: Server;
  let url: string;
  before(async () => {
    browser = await launchTestBrowser();
    server = createServer((_req, res) => {
      res.writeHead(500, { 'Content-Type': 'text/html' });
      res.end('<html><body><h1>Server Error</h1></body></html>');
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/page`;
  });
  after(async () => {
    await browser.close();
    server.close();
  });

  it(`is closed also when the close meets the navigation's commit (${ROUNDS} rounds)`, async (t) => {
    const context = await browser.newContext();
    let closedOnlyWhenAskedAgain = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const page = await context.newPage();
      const answered = page.waitForResponse(() => true);
      page.goto(url).catch(() => undefined);
      await answered;
      const startedAt = Date.now();
      assert.equal(await closePage(page), true, `round ${round}: closed`);
      assert.equal(page.isClosed(), true);
      if (Date.now() - startedAt >= 1000) closedOnlyWhenAskedAgain += 1;
    }
    assert.equal(context.pages().length, 0, 'no tab left open');
    t.diagnostic(`${closedOnlyWhenAskedAgain} of ${ROUNDS} closes needed the browser asked again`);
    await context.close();
  });
});
