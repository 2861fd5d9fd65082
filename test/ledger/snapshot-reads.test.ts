// The reports read a PostgreSQL ledger from a snapshot of its rows: the answers must be the SQLite
// ledger's own, read for read.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ledger } from '../../src/ledger/ledger.ts';
import { SqliteRunLedger } from '../../src/ledger/run-ledger.ts';
import { SnapshotReads } from '../../src/ledger/snapshot-reads.ts';
import { everyRead, playScript } from '../support/ledger-script.ts';

describe('the reads of a ledger snapshot', { timeout: 10_000 }, () => {
  it('answer as the SQLite ledger does, after leases, outcomes of every kind, a sweep, steps and incidents', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bookout-snapshot-'));
    const ledger = Ledger.open(join(dir, 'state.db'));
    try {
      const t0 = Date.now();
      await playScript(new SqliteRunLedger(ledger), t0);
      const now = Date.now();
      assert.deepEqual(everyRead(new SnapshotReads(ledger.snapshot()), now), everyRead(ledger, now));
      assert.equal(
        new SnapshotReads(ledger.snapshot()).totalRuntimeMs(now),
        ledger.totalRuntimeMs(now),
        'the run time exactly',
      );
    } finally {
      ledger.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
