import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { TaskFailure } from '../../src/engine/failure.ts';
import type { Job, RecoveryHooks, Slot, TaskContext } from '../../src/engine/types.ts';
import { Watchdog } from '../../src/engine/watchdog.ts';
import { WorkerPool, type PoolOptions } from '../../src/engine/worker-pool.ts';
import { Ledger, type SavedPdf, type VehicleTask } from '../../src/ledger/ledger.ts';
import { LedgerQueue } from '../../src/ledger/ledger-queue.ts';

/** A worker resource whose disposal interrupts whatever runs on it, like closing a tab. */
class FakeSlot implements Slot {
  disposed = false;
  #onDispose = new Set<() => void>();
  isUsable(): boolean {
    return !this.disposed;
  }
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const interrupt of this.#onDispose) interrupt();
  }
  /** Work that lasts `ms` unless the slot is disposed first. */
  work(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.disposed) return reject(new Error('slot closed'));
      const timer = setTimeout(resolve, ms);
      this.#onDispose.add(() => {
        clearTimeout(timer);
        reject(new Error('slot closed'));
      });
    });
  }
}

const fastOptions: Partial<PoolOptions> = {
  workers: 3,
  retryDelayMs: () => 10,
  taskTimeoutMs: 5000,
  abandonGraceMs: 1000,
};
const noRecovery: RecoveryHooks = {
  session: async () => undefined,
  unavailable: async () => undefined,
  browser: async () => undefined,
};
const saved = (ref: string): SavedPdf => ({ file: `${ref}.pdf`, bytes: 1, sha256: 'x' });

describe('WorkerPool with the ledger queue', () => {
  let dir: string;
  let ledger: Ledger;
  let slots: FakeSlot[];
  const slotFactory = {
    create: async () => {
      const slot = new FakeSlot();
      slots.push(slot);
      return slot;
    },
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bookout-engine-'));
    ledger = Ledger.open(join(dir, 'state.db'));
    slots = [];
  });
  afterEach(() => {
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function poolFor(
    job: Job<VehicleTask, FakeSlot, SavedPdf>,
    options: Partial<PoolOptions> = {},
    recovery = noRecovery,
    batchLimit?: number,
  ) {
    return new WorkerPool(
      { queue: new LedgerQueue(ledger, batchLimit), slots: slotFactory, job, recovery },
      { ...fastOptions, ...options },
    );
  }

  it('runs every task once, never the same task on two workers at once', async () => {
    ledger.importInventory(
      Array.from({ length: 30 }, (_, i) => `R${i}`),
      [],
    );
    const active = new Set<string>();
    const seen: string[] = [];
    let overlap = false;
    const pool = poolFor({
      async run(task, slot) {
        if (active.has(task.id)) overlap = true;
        active.add(task.id);
        seen.push(task.id);
        await slot.work(5);
        active.delete(task.id);
        return saved(task.id);
      },
    });
    const result = await pool.run();
    assert.equal(result.reason, 'finished');
    assert.equal(overlap, false);
    assert.equal(seen.length, 30);
    assert.equal(new Set(seen).size, 30);
    assert.equal(ledger.counts().done, 30);
  });

  it('a timed-out task is really stopped: its slot is disposed, replaced, and the task retried', async () => {
    ledger.importInventory(['SLOW', 'A', 'B'], []);
    let slowCalls = 0;
    let stillRunning = 0;
    const pool = poolFor(
      {
        async run(task, slot) {
          if (task.id === 'SLOW' && slowCalls++ === 0) {
            stillRunning += 1;
            try {
              await slot.work(60_000);
            } finally {
              stillRunning -= 1;
            }
          }
          return saved(task.id);
        },
      },
      { workers: 1, taskTimeoutMs: 200 },
    );
    const result = await pool.run();
    assert.equal(result.reason, 'finished');
    assert.equal(stillRunning, 0, 'the abandoned work must have ended');
    assert.equal(slowCalls, 2);
    assert.equal(slots[0]?.disposed, true, 'the slot of the timed-out task was disposed');
    assert.ok(slots.length >= 2, 'a new slot replaced it');
    const slow = ledger.vehicles().find((v) => v.ref === 'SLOW');
    assert.equal(slow?.state, 'done');
    assert.equal(slow?.attempts, 2);
    assert.equal(ledger.retryCount(), 1);
  });

  it('retries transient failures with backoff, then gives up with the reason', async () => {
    ledger.importInventory(['FLAKY', 'BROKEN'], []);
    let flaky = 0;
    const pool = poolFor(
      {
        async run(task) {
          if (task.id === 'FLAKY' && flaky++ < 2) throw new TaskFailure('transient', 'HTTP 500');
          if (task.id === 'BROKEN') throw new TaskFailure('transient', 'always 500');
          return saved(task.id);
        },
      },
      { maxAttempts: 3 },
    );
    await pool.run();
    const byRef = new Map(ledger.vehicles().map((v) => [v.ref, v]));
    assert.equal(byRef.get('FLAKY')?.state, 'done');
    assert.equal(byRef.get('FLAKY')?.attempts, 3);
    assert.equal(byRef.get('BROKEN')?.state, 'failed');
    assert.equal(byRef.get('BROKEN')?.attempts, 3);
    assert.equal(byRef.get('BROKEN')?.failureReason, 'always 500');
  });

  it('a permanent failure is reported at once, not retried', async () => {
    ledger.importInventory(['GONE'], []);
    let calls = 0;
    const pool = poolFor({
      async run() {
        calls += 1;
        throw new TaskFailure('permanent', 'not in the grid');
      },
    });
    await pool.run();
    assert.equal(calls, 1);
    assert.equal(ledger.vehicles()[0]?.state, 'failed');
    assert.equal(ledger.vehicles()[0]?.failureKind, 'permanent');
  });

  it('many workers seeing one lost session cause exactly one recovery, and no attempt is used up', async () => {
    ledger.importInventory(
      Array.from({ length: 12 }, (_, i) => `S${i}`),
      [],
    );
    let sessionAlive = true;
    let sessionEnded = false;
    let recoveries = 0;
    const pool = poolFor(
      {
        async run(task, slot) {
          await slot.work(20);
          if (task.id === 'S4' && !sessionEnded) {
            sessionEnded = true; // the session ends once, while every worker is busy
            sessionAlive = false;
          }
          if (!sessionAlive) throw new TaskFailure('session', 'landed on the login page');
          return saved(task.id);
        },
      },
      { workers: 4 },
      {
        ...noRecovery,
        session: async () => {
          recoveries += 1;
          await sleep(30);
          sessionAlive = true;
        },
      },
    );
    const result = await pool.run();
    assert.equal(result.reason, 'finished');
    assert.equal(recoveries, 1);
    assert.equal(ledger.counts().done, 12);
    assert.ok(
      ledger.vehicles().every((v) => v.attempts === 1),
      'session failures do not count as attempts',
    );
  });

  it('a throttled failure holds every worker back for Retry-After', async () => {
    ledger.importInventory(['T0', 'T1', 'T2', 'T3'], []);
    let throttledAt = 0;
    const startsAfter: number[] = [];
    const pool = poolFor(
      {
        async run(task) {
          if (throttledAt === 0) {
            throttledAt = Date.now();
            throw new TaskFailure('throttled', 'HTTP 429', { retryAfterMs: 400 });
          }
          startsAfter.push(Date.now() - throttledAt);
          return saved(task.id);
        },
      },
      { workers: 1 },
    );
    await pool.run();
    assert.equal(ledger.counts().done, 4);
    assert.ok(
      startsAfter.every((ms) => ms >= 390),
      `a task started before Retry-After ended: ${startsAfter}`,
    );
  });

  it('a fatal failure stops the run cleanly and hands unfinished tasks back', async () => {
    ledger.importInventory(['F0', 'F1', 'F2', 'F3', 'F4', 'F5'], []);
    const pool = poolFor({
      async run(task, slot) {
        if (task.id === 'F1') throw new TaskFailure('fatal', 'disk full');
        await slot.work(200);
        return saved(task.id);
      },
    });
    const result = await pool.run();
    assert.equal(result.reason, 'fatal');
    assert.equal(result.fatal?.message, 'disk full');
    const counts = ledger.counts();
    assert.equal(counts.leased, 0);
    assert.equal(counts.failed, 0);
    assert.ok(counts.pending >= 4);
    assert.ok(
      slots.every((slot) => slot.disposed),
      'every slot is closed at the end',
    );
  });

  it('stop() ends in-flight tasks at once and leaves them pending, uncounted', async () => {
    ledger.importInventory(['P0', 'P1', 'P2'], []);
    const pool = poolFor({
      async run(task, slot) {
        await slot.work(60_000);
        return saved(task.id);
      },
    });
    const running = pool.run();
    await sleep(100);
    pool.stop();
    const result = await running;
    assert.equal(result.reason, 'stopped');
    assert.equal(ledger.counts().pending, 3);
    assert.ok(ledger.vehicles().every((v) => v.attempts === 0));
  });

  it('the watchdog stops a task stuck in one step and it is retried', async () => {
    ledger.importInventory(['STUCK'], []);
    let calls = 0;
    const stalled: string[] = [];
    const pool = poolFor(
      {
        async run(task, slot, context: TaskContext) {
          context.step('waiting for popup');
          if (calls++ === 0) await slot.work(60_000);
          return saved(task.id);
        },
      },
      { workers: 1 },
    );
    const watchdog = new Watchdog(pool, { stallTimeoutMs: 150, checkEveryMs: 20 }, (view) =>
      stalled.push(view.step ?? ''),
    );
    watchdog.start();
    await pool.run();
    watchdog.stop();
    assert.deepEqual(stalled, ['waiting for popup']);
    assert.equal(ledger.vehicles()[0]?.state, 'done');
    assert.equal(ledger.vehicles()[0]?.attempts, 2);
  });

  it('MAX_DOWNLOADS: a batch starts at most that many vehicles, retries included', async () => {
    ledger.importInventory(['M0', 'M1', 'M2', 'M3', 'M4'], []);
    let failedOnce = false;
    const pool = poolFor(
      {
        async run(task) {
          if (task.id === 'M0' && !failedOnce) {
            failedOnce = true;
            throw new TaskFailure('transient', 'blip');
          }
          return saved(task.id);
        },
      },
      {},
      noRecovery,
      2,
    );
    await pool.run();
    const counts = ledger.counts();
    assert.equal(counts.done, 2);
    assert.equal(counts.pending, 3);
  });
});
