import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Ledger } from '../../src/ledger/ledger.ts';
import { bucketMs, throughputSvg } from '../../src/output/charts.ts';
import { SCHEMA_VERSION } from '../../src/ledger/schema.ts';

const saved = (ref: string) => ({ file: `${ref}.pdf`, bytes: 1, sha256: 'x' });

describe('what the ledger keeps for the report', { timeout: 30_000 }, () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bookout-report-data-'));
    path = join(dir, 'state.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a ledger of schema 2 is upgraded: the step and incident tables appear, nothing else changes', () => {
    const old = Ledger.open(path);
    old.importInventory(['A'], []);
    old.close();
    const db = new DatabaseSync(path);
    db.exec("DROP TABLE attempt_steps; DROP TABLE incidents; UPDATE meta SET value = '2' WHERE key = 'schema_version'");
    db.close();
    const ledger = Ledger.open(path);
    try {
      assert.equal(ledger.getMeta('schema_version'), String(SCHEMA_VERSION));
      assert.equal(ledger.counts().pending, 1);
      ledger.recordIncident('session', 'expired');
      assert.equal(ledger.incidents().length, 1);
    } finally {
      ledger.close();
    }
  });

  it('keeps the steps of the attempt that has just ended, with its outcome', () => {
    const ledger = Ledger.open(path);
    try {
      ledger.importInventory(['A', 'B'], []);
      ledger.lease('me#1/worker-1', 1000, 100_000);
      ledger.retry('A', 0, true, { kind: 'transient', reason: 'HTTP 500' }, 2000);
      ledger.recordSteps('A', [{ step: 'opening vehicle', startedAt: 1000, ms: 1000 }]);
      ledger.lease('me#1/worker-1', 3000, 100_000);
      ledger.complete('A', saved('A'), 5000);
      ledger.recordSteps('A', [
        { step: 'opening vehicle', startedAt: 3000, ms: 500.4 },
        { step: 'saving PDF', startedAt: 3500, ms: 1500 },
      ]);
      ledger.recordSteps('B', [{ step: 'never attempted', startedAt: 0, ms: 1 }]);
      assert.deepEqual(ledger.stepTimes(), [
        { step: 'opening vehicle', startedAt: 1000, ms: 1000, outcome: 'retry' },
        { step: 'opening vehicle', startedAt: 3000, ms: 500, outcome: 'done' },
        { step: 'saving PDF', startedAt: 3500, ms: 1500, outcome: 'done' },
      ]);
      assert.deepEqual(ledger.doneTimes(), [5000]);
      assert.deepEqual(ledger.failedAttemptTimes(), [{ at: 2000, kind: 'transient' }]);
    } finally {
      ledger.close();
    }
  });

  it('the throughput chart has at most 60 bars, over a minute or over months', () => {
    for (const span of [20_000, 3_600_000, 9 * 3_600_000, 3 * 86_400_000, 200 * 86_400_000]) {
      const start = Date.UTC(2026, 0, 1);
      const svg = throughputSvg({
        start,
        end: start + span,
        doneTimes: [start, start + span],
        failedTimes: [],
        marks: [],
      });
      const bars = svg.match(/data-bucket-done=/g)?.length ?? 0;
      assert.ok(bars >= 1 && bars <= 60, `${bars} bars over ${span} ms (buckets of ${bucketMs(span)} ms)`);
      assert.equal(
        [...svg.matchAll(/data-bucket-done="(\d+)"/g)].reduce((sum, m) => sum + Number(m[1]), 0),
        2,
      );
    }
  });
});
