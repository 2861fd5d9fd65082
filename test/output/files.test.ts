// Windows-safe files: renames retried while another program holds the target, and derived files
// written each on its own.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Ledger } from '../../src/ledger/ledger.ts';
import { DurableWriter } from '../../src/output/atomic-write.ts';
import { writeReports } from '../../src/output/reports.ts';
import { createRunFolder } from '../../src/output/run-folders.ts';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: operation not permitted, rename`), { code });
}

/** A rename that fails with `code` the first `times` calls (a target held open), then works. */
function heldRename(code: string, times: number) {
  const calls: number[] = [];
  const fn = async (from: string, to: string) => {
    calls.push(Date.now());
    if (calls.length <= times) throw errno(code);
    await rename(from, to);
  };
  return { fn, calls };
}

describe('durable files on a system that holds files open', { timeout: 30_000 }, () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'bookout-files-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const code of ['EPERM', 'EACCES', 'EBUSY']) {
    it(`a rename refused with ${code} is tried again with growing pauses until the target is free`, async () => {
      const held = heldRename(code, 4);
      const writer = new DurableWriter(join(dir, 'tmp'), { rename: held.fn, firstPauseMs: 20, platform: 'win32' });
      const target = join(dir, 'failures.csv');
      writeFileSync(target, 'old');
      await writer.write(target, 'new');
      assert.equal(readFileSync(target, 'utf8'), 'new');
      assert.equal(held.calls.length, 5);
      const pauses = held.calls.slice(1).map((at, index) => at - held.calls[index]!);
      assert.ok(pauses[3]! > pauses[0]!, `pauses grow: ${pauses.join(', ')} ms`);
      assert.deepEqual(readdirSync(join(dir, 'tmp')), [], 'no temporary file left');
    });
  }

  it('outside Windows, EACCES and EPERM mean no permission: the error goes up at once', async () => {
    for (const code of ['EACCES', 'EPERM']) {
      const held = heldRename(code, 1);
      const writer = new DurableWriter(join(dir, 'tmp'), { rename: held.fn, firstPauseMs: 20, platform: 'linux' });
      await assert.rejects(
        writer.write(join(dir, 'report.txt'), 'x'),
        (error: NodeJS.ErrnoException) => error.code === code,
      );
      assert.equal(held.calls.length, 1);
    }
  });

  it('a target held for longer than the limit: the error goes up, the old file stays, no debris', async () => {
    const held = heldRename('EBUSY', Number.POSITIVE_INFINITY);
    const writer = new DurableWriter(join(dir, 'tmp'), { rename: held.fn, heldForMs: 400, firstPauseMs: 20 });
    const target = join(dir, 'metrics.json');
    writeFileSync(target, 'old');
    const started = Date.now();
    await assert.rejects(writer.write(target, 'new'), { code: 'EBUSY' });
    const took = Date.now() - started;
    assert.ok(took >= 400 && took < 3000, `gave up after ${took} ms`);
    assert.ok(held.calls.length >= 4, `${held.calls.length} tries`);
    assert.equal(readFileSync(target, 'utf8'), 'old');
    assert.deepEqual(readdirSync(join(dir, 'tmp')), []);
  });

  it('other errors go up at once, without waiting', async () => {
    const held = heldRename('ENOSPC', Number.POSITIVE_INFINITY);
    const writer = new DurableWriter(join(dir, 'tmp'), { rename: held.fn });
    await assert.rejects(writer.write(join(dir, 'x.json'), '{}'), { code: 'ENOSPC' });
    assert.equal(held.calls.length, 1);
  });

  it('writeReports: a derived file that cannot be written is returned, and the others are still written', async () => {
    const paths = createRunFolder(join(dir, '11-22-2026'));
    const ledger = Ledger.open(paths.ledger);
    try {
      ledger.importInventory(['A1', 'B2'], []);
      ledger.complete('A1', { file: 'A1.pdf', bytes: 10, sha256: 'x' });
      mkdirSync(join(paths.checkpoint, 'in-the-way'), { recursive: true }); // checkpoint.json cannot be replaced
      const written = await writeReports(ledger, paths, new DurableWriter(paths.temp), {
        workers: 2,
        status: 'running',
        ownSteps: [],
      });
      assert.deepEqual(
        written.unwritten.map((problem) => problem.file),
        [paths.checkpoint],
      );
      assert.match(written.unwritten[0]!.reason, /EISDIR|ENOTEMPTY|EEXIST/);
      assert.deepEqual(JSON.parse(readFileSync(paths.tracking, 'utf8')), { A1: 'A1.pdf', B2: null });
      const metrics = JSON.parse(readFileSync(paths.metrics, 'utf8'));
      assert.equal(metrics.succeeded, 1);
      assert.equal(metrics.status, 'running');
      assert.equal(metrics.ended_at, null, 'no end while running');
      assert.match(readFileSync(paths.failures, 'utf8'), /^reference,problem/);
      assert.equal(written.metrics.succeeded, 1);
    } finally {
      ledger.close();
    }
  });

  it('metrics.json has the end time and the status once an invocation ended', async () => {
    const paths = createRunFolder(join(dir, '11-22-2026'));
    const ledger = Ledger.open(paths.ledger);
    try {
      ledger.importInventory(['A1'], []);
      const invocation = ledger.startInvocation(1, Date.parse('2026-11-22T20:00:00Z'));
      ledger.complete('A1', { file: 'A1.pdf', bytes: 10, sha256: 'x' });
      ledger.endInvocation(invocation, 'finished', Date.parse('2026-11-23T06:40:00Z'));
      const { metrics } = await writeReports(ledger, paths, new DurableWriter(paths.temp), {
        workers: 1,
        status: 'finished',
        ownSteps: [],
      });
      assert.equal(metrics.started_at, '2026-11-22T20:00:00.000Z');
      assert.equal(metrics.ended_at, '2026-11-23T06:40:00.000Z');
      assert.equal(metrics.status, 'finished');
    } finally {
      ledger.close();
    }
  });
});
