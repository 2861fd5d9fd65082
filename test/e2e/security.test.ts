// What bookout leaves behind must not help anyone in: checked from outside, as someone with read
// access to the machine would look (file modes, the browser's environment, the temp folder).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  FAST_TIMEOUTS,
  openWorkspace,
  runCli,
  runFolderOf,
  startCli,
  waitFor,
  type Workspace,
} from '../support/harness.ts';
import { browserProcess, processTree } from '../support/processes.ts';

const LIMIT = { timeout: 180_000 };
const modeOf = (path: string) => statSync(path).mode & 0o777;

/** A process's environment as its /proc file shows it ('' when it has ended meanwhile). */
function environmentOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return '';
  }
}

/** Every file and folder below `folder`, relative to it. */
function everything(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, encoding: 'utf8' });
}

describe('what a run leaves behind', { skip: process.platform === 'win32' ? 'POSIX modes' : false }, () => {
  it(
    'the state, the log, the inventory and the saved session are readable by the user only; the browser gets no password; nothing stays in the system temp folder after kill -9',
    LIMIT,
    async () => {
      const ws: Workspace = await openWorkspace({ vehicles: 20, profile: 'fast' });
      try {
        const systemTemp = join(ws.dir, 'system-temp');
        mkdirSync(systemTemp);
        const env = ws.env({ ...FAST_TIMEOUTS, TMPDIR: systemTemp, WORKERS: '2' });
        const run = startCli(['run', '--progress', 'plain'], env, ws.dir);
        await run.waitForOutput(/downloading \d+ vehicles/);
        await waitFor(() => ws.portal.stats().pdf.generations >= 3);

        const browser = browserProcess(run.child.pid!);
        assert.ok(browser, 'found the browser process');
        const children = processTree(run.child.pid!).filter((row) => row.pid !== run.child.pid);
        assert.ok(children.length > 0);
        for (const child of children) {
          const environment = environmentOf(child.pid);
          assert.doesNotMatch(environment, /JD_PASS/, `${child.command} (${child.pid}) has JD_PASS`);
          assert.equal(
            environment.includes(ws.portal.credentials.password),
            false,
            `${child.command} has the password`,
          );
        }

        run.child.kill('SIGKILL');
        await run.done;
        const folder = runFolderOf(ws.downloads);
        const data = join(folder, 'run_data');
        assert.equal(modeOf(data), 0o700, 'run_data');
        assert.equal(modeOf(join(data, 'state.db')), 0o600, 'state.db');
        assert.equal(modeOf(join(data, 'bookout.log')), 0o600, 'bookout.log');
        assert.equal(modeOf(join(data, 'inventory.csv')), 0o600, 'inventory.csv');
        const state = join(ws.dir, 'state');
        const sessions = join(state, 'sessions');
        const saved = readdirSync(sessions).filter((name) => name.endsWith('.session'));
        assert.equal(saved.length, 1, 'the open session is kept for the next run');
        assert.equal(modeOf(sessions), 0o700, 'the session store');
        assert.equal(modeOf(join(sessions, saved[0]!)), 0o600, 'the saved session');
        assert.equal(modeOf(join(state, 'keys', 'session.key')), 0o600, 'the key');
        assert.equal(
          everything(folder).some((name) => name.includes('.key')),
          false,
          'no key in the run folder',
        );
        const sealed = readFileSync(join(sessions, saved[0]!));
        assert.equal(sealed.includes('ASPXAUTH'), false, 'the cookies are sealed');

        const leftInTemp = readdirSync(systemTemp);
        assert.ok(leftInTemp.length > 0, 'the killed run left its scratch folder');
        assert.ok(
          leftInTemp.every((name) => /^bookout-[0-9a-f]{10}$/.test(name)),
          `in the temp folder: ${leftInTemp}`,
        );
        assert.equal(
          everything(folder).some((name) => /playwright/.test(name)),
          false,
          'no browser profile in the run folder',
        );

        const again = await runCli(['run', '--progress', 'plain'], env, ws.dir);
        assert.equal(again.code, 0, again.stdout);
        assert.deepEqual(
          everything(systemTemp),
          [],
          'the next start removed what the killed run left; its own run removed its own',
        );
        assert.deepEqual(
          readdirSync(sessions).filter((name) => name.endsWith('.session')),
          [],
          'the session is forgotten at logout',
        );
      } finally {
        await ws.close();
      }
    },
  );
});
