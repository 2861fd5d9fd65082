// The PostgreSQL ledger behind the same interface as SQLite: the same script of operations gives the
// same reads; leases of a dead worker come back once expired; two workers never lease one vehicle.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ledger } from '../../src/ledger/ledger.ts';
import { releaseStaleLeasesOf } from '../../src/ledger/ledger-queue.ts';
import { PgStore } from '../../src/ledger/pg-ledger.ts';
import { SqliteRunLedger } from '../../src/ledger/run-ledger.ts';
import { everyRead, playScript } from '../support/ledger-script.ts';
import { postgresBin, startPostgres, type Postgres } from '../support/postgres.ts';

const found = postgresBin();
const skip = 'missing' in found ? found.missing : false;

describe('the PostgreSQL ledger', { skip, timeout: 60_000 }, () => {
  let postgres: Postgres;
  let store: PgStore;
  before(async () => {
    postgres = await startPostgres();
    store = await PgStore.connect(postgres.url);
  });
  after(async () => {
    await store?.close();
    await postgres?.stop();
  });

  it('reads as the SQLite ledger does after the same operations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bookout-pg-sqlite-'));
    const sqlite = Ledger.open(join(dir, 'state.db'));
    try {
      const t0 = Date.now();
      const ledger = store.ledger(await store.run('north', '12-01-2026'), 'run north');
      await playScript(new SqliteRunLedger(sqlite), t0);
      await playScript(ledger, t0);
      const now = Date.now();
      assert.deepEqual(everyRead(await ledger.reads(), now), everyRead(sqlite, now));
      assert.deepEqual(await ledger.counts(), sqlite.counts());
      const timed = (rows: Array<{ durationMs: number | null }>) =>
        rows.map((row) => ({ ...row, durationMs: row.durationMs !== null }));
      assert.deepEqual(timed(await ledger.vehicles()), timed(sqlite.vehicles()));
      assert.equal(await ledger.counter('browser_restarts'), 2);
      const runs = await store.runs('north');
      assert.equal(runs.length, 1);
      assert.equal(runs[0]!.counts.done, sqlite.counts().done);
    } finally {
      sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a lease of another machine comes back once expired; concurrent leases never share a vehicle', async () => {
    const ledger = store.ledger(await store.run('south', '12-01-2026'), 'run south');
    await ledger.importInventory(
      Array.from({ length: 40 }, (_, i) => `S${i}`),
      [],
    );
    const now = Date.now();
    const held = await ledger.lease('other-host#4242/worker-1', now, now + 1000);
    assert.ok(held);
    assert.equal(await releaseStaleLeasesOf(ledger, now), 0, 'alive elsewhere: left alone');
    assert.equal(await releaseStaleLeasesOf(ledger, now + 5000), 1, 'expired: back to the queue');
    const leased = await Promise.all(
      Array.from({ length: 40 }, (_, i) => ledger.lease(`host#1/worker-${i}`, now + 6000, now + 60_000)),
    );
    const refs = leased.map((task) => task?.id);
    assert.equal(new Set(refs).size, 40, 'forty leases, forty vehicles');
    assert.equal(await ledger.lease('host#1/worker-x', now + 6000, now + 60_000), null);
  });

  it('nextReadyAt counts every pending or leased vehicle, even one ready already; failedFor then requeueFailed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bookout-pg-ready-'));
    const sqlite = new SqliteRunLedger(Ledger.open(join(dir, 'state.db')));
    try {
      const pg = store.ledger(await store.run('west', '12-01-2026'), 'run west');
      const t0 = Date.now() - 60_000;
      for (const ledger of [sqlite, pg]) {
        await ledger.importInventory(['W1', 'W2', 'W3'], []);
        const w1 = await ledger.lease('host#1/worker-1', t0, t0 + 500);
        const w2 = await ledger.lease('host#1/worker-2', t0, t0 + 60_000);
        await ledger.retry(w2!.id, t0 + 100, true, { kind: 'transient', reason: 'HTTP 500' });
        // W3 pending since 0, W1 leased until t0 + 500, W2 pending from t0 + 100: all in the past.
        assert.equal(await ledger.nextReadyAt(), 0, `${ledger.where}: the oldest, ready already`);
        assert.equal(await ledger.nextReadyAt([w1!.id, w2!.id]), t0 + 100, `${ledger.where}: among some`);
        await ledger.giveUp(w1!.id, { kind: 'permanent', reason: 'not in the grid' });
        const w3 = await ledger.lease('host#1/worker-3', t0 + 200, t0 + 700, ['W3']);
        await ledger.giveUp(w3!.id, { kind: 'transient', reason: 'HTTP 502' });
        assert.deepEqual(await ledger.failedFor(['permanent', 'transient']), ['W1', 'W3']);
        assert.deepEqual(await ledger.failedFor(['session']), []);
        assert.equal(await ledger.nextReadyAt(), t0 + 100, `${ledger.where}: only W2 waits`);
        await ledger.requeueFailed(['W3'], t0 + 300);
        assert.deepEqual(await ledger.failedFor(['permanent', 'transient']), ['W1']);
        assert.equal(await ledger.nextReadyAt(['W3']), t0 + 300);
        const back = (await ledger.vehicles('pending')).find((vehicle) => vehicle.ref === 'W3');
        assert.equal(back?.attempts, 0, `${ledger.where}: the requeued vehicle has one attempt more`);
        for (const ref of ['W2', 'W3']) {
          const task = await ledger.lease('host#1/worker-1', Date.now(), Date.now() + 1000, [ref]);
          await ledger.complete(task!.id, { file: `${ref}.pdf`, bytes: 1, sha256: ref });
        }
        assert.equal(await ledger.nextReadyAt(), null, `${ledger.where}: nothing pending or leased`);
      }
    } finally {
      await sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('holds a run for one process at a time', async () => {
    const id = await store.run('east', '12-01-2026');
    const first = await store.holdRun(id);
    assert.ok(first);
    assert.equal(await store.holdRun(id), null);
    await first.release();
    const second = await store.holdRun(id);
    assert.ok(second);
    await second.release();
  });
});
