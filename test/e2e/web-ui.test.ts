// The web page, driven in real headless Chromium while a run works against the simulated portal,
// judged from the page, the files and the portal's own counts.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchTestBrowser } from '../support/browser.ts';
import { openWorkspace, readJson, runFolderOf, startCli, type CliRun, type Workspace } from '../support/harness.ts';
import { pageUrl, rawRequest, shown, waitForPhase } from '../support/web-page.ts';
import { forwardingFile } from '../../src/web/open-page.ts';

describe('bookout ui: the page starts, shows and stops a run', { timeout: 300_000 }, () => {
  let ws: Workspace;
  let ui: CliRun;
  let url: URL;
  let browser: Browser;
  let page: Page;

  before(async () => {
    ws = await openWorkspace({ vehicles: 40, profile: 'fast' });
    const env = ws.env({ DOWNLOAD_FOLDER: join(ws.dir, 'not-this-one') });
    delete env.JD_USER;
    delete env.JD_PASS;
    ui = startCli(['ui', '--no-open'], env, ws.dir);
    url = await pageUrl(ui);
    browser = await launchTestBrowser();
    page = await browser.newPage();
  });
  after(async () => {
    ui?.child.kill('SIGINT');
    await ui?.done;
    await browser?.close();
    await ws?.close();
  });

  it('the file the browser is handed (instead of the address on a command line) forwards to the page', async () => {
    const file = forwardingFile(url.href, join(ws.dir, 'state', 'ui'));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    await page.goto(pathToFileURL(file).href);
    await page.waitForURL(url.href);
    await waitForPhase(page, 'idle');
  });

  it('fill the fields, Start: the numbers and the per-tab table update while the run works', async () => {
    await page.goto(url.href);
    await waitForPhase(page, 'idle');
    await page.fill('#user', ws.portal.credentials.username);
    await page.fill('#password', ws.portal.credentials.password);
    await page.fill('#folder', ws.downloads);
    await page.fill('#workers', '3');
    await page.click('#start');
    await waitForPhase(page, 'running');
    await page.waitForFunction(() => Number(document.getElementById('done')?.textContent) >= 3);
    assert.equal(await shown(page, 'total'), 40);
    assert.equal((await shown(page, 'done')) + (await shown(page, 'left')) + (await shown(page, 'failed')), 40);
    assert.ok((await shown(page, 'speed')) > 0, 'speed');
    assert.match((await page.locator('#eta').textContent()) ?? '', /^\d+:\d\d/);
    assert.match((await page.locator('#finishAt').textContent()) ?? '', /\d/);
    await page.waitForFunction(
      () => document.querySelectorAll('#tabs tr[data-tab] td:nth-child(2):not(:empty)').length > 0,
    );
    const rows = await page.$$eval('#tabs tr[data-tab]', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );
    assert.equal(rows.length, 3, 'one row per tab');
    const refs = new Set(ws.portal.inventory.map((vehicle) => vehicle.ref));
    const working = rows.filter((row) => row[1] !== '');
    assert.ok(working.length > 0);
    for (const [, vehicle, step, time] of working) {
      assert.ok(refs.has(vehicle!), `the tab shows a vehicle of the inventory: ${vehicle}`);
      assert.ok(step!.length > 0, 'a step');
      assert.match(time!, /^\d+(\.\d)? s$|^\d+:\d\d$/);
    }
    assert.match((await page.locator('#chart svg[data-chart="throughput"]').count()).toString(), /^1$/);
    assert.equal(await page.locator('#user').isDisabled(), true, 'the fields are locked while the run works');
  });

  it('the page, its script and its state carry no credential', async () => {
    const { username, password } = ws.portal.credentials;
    for (const path of ['', 'app.js', 'api/state']) {
      const answer = await rawRequest(url, `${url.pathname}${path}`);
      assert.equal(answer.status, 200, path);
      assert.equal(answer.body.includes(password), false, `the password is in ${path || 'the page'}`);
      assert.equal(answer.body.includes(username), false, `the user name is in ${path || 'the page'}`);
    }
    const stream = await rawRequest(url, `${url.pathname}events`);
    assert.match(stream.body, /event: state/);
    assert.equal(stream.body.includes(password), false);
    assert.equal(await page.inputValue('#password'), '', 'the password field is emptied at Start');
  });

  it('refuses a request without the token, with a wrong Host or from another Origin (403); no CORS header', async () => {
    const base = url.pathname;
    const wrongToken = `/${'x'.repeat(43)}/`;
    const evil = { origin: 'http://evil.example' };
    const cases: Array<[string, string, Parameters<typeof rawRequest>[2], number]> = [
      ['no token', '/', {}, 403],
      ['no token, the stream', '/events', {}, 403],
      ['a wrong token', wrongToken, {}, 403],
      ['a wrong token, the state', `${wrongToken}api/state`, {}, 403],
      ['a wrong Host (DNS rebinding)', base, { headers: { host: `evil.example:${url.port}` } }, 403],
      ['a wrong Host, the stream', `${base}events`, { headers: { host: `evil.example:${url.port}` } }, 403],
      ['another Origin, the state', `${base}api/state`, { headers: evil }, 403],
      ['another Origin, the stream', `${base}events`, { headers: evil }, 403],
      [
        'another Origin, Stop',
        `${base}api/stop`,
        { method: 'POST', headers: { ...evil, 'content-type': 'application/json' }, body: '{}' },
        403,
      ],
      ['a preflight from another Origin', `${base}api/start`, { method: 'OPTIONS', headers: evil }, 403],
      [
        'Stop without an Origin',
        `${base}api/stop`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
        403,
      ],
      [
        'Stop as a plain form would send it',
        `${base}api/stop`,
        {
          method: 'POST',
          headers: { origin: url.origin, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'a=1',
        },
        415,
      ],
    ];
    for (const [name, path, options, status] of cases) {
      const answer = await rawRequest(url, path, options);
      assert.equal(answer.status, status, name);
      assert.deepEqual(
        Object.keys(answer.headers).filter((header) => header.startsWith('access-control-')),
        [],
        name,
      );
    }
    const own = await rawRequest(url, `${base}api/state`, { headers: { origin: url.origin } });
    assert.equal(own.status, 200);
    assert.deepEqual(
      Object.keys(own.headers).filter((header) => header.startsWith('access-control-')),
      [],
    );
    assert.equal(
      (await rawRequest(url, `${base}api/state`, { headers: { host: `localhost:${url.port}` } })).status,
      200,
    );
    assert.equal(ws.portal.stats().logouts, 0, 'none of these stopped the run');
  });

  it('Stop stops the run cleanly, with logout (the portal says so); the report link appears and opens', async () => {
    await page.click('#stop');
    await waitForPhase(page, 'stopped');
    const stats = ws.portal.stats();
    assert.equal(stats.logouts, 1, 'logged out');
    assert.equal(stats.sessionsAlive, 0, 'no session left on the portal');
    assert.ok((await shown(page, 'done')) < 40, 'stopped before the end');
    const folder = runFolderOf(ws.downloads);
    assert.equal(readJson<{ status: string }>(join(folder, 'run_data', 'checkpoint.json')).status, 'stopped');
    assert.match(ui.output(), /Stopping cleanly \(asked on the web page\)/);
    assert.equal(await page.locator('#reportSection').isVisible(), true);
    const [report] = await Promise.all([page.waitForEvent('popup'), page.click('#reportLink')]);
    await report.waitForLoadState();
    assert.match(await report.title(), /bookout report/);
    assert.equal(await report.locator('[data-figure="status"]').textContent(), 'stopped');
    assert.equal(await report.locator('[data-figure="succeeded"]').textContent(), String(await shown(page, 'done')));
    await report.close();
    assert.equal(await page.locator('#start').isDisabled(), false, 'a new run can be started');
  });
});

describe('bookout run --ui: the same page for a run started from the terminal', { timeout: 300_000 }, () => {
  it('shows the run with its settings read-only; Stop on the page stops it with logout', async () => {
    const ws = await openWorkspace({ vehicles: 30, profile: 'fast' });
    const browser = await launchTestBrowser();
    try {
      const run = startCli(['run', '--ui', '--no-open', '--progress', 'plain'], ws.env({ WORKERS: '2' }), ws.dir);
      const url = await pageUrl(run);
      const page = await browser.newPage();
      await page.goto(url.href);
      await waitForPhase(page, /starting|running/);
      for (const id of ['user', 'password', 'folder', 'maxDownloads', 'workers', 'headless'])
        assert.equal(await page.locator(`#${id}`).isDisabled(), true, id);
      assert.equal(await page.locator('#start').isHidden(), true);
      assert.equal(await page.inputValue('#workers'), '2');
      assert.equal(await page.inputValue('#folder'), ws.downloads);
      assert.equal(await page.inputValue('#user'), '');
      const refused = await page.evaluate(async () => {
        const response = await fetch('api/start', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{}',
        });
        return response.status;
      });
      assert.equal(refused, 409, 'no second run from this page');
      await page.waitForFunction(() => Number(document.getElementById('done')?.textContent) >= 2, undefined, {
        timeout: 90_000,
      });
      await page.click('#stop');
      await waitForPhase(page, 'stopped');
      await run.waitForOutput(/The web page shows the report until you close it/);
      await page.close();
      const result = await run.done;
      assert.equal(result.code, 130, result.stdout);
      assert.match(result.stdout, /bookout report .* stopped/);
      assert.equal(ws.portal.stats().logouts, 1);
      assert.equal(ws.portal.stats().sessionsAlive, 0);
    } finally {
      await browser.close();
      await ws.close();
    }
  });
});
