// The core end-to-end scenarios on the strict variant of the simulated portal: the contrasting choice
// wherever the real portal is not known (no-store pages, so no back/forward cache; PDFs as
// attachments; pages of 10; a reordered, quoted CSV with a BOM; a leftover filter; query URLs with
// GUIDs; error answers 1.5 s late with slow bodies; the report tab opened empty and sent to the report
// later, so the report is taken from its tab). Judged from outside: files on disk and the
// portal's stats. On failure the run's bookout.log is printed.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PortalOptions } from '../../sim/index.ts';
import {
  checkPdfsOnDisk,
  FAST_TIMEOUTS,
  generations,
  openWorkspace,
  runFolderOf,
  startCli,
  type CliResult,
  type Workspace,
} from '../support/harness.ts';
import { assertOutcome, injected } from '../support/outcome.ts';

const VEHICLES = 20;
const STRICT: Partial<PortalOptions> = { variant: 'strict', vehicles: VEHICLES };

/** The fault mix: 3% 500s, 1% hangs, 3% bad PDFs, one session expiry and one kick. */
const FAULT_MIX: PortalOptions['faults'] = {
  transient500: { rate: 0.03 },
  hang: { rate: 0.01 },
  truncatedPdf: { rate: 0.015 },
  htmlAsPdf: { rate: 0.015 },
  expireAfterPdfs: 6,
  kickAfterPdfs: 13,
};

/** Errors of the tab itself (not of the vehicle, the portal or the session): they must cost no attempt. */
const TAB_OWN_ERRORS =
  /interrupted by another navigation|frame was detached|Target page, context or browser has been closed/;

/** Lines of bookout.log where an attempt was lost to an error of the tab itself. */
function attemptsLostToTabs(ws: Workspace): string[] {
  return logOf(ws)
    .split('\n')
    .filter((line) => TAB_OWN_ERRORS.test(line) && /retry \d+ of \d+|FAILED/.test(line));
}

function logOf(ws: Workspace): string {
  try {
    const log = join(runFolderOf(ws.downloads), 'run_data', 'bookout.log');
    return existsSync(log) ? readFileSync(log, 'utf8') : '(no bookout.log)';
  } catch (error) {
    return `(no run folder: ${(error as Error).message})`;
  }
}

/**
 * Runs `bookout run` to its end, or kills it after `deadlineMs`: a run that never ends must fail
 * the test, not hold the test process (and npm test) open.
 */
async function runToEnd(ws: Workspace, env: Record<string, string>, deadlineMs: number) {
  const run = startCli(['run', '--progress', 'plain'], env, ws.dir);
  const deadline = setTimeout(() => run.child.kill('SIGKILL'), deadlineMs);
  const result = await run.done;
  clearTimeout(deadline);
  const endedByItself = (): void =>
    assert.notEqual(result.signal, 'SIGKILL', `still running after ${deadlineMs / 1000} s: killed`);
  return { result, endedByItself };
}

type Checks = Array<[name: string, check: () => Promise<void> | void]>;

/**
 * Runs every check (all of them, so that a failure names everything that is wrong); when any fails,
 * prints the run's output and bookout.log, then fails with each failed check's message.
 */
async function judged(ws: Workspace, result: CliResult, checks: Checks): Promise<void> {
  const failed: string[] = [];
  for (const [name, check] of checks) {
    try {
      await check();
    } catch (error) {
      failed.push(`${name}: ${(error as Error).message}`);
    }
  }
  if (failed.length === 0) return;
  const output = `${result.stdout}\n${result.stderr}`.trim();
  console.log(`--- output of the last run ---\n${output}\n--- run_data/bookout.log ---\n${logOf(ws)}\n---`);
  assert.fail(`${failed.length} check(s) failed:\n${failed.join('\n')}`);
}

async function waitFor(condition: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

describe('bookout run on the strict variant of the simulated portal', () => {
  it('a full run with 4 tabs: every vehicle once, one login, the leftover filter cleared', {
    timeout: 300_000,
  }, async () => {
    const ws = await openWorkspace({ ...STRICT, profile: 'fast' });
    try {
      const { result, endedByItself } = await runToEnd(ws, ws.env({ WORKERS: '4' }), 180_000);
      await judged(ws, result, [
        ['the run ends by itself', endedByItself],
        ['outcome', () => assertOutcome(ws)],
        ['no internal warning', () => assert.doesNotMatch(result.stdout, /internal warning/)],
        [
          'one login, one logout, one export',
          () => {
            const stats = ws.portal.stats();
            assert.deepEqual([stats.logins.accepted, stats.logouts, stats.csvExports], [1, 1, 1]);
          },
        ],
        [
          'each vehicle page requested once (opened at its address after two clicks, or clicked)',
          () => assert.equal(ws.portal.stats().requests.byRoute.vehicle ?? 0, VEHICLES),
        ],
        ['exit code 0', () => assert.equal(result.code, 0)],
      ]);
    } finally {
      await ws.close();
    }
  });

  it('the report tab opened through a link (taken without a tab): every vehicle once, one PDF generation each', {
    timeout: 300_000,
  }, async () => {
    const ws = await openWorkspace({ ...STRICT, profile: 'fast', reportTab: 'link' });
    try {
      const { result, endedByItself } = await runToEnd(ws, ws.env({ WORKERS: '4' }), 180_000);
      await judged(ws, result, [
        ['the run ends by itself', endedByItself],
        ['outcome', () => assertOutcome(ws)],
        ['one PDF generation per vehicle', () => assert.equal(ws.portal.stats().pdf.generations, VEHICLES)],
        ['exit code 0', () => assert.equal(result.code, 0)],
      ]);
    } finally {
      await ws.close();
    }
  });

  // The product's default retries, as a new user would run it.
  it('the fault mix with short timeouts: every servable vehicle proven once, no second session', {
    timeout: 420_000,
  }, async () => {
    const ws = await openWorkspace({ ...STRICT, faults: FAULT_MIX });
    try {
      const env = ws.env({ ...FAST_TIMEOUTS, WORKERS: '4' });
      const { result, endedByItself } = await runToEnd(ws, env, 240_000);
      const stats = ws.portal.stats();
      await judged(ws, result, [
        ['the run ends by itself', endedByItself],
        [
          'the expiry and the kick happened',
          () => assert.deepEqual([stats.sessionsEnded.expired, stats.sessionsEnded.kicked], [1, 1]),
        ],
        // A session that ends may take the PDFs of the tabs in flight with it.
        [
          'outcome',
          () => assertOutcome(ws, { extraGenerationsAllowed: injected(ws.portal, /truncatedPdf|htmlAsPdf/) + 2 * 4 }),
        ],
        [
          'one login, plus one per expiry or kick; never refused',
          () => {
            assert.ok(stats.logins.accepted <= 3, `${stats.logins.accepted} logins`);
            assert.equal(stats.logins.refusedActiveSession, 0);
          },
        ],
        ['no attempt lost to an error of the tab itself', () => assert.deepEqual(attemptsLostToTabs(ws), [])],
        ['no internal warning', () => assert.doesNotMatch(result.stdout, /internal warning/)],
        ['exit code 0', () => assert.equal(result.code, 0)],
      ]);
    } finally {
      await ws.close();
    }
  });

  it('SIGKILL mid-run twice, then started again: nothing lost, nothing redone, one login', {
    timeout: 420_000,
  }, async () => {
    const ws = await openWorkspace({ ...STRICT, profile: 'fast' });
    const env = ws.env({ ...FAST_TIMEOUTS, WORKERS: '3' });
    const provenAtKill = new Map<string, number>();
    try {
      for (let kill = 0; kill < 2; kill += 1) {
        const run = startCli(['run', '--progress', 'plain'], env, ws.dir);
        try {
          await run.waitForOutput(/downloading \d+ vehicles/);
          const target = ws.portal.stats().pdf.generations + 3 + Math.floor(Math.random() * 3);
          await waitFor(() => ws.portal.stats().pdf.generations >= target || run.child.exitCode !== null);
          await sleep(Math.random() * 400);
        } finally {
          run.child.kill('SIGKILL');
        }
        const killed = await run.done;
        const disk = await checkPdfsOnDisk(runFolderOf(ws.downloads), ws.portal);
        await judged(ws, killed, [
          [`no partial or wrong file after kill ${kill + 1}`, () => assert.deepEqual(disk.bad, [])],
        ]);
        for (const ref of disk.proven) provenAtKill.set(ref, generations(ws.portal).get(ref) ?? 0);
      }
      const { result, endedByItself } = await runToEnd(ws, env, 180_000);
      await judged(ws, result, [
        ['the run ends by itself', endedByItself],
        ['outcome', () => assertOutcome(ws, { extraGenerationsAllowed: 2 * 3 })],
        [
          'nothing on disk at a kill was generated again',
          () => {
            const after = generations(ws.portal);
            for (const [ref, count] of provenAtKill) assert.equal(after.get(ref), count, ref);
          },
        ],
        [
          'each restart took the session back: one login in all',
          () => assert.equal(ws.portal.stats().logins.accepted, 1),
        ],
        ['exit code 0 after the kills', () => assert.equal(result.code, 0)],
      ]);
    } finally {
      await ws.close();
    }
  });
});
