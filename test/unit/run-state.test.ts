import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { UserError } from '../../src/errors.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { RunLock } from '../../src/ledger/run-lock.ts';
import { DurableWriter } from '../../src/output/atomic-write.ts';
import { chooseRunFolder, createRunFolder, dateFolderName } from '../../src/output/run-folders.ts';
import { unsafeFileNameReason } from '../../src/output/safe-name.ts';
import { releaseStaleLeases } from '../../src/ledger/ledger-queue.ts';
import { sealCookies, unsealCookies } from '../../src/session/sealed-cookies.ts';
import { toAscii } from '../../src/text.ts';
import { Redactor } from '../../src/ui/redactor.ts';

describe('run folders and resume', { timeout: 30_000 }, () => {
  let base: string;
  beforeEach(() => (base = mkdtempSync(join(tmpdir(), 'bookout-runs-'))));
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  const day = new Date(2026, 10, 22);

  function runWith(refs: string[], done: string[]): string {
    const chosen = chooseRunFolder(base, { now: day });
    const ledger = Ledger.open(chosen.paths.ledger);
    ledger.importInventory(refs, []);
    for (const ref of done) ledger.complete(ref, { file: `${ref}.pdf`, bytes: 1, sha256: 'x' });
    ledger.close();
    return chosen.paths.name;
  }

  it('names folders MM-DD-YYYY, then "(2)", "(3)" for further runs that day', () => {
    assert.equal(dateFolderName(day), '11-22-2026');
    assert.equal(runWith(['A'], ['A']), '11-22-2026');
    assert.equal(runWith(['A'], ['A']), '11-22-2026 (2)');
    assert.equal(runWith(['A'], ['A']), '11-22-2026 (3)');
  });

  it('continues the latest unfinished run instead of starting from zero; --new starts a fresh one', () => {
    runWith(['A', 'B'], ['A']);
    const again = chooseRunFolder(base, { now: day });
    assert.equal(again.resumed, true);
    assert.equal(again.paths.name, '11-22-2026');
    const fresh = chooseRunFolder(base, { now: day, forceNew: true });
    assert.equal(fresh.resumed, false);
    assert.equal(fresh.paths.name, '11-22-2026 (2)');
  });

  it('a process killed while holding leases gives them back on the next start, uncounted', () => {
    const paths = createRunFolder(join(base, '11-22-2026'));
    const ledger = Ledger.open(paths.ledger);
    ledger.importInventory(['A', 'B'], []);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid; // a process of this machine that has ended
    assert.equal(ledger.lease(`${hostname()}#${dead}/worker-1`, Date.now(), Date.now() + 600_000)?.id, 'A');
    ledger.startInvocation(2);
    ledger.close(); // "killed" here
    const next = Ledger.open(paths.ledger);
    next.closeOpenInvocations('killed');
    assert.equal(releaseStaleLeases(next), 1, 'its holder is gone: no need to wait for the lease to expire');
    assert.deepEqual(next.counts(), { total: 2, pending: 2, leased: 0, done: 0, failed: 0, rejected: 0 });
    assert.equal(next.vehicles()[0]?.attempts, 0);
    assert.equal(next.openInvocationCount(), 0);
    next.close();
  });

  it('one process at a time works on a run; a killed holder frees the run at once', async () => {
    const path = join(base, 'run.lock');
    const mine = RunLock.acquire(path);
    assert.ok(mine);
    assert.equal(RunLock.acquire(path), null, 'a second holder is refused');
    assert.equal(RunLock.isHeld(path), true);
    mine.release();
    assert.equal(RunLock.isHeld(path), false);

    const script = `const { RunLock } = await import(${JSON.stringify(new URL('../../src/ledger/run-lock.ts', import.meta.url).href)}); RunLock.acquire(${JSON.stringify(path)}); console.log('held'); setInterval(() => {}, 1000);`;
    const holder = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
    assert.equal(RunLock.isHeld(path), true, 'held by the other process');
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('close', resolve));
    assert.equal(RunLock.isHeld(path), false, 'free as soon as the holder is killed');
  });

  it('an unwritable download folder is one clear error', () => {
    const file = join(base, 'not-a-folder');
    writeFileSync(file, 'x');
    assert.throws(
      () => chooseRunFolder(join(file, 'downloads')),
      (error: unknown) => error instanceof UserError && /Cannot write to the download folder/.test(error.message),
    );
  });
});

describe('durable writes', { timeout: 30_000 }, () => {
  it('leaves no temporary file next to the target, and replaces content whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bookout-write-'));
    try {
      const writer = new DurableWriter(join(dir, 'tmp'));
      const target = join(dir, 'out', 'file.pdf');
      await writer.clearTemp();
      rmSync(join(dir, 'out'), { recursive: true, force: true });
      await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'out')));
      await writer.write(target, 'first');
      await writer.write(target, 'second');
      assert.deepEqual(readdirSync(join(dir, 'out')), ['file.pdf']);
      assert.deepEqual(readdirSync(join(dir, 'tmp')), []);
      assert.equal(existsSync(target), true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('names, secrets and ASCII', { timeout: 30_000 }, () => {
  it('allows stock numbers as file names and nothing path-like', () => {
    assert.equal(unsafeFileNameReason('165549A'), null);
    for (const bad of ['', '../x', 'a/b', 'a\\b', 'CON', 'nul', '.hidden', 'x'.repeat(65), 'a b', 'a:b']) {
      assert.notEqual(unsafeFileNameReason(bad), null, bad);
    }
  });

  it('sealed cookies open only with the same key and for the same account', () => {
    const cookies = [
      {
        name: '.ASPXAUTH',
        value: 'abc',
        domain: 'x',
        path: '/',
        expires: -1,
        httpOnly: true,
        secure: false,
        sameSite: 'Lax' as const,
      },
    ];
    const key = randomBytes(32);
    const sealed = sealCookies(cookies, key, 'https://portal\nuser');
    assert.equal(Buffer.from(sealed).includes('abc'), false);
    assert.deepEqual(unsealCookies(sealed, key, 'https://portal\nuser'), cookies);
    assert.equal(unsealCookies(sealed, randomBytes(32), 'https://portal\nuser'), null, 'another key');
    assert.equal(unsealCookies(sealed, key, 'https://portal\nother'), null, 'another account');
  });

  it('redacts credentials in every form and keeps output ASCII', () => {
    const redactor = new Redactor();
    redactor.add(['p@ss word', 'dealer1']);
    redactor.add(['second-account-pass']);
    const text = 'login dealer1 with p@ss word or p%40ss%20word, then second-account-pass';
    assert.equal(redactor.redact(text), 'login *** with *** or ***, then ***', 'secrets are added, never replaced');
    assert.equal(toAscii('Caf\u00e9 \u2014 \u201cquoted\u201d \u2026 \u2713'), 'Cafe - "quoted" ... ?');
  });
});
