import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { TaskFailure } from '../../src/engine/failure.ts';
import { WorkerPool } from '../../src/engine/worker-pool.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { LedgerQueue, releaseStaleLeases } from '../../src/ledger/ledger-queue.ts';
import type { SavedPdf } from '../../src/records.ts';

const saved = (ref: string): SavedPdf => ({ file: `${ref}.pdf`, bytes: 1, sha256: 'x' });
const slot = { isUsable: () => true, dispose: async () => undefined };
const noRecovery = {
  session: async () => undefined,
  unavailable: async () => undefined,
  browser: async () => undefined,
};

describe('the ledger as the engine’s queue', { timeout: 30_000 }, () => {
  let dir: string;
  let ledger: Ledger;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bookout-ledger-'));
    ledger = Ledger.open(join(dir, 'state.db'));
  });
  afterEach(() => {
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('MAX_DOWNLOADS: a batch starts at most that many vehicles, retries included', async () => {
    ledger.importInventory(['M0', 'M1', 'M2', 'M3', 'M4'], []);
    let failedOnce = false;
    const job = {
      async run(task: { id: string }) {
        if (task.id === 'M0' && !failedOnce) {
          failedOnce = true;
          throw new TaskFailure('transient', 'blip');
        }
        return saved(task.id);
      },
    };
    const queue = new LedgerQueue(ledger, 2);
    const pool = new WorkerPool(
      { queue, slots: { create: async () => slot }, job, recovery: noRecovery },
      { workers: 3, retryDelayMs: () => 10 },
    );
    await pool.run();
    const counts = ledger.counts();
    assert.equal(counts.done, 2);
    assert.equal(counts.pending, 3);
  });

  it('records every attempt with its owner, start and cause, and the duration from the lease', async () => {
    ledger.importInventory(['A'], []);
    const start = Date.now() - 1500;
    ledger.lease('host#1/worker-2', start, start + 60_000);
    ledger.retry('A', 0, false, { kind: 'slot', reason: 'navigation interrupted' });
    ledger.lease('host#1/worker-3', start + 1000, start + 60_000);
    ledger.complete('A', saved('A'), start + 1400);
    const [vehicle] = ledger.vehicles();
    assert.equal(vehicle?.durationMs, 400);
    assert.deepEqual(ledger.failedAttemptsByKind(), { slot: { attempts: 1, counted: 0 } });
  });

  it('a lease that expired is taken over; a live one is not; stale leases of dead local processes go back', async () => {
    ledger.importInventory(['X', 'Y'], []);
    const now = Date.now();
    ledger.lease('elsewhere#1/worker-1', now - 10_000, now - 1);
    ledger.lease('elsewhere#1/worker-2', now - 10_000, now + 600_000);
    assert.equal(ledger.lease('here#2/worker-1', now, now + 1000)?.id, 'X', 'the expired lease is ready again');
    assert.equal(ledger.lease('here#2/worker-2', now, now + 1000), null, 'the live one stays with its owner');
    assert.equal(releaseStaleLeases(ledger, now), 0, 'another machine’s live lease is left alone');
    assert.equal(releaseStaleLeases(ledger, now + 700_000), 2, 'once expired, every lease goes back');
    assert.equal(ledger.counts().pending, 2);
  });
});
