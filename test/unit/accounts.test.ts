// The accounts file of a dealer group, the run a queued job continues, the queue's address, the
// group's summary: every rule on its own, without a browser.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { queueUrl, runNameFor } from '../../src/cli/queue.ts';
import { accountHash, assertNoPasswordInFile, passwordOf, readAccounts } from '../../src/config/accounts.ts';
import { KeychainUnavailable, type Keychain } from '../../src/config/keychain.ts';
import { UserError } from '../../src/errors.ts';
import { groupExitCode, summaryLines } from '../../src/job/run-group.ts';

const dir = mkdtempSync(join(tmpdir(), 'bookout-accounts-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const portal = { portalUrl: 'https://extapps.jdpowervalues.com' };
const noKeychain: Keychain = {
  get: async () => {
    throw new KeychainUnavailable('none here');
  },
  set: async () => undefined,
  delete: async () => false,
};

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function refused(path: string): string {
  try {
    readAccounts(path, portal);
  } catch (error) {
    assert.ok(error instanceof UserError);
    assert.equal(error.exitCode, 2);
    return error.message;
  }
  throw new Error('the file was accepted');
}

describe('the accounts file', () => {
  it('reads CSV and JSON alike: name, user, where the password comes from, tabs, folder, portal', () => {
    const csv = readAccounts(
      file(
        'a.csv',
        '\uFEFFname,user,password_from,tabs,out,portal_url\nnorth,n.dealer,env:NORTH_PASS,3,,\neast,e.dealer,keychain,,/srv/x,http://127.0.0.1:9/x\n',
      ),
      portal,
    );
    assert.deepEqual(csv, [
      { name: 'north', user: 'n.dealer', passwordFrom: { env: 'NORTH_PASS' }, tabs: 3 },
      {
        name: 'east',
        user: 'e.dealer',
        passwordFrom: { keychain: true },
        portalUrl: 'http://127.0.0.1:9',
        out: '/srv/x',
      },
    ]);
    const json = readAccounts(
      file(
        'a.json',
        JSON.stringify([
          { name: 'north', user: 'n.dealer', password_from: 'env:NORTH_PASS', tabs: 3 },
          {
            name: 'east',
            user: 'e.dealer',
            password_from: 'keychain',
            out: '/srv/x',
            portal_url: 'http://127.0.0.1:9/x',
          },
        ]),
      ),
      portal,
    );
    assert.deepEqual(json, csv);
  });

  it('refuses a password field without repeating its value, and a password pasted into any cell', () => {
    const message = refused(file('p.csv', 'name,user,password,tabs\nnorth,n.dealer,Hunter2-secret,3\n'));
    assert.match(message, /must never hold a password/);
    assert.ok(!message.includes('Hunter2-secret'));
    const json = refused(
      file('p.json', '[{"name":"north","user":"n","password_from":"env:X","pass":"Hunter2-secret"}]'),
    );
    assert.ok(!json.includes('Hunter2-secret'));
    const source = refused(file('s.csv', 'name,user,password_from\nnorth,n.dealer,Hunter2-secret!\n'));
    assert.match(source, /password_from must be env:<VARIABLE>/);
    assert.ok(!source.includes('Hunter2-secret'), 'a value that is no source may be the password: never repeated');
    const pasted = file('q.csv', 'name,user,password_from,out\nnorth,n.dealer,env:NORTH_PASS,Hunter2-secret\n');
    assert.throws(
      () => assertNoPasswordInFile(pasted, new Map([['north', 'Hunter2-secret']])),
      /contains the password of north/,
    );
  });

  it('refuses two rows of one user (case aside) at one portal, and two rows of one name; lists every problem', () => {
    const message = refused(
      file(
        'd.csv',
        'name,user,password_from,tabs\na,dealer,env:A,3\nb,DEALER,env:B,3\na,other,env:C,0\n../x,x,env:D,\n',
      ),
    );
    assert.match(message, /a and b name the same user/);
    assert.match(message, /two accounts are named a/);
    assert.match(message, /tabs must be a whole number from 1 to 32/);
    assert.match(message, /the name must be letters/);
    const elsewhere = readAccounts(
      file(
        'e.csv',
        'name,user,password_from,portal_url\na,dealer,env:A,https://one.example\nb,dealer,env:B,https://two.example\n',
      ),
      portal,
    );
    assert.equal(elsewhere.length, 2, 'one user name at two portals is two users');
  });

  it('finds the password in the environment or the keychain, and says which is missing without a value', async () => {
    const [north, east] = readAccounts(
      file('k.csv', 'name,user,password_from\nnorth,n,env:NORTH_PASS\neast,e,keychain\n'),
      portal,
    );
    assert.equal(await passwordOf(north!, portal.portalUrl, { NORTH_PASS: 's3cret' }, noKeychain), 's3cret');
    await assert.rejects(passwordOf(north!, portal.portalUrl, {}, noKeychain), /north: the variable NORTH_PASS/);
    await assert.rejects(
      passwordOf(east!, portal.portalUrl, {}, noKeychain),
      /east: no password is saved in the OS keychain/,
    );
    const saved: Keychain = { ...noKeychain, get: async () => 'from-keychain' };
    assert.equal(await passwordOf(east!, portal.portalUrl, {}, saved), 'from-keychain');
  });

  it("an account's queue key is the same for one user whatever the case, and does not name the user", () => {
    assert.equal(accountHash('https://A.example', 'North.Dealer'), accountHash('https://a.example', 'north.dealer'));
    assert.notEqual(accountHash('https://a.example', 'north'), accountHash('https://a.example', 'south'));
    assert.ok(!accountHash('https://a.example', 'north.dealer').includes('north'));
  });
});

describe('the queue mode, without a database', () => {
  const run = (name: string, pending: number, hasInventory = true) => ({
    id: 1,
    account: 'north',
    name,
    createdAt: 0,
    hasInventory,
    counts: { total: 10, pending, leased: 0, done: 10 - pending, failed: 0, rejected: 0 },
  });
  const day = new Date(2026, 10, 22);

  it("a job continues the account's latest unfinished run, else a new one for today", () => {
    assert.equal(runNameFor([], false, day), '11-22-2026');
    assert.equal(runNameFor([run('11-21-2026', 3)], false, day), '11-21-2026');
    assert.equal(runNameFor([run('11-21-2026', 0, false)], false, day), '11-21-2026', 'no inventory yet: unfinished');
    assert.equal(runNameFor([run('11-21-2026', 0)], false, day), '11-22-2026');
    assert.equal(runNameFor([run('11-22-2026', 0)], false, day), '11-22-2026 (2)');
    assert.equal(runNameFor([run('11-22-2026 (2)', 4), run('11-22-2026', 0)], true, day), '11-22-2026 (3)');
  });

  it('the queue address: --queue or BOOKOUT_QUEUE; a password on the command line is refused', () => {
    assert.equal(queueUrl('postgres://bookout@db/bookout', {}), 'postgres://bookout@db/bookout');
    assert.equal(queueUrl(undefined, { BOOKOUT_QUEUE: 'postgres://u:pw@db/b' }), 'postgres://u:pw@db/b');
    assert.throws(() => queueUrl('postgres://u:pw@db/b', {}), /PGPASSWORD/);
    assert.throws(() => queueUrl('mysql://db/b', {}), /PostgreSQL address/);
    assert.throws(() => queueUrl(undefined, {}), /Name the queue database/);
  });
});

describe("the group's summary", () => {
  const result = (name: string, status: string, exitCode: number, message?: string) => ({
    name,
    status,
    exitCode,
    message,
    done: 5,
    failed: 0,
    remaining: 0,
    ms: 65_000,
  });

  it('a line per account: result, done, failed, left, time, and why a fatal one ended', () => {
    const lines = summaryLines([result('north', 'finished', 0), result('south', 'failed', 3, 'wrong password')]);
    assert.match(lines[0]!, /account +result +done +failed +left +time/);
    assert.match(lines[1]!, /north +finished +5 +0 +0 +1:05$/);
    assert.match(lines[2]!, /south +failed .* wrong password$/);
  });

  it("the exit code is the worst account's, Ctrl-C first", () => {
    assert.equal(groupExitCode([result('a', 'finished', 0), result('b', 'finished', 1)]), 1);
    assert.equal(groupExitCode([result('a', 'finished', 0), result('b', 'failed', 3)]), 3);
    assert.equal(groupExitCode([result('a', 'failed', 4), result('b', 'stopped', 130)]), 130);
  });
});
