// A dealer group in one process (bookout run --accounts): one browser, one context and one login
// per account, the tabs shared, each account in its own run folder. Judged from the files and each
// simulated portal's own counts.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FAST_TIMEOUTS, runCli, runFolderOf, startCli, waitFor } from '../support/harness.ts';
import { MemorySampler } from '../support/memory-sampler.ts';
import { outcomeChecks } from '../support/outcome.ts';
import { openGroup, type GroupWorkspace } from '../support/group.ts';

const LIMIT = { timeout: 300_000 };
const VEHICLES = 30;

async function assertAccountDone(group: GroupWorkspace, name: string, extraGenerationsAllowed = 0) {
  const account = group.accounts.find((candidate) => candidate.name === name)!;
  const folder = runFolderOf(join(group.downloads, name));
  for (const check of await outcomeChecks(folder, account.portal, { extraGenerationsAllowed })) {
    assert.ok(check.ok, `${name}: ${check.name}: ${check.detail}`);
  }
}

describe('bookout run --accounts: a dealer group in one process', () => {
  let group: GroupWorkspace;
  before(async () => {
    group = await openGroup(['north', 'south', 'east'], { vehicles: VEHICLES });
  });
  after(() => group.close());

  it('3 accounts x 3 tabs, one with a wrong password: that account fails alone, the others finish', LIMIT, async () => {
    const env = group.env({ ...FAST_TIMEOUTS, SOUTH_PASS: 'not-the-password', MAX_WORKERS: '8' });
    const run = startCli(['run', '--accounts', group.accountsFile], env, group.dir);
    const sampler = new MemorySampler(run.child.pid!);
    const started = Date.now();
    const result = await run.done;
    const seconds = (Date.now() - started) / 1000;
    await sampler.stop();
    const all = `${result.stdout}\n${result.stderr}`;
    assert.equal(result.code, 3, `a refused login is the worst outcome: ${all}`);
    assert.match(result.stdout, /bookout summary - 3 accounts/);
    assert.match(result.stdout, /north +finished +30 +0 +0/);
    assert.match(result.stdout, /east +finished +30 +0 +0/);
    assert.match(result.stdout, /south +failed .*user name or password/i);
    assert.match(result.stdout, /\[north\] .*inventory: 30 vehicles/, 'each account says its lines with its name');
    await assertAccountDone(group, 'north');
    await assertAccountDone(group, 'east');
    const south = group.accounts.find((account) => account.name === 'south')!.portal.stats();
    assert.equal(south.logins.wrongCredentials, 1, 'one login attempt, never repeated');
    assert.equal(south.logins.accepted, 0);
    assert.equal(readdirSync(join(group.downloads, 'south')).length, 0, 'no empty run folder left');
    for (const account of group.accounts) {
      const stats = account.portal.stats();
      assert.ok(stats.peakSessionsAlive <= 1, `${account.name}: never two sessions (${stats.peakSessionsAlive})`);
      assert.equal(stats.sessionsAlive, 0, `${account.name}: logged out`);
      assert.ok(stats.logins.accepted <= 1, `${account.name}: one login`);
    }
    for (const secret of group.accounts.map((account) => account.portal.credentials.password)) {
      assert.ok(!all.includes(secret), 'no password on the console');
    }
    const memory = sampler.memory(null);
    console.log(
      `group run: 3 accounts (2 x ${VEHICLES} vehicles done, 1 refused) x 3 tabs in ${seconds.toFixed(1)} s; ` +
        `peak memory of the process tree ${Math.round(memory.peakPssMb)} MB PSS, ${Math.round(memory.peakRssMb)} MB RSS`,
    );
    const status = await runCli(['status', '--accounts', group.accountsFile], env, group.dir);
    assert.equal(status.code, 0, status.stdout);
    assert.match(status.stdout, /north: finished, 30 of 30 done/);
    assert.match(status.stdout, /south: no run yet/);
  });

  it(
    'Ctrl-C stops every account cleanly (each logs out); running again continues each account where it stopped',
    LIMIT,
    async () => {
      const env = group.env({ ...FAST_TIMEOUTS, MAX_WORKERS: '4' });
      for (const account of group.accounts) account.portal.resetStats();
      const generations = () =>
        group.accounts.reduce((sum, account) => sum + account.portal.stats().pdf.generations, 0);
      const run = startCli(['run', '--accounts', group.accountsFile, '--new'], env, group.dir);
      let ended = false;
      void run.done.then(() => (ended = true));
      await waitFor(() => ended || generations() >= 12, 120_000, 'some PDFs of the new runs');
      assert.equal(ended, false, run.output());
      run.child.kill('SIGINT');
      const stopped = await run.done;
      assert.equal(stopped.code, 130, stopped.stdout);
      for (const account of group.accounts) {
        assert.equal(account.portal.stats().sessionsAlive, 0, `${account.name} logged out at Ctrl-C`);
      }
      // The second invocation has all three accounts at work with 3 tabs each: the figures of the issue.
      const left = group.accounts.reduce((sum, account) => sum + VEHICLES - account.portal.stats().pdf.generations, 0);
      const resumed = startCli(['run', '--accounts', group.accountsFile], { ...env, MAX_WORKERS: '9' }, group.dir);
      const sampler = new MemorySampler(resumed.child.pid!);
      const started = Date.now();
      const again = await resumed.done;
      const seconds = (Date.now() - started) / 1000;
      await sampler.stop();
      assert.equal(again.code, 0, again.stdout);
      const memory = sampler.memory(null);
      console.log(
        `group run: 3 accounts x 3 tabs, about ${left} vehicles left of ${3 * VEHICLES} done in ${seconds.toFixed(1)} s; ` +
          `peak memory of the process tree ${Math.round(memory.peakPssMb)} MB PSS, ${Math.round(memory.peakRssMb)} MB RSS`,
      );
      assert.match(again.stdout, /\[north\] continuing the run/);
      for (const account of group.accounts) {
        const stats = account.portal.stats();
        assert.ok(stats.peakSessionsAlive <= 1, `${account.name}: never two sessions`);
        assert.equal(stats.logins.accepted, 2, `${account.name}: one login per invocation`);
        const folders = readdirSync(join(group.downloads, account.name)).sort();
        const latest = join(group.downloads, account.name, folders.at(-1)!);
        assert.ok(existsSync(join(latest, 'report.html')));
        for (const check of await outcomeChecks(latest, account.portal, { extraGenerationsAllowed: 3 })) {
          assert.ok(check.ok, `${account.name}: ${check.name}: ${check.detail}`);
        }
      }
    },
  );

  it('refuses an accounts file that holds a password, or names one user twice', LIMIT, async () => {
    const [north] = group.accounts;
    const bad = join(group.dir, 'bad.csv');
    writeFileSync(bad, `name,user,password,tabs\nnorth,${north!.portal.credentials.username},hunter2,3\n`);
    const withPassword = await runCli(['run', '--accounts', bad], group.env(), group.dir);
    assert.equal(withPassword.code, 2);
    assert.match(withPassword.stdout, /must never hold a password/);
    assert.ok(!withPassword.stdout.includes('hunter2'), 'the value is not repeated');
    const user = north!.portal.credentials.username;
    writeFileSync(bad, `name,user,password_from\na,${user},env:NORTH_PASS\nb,${user.toUpperCase()},env:NORTH_PASS\n`);
    const twice = await runCli(['run', '--accounts', bad], group.env(), group.dir);
    assert.equal(twice.code, 2);
    assert.match(twice.stdout, /a and b name the same user/);
    writeFileSync(bad, `name,user,password_from\na,${user},env:${north!.portal.credentials.password}\n`);
    const pasted = await runCli(['run', '--accounts', bad], group.env(), group.dir);
    assert.equal(pasted.code, 2);
    assert.ok(!pasted.stdout.includes(north!.portal.credentials.password), pasted.stdout);
  });
});
