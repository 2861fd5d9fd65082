// The browser-level request rules, in real headless Chromium against a small local server: every
// way a report can reach the browser ends as one held request, sent once by its claimer with the
// claiming tab's own cookies (the report tab closed before it shows anything; a tab nobody opened
// shows the token page), blocked resource types never reach the server, and a page whose answer
// never comes does not hold back another tab's load of the same page.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { BrowserHost } from '../../src/browser/browser-host.ts';
import { closePage } from '../../src/browser/close-page.ts';
import { targetIdOf } from '../../src/browser/page-target.ts';
import { blockResources } from '../../src/browser/resource-blocking.ts';
import { fetchHeld, HELD_TITLE_PREFIX, type RequestInterceptor } from '../../src/browser/request-interceptor.ts';
import { waitFor } from '../support/harness.ts';

const PDF = Buffer.from('%PDF-1.4\n% a report\n%%EOF\n');

/** Serves a page with one button per way of delivering a report, and counts requests per path. */
function startServer(): Promise<{ server: Server; url: string; hits: Map<string, number> }> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const sid = /sid=(\w+)/.exec(req.headers.cookie ?? '')?.[1];
    if (path === '/inventory' && hits.get(path) === 1) return; // the first load gets no answer, ever
    if (path === '/inventory') return res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<p id="sid">${sid}</p>`);
    if (path.startsWith('/GetPdfReport') && !sid) return res.writeHead(401).end('not signed in');
    if (path === '/GetPdfReport/whoami') {
      return res.writeHead(200, { 'Content-Type': 'application/pdf' }).end(`%PDF-1.4\n% sid=${sid}\n%%EOF\n`);
    }
    const pdf = (disposition: string) =>
      res
        .writeHead(200, {
          'Content-Type': 'application/pdf',
          'Content-Disposition': `${disposition}; filename="r.pdf"`,
        })
        .end(PDF);
    if (path === '/GetPdfReport/inline') return pdf('inline');
    if (path === '/GetPdfReport/attachment') return pdf('attachment');
    if (path === '/GetPdfReport/redirect') return res.writeHead(302, { Location: '/files/report.pdf' }).end();
    if (path === '/files/report.pdf') return pdf('attachment');
    if (path === '/style.css')
      return res.writeHead(200, { 'Content-Type': 'text/css', 'Cache-Control': 'no-store' }).end('body { color: red }');
    if (path === '/logo.png')
      return res.writeHead(200, { 'Content-Type': 'image/png', 'Cache-Control': 'no-store' }).end(Buffer.alloc(10));
    res
      .writeHead(200, { 'Content-Type': 'text/html', ...(sid ? {} : { 'Set-Cookie': 'sid=s1; Path=/; HttpOnly' }) })
      .end(`<!doctype html><link rel="stylesheet" href="/style.css"><img src="/logo.png">
      ${['inline', 'attachment', 'redirect', 'whoami'].map((kind) => `<button id="${kind}" onclick="window.open('/GetPdfReport/${kind}')">${kind}</button>`).join('')}`);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits }),
    ),
  );
}

/** Clicks `button` in `page` and returns the request held from the tab it opened, and that tab. */
async function heldAfterClick(page: Page, button: string, rules: RequestInterceptor) {
  const opener = await targetIdOf(page);
  assert.ok(opener, 'the tab id is known');
  const held = rules.heldFrom(opener, AbortSignal.timeout(10_000));
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.locator(button).dispatchEvent('click')]);
  return { held: await held, popup };
}

describe('request rules of the browser', () => {
  let host: BrowserHost;
  let site: Awaited<ReturnType<typeof startServer>>;

  before(async () => {
    site = await startServer();
    host = new BrowserHost({ headless: true, executablePath: process.env.BROWSER_PATH });
    host.interceptor.holdDocuments('GetPdfReport');
    await host.start();
  });
  after(async () => {
    await host.close();
    site.server.close();
  });

  for (const kind of ['inline', 'attachment', 'redirect']) {
    it(`takes a report served ${kind === 'redirect' ? 'after a redirect' : kind} from the tab a page opened: one request with the session cookie, no download, the bytes whole, the tab closed before it showed anything`, async () => {
      const page = await host.newPage();
      const downloads: string[] = [];
      page.on('download', (download) => downloads.push(download.url()));
      await page.goto(site.url);
      const { held, popup } = await heldAfterClick(page, `#${kind}`, host.interceptor);
      const shown: string[] = [];
      popup.on('framenavigated', (frame) => shown.push(frame.url()));
      popup.on('download', (download) => downloads.push(download.url()));
      assert.equal(site.hits.get(`/GetPdfReport/${kind}`) ?? 0, 0, 'the browser did not send it');
      await waitFor(() => popup.isClosed(), 5000, 'the report tab closed');
      assert.deepEqual(shown, [], 'it showed nothing');
      const response = await fetchHeld(page.context(), held, 10_000);
      assert.equal(response.status, 200);
      assert.equal(response.headers['content-type'], 'application/pdf');
      assert.deepEqual(response.body, PDF);
      assert.deepEqual(downloads, []);
      assert.equal(site.hits.get(`/GetPdfReport/${kind}`), 1);
      if (kind === 'redirect') assert.equal(site.hits.get('/files/report.pdf'), 1);
      await page.close();
    });
  }

  it('a report tab no other tab opened shows the token page, and its request is claimed by the token, once', async () => {
    const page = await host.newPage();
    const sent = () => site.hits.get('/GetPdfReport/inline') ?? 0;
    const before = sent();
    await page.goto(`${site.url}/GetPdfReport/inline`);
    const title = await page.title();
    assert.ok(title.startsWith(HELD_TITLE_PREFIX), `token page: ${title}`);
    assert.equal(sent(), before, 'the browser did not send it');
    const held = host.interceptor.claim(title.slice(HELD_TITLE_PREFIX.length));
    assert.ok(held, 'claimed by its token');
    assert.equal(host.interceptor.claim(title.slice(HELD_TITLE_PREFIX.length)), undefined, 'once');
    assert.deepEqual((await fetchHeld(page.context(), held, 10_000)).body, PDF);
    assert.equal(sent(), before + 1);
    await page.close();
  });

  it("a held report is sent with the cookies of the context whose tab opened it (another account's session never)", async () => {
    const other = await host.context.browser()!.newContext();
    await other.addCookies([{ name: 'sid', value: 's2', url: site.url }]);
    try {
      const sids: string[] = [];
      for (const context of [host.context, other]) {
        const page = await context.newPage();
        await page.goto(site.url);
        const { held } = await heldAfterClick(page, '#whoami', host.interceptor);
        const body = (await fetchHeld(context, held, 10_000)).body.toString('latin1');
        sids.push(/sid=(\w+)/.exec(body)?.[1] ?? 'none');
        await page.close();
      }
      assert.deepEqual(sids, ['s1', 's2']);
    } finally {
      await other.close();
    }
  });

  it("one tab's load that never gets an answer does not hold back another tab's load of the same page", async () => {
    const stuck = await host.newPage();
    const other = await host.newPage();
    stuck.goto(`${site.url}/inventory`).catch(() => undefined);
    while (!site.hits.get('/inventory')) await new Promise((tick) => setTimeout(tick, 20));
    const startedAt = Date.now();
    // Without the interceptor, Chromium holds this load back until the first one's headers, or 20 s.
    await other.goto(`${site.url}/inventory`, { timeout: 10_000 });
    const waitedMs = Date.now() - startedAt;
    assert.ok(waitedMs < 5000, `answered after ${waitedMs} ms`);
    assert.equal(await other.locator('#sid').textContent(), 's1', 'sent with the session cookie');
    await closePage(stuck);
    await other.close();
  });

  it('blocks images and stylesheets once asked, and keeps the rest', async () => {
    const page = await host.newPage();
    const unblocked = site.hits.get('/style.css') ?? 0;
    await page.goto(site.url);
    assert.equal(site.hits.get('/style.css'), unblocked + 1, 'loaded while nothing is blocked');
    await blockResources(host.interceptor);
    const cssBefore = site.hits.get('/style.css');
    const pngBefore = site.hits.get('/logo.png');
    await page.goto(`${site.url}/?again`);
    assert.equal(site.hits.get('/style.css'), cssBefore, 'the stylesheet is not requested');
    assert.equal(site.hits.get('/logo.png'), pngBefore, 'the image is not requested');
    assert.equal(await page.locator('#inline').count(), 1, 'the page itself loads');
    await page.close();
  });
});

describe('several accounts in one browser (one context each)', () => {
  let host: BrowserHost;
  let site: Awaited<ReturnType<typeof startServer>>;

  before(async () => {
    site = await startServer();
    host = new BrowserHost({ headless: true, executablePath: process.env.BROWSER_PATH });
  });
  after(async () => {
    await host.close();
    site.server.close();
  });

  it("each context follows its own rules: one blocks images, the other's still load; a held report is claimed by its own context's rules only", async () => {
    const north = host.openContext();
    const south = host.openContext();
    north.interceptor.holdDocuments('GetPdfReport');
    south.interceptor.holdDocuments('GetPdfReport');
    await north.start();
    await south.start();
    await blockResources(north.interceptor);
    const png = () => site.hits.get('/logo.png') ?? 0;
    const northPage = await north.context.newPage();
    let before = png();
    await northPage.goto(`${site.url}/?north`);
    assert.equal(png(), before, 'north blocks images');
    const southPage = await south.context.newPage();
    before = png();
    await southPage.goto(`${site.url}/?south`);
    assert.equal(png(), before + 1, 'south still loads them');
    const opener = (await targetIdOf(southPage))!;
    const seenByNorth = north.interceptor.heldFrom(opener, AbortSignal.timeout(3000)).then(
      () => 'north took it',
      () => 'north never saw it',
    );
    const { held } = await heldAfterClick(southPage, '#whoami', south.interceptor);
    assert.match(held.url, /whoami/);
    assert.equal(await seenByNorth, 'north never saw it', "north cannot take south's report");
    await northPage.close();
    await southPage.close();
  });

  it('a relaunch (the browser killed) opens every context again with its own cookies, once for all', async () => {
    const east = host.openContext();
    const west = host.openContext();
    await east.start();
    await west.start();
    await east.context.addCookies([{ name: 'sid', value: 'east1', url: site.url }]);
    await west.context.addCookies([{ name: 'sid', value: 'west1', url: site.url }]);
    await east.rememberCookies();
    await west.rememberCookies();
    const browser = east.context.browser()!;
    await browser.close();
    assert.equal(east.isAlive(), false);
    await Promise.all([east.relaunch(), west.relaunch()]);
    assert.ok(east.isAlive() && west.isAlive());
    assert.notEqual(east.context.browser(), browser, 'a new browser');
    assert.equal(east.context.browser(), west.context.browser(), 'one browser for both');
    const sid = async (context: typeof east) => (await context.context.cookies()).find((c) => c.name === 'sid')?.value;
    assert.equal(await sid(east), 'east1');
    assert.equal(await sid(west), 'west1');
    await west.close();
    assert.equal(east.isAlive(), true, 'closing one account leaves the others');
    assert.equal(west.isAlive(), false);
  });
});
