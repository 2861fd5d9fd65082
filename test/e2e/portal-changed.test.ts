// A portal whose pages changed stops a run early, naming what is missing where, and a run with
// faults leaves snapshots of the first failed pages without secrets; judged from the portal's own
// counts and the files on disk.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startPortal } from '../../sim/index.ts';
import { FAST_TIMEOUTS, openWorkspace, readJson, runCli, runFolderOf } from '../support/harness.ts';
import { assertOutcome, injected } from '../support/outcome.ts';

const LIMIT = { timeout: 180_000 };

describe('the portal has changed', () => {
  it(
    'a renamed report button stops the run within a few vehicles; the next run on the fixed portal finishes',
    LIMIT,
    async () => {
      const ws = await openWorkspace({ vehicles: 20, renamed: ['reportButton'] });
      try {
        const started = Date.now();
        const result = await runCli(['run', '--progress', 'plain'], ws.env(FAST_TIMEOUTS), ws.dir);
        const output = result.stdout + result.stderr;
        assert.equal(result.code, 5, output);
        assert.match(
          output,
          /the portal has changed: opening the vehicle: vehicle page: button\.reportButton:not\(\.requiresVehicle\) \(Print\/Email Reports\): not found; the page \([^)]+\) has buttons: .*reportsButton/,
        );
        assert.ok(Date.now() - started < 60_000, `stopped after ${Date.now() - started} ms`);
        const stats = ws.portal.stats();
        const attempted = stats.requests.byRoute.vehicle ?? 0;
        assert.ok(attempted >= 3 && attempted <= 6, `${attempted} vehicle pages opened, not the whole inventory`);
        assert.equal(stats.pdf.generations, 0);
        assert.equal(stats.sessionsAlive, 0, 'logged out');
        const folder = runFolderOf(ws.downloads);
        const checkpoint = readJson<{ failed: number; pending: number; done: number }>(
          join(folder, 'run_data', 'checkpoint.json'),
        );
        assert.deepEqual([checkpoint.done, checkpoint.failed, checkpoint.pending], [0, 0, 20], 'nothing marked failed');

        const fixed = await startPortal({ profile: 'instant', seed: 7, vehicles: 20 });
        try {
          const again = await runCli(
            ['run', '--progress', 'plain'],
            ws.env({ ...FAST_TIMEOUTS, PORTAL_URL: fixed.url }),
            ws.dir,
          );
          assert.equal(again.code, 0, again.stdout + again.stderr);
          assert.match(again.stdout, /continuing the run/);
          await assertOutcome({ ...ws, portal: fixed });
        } finally {
          await fixed.stop();
        }
      } finally {
        await ws.close();
      }
    },
  );

  it(
    'a renamed stock filter box stops the run at once after signing in, logged out, no run folder left',
    LIMIT,
    async () => {
      const ws = await openWorkspace({ vehicles: 10, renamed: ['stockNumberInput'] });
      try {
        const started = Date.now();
        const result = await runCli(['run', '--progress', 'plain'], ws.env(FAST_TIMEOUTS), ws.dir);
        assert.equal(result.code, 5, result.stdout + result.stderr);
        assert.match(
          result.stdout,
          /the portal has changed: opening the inventory: inventory page: #StockNumberInput: not found; .*input#txtStockNumber/,
        );
        assert.ok(Date.now() - started < 45_000, `stopped after ${Date.now() - started} ms`);
        const stats = ws.portal.stats();
        assert.equal(stats.logins.accepted, 1, 'one login, not one per retry');
        assert.equal(stats.csvExports, 0);
        assert.equal(stats.sessionsAlive, 0);
        assert.deepEqual(existsSync(ws.downloads) ? readdirSync(ws.downloads) : [], []);
      } finally {
        await ws.close();
      }
    },
  );
});

describe('error snapshots', () => {
  it(
    'a run with faults leaves HTML and PNG of the first failures of each kind, capped, without secrets',
    LIMIT,
    async () => {
      const ws = await openWorkspace({
        vehicles: 14,
        faults: { transient500: { rate: 0.1 }, htmlAsPdf: { rate: 0.3 } },
      });
      try {
        const result = await runCli(
          ['run', '--progress', 'plain'],
          ws.env({ ...FAST_TIMEOUTS, MAX_RETRIES: '8' }),
          ws.dir,
        );
        assert.equal(result.code, 0, result.stdout + result.stderr);
        await assertOutcome(ws, { extraGenerationsAllowed: injected(ws.portal, /htmlAsPdf|transient500/) });
        const root = runFolderOf(ws.downloads);
        const folder = join(root, 'run_data', 'snapshots');
        const files = readdirSync(folder);
        const pages = files.filter((file) => file.endsWith('.html'));
        const kinds = pages.map((file) => /_([a-z]+)\.html$/.exec(file)![1]!);
        assert.ok(kinds.includes('transient'), `kinds: ${kinds}`);
        assert.ok(kinds.includes('rejected'), `kinds: ${kinds}`);
        for (const kind of new Set(kinds))
          assert.ok(kinds.filter((k) => k === kind).length <= 3, `${kind}: more than 3`);
        assert.ok(pages.length <= 50);
        for (const page of pages) {
          assert.match(
            page,
            /^\d{8}-\d{6}-\d{3}_165\d{3}[A-Z]?_[a-z-]+_[a-z]+\.html$/,
            'named by time, vehicle, step, cause',
          );
          assert.ok(files.includes(page.replace(/\.html$/, '.png')), `a screenshot next to ${page}`);
        }
        const { username, password } = ws.portal.credentials;
        for (const file of files) {
          const text = readFileSync(join(folder, file)).toString('latin1');
          assert.equal(text.includes(password), false, `${file}: the password`);
          assert.equal(text.includes(username), false, `${file}: the user name`);
          // The session's cookie values: 48 and 24 hex digits in this portal.
          assert.doesNotMatch(text, /(?<![0-9a-f])([0-9a-f]{48}|[0-9a-f]{24})(?![0-9a-f])/, `${file}: a cookie value`);
          if (file.endsWith('.html')) assert.doesNotMatch(text, /<script/i, `${file}: a script`);
        }
        const report = readFileSync(join(root, 'run_data', 'report.txt'), 'utf8');
        assert.match(report, new RegExp(`snapshots of ${pages.length} failed pages`));
        const html = readFileSync(join(root, 'report.html'), 'utf8');
        assert.equal((html.match(/data-snapshot=/g) ?? []).length, files.length);
        assert.match(readFileSync(join(root, 'run_data', 'bookout.log'), 'utf8'), /snapshot of the tab in "/);
      } finally {
        await ws.close();
      }
    },
  );
});
