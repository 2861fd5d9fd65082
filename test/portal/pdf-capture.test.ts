// The report capture in real headless Chromium against a small local server, for the ways a page
// may open its report tab: with window.open of the address or a target=_blank link the report is
// fetched without a tab being made; an empty tab sent to the address later comes, its request is
// held and sent, and it is closed before it shows anything. Each way: one request, the bytes whole,
// with the session's cookie. The requests pass the gate of the portal's costliest requests.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BrowserHost } from '../../src/browser/browser-host.ts';
import { RequestGate } from '../../src/engine/request-gate.ts';
import { PdfCapture } from '../../src/portal/values-online/pdf-capture.ts';

const REPORT = '/ValuesOnline/Reports/GetPdfReport';

const OPENERS = {
  'window.open': `window.open('${REPORT}?reportToken=1', '_blank')`,
  link: `var a = document.createElement('a'); a.href = '${REPORT}?reportToken=1'; a.target = '_blank'; document.body.appendChild(a); a.click();`,
  'an empty tab': `var tab = window.open('', '_blank'); setTimeout(function () { tab.location.href = '${REPORT}?reportToken=1'; }, 50);`,
  'window.open of another page': `window.open('/help', '_blank')`,
};

/** The report takes 200 ms; `reports` counts those in flight now and at most. */
function startServer() {
  const hits = new Map<string, number>();
  const reports = { now: 0, most: 0 };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const sid = /sid=(\w+)/.exec(req.headers.cookie ?? '')?.[1];
    if (path === REPORT) {
      reports.now += 1;
      reports.most = Math.max(reports.most, reports.now);
      setTimeout(() => {
        reports.now -= 1;
        res.writeHead(200, { 'Content-Type': 'application/pdf' }).end(`%PDF-1.4\n% sid=${sid}\n%%EOF\n`);
      }, 200);
      return;
    }
    const opener = OPENERS[decodeURIComponent(path.slice(1)) as keyof typeof OPENERS] ?? '';
    res
      .writeHead(200, { 'Content-Type': 'text/html', 'Set-Cookie': 'sid=s1; Path=/; HttpOnly' })
      .end(
        `<!doctype html><button type="button" onclick="setTimeout(function () { ${opener} }, 50)">Create PDF</button>`,
      );
  });
  return new Promise<{ server: Server; origin: string; hits: Map<string, number>; reports: typeof reports }>(
    (resolve) =>
      server.listen(0, '127.0.0.1', () =>
        resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, reports }),
      ),
  );
}

describe('taking the report a page opens', { timeout: 120_000 }, () => {
  let host: BrowserHost;
  let site: Awaited<ReturnType<typeof startServer>>;
  let capture: PdfCapture;
  const gate = new RequestGate({ name: 'PDF requests' });

  before(async () => {
    site = await startServer();
    host = new BrowserHost({ headless: true, executablePath: process.env.BROWSER_PATH });
    capture = new PdfCapture(host.interceptor, 10_000, gate);
    capture.install();
    await host.start();
  });
  after(async () => {
    await host.close();
    site.server.close();
  });

  const tabsMade = { 'window.open': 0, link: 0, 'an empty tab': 1 };
  for (const [opener, tabs] of Object.entries(tabsMade)) {
    it(`opened by ${opener}: the report once, with the session's cookie; ${tabs} tab(s) made`, async () => {
      site.hits.clear();
      const page = await host.newPage();
      await page.goto(`${site.origin}/${encodeURIComponent(opener)}`);
      const made: string[] = [];
      const shown: string[] = [];
      page.on('popup', (popup) => {
        made.push(popup.url());
        popup.on('framenavigated', (frame) => shown.push(frame.url()));
      });
      const report = await capture.create(page, 10_000, new AbortController().signal);
      assert.equal(report.status, 200);
      assert.equal(report.body.toString('latin1'), '%PDF-1.4\n% sid=s1\n%%EOF\n');
      assert.equal(new URL(report.url).pathname, REPORT);
      assert.equal(site.hits.get(REPORT), 1, 'one request for the report');
      assert.equal(made.length, tabs, `tabs made: ${made.join(', ')}`);
      assert.deepEqual(shown, [], 'a tab made shows nothing: it is closed before');
      await page.close();
    });
  }

  it('a window.open of another address still opens its tab, which is not taken for the report', async () => {
    site.hits.clear();
    const page = await host.newPage();
    await page.goto(`${site.origin}/${encodeURIComponent('window.open of another page')}`);
    const made: string[] = [];
    page.on('popup', (popup) => made.push(popup.url()));
    await assert.rejects(capture.create(page, 10_000, new AbortController().signal), /report tab went to \/help/);
    assert.equal(made.length, 1);
    assert.equal(site.hits.get('/help'), 1);
    assert.equal(site.hits.get(REPORT) ?? 0, 0);
    await page.close();
  });

  it('an attempt that is over before the page opens the report sends nothing', async () => {
    site.hits.clear();
    const page = await host.newPage();
    await page.goto(`${site.origin}/window.open`);
    const attempt = new AbortController();
    const creating = capture.create(page, 10_000, attempt.signal);
    attempt.abort(new Error('the attempt is over'));
    await assert.rejects(creating);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(site.hits.get(REPORT) ?? 0, 0);
    await page.close();
  });

  it('through the gate: with room for one, two tabs send their reports one after the other', async () => {
    site.hits.clear();
    site.reports.most = 0;
    gate.limit = 1;
    try {
      const pages = await Promise.all([host.newPage(), host.newPage()]);
      await Promise.all(pages.map((page) => page.goto(`${site.origin}/window.open`)));
      const steps: string[] = [];
      const stepsOf = (tab: number) => ({
        inLine: () => steps.push(`${tab} in line`),
        waiting: () => steps.push(`${tab} sent`),
      });
      const reports = await Promise.all(
        pages.map((page, index) => capture.create(page, 10_000, new AbortController().signal, stepsOf(index))),
      );
      assert.ok(reports.every((report) => report.status === 200));
      assert.equal(site.hits.get(REPORT), 2);
      assert.equal(site.reports.most, 1, 'never two reports in flight at once');
      assert.equal(steps.filter((step) => step.endsWith('in line')).length, 1, `one waited: ${steps.join(', ')}`);
      assert.ok(gate.round().answers >= 2, 'the gate counted the answers');
      await Promise.all(pages.map((page) => page.close()));
    } finally {
      gate.limit = Number.POSITIVE_INFINITY;
    }
  });
});
