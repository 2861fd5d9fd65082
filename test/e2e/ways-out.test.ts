// Every way out of a run ends the portal session (or leaves the next run able to take it back)
// and says why. Each is judged from the simulated portal's own counts and the files on disk.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
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
import { assertOutcome } from '../support/outcome.ts';

const LIMIT = { timeout: 180_000 };

async function withWorkspace(options: Partial<PortalOptions>, test: (ws: Workspace) => Promise<void>): Promise<void> {
  const ws = await openWorkspace({ profile: 'fast', ...options });
  try {
    await test(ws);
  } finally {
    await ws.close();
  }
}

const pdfsGenerated = (ws: Workspace) => ws.portal.stats().pdf.generations;

/**
 * kill -9 as soon as the output matches `moment` (a session is open then), then a run with another
 * download folder, which must finish. Returns that folder.
 */
async function killAfterThenRunElsewhere(ws: Workspace, moment: RegExp): Promise<string> {
  const run = startCli(['run', '--progress', 'plain'], ws.env(FAST_TIMEOUTS), ws.dir);
  await run.waitForOutput(moment);
  run.child.kill('SIGKILL');
  await run.done;
  assert.equal(ws.portal.stats().sessionsAlive, 1, 'the killed run left its session open');
  const other = join(ws.dir, 'other-downloads');
  const next = await runCli(
    ['run', '--progress', 'plain'],
    ws.env({ ...FAST_TIMEOUTS, DOWNLOAD_FOLDER: other }),
    ws.dir,
  );
  assert.equal(next.code, 0, next.stdout);
  return other;
}

/** A port nothing listens on (taken from the system, then let go). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('ways out of a run', () => {
  it(
    'stdout closed early (bookout run | head -2): the run finishes, logs out, and its exit code stays true',
    LIMIT,
    () =>
      withWorkspace({ vehicles: 12 }, async (ws) => {
        const run = startCli(['run', '--progress', 'plain'], ws.env(FAST_TIMEOUTS), ws.dir);
        await run.waitForOutput(/\n.*\n/);
        run.child.stdout!.destroy(); // the reader went away, as `head` does
        const result = await run.done;
        assert.equal(result.code, 0, result.stderr);
        assert.doesNotMatch(result.stderr, /EPIPE|Unhandled/);
        await assertOutcome(ws);
        assert.match(readFileSync(join(runFolderOf(ws.downloads), 'run_data', 'bookout.log'), 'utf8'), /logged out/);
      }),
  );

  it('a closed terminal (SIGHUP) stops cleanly with logout; the next run finishes the job', LIMIT, () =>
    withWorkspace({ vehicles: 30 }, async (ws) => {
      const env = ws.env(FAST_TIMEOUTS);
      const run = startCli(['run', '--progress', 'plain'], env, ws.dir);
      await run.waitForOutput(/downloading \d+ vehicles/);
      await waitFor(() => pdfsGenerated(ws) >= 4);
      const sentAt = Date.now();
      run.child.kill('SIGHUP');
      const result = await run.done;
      assert.ok(Date.now() - sentAt < 10_000, `took ${Date.now() - sentAt} ms`);
      assert.equal(result.code, 130, result.stdout);
      assert.match(result.stdout, /terminal was closed/);
      assert.equal(ws.portal.stats().sessionsAlive, 0, 'logged out');
      const folder = runFolderOf(ws.downloads);
      assert.ok(existsSync(join(folder, 'run_data', 'report.txt')));
      const again = await runCli(['run', '--progress', 'plain'], env, ws.dir);
      assert.equal(again.code, 0, again.stdout);
      await assertOutcome(ws, { extraGenerationsAllowed: 3 });
    }),
  );

  it('Ctrl-C once while every tab is stuck on an answer that never comes: ends within 10 s, with logout', LIMIT, () =>
    withWorkspace({ vehicles: 10, faults: { hang: { rate: 1, steps: ['pdf'] } } }, async (ws) => {
      const env = ws.env({ ...FAST_TIMEOUTS, TASK_TIMEOUT: '300', STALL_TIMEOUT: '300' });
      const run = startCli(['run', '--progress', 'plain'], env, ws.dir);
      await run.waitForOutput(/downloading \d+ vehicles/);
      await waitFor(() => (ws.portal.stats().requests.byRoute.pdf ?? 0) >= 3, 60_000, 'tabs stuck on the PDF');
      const sentAt = Date.now();
      run.child.kill('SIGINT');
      const result = await run.done;
      const took = Date.now() - sentAt;
      assert.ok(took < 10_000, `the run took ${took} ms to end after Ctrl-C`);
      assert.equal(result.code, 130, result.stdout);
      const stats = ws.portal.stats();
      assert.equal(stats.logouts, 1);
      assert.equal(stats.sessionsAlive, 0);
    }),
  );

  it('Ctrl-C twice quits at once, still with one quick logout attempt and the state saved', LIMIT, () =>
    withWorkspace({ vehicles: 30 }, async (ws) => {
      const env = ws.env(FAST_TIMEOUTS);
      const run = startCli(['run', '--progress', 'plain'], env, ws.dir);
      await run.waitForOutput(/downloading \d+ vehicles/);
      await waitFor(() => pdfsGenerated(ws) >= 4);
      run.child.kill('SIGINT');
      await run.waitForOutput(/Stopping cleanly/);
      const secondAt = Date.now();
      run.child.kill('SIGINT');
      const result = await run.done;
      assert.ok(Date.now() - secondAt < 5000, `quit took ${Date.now() - secondAt} ms`);
      assert.equal(result.code, 130);
      assert.match(result.stdout, /Quitting at once/);
      assert.equal(ws.portal.stats().sessionsAlive, 0, 'the quick logout ended the session');
      const folder = runFolderOf(ws.downloads);
      assert.ok(existsSync(join(folder, 'run_data', 'checkpoint.json')), 'the state files are there');
      const disk = await checkPdfsOnDisk(folder, ws.portal);
      assert.deepEqual(disk.bad, []);
      const again = await runCli(['run', '--progress', 'plain'], env, ws.dir);
      assert.equal(again.code, 0, again.stdout);
      await assertOutcome(ws, { extraGenerationsAllowed: 4 });
    }),
  );

  it(
    'kill -9 right after the login is accepted: a run with another download folder takes the session back (no lockout)',
    LIMIT,
    () =>
      withWorkspace({ vehicles: 8 }, async (ws) => {
        const other = await killAfterThenRunElsewhere(ws, /logged in/);
        assert.equal(ws.portal.stats().logouts, 1);
        const stats = ws.portal.stats();
        assert.equal(stats.logins.refusedActiveSession, 0, 'never refused for an active session');
        assert.equal(stats.logins.accepted, 1, 'the second run used the first run’s session');
        assert.equal(stats.sessionsAlive, 0);
        await assertOutcome({ ...ws, downloads: other });
      }),
  );

  it('kill -9 right after a re-login (after the session expired): the next run takes that session back', LIMIT, () =>
    withWorkspace({ vehicles: 20, faults: { expireAfterPdfs: 4 } }, async (ws) => {
      await killAfterThenRunElsewhere(ws, /logged in[\s\S]*logged in/);
      const stats = ws.portal.stats();
      assert.equal(stats.logins.refusedActiveSession, 0);
      assert.equal(stats.logins.accepted, 2, 'one login, one re-login after the expiry, none more');
      assert.equal(stats.sessionsAlive, 0);
    }),
  );

  it(
    'the download folder stops being writable mid-run: one clear message naming it, logout, the summary; then the run completes',
    LIMIT,
    async (t) => {
      if (process.getuid?.() !== 0)
        return t.skip('needs root, to run bookout as another user and take its rights away');
      const ws = await openWorkspace({ vehicles: 24, profile: 'fast' });
      const nobody = { uid: 65534, gid: 65534 };
      try {
        chmodSync(ws.dir, 0o755);
        mkdirSync(ws.downloads);
        chownSync(ws.downloads, nobody.uid, nobody.gid);
        const state = join(ws.downloads, '.state');
        const env = ws.env({ ...FAST_TIMEOUTS, WORKERS: '2', HOME: ws.downloads, BOOKOUT_STATE_DIR: state });
        const run = startCli(['run', '--progress', 'plain'], env, ws.downloads, nobody);
        await run.waitForOutput(/downloading \d+ vehicles/);
        await waitFor(() => pdfsGenerated(ws) >= 5);
        const pdfs = join(runFolderOf(ws.downloads), 'pdfs');
        chmodSync(pdfs, 0o555);
        const result = await run.done;
        assert.equal(result.code, 4, result.stdout);
        assert.match(
          result.stdout,
          new RegExp(`cannot write to ${pdfs.replaceAll('/', '\\/')} \\(EACCES: permission denied\\)`),
        );
        assert.doesNotMatch(result.stdout, /unexpected problem/);
        assert.match(result.stdout, /bookout report/, 'the summary is printed');
        assert.equal(ws.portal.stats().sessionsAlive, 0, 'logged out');
        chmodSync(pdfs, 0o755);
        const folder = runFolderOf(ws.downloads);
        const provenBefore = (await checkPdfsOnDisk(folder, ws.portal)).proven;
        const before = generations(ws.portal);
        const again = await runCli(['run', '--progress', 'plain'], env, ws.downloads, nobody);
        assert.equal(again.code, 0, again.stdout);
        await assertOutcome(ws, { extraGenerationsAllowed: 4 });
        const after = generations(ws.portal);
        for (const ref of provenBefore) assert.equal(after.get(ref), before.get(ref), `${ref} was fetched again`);
      } finally {
        await ws.close();
      }
    },
  );

  it('the portal cannot be reached at start: a line says what is tried, the next try and when it gives up', LIMIT, () =>
    withWorkspace({ vehicles: 3 }, async (ws) => {
      const env = ws.env({ PORTAL_URL: `http://127.0.0.1:${await closedPort()}` });
      const run = startCli(['run', '--progress', 'plain'], env, ws.dir);
      await run.waitForOutput(
        /cannot be reached at http:\/\/127\.0\.0\.1:\d+; trying again in \d+ s, giving up at \d\d:\d\d/,
        60_000,
      );
      run.child.kill('SIGINT');
      const result = await run.done;
      assert.equal(result.code, 130, result.stdout);
      assert.deepEqual(existsSync(ws.downloads) ? readdirSync(ws.downloads) : [], [], 'no empty run folder left');
    }),
  );

  it('a refused login prints the portal’s message and the fix, no report of zeroes, no empty run folder', LIMIT, () =>
    withWorkspace({ vehicles: 3 }, async (ws) => {
      const result = await runCli(['run', '--progress', 'plain'], ws.env({ JD_PASS: 'wrong-password-1' }), ws.dir);
      assert.equal(result.code, 3);
      assert.match(result.stdout, /refused the user name or password.*The portal said: "Invalid/s);
      assert.doesNotMatch(result.stdout, /bookout report/);
      assert.deepEqual(existsSync(ws.downloads) ? readdirSync(ws.downloads) : [], []);
    }),
  );
});
