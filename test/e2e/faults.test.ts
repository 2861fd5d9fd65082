// Every fault the portal (or the machine) can throw at a run, each its own scenario,
// judged from outside: the files on disk and the portal's own stats.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { PortalOptions } from '../../sim/index.ts';
import {
  checkPdfsOnDisk,
  FAST_TIMEOUTS,
  generations,
  openWorkspace,
  runCli,
  runFolderOf,
  startCli,
  waitFor,
  type Workspace,
} from '../support/harness.ts';
import { assertOutcome, injected, type Expectations } from '../support/outcome.ts';
import { browserProcess } from '../support/processes.ts';

const VEHICLES = 14;

/** Runs the whole job once against a portal with `options`, then applies the common checks. */
async function scenario(
  options: Partial<PortalOptions>,
  env: Record<string, string>,
  expect: (ws: Workspace) => Expectations,
  extraChecks?: (ws: Workspace, output: string) => void | Promise<void>,
): Promise<void> {
  const ws = await openWorkspace({ vehicles: VEHICLES, ...options });
  try {
    const result = await runCli(['run', '--progress', 'plain'], ws.env({ ...FAST_TIMEOUTS, ...env }), ws.dir);
    const expectations = expect(ws);
    try {
      assert.equal(result.code, expectations.failedForGood?.length ? 1 : 0);
      assert.doesNotMatch(result.stdout, /internal warning/);
      await assertOutcome(ws, expectations);
      await extraChecks?.(ws, result.stdout);
    } catch (error) {
      throw withRunOutput(error, result.stdout + result.stderr);
    }
  } finally {
    await ws.close();
  }
}

/** A failed check carries the run's last lines: in CI they are all there is to go on. */
function withRunOutput(error: unknown, output: string): unknown {
  if (!(error instanceof Error)) return error;
  const before = error.message;
  error.message += `\n--- the run printed (last 80 lines) ---\n${output.split('\n').slice(-80).join('\n')}`;
  error.stack = error.stack?.replace(before, error.message);
  return error;
}

describe('fault scenarios (checked from the files and the portal stats)', () => {
  it('transient 500s on every step', () =>
    scenario(
      { faults: { transient500: { rate: 0.06 } } },
      { MAX_RETRIES: '6' },
      () => ({}),
      (ws) => {
        assert.ok(injected(ws.portal, /transient500/) > 0, 'faults were injected');
      },
    ));

  it('responses that never come: the watchdog replaces the tab and the vehicle is retried', () =>
    scenario(
      { faults: { hang: { rate: 0.04 } } },
      { MAX_RETRIES: '5', WORKERS: '4', TASK_TIMEOUT: '15', STALL_TIMEOUT: '6' },
      () => ({}),
      (ws, output) => {
        assert.ok(injected(ws.portal, /hang/) > 0);
        assert.match(output, /no answer for|timed out|took longer/);
      },
    ));

  it('a slow grid callback never leaves a stale row under the click', () =>
    scenario(
      { faults: { slowGrid: { rate: 0.4, ms: 3500 } } },
      { WORKERS: '4' },
      () => ({}),
      (ws) => {
        assert.ok(injected(ws.portal, /slowGrid/) > 0);
      },
    ));

  it('delayed popups with 8 tabs (the field race): every PDF is its own vehicle', () =>
    scenario(
      { vehicles: 24, faults: { delayedPopup: { rate: 0.5, ms: 1500 } } },
      { WORKERS: '8' },
      () => ({}),
      (ws) => {
        assert.ok(injected(ws.portal, /delayedPopup/) > 3);
      },
    ));

  it('truncated PDFs are never saved; the vehicles are fetched again', () =>
    scenario(
      { faults: { truncatedPdf: { rate: 0.25 } } },
      { MAX_RETRIES: '6' },
      (ws) => ({ extraGenerationsAllowed: injected(ws.portal, /truncatedPdf/) }),
      (ws) => {
        assert.ok(injected(ws.portal, /truncatedPdf/) > 0);
      },
    ));

  it('an HTML error page served as the PDF is never saved', () =>
    scenario(
      { faults: { htmlAsPdf: { rate: 0.25 } } },
      { MAX_RETRIES: '6' },
      (ws) => ({ extraGenerationsAllowed: injected(ws.portal, /htmlAsPdf/) }),
      (ws) => {
        assert.ok(injected(ws.portal, /htmlAsPdf/) > 0);
      },
    ));

  it('session expiry mid-run: all tabs pause, one new login, the run goes on', () =>
    scenario(
      { faults: { expireAfterPdfs: 5 } },
      {},
      () => ({}),
      (ws) => {
        const stats = ws.portal.stats();
        assert.equal(stats.sessionsEnded.expired, 1);
        assert.equal(stats.logins.accepted, 2, 'exactly one login after the expiry');
      },
    ));

  it('a 429 while signing in again after an expiry: waited out as asked, the run goes on', async () => {
    const ws = await openWorkspace({ vehicles: VEHICLES, profile: 'fast' });
    try {
      const run = startCli(['run', '--progress', 'plain'], ws.env(FAST_TIMEOUTS), ws.dir);
      const logText = () => readFileSync(join(runFolderOf(ws.downloads), 'run_data', 'bookout.log'), 'utf8');
      const signInRefused = /logging in: HTTP 429, asked to wait 2 s/;
      // The sign-in (not the login page the tabs are sent to) answers 429 from before the expiry until
      // the new sign-in has met one: no race between the expiry and the re-login.
      await waitFor(() => ws.portal.stats().pdf.generations >= 3);
      ws.portal.setFaults({ rateLimit: { rate: 1, steps: ['login'], routes: ['login'], retryAfterSeconds: 2 } });
      ws.portal.trigger('expire');
      await waitFor(() => signInRefused.test(logText()));
      ws.portal.setFaults({ rateLimit: { rate: 0 } });
      const result = await run.done;
      assert.equal(result.code, 0, result.stdout);
      assert.match(logText(), signInRefused);
      await assertOutcome(ws);
      assert.equal(ws.portal.stats().logins.accepted, 2, 'one login, one after the expiry');
    } finally {
      await ws.close();
    }
  });

  it('session kicked (as by a login elsewhere): one new login, the run goes on', () =>
    scenario(
      { faults: { kickAfterPdfs: 5 } },
      {},
      () => ({}),
      (ws) => {
        const stats = ws.portal.stats();
        assert.equal(stats.sessionsEnded.kicked, 1);
        assert.equal(stats.logins.accepted, 2);
      },
    ));

  it('the license page coming back mid-run is ticked once, without a new login', () =>
    scenario(
      { faults: { licenseAfterPdfs: 5 } },
      {},
      () => ({}),
      (ws) => {
        const stats = ws.portal.stats();
        assert.equal(stats.licenseAcceptances, 2);
        assert.equal(stats.logins.accepted, 1);
      },
    ));

  it('429 with Retry-After: the run slows down and finishes', () =>
    scenario(
      { faults: { rateLimit: { rate: 0.08, retryAfterSeconds: 1 } } },
      {},
      () => ({}),
      (ws) => {
        assert.ok(injected(ws.portal, /rateLimit/) > 0);
      },
    ));

  it('the portal down for 30 s, then back: no vehicle is given up', () =>
    scenario(
      { faults: { downAfterPdfs: { after: 4, ms: 30_000 } } },
      { WORKERS: '3' },
      () => ({ extraGenerationsAllowed: 3 }),
      (ws, output) => {
        assert.match(output, /cannot be reached|answers again/);
        assert.equal(ws.portal.stats().logins.accepted, 1, 'the session survived the outage');
      },
    ));

  it('vehicles whose bookout always fails are reported with the reason, not looped on', () =>
    scenario(
      { faults: { alwaysFail: ['165001'] }, missingFromGrid: ['165005'] },
      { MAX_RETRIES: '2' },
      () => ({ failedForGood: ['165001', '165005'] }),
      (ws, output) => {
        assert.match(output, /165005: FAILED: stock number 165005 is not in the inventory grid/);
        assert.match(output, /165001: FAILED: downloading the PDF: HTTP 500/);
        assert.equal(
          ws.portal.stats().faultsInjected.alwaysFail,
          6,
          'three attempts and one in each of the three rounds of the final sweep, no more',
        );
      },
    ));

  it('after a vehicle missing from the grid (no rows left), rows the grid shows late are still found', () =>
    scenario(
      { vehicles: 8, missingFromGrid: ['165004'], gridRenderMs: 600 },
      { WORKERS: '1', MAX_RETRIES: '0' },
      () => ({ failedForGood: ['165004'] }),
      (_ws, output) => {
        assert.match(
          output,
          /165004: FAILED: stock number 165004 is not in the inventory grid; the grid showed no rows/,
        );
      },
    ));

  it('Chromium killed mid-run: relaunched, same session (no new login), the run goes on', async () => {
    const ws = await openWorkspace({ vehicles: VEHICLES, profile: 'fast' });
    try {
      const run = startCli(['run', '--progress', 'plain'], ws.env({ ...FAST_TIMEOUTS }), ws.dir);
      await run.waitForOutput(/downloading \d+ vehicles/);
      await waitFor(() => ws.portal.stats().pdf.generations >= 4);
      const browser = browserProcess(run.child.pid!);
      assert.ok(browser, 'found the browser process');
      process.kill(browser, 'SIGKILL');
      const result = await run.done;
      assert.equal(result.code, 0, result.stdout);
      assert.match(result.stdout, /browser restarted/);
      await assertOutcome(ws, { extraGenerationsAllowed: 3 });
      assert.equal(ws.portal.stats().logins.accepted, 1, 'the session was carried over to the new browser');
    } finally {
      await ws.close();
    }
  });

  it('killed with SIGKILL at random moments three times, then started again: nothing lost, nothing redone', async () => {
    const ws = await openWorkspace({ vehicles: 20, profile: 'fast' });
    try {
      const env = ws.env({ ...FAST_TIMEOUTS, WORKERS: '3' });
      const provenAtKill = new Map<string, number>();
      for (let kill = 0; kill < 3; kill += 1) {
        const run = startCli(['run', '--progress', 'plain'], env, ws.dir);
        await run.waitForOutput(/downloading \d+ vehicles/);
        const target = ws.portal.stats().pdf.generations + 2 + Math.floor(Math.random() * 3);
        await waitFor(() => ws.portal.stats().pdf.generations >= target);
        await sleep(Math.random() * 400);
        run.child.kill('SIGKILL');
        await run.done;
        const folder = runFolderOf(ws.downloads);
        const disk = await checkPdfsOnDisk(folder, ws.portal);
        assert.deepEqual(disk.bad, [], `after kill ${kill + 1}: no partial or wrong file`);
        for (const ref of disk.proven) provenAtKill.set(ref, generations(ws.portal).get(ref) ?? 0);
      }
      const last = await runCli(['run', '--progress', 'plain'], env, ws.dir);
      assert.equal(last.code, 0, last.stdout);
      await assertOutcome(ws, { extraGenerationsAllowed: 3 * 3 });
      const after = generations(ws.portal);
      for (const [ref, count] of provenAtKill)
        assert.equal(after.get(ref), count, `${ref} was on disk at a kill and must not be generated again`);
      assert.equal(ws.portal.stats().logins.accepted, 1, 'each restart took the session back: one login in all');
    } finally {
      await ws.close();
    }
  });

  it('a full disk: a clear message and a clean stop; nothing lost; after freeing space the run completes', async (t) => {
    const ws = await openWorkspace({ vehicles: 30 });
    const mount = join(ws.dir, 'small-disk');
    mkdirSync(mount);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=900k', 'tmpfs', mount], { stdio: 'ignore' });
    } catch {
      t.skip('cannot mount a small tmpfs on this machine (needs root)');
      await ws.close();
      return;
    }
    try {
      const env = ws.env({ DOWNLOAD_FOLDER: join(mount, 'downloads'), WORKERS: '2' });
      writeFileSync(join(mount, 'filler'), Buffer.alloc(250 * 1024));
      const first = await runCli(['run', '--progress', 'plain'], env, ws.dir);
      assert.equal(first.code, 4, first.stdout);
      assert.match(first.stdout, /disk is full/);
      assert.equal(ws.portal.stats().sessionsAlive, 0, 'logged out after the error');
      rmSync(join(mount, 'filler'));
      execFileSync('mount', ['-o', 'remount,size=4m', mount]);
      const second = await runCli(['run', '--progress', 'plain'], env, ws.dir);
      assert.equal(second.code, 0, second.stdout);
      await assertOutcome({ ...ws, downloads: join(mount, 'downloads') }, { extraGenerationsAllowed: 2 });
    } finally {
      execFileSync('umount', [mount], { stdio: 'ignore' });
      await ws.close();
    }
  });
});
