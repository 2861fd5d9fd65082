import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { chromiumArgs } from '../../src/browser/launch.ts';
import { findBrowser } from '../../src/browser/find-browser.ts';
import {
  checkPdfsOnDisk,
  FAST_TIMEOUTS,
  generations,
  openWorkspace,
  readJson,
  runCli,
  runFolderOf,
  startCli,
  type Workspace,
} from '../support/harness.ts';

describe('bookout run, end to end against the simulated portal', () => {
  describe('a full run with several tabs', () => {
    let ws: Workspace;
    let result: Awaited<ReturnType<typeof runCli>>;
    before(async () => {
      ws = await openWorkspace({
        vehicles: 30,
        pdfDelivery: 'mixed',
        initialFilter: { make: 'Ford' },
        csvBom: true,
        duplicateRows: 2,
      });
      result = await runCli(['run', '--progress', 'plain'], ws.env({ WORKERS: '4' }), ws.dir);
    });
    after(() => ws.close());

    it('ends with exit code 0 and a report', () => {
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /done:\s+30/);
    });

    it('every vehicle has exactly one PDF, proven from the file to be its own', async () => {
      const folder = runFolderOf(ws.downloads);
      const disk = await checkPdfsOnDisk(folder, ws.portal);
      assert.deepEqual(disk.bad, []);
      assert.deepEqual(disk.proven.sort(), ws.portal.inventory.map((vehicle) => vehicle.ref).sort());
    });

    it('the portal generated each PDF once, saw one login and a logout, and no session is left', () => {
      const stats = ws.portal.stats();
      assert.deepEqual(
        [...generations(ws.portal).values()].filter((count) => count !== 1),
        [],
      );
      assert.equal(stats.logins.accepted, 1);
      assert.equal(stats.logins.refusedActiveSession + stats.logins.wrongCredentials, 0);
      assert.equal(stats.logouts, 1);
      assert.equal(stats.sessionsAlive, 0);
      assert.equal(stats.peakSessionsAlive, 1);
      assert.equal(stats.csvExports, 1);
    });

    it('cleared the stored filter before exporting, so the whole inventory was exported', () => {
      const folder = runFolderOf(ws.downloads);
      const csv = readFileSync(join(folder, 'run_data', 'inventory.csv'), 'utf8');
      for (const vehicle of ws.portal.inventory) assert.ok(csv.includes(vehicle.ref), vehicle.ref);
      assert.match(result.stdout, /duplicate rows ignored/);
    });

    it('writes tracking, checkpoint, metrics and failures, and prints no credentials', () => {
      const data = join(runFolderOf(ws.downloads), 'run_data');
      const tracking = readJson<Record<string, string | null>>(join(data, 'tracking.json'));
      assert.equal(Object.keys(tracking).length, 30);
      assert.ok(Object.entries(tracking).every(([ref, file]) => file === `${ref}.pdf`));
      const metrics = readJson<Record<string, number>>(join(data, 'metrics.json'));
      for (const field of [
        'total_inventory',
        'attempted',
        'succeeded',
        'failed',
        'success_rate',
        'total_runtime_hours',
        'avg_seconds_per_vehicle',
        'workers',
        'browser_restarts',
        'retries',
        'vehicles_per_hour',
        'p50_seconds_per_vehicle',
        'p95_seconds_per_vehicle',
      ]) {
        assert.equal(typeof metrics[field], 'number', field);
      }
      assert.equal(metrics.succeeded, 30);
      assert.equal(metrics.success_rate, 100);
      assert.equal(readJson<{ status: string }>(join(data, 'checkpoint.json')).status, 'finished');
      assert.equal(readFileSync(join(data, 'failures.csv'), 'utf8').trim(), 'reference,problem,cause,reason,attempts');
      const everything =
        result.stdout +
        result.stderr +
        readdirSync(data)
          .filter((f) => /\.(json|csv|txt|log)$/.test(f))
          .map((f) => readFileSync(join(data, f), 'utf8'))
          .join('');
      assert.equal(everything.includes(ws.portal.credentials.password), false, 'the password appears somewhere');
      assert.equal(everything.includes(ws.portal.credentials.username), false, 'the user name appears somewhere');
      assert.match(result.stdout, /^[\x09\x0a\x0d\x20-\x7e]*$/, 'console output is ASCII only');
    });
  });

  describe('resume', () => {
    it('a batch stops at MAX_DOWNLOADS; running again continues the same run and downloads nothing twice', async () => {
      const ws = await openWorkspace({ vehicles: 16 });
      try {
        const first = await runCli(['run', '--progress', 'plain'], ws.env({ MAX_DOWNLOADS: '6' }), ws.dir);
        assert.equal(first.code, 0, first.stdout);
        assert.match(first.stdout, /batch limit reached/);
        const folder = runFolderOf(ws.downloads);
        assert.equal(readdirSync(join(folder, 'pdfs')).length, 6);
        const second = await runCli(['run', '--progress', 'plain'], ws.env(), ws.dir);
        assert.equal(second.code, 0, second.stdout);
        assert.match(second.stdout, /continuing the run/);
        assert.equal(runFolderOf(ws.downloads), folder, 'no second run folder');
        const disk = await checkPdfsOnDisk(folder, ws.portal);
        assert.equal(disk.proven.length, 16);
        assert.deepEqual(
          [...generations(ws.portal).values()].filter((count) => count !== 1),
          [],
        );
        assert.equal(ws.portal.stats().csvExports, 1, 'the second run reuses the inventory of the run');
        assert.equal(ws.portal.stats().sessionsAlive, 0);
        const third = await runCli(['run', '--progress', 'plain'], ws.env(), ws.dir);
        assert.equal(third.code, 0);
        assert.match(third.stdout, /new run in .*\(2\)/, 'a finished run is not continued: a new folder starts');
      } finally {
        await ws.close();
      }
    });
  });

  describe('bad input: one clear message, non-zero exit, no stack trace', () => {
    let ws: Workspace;
    before(async () => (ws = await openWorkspace({ vehicles: 5 })));
    after(() => ws.close());

    const noStack = (text: string) => assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+/);

    it('a wrong password stops at once after exactly one login attempt', async () => {
      ws.portal.resetStats();
      const started = Date.now();
      const result = await runCli(['run', '--progress', 'plain'], ws.env({ JD_PASS: 'wrong-password-1' }), ws.dir);
      assert.equal(result.code, 3);
      assert.match(result.stdout, /refused the user name or password/);
      assert.doesNotMatch(result.stdout, /wrong-password-1/);
      noStack(result.stdout + result.stderr);
      const stats = ws.portal.stats();
      assert.equal(stats.logins.wrongCredentials, 1);
      assert.equal(stats.logins.accepted, 0);
      assert.ok(Date.now() - started < 60_000);
    });

    it('an active session elsewhere is refused once, and the message says when to try again', async () => {
      const browser = await chromium.launch({
        executablePath: findBrowser(process.env.BROWSER_PATH).executablePath,
        args: chromiumArgs(),
      });
      try {
        const page = await browser.newPage();
        await page.goto(`${ws.portal.url}/ValuesOnline/Home/LicenseAgreement?ReturnUrl=/ValuesOnline/`);
        await page.fill('#usernameInput', ws.portal.credentials.username);
        await page.fill('#passwordInput', ws.portal.credentials.password);
        await Promise.all([page.waitForNavigation(), page.click('#loginButton')]);
        ws.portal.resetStats();
        const result = await runCli(['run', '--progress', 'plain'], ws.env(), ws.dir);
        assert.equal(result.code, 3);
        assert.match(result.stdout, /active session.*wait about 5 minutes/s);
        assert.equal(ws.portal.stats().logins.refusedActiveSession, 1);
        await page.click('#btnLogout');
      } finally {
        await browser.close();
      }
    });

    it('bad settings are listed together before anything starts', async () => {
      ws.portal.resetStats();
      const result = await runCli(['run'], ws.env({ WORKERS: 'many', TASK_TIMEOUT: 'soon' }), ws.dir);
      assert.equal(result.code, 2);
      assert.match(result.stdout, /WORKERS must be a whole number/);
      assert.match(result.stdout, /TASK_TIMEOUT must be a number of seconds/);
      noStack(result.stdout + result.stderr);
      assert.equal(ws.portal.stats().requests.total, 0);
    });

    it('missing credentials are named', async () => {
      const env = ws.env();
      delete (env as Record<string, string | undefined>).JD_PASS;
      const result = await runCli(['run'], env, ws.dir);
      assert.equal(result.code, 2);
      assert.match(result.stdout, /JD_PASS is not set/);
    });

    it('an unwritable download folder is one clear error', async () => {
      const notAFolder = join(ws.dir, 'a-file');
      writeFileSync(notAFolder, 'x');
      const result = await runCli(['run'], ws.env({ DOWNLOAD_FOLDER: join(notAFolder, 'downloads') }), ws.dir);
      assert.equal(result.code, 2);
      assert.match(result.stdout, /Cannot write to the download folder/);
      noStack(result.stdout + result.stderr);
    });

    it('an unknown flag is an error with usage help', async () => {
      const result = await runCli(['run', '--wokers', '3'], ws.env(), ws.dir);
      assert.equal(result.code, 2);
      assert.match(result.stderr + result.stdout, /unknown option/);
    });
  });

  describe('Ctrl-C', () => {
    it('the first Ctrl-C stops cleanly: logout, state saved, summary; running again finishes the job', async () => {
      const ws = await openWorkspace({ vehicles: 24, profile: 'fast' });
      try {
        const run = startCli(['run', '--progress', 'plain'], ws.env({ WORKERS: '3', ...FAST_TIMEOUTS }), ws.dir);
        await run.waitForOutput(/downloading \d+ vehicles/);
        await waitUntil(() => ws.portal.stats().pdf.generations >= 3);
        run.child.kill('SIGINT');
        const result = await run.done;
        assert.equal(result.code, 130, result.stdout);
        assert.match(result.stdout, /Stopping cleanly/);
        assert.match(result.stdout, /bookout report .* stopped/);
        assert.equal(ws.portal.stats().sessionsAlive, 0, 'logged out after Ctrl-C');
        const folder = runFolderOf(ws.downloads);
        assert.equal(readJson<{ status: string }>(join(folder, 'run_data', 'checkpoint.json')).status, 'stopped');
        const again = await runCli(['run', '--progress', 'plain'], ws.env(), ws.dir);
        assert.equal(again.code, 0, again.stdout);
        const disk = await checkPdfsOnDisk(folder, ws.portal);
        assert.deepEqual(disk.bad, []);
        assert.equal(disk.proven.length, 24);
        assert.equal(
          existsSync(join(folder, 'run_data', 'tmp')) ? readdirSync(join(folder, 'run_data', 'tmp')).length : 0,
          0,
        );
      } finally {
        await ws.close();
      }
    });
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
