// report.html of a run through faults, rendered in real headless Chromium, its figures checked
// against metrics.json and the ledger itself.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Metrics } from '../../src/output/reports.ts';
import { launchTestBrowser } from '../support/browser.ts';
import { FAST_TIMEOUTS, openWorkspace, readJson, runCli, runFolderOf, type Workspace } from '../support/harness.ts';

describe('report.html of a run with faults', { timeout: 300_000 }, () => {
  let ws: Workspace;
  let folder: string;
  let metrics: Metrics;
  let db: DatabaseSync;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];
  let stdout = '';

  before(async () => {
    ws = await openWorkspace({
      vehicles: 14,
      profile: 'fast',
      faults: { transient500: { rate: 0.03 }, expireAfterPdfs: 5, alwaysFail: ['165001'] },
    });
    const result = await runCli(['run', '--progress', 'plain'], ws.env({ ...FAST_TIMEOUTS, MAX_RETRIES: '3' }), ws.dir);
    stdout = result.stdout;
    assert.equal(result.code, 1, result.stdout + result.stderr);
    folder = runFolderOf(ws.downloads);
    metrics = readJson<Metrics>(join(folder, 'run_data', 'metrics.json'));
    db = new DatabaseSync(join(folder, 'run_data', 'state.db'), { readOnly: true });
    browser = await launchTestBrowser();
    page = await browser.newPage();
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(join(folder, 'report.html')).href);
  });
  after(async () => {
    db?.close();
    await browser?.close();
    await ws?.close();
  });

  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  const figure = (name: string) => page.locator(`[data-figure="${name}"]`).textContent();
  const sumOf = (attribute: string) =>
    page.$$eval(
      `[${attribute}]`,
      (nodes, name) => nodes.reduce((sum, node) => sum + Number(node.getAttribute(name)), 0),
      attribute,
    );

  it('is one file that loads nothing else (no network, no script)', async () => {
    assert.deepEqual(requests, [pathToFileURL(join(folder, 'report.html')).href]);
    const html = readFileSync(join(folder, 'report.html'), 'utf8');
    assert.doesNotMatch(html, /<script|<link|@import|src=|href="http/i);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.equal(html.includes(ws.portal.credentials.password), false, 'no password in the report');
    assert.equal(html.includes(ws.portal.credentials.username), false, 'no user name in the report');
    assert.match(stdout, /report with charts: .*report\.html/);
    assert.match(readFileSync(join(folder, 'run_data', 'report.txt'), 'utf8'), /report with charts: .*report\.html/);
  });

  it('the summary shows the figures of metrics.json', async () => {
    for (const name of [
      'total_inventory',
      'succeeded',
      'failed',
      'remaining',
      'success_rate',
      'vehicles_per_hour',
      'p50_seconds_per_vehicle',
      'p95_seconds_per_vehicle',
      'retries',
      'session_recoveries',
      'browser_restarts',
      'workers',
    ] as const) {
      assert.equal(await figure(name), String(metrics[name]), name);
    }
    assert.equal(metrics.succeeded, 13);
    assert.equal(
      await figure('status'),
      readJson<{ status: string }>(join(folder, 'run_data', 'checkpoint.json')).status,
    );
  });

  it('the throughput chart counts every vehicle done and every failed attempt, and marks the session recovery', async () => {
    assert.equal(await sumOf('data-bucket-done'), count("SELECT COUNT(*) AS n FROM vehicles WHERE state = 'done'"));
    assert.equal(
      await sumOf('data-bucket-failed'),
      count("SELECT COUNT(*) AS n FROM attempts WHERE outcome IN ('retry', 'failed')"),
    );
    assert.ok((await sumOf('data-bucket-failed')) >= 4, 'the vehicle that always fails was tried at least 4 times');
    const sessionMarks = await page.locator('[data-mark="session"]').count();
    assert.equal(sessionMarks, metrics.session_recoveries);
    assert.equal(sessionMarks, ws.portal.stats().sessionsEnded.expired, 'one recovery per expiry the portal made');
  });

  it('time per step: one row per step with as many samples as the ledger has for successful attempts', async () => {
    const rows = await page.$$eval('tr[data-step]', (nodes) =>
      nodes.map((node) => ({ step: node.getAttribute('data-step')!, count: Number(node.getAttribute('data-count')) })),
    );
    const expected = db
      .prepare(
        `SELECT s.step, COUNT(*) AS n FROM attempt_steps s JOIN attempts a ON a.id = s.attempt_id
         WHERE a.outcome = 'done' GROUP BY s.step`,
      )
      .all() as Array<{ step: string; n: number }>;
    assert.deepEqual(
      rows.map((row) => `${row.step}=${row.count}`).sort(),
      expected.map((row) => `${row.step}=${row.n}`).sort(),
    );
    for (const step of ['waiting for PDF', 'proving PDF', 'saving PDF'])
      assert.ok(
        rows.some((row) => row.step === step && row.count === metrics.succeeded),
        step,
      );
    const portal = Number((await figure('portal_share'))!.replace('%', ''));
    const own = Number((await figure('own_share'))!.replace('%', ''));
    assert.ok(Math.abs(portal + own - 100) < 0.2 && portal > own, `${portal} + ${own}`);
  });

  it('failures are grouped by reason with their vehicles, as in the ledger', async () => {
    const refs = await page.$$eval('[data-failure-group] [data-ref]', (nodes) =>
      nodes.map((node) => node.getAttribute('data-ref')),
    );
    const failed = (db.prepare("SELECT ref FROM vehicles WHERE state = 'failed'").all() as Array<{ ref: string }>).map(
      (row) => row.ref,
    );
    assert.deepEqual(refs.sort(), failed.sort());
    assert.deepEqual(refs, ['165001']);
    assert.match((await page.locator('[data-failure-group]').first().textContent()) ?? '', /HTTP 500/);
    for (const [cause, tally] of Object.entries(metrics.failed_attempts_by_cause)) {
      const cells = await page.locator(`tr[data-cause="${cause}"] td`).allTextContents();
      assert.deepEqual(cells.slice(1), [String(tally.attempts), String(tally.counted)], cause);
    }
  });

  it('lists every invocation of the run', async () => {
    assert.equal(await page.locator('tr[data-invocation]').count(), count('SELECT COUNT(*) AS n FROM invocations'));
    assert.match((await page.locator('tr[data-invocation]').first().textContent()) ?? '', /finished/);
  });
});
