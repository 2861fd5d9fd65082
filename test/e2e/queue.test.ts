// The queue mode with real parts: PostgreSQL (a throwaway cluster from the Debian packages), pg-boss,
// two worker processes, three accounts each on its own simulated portal with its own user. One
// worker is killed with SIGKILL mid-job: its jobs go to the other worker, which takes each
// account's session back (no second login) and continues its run from the ledger in PostgreSQL.
// Judged from the files on the shared folder and each portal's own counts.
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FAST_TIMEOUTS, runCli, startCli, waitFor, type CliRun } from '../support/harness.ts';
import { outcomeChecks } from '../support/outcome.ts';
import { openGroup, type GroupWorkspace } from '../support/group.ts';
import { postgresBin, startPostgres, type Postgres } from '../support/postgres.ts';

const found = postgresBin();
const skip = 'missing' in found ? found.missing : false;
const VEHICLES = 30;
const TABS = 2;

interface QueueStatus {
  account: string;
  job: string;
  run: string | null;
  workers: string[];
  counts: { total: number; done: number; failed: number; to_do: number } | null;
  result: { status: string; exit_code: number; message?: string } | null;
}

describe('bookout enqueue and bookout worker: past one machine, on PostgreSQL with pg-boss', { skip }, () => {
  let postgres: Postgres;
  let group: GroupWorkspace;
  const workers: CliRun[] = [];
  before(async () => {
    postgres = await startPostgres();
    group = await openGroup(['north', 'south', 'east'], { vehicles: VEHICLES, profile: 'fast' }, TABS);
  });
  after(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await group?.close();
    await postgres?.stop();
  });

  it('two workers, three accounts, one worker killed mid-job: every vehicle proven exactly once, never two sessions of one user', {
    timeout: 420_000,
  }, async () => {
    const env = group.env({
      ...FAST_TIMEOUTS,
      BOOKOUT_QUEUE: postgres.url,
      BOOKOUT_QUEUE_HEARTBEAT: '10',
      BOOKOUT_QUEUE_SUPERVISE: '1',
      MAX_WORKERS: '4',
    });
    const status = async (): Promise<QueueStatus[]> => {
      const result = await runCli(['status', '--queue', '--json'], env, group.dir);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      return JSON.parse(result.stdout) as QueueStatus[];
    };
    const started = Date.now();
    const enqueued = await runCli(['enqueue', '--accounts', group.accountsFile], env, group.dir);
    assert.equal(enqueued.code, 0, enqueued.stdout + enqueued.stderr);
    assert.match(enqueued.stdout, /north: queued, run \d\d-\d\d-\d{4}/);
    const twice = await runCli(['enqueue', '--accounts', group.accountsFile], env, group.dir);
    assert.match(twice.stdout, /north: already queued or running; not queued again/, 'one job per user');
    assert.ok((await status()).every((account) => account.job === 'queued'));

    const doomed = startCli(['worker', '--name', 'machine-a', '--max-accounts', '2'], env, group.dir);
    workers.push(doomed);
    await doomed.waitForOutput(/took the job[\s\S]*took the job/, 120_000);
    const taken = [...doomed.output().matchAll(/\[(\w+)\] took the job/g)].map((match) => match[1]!);
    const survivor = startCli(['worker', '--name', 'machine-b', '--max-accounts', '2'], env, group.dir);
    workers.push(survivor);
    await survivor.waitForOutput(/took the job/, 120_000);
    const portalOf = (name: string) => group.accounts.find((account) => account.name === name)!.portal;
    await waitFor(
      () => taken.every((name) => portalOf(name).stats().pdf.generations >= 6),
      180_000,
      `PDFs of ${taken.join(', ')} on the first worker`,
    );
    doomed.child.kill('SIGKILL');
    await doomed.done;
    const atKill = Object.fromEntries(taken.map((name) => [name, portalOf(name).stats().pdf.generations]));
    for (const name of taken) assert.ok(atKill[name]! < VEHICLES, `${name} was mid-job when the worker died`);

    let last: QueueStatus[] = [];
    const deadline = Date.now() + 300_000;
    while (!(last.length === 3 && last.every((account) => account.job === 'done'))) {
      assert.ok(Date.now() < deadline, `every job done: ${JSON.stringify(last)}\n${survivor.output().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      last = await status();
    }
    survivor.child.kill('SIGINT');
    const end = await survivor.done;
    const seconds = (Date.now() - started) / 1000;
    assert.equal(end.code, 0, end.stdout.slice(-3000));

    const taken2 = survivor.output();
    for (const name of taken) {
      assert.match(
        taken2,
        new RegExp(`\\[${name}\\] took the job of account ${name}, run .* \\(attempt 2, continuing\\)`),
      );
      assert.match(
        taken2,
        new RegExp(`\\[${name}\\] the portal session opened earlier is still alive`),
        'no new login',
      );
    }
    if (process.env.BOOKOUT_TEST_DUMP) writeFileSync(process.env.BOOKOUT_TEST_DUMP, taken2);
    for (const account of group.accounts) {
      const stats = account.portal.stats();
      const runs = readdirSync(join(group.downloads, account.name));
      assert.equal(runs.length, 1, `${account.name}: one run folder`);
      const folder = join(group.downloads, account.name, runs[0]!);
      const wasKilled = taken.includes(account.name);
      for (const check of await outcomeChecks(folder, account.portal, {
        extraGenerationsAllowed: wasKilled ? TABS : 0,
      })) {
        assert.ok(check.ok, `${account.name}: ${check.name}: ${check.detail}`);
      }
      assert.ok(stats.peakSessionsAlive <= 1, `${account.name}: never two sessions (peak ${stats.peakSessionsAlive})`);
      assert.equal(stats.logins.accepted, 1, `${account.name}: one login; the second worker took the session back`);
      assert.equal(
        stats.logins.refusedActiveSession + stats.logins.refusedLockedOut,
        0,
        `${account.name}: never refused`,
      );
      assert.equal(stats.sessionsAlive, 0, `${account.name}: logged out at the end`);
    }
    const final = await status();
    for (const account of final) {
      assert.equal(account.job, 'done');
      assert.equal(account.result?.exit_code, 0, JSON.stringify(account));
      assert.equal(account.counts?.done, VEHICLES);
    }
    const text = await runCli(['status', '--queue'], env, group.dir);
    assert.match(text.stdout, new RegExp(`north: done, run .*, ${VEHICLES} of ${VEHICLES} done`));
    const everything = `${enqueued.stdout}${end.stdout}${end.stderr}${doomed.output()}${text.stdout}`;
    for (const account of group.accounts) {
      assert.ok(!everything.includes(account.portal.credentials.password), 'no password printed');
    }
    console.log(
      `queue: 3 accounts x ${VEHICLES} vehicles, 2 workers (one killed after ${taken
        .map((name) => `${atKill[name]} PDFs of ${name}`)
        .join(', ')}), all done in ${seconds.toFixed(1)} s`,
    );
  });
});
