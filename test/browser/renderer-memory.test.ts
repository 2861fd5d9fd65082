// A tab's renderer in real headless Chromium keeps the documents the tab has left until a full
// garbage collection; RendererMemory asks for one.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { RendererMemory } from '../../src/browser/renderer-memory.ts';
import { launchTestBrowser } from '../support/browser.ts';

const DOCUMENTS = 40;

async function documentsIn(page: Page): Promise<number> {
  const session = await page.context().newCDPSession(page);
  const counters = (await session.send('Memory.getDOMCounters')) as { documents: number };
  await session.detach();
  return counters.documents;
}

describe('renderer memory', { timeout: 120_000 }, () => {
  let browser: Browser;
  let server: Server;
  let origin: string;
  before(async () => {
    browser = await launchTestBrowser();
    server = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<html><body><h1>${req.url}</h1>${'<div><a href="#">row</a> cell</div>'.repeat(300)}</body></html>`);
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await browser.close();
    server.close();
  });

  it(`frees the documents a tab has left (${DOCUMENTS} pages shown)`, async (t) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const memory = new RendererMemory(page);
    for (let shown = 0; shown < DOCUMENTS; shown += 1) {
      await page.goto(`${origin}/vehicle/${shown}`, { waitUntil: 'domcontentloaded' });
    }
    const before = await documentsIn(page);
    await memory.collect();
    const after = await documentsIn(page);
    t.diagnostic(`documents alive in the renderer: ${before} before the collection, ${after} after`);
    // Left: the page shown and what the back/forward cache keeps (at most 6 pages in full Chromium).
    assert.ok(after <= 8, `at most the page shown and the cached ones are left (${after})`);
    assert.ok(before > after, `the collection freed documents (${before} -> ${after})`);
    await context.close();
  });

  it('returns at once for a closed tab, and does not throw', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const memory = new RendererMemory(page);
    await memory.collect();
    await page.close();
    const startedAt = Date.now();
    await memory.collect();
    assert.ok(Date.now() - startedAt < 1000);
    await context.close();
  });
});
