// State for machines, live: the state files while a run works, status --json from another
// process, the JSON-lines log, and continuing a named run folder.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  checkPdfsOnDisk,
  FAST_TIMEOUTS,
  openWorkspace,
  readJson,
  runCli,
  runFolderOf,
  startCli,
  type CliRun,
  type Workspace,
} from '../support/harness.ts';

interface Checkpoint {
  status: string;
  updated_at: string;
  done: number;
  total: number;
}

async function waitFor<V>(what: string, probe: () => V | undefined, timeoutMs: number): Promise<V> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function readIfThere<V>(path: string): V | undefined {
  try {
    return readJson<V>(path);
  } catch {
    return undefined;
  }
}

describe('state for machines while a run works', { timeout: 240_000 }, () => {
  let ws: Workspace;
  let run: CliRun;
  let data: string;
  let first: Checkpoint;
  before(async () => {
    // About 2 s of portal time per vehicle: the run takes longer than one round of the state files (30 s).
    ws = await openWorkspace({ vehicles: 60, profile: 'realistic', timeScale: 0.1 });
    run = startCli(['run', '--progress', 'plain', '--log-json'], ws.env({ WORKERS: '2', ...FAST_TIMEOUTS }), ws.dir);
    await run.waitForOutput(/downloading \d+ vehicles/);
    data = join(runFolderOf(ws.downloads), 'run_data');
    first = await waitFor('the first checkpoint', () => readIfThere<Checkpoint>(join(data, 'checkpoint.json')), 20_000);
  });
  after(async () => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    await ws.close();
  });

  it('checkpoint.json is written when the downloads start, then again while they go on', async () => {
    assert.equal(first.status, 'running');
    assert.equal(first.total, 60);
    const later = await waitFor(
      'a newer checkpoint',
      () => {
        const now = readIfThere<Checkpoint>(join(data, 'checkpoint.json'));
        return now && now.updated_at !== first.updated_at ? now : undefined;
      },
      45_000,
    );
    assert.equal(later.status, 'running');
    assert.ok(later.done > first.done, `done went from ${first.done} to ${later.done}`);
    assert.ok(Date.parse(later.updated_at) > Date.parse(first.updated_at));
    const metrics = readJson<Record<string, unknown>>(join(data, 'metrics.json'));
    assert.equal(metrics.status, 'running');
    assert.equal(metrics.ended_at, null);
    assert.match(String(metrics.started_at), /^\d{4}-\d{2}-\d{2}T/);
    assert.equal(run.child.exitCode, null, 'the run is still working');
  });

  it('status --json from another process: one parseable object saying it runs', async () => {
    const result = await runCli(['status', '--json'], ws.env(), ws.dir);
    assert.equal(result.code, 0, result.stdout);
    const status = JSON.parse(result.stdout);
    assert.equal(status.state, 'running');
    assert.equal(status.run_folder, runFolderOf(ws.downloads));
    assert.equal(status.counts.total, 60);
    assert.ok(status.counts.done > 0 && status.counts.done < 60, `done ${status.counts.done}`);
    assert.equal(status.counts.to_do, 60 - status.counts.done - status.counts.failed);
    assert.ok(status.in_progress.length <= 2);
    assert.equal(status.counts.in_progress, status.in_progress.length);
    assert.equal(typeof status.rates.vehicles_per_hour, 'number');
    assert.match(status.last_done_at, /^\d{4}-\d{2}-\d{2}T/);
    assert.equal(status.ended_at, null);
    assert.equal(status.failures_file, null);
  });

  it('after Ctrl-C: the JSON-lines log ends with the verdict, and status --json says unfinished', async () => {
    run.child.kill('SIGINT');
    const result = await run.done;
    assert.equal(result.code, 130, result.stdout);
    const lines = readFileSync(join(data, 'bookout.jsonl'), 'utf8').trimEnd().split('\n');
    const entries = lines.map((line) => JSON.parse(line));
    for (const entry of entries) {
      assert.match(entry.at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.ok(['info', 'warn', 'error', 'detail'].includes(entry.level), entry.level);
      assert.equal(typeof entry.text, 'string');
    }
    assert.ok(
      entries.some((entry) => typeof entry.tab === 'number' && typeof entry.ref === 'string'),
      'entries name the tab and the vehicle',
    );
    assert.ok(entries.some((entry) => /new run in/.test(entry.text)));
    const last = entries.at(-1);
    assert.deepEqual(last.verdict, {
      status: 'stopped',
      exit_code: 130,
      message: 'stopped on request; run bookout again to continue',
    });
    const everything = readFileSync(join(data, 'bookout.jsonl'), 'utf8');
    assert.equal(everything.includes(ws.portal.credentials.password), false);

    const status = JSON.parse((await runCli(['status', '--json'], ws.env(), ws.dir)).stdout);
    assert.equal(status.state, 'unfinished');
    assert.deepEqual(status.in_progress, []);
    assert.match(status.ended_at, /^\d{4}-\d{2}-\d{2}T/);
    const metrics = readJson<Record<string, unknown>>(join(data, 'metrics.json'));
    assert.equal(metrics.status, 'stopped');
    assert.equal(metrics.ended_at, status.ended_at);
  });
});

describe('bookout run --run <folder>', { timeout: 240_000 }, () => {
  let ws: Workspace;
  before(async () => (ws = await openWorkspace({ vehicles: 6 })));
  after(() => ws.close());

  it('validate --fix names the folder; run --run continues that one, not the newest', async () => {
    assert.equal((await runCli(['run', '--progress', 'plain'], ws.env(), ws.dir)).code, 0);
    const fixed = runFolderOf(ws.downloads);
    const missing = ws.portal.inventory[0]!.ref;
    rmSync(join(fixed, 'pdfs', `${missing}.pdf`));
    const fix = await runCli(['validate', '--fix'], ws.env(), ws.dir);
    assert.equal(fix.code, 0, fix.stdout);
    const advice = /to fetch them: bookout run --run "([^"]+)"/.exec(fix.stdout);
    assert.ok(advice, fix.stdout);
    assert.equal(advice[1], fixed);

    // A newer, unfinished run: plain `bookout run` would continue this one.
    const newer = await runCli(['run', '--new', '--progress', 'plain'], ws.env({ MAX_DOWNLOADS: '1' }), ws.dir);
    assert.equal(newer.code, 0, newer.stdout);
    const newest = readdirSync(ws.downloads)
      .map((name) => join(ws.downloads, name))
      .find((path) => path !== fixed)!;
    assert.equal(readdirSync(join(newest, 'pdfs')).length, 1);

    // metrics.json of the fixed run cannot be replaced: the run goes on, says so, writes everything else.
    rmSync(join(fixed, 'run_data', 'metrics.json'));
    mkdirSync(join(fixed, 'run_data', 'metrics.json', 'in-the-way'), { recursive: true });
    const again = await runCli(['run', '--run', advice[1]!, '--progress', 'plain'], ws.env(), ws.dir);
    assert.equal(again.code, 0, again.stdout);
    assert.match(again.stdout, /continuing the run in .*: 5 of 6 done/);
    assert.match(again.stdout, /WARN: could not write metrics\.json \(.*\); the other files are written/);
    assert.match(again.stdout, /bookout report .* finished/);
    assert.match(readFileSync(join(fixed, 'run_data', 'report.txt'), 'utf8'), /done:\s+6/);
    assert.equal(readJson<Checkpoint>(join(fixed, 'run_data', 'checkpoint.json')).status, 'finished');
    assert.equal((await checkPdfsOnDisk(fixed, ws.portal)).proven.length, 6);
    assert.equal(readdirSync(join(newest, 'pdfs')).length, 1, 'the newest run was not touched');
  });

  it('a folder that is not a run, or --run with --new: one clear message, exit 2', async () => {
    const nothing = join(ws.dir, 'not-a-run');
    mkdirSync(nothing);
    const bad = await runCli(['run', '--run', nothing], ws.env(), ws.dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stdout, /not-a-run is not a bookout run folder/);
    const both = await runCli(['run', '--run', nothing, '--new'], ws.env(), ws.dir);
    assert.equal(both.code, 2);
    assert.match(both.stderr + both.stdout, /cannot be used with/);
    assert.equal(existsSync(join(nothing, 'run_data')), false, 'nothing was made in it');
  });
});

/** False for a process that ended, also one left unreaped (a zombie) when its parent ended first. */
function isRunning(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('keeping the computer awake while a run works', { timeout: 120_000 }, () => {
  const linuxOnly = process.platform === 'linux' ? false : 'the helper tested here is the Linux one';
  it('systemd-inhibit holds the computer awake during the run and is gone after it', { skip: linuxOnly }, async () => {
    const ws = await openWorkspace({ vehicles: 4 });
    try {
      // A stand-in for systemd-inhibit that behaves like it (runs the command it is given) and notes its pid:
      // the real one needs a running systemd-logind, which a container has not.
      const bin = join(ws.dir, 'bin');
      const calls = join(ws.dir, 'inhibit-calls');
      mkdirSync(bin);
      writeFileSync(
        join(bin, 'systemd-inhibit'),
        `#!/bin/sh\necho "$$ $*" >> '${calls}'\nwhile [ $# -gt 0 ]; do case "$1" in --*) shift;; *) break;; esac; done\nexec "$@"\n`,
        { mode: 0o755 },
      );
      const env = ws.env({ PATH: `${bin}:${process.env.PATH ?? ''}` });
      const result = await runCli(['run', '--progress', 'plain'], env, ws.dir);
      assert.equal(result.code, 0, result.stdout);
      const [call] = readFileSync(calls, 'utf8').trimEnd().split('\n');
      const [pid, ...args] = call!.split(' ');
      assert.match(args.join(' '), /^--what=idle:sleep --who=bookout --why=.+ --mode=block sh -c while kill -0 \d+/);
      const log = readFileSync(join(runFolderOf(ws.downloads), 'run_data', 'bookout.log'), 'utf8');
      assert.match(log, new RegExp(`keeping the computer awake while the run works \\(systemd-inhibit, pid ${pid}\\)`));
      assert.doesNotMatch(log, /could not keep the computer awake/);
      assert.equal(isRunning(Number(pid)), false, 'the helper is gone after the run');

      const off = await runCli(['run', '--new', '--progress', 'plain'], { ...env, KEEP_AWAKE: 'false' }, ws.dir);
      assert.equal(off.code, 0, off.stdout);
      assert.equal(readFileSync(calls, 'utf8').trimEnd().split('\n').length, 1, 'KEEP_AWAKE=false starts no helper');
    } finally {
      await ws.close();
    }
  });
});
