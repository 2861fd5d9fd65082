// Which failures get an error snapshot: the first of each distinct failure, at most 3 of a kind and
// 50 in a run folder (the files of earlier invocations count), named by time, vehicle, step, cause.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SnapshotStore } from '../../src/output/snapshots.ts';

const shot = { html: '<html></html>', png: Buffer.from('png'), address: 'http://portal/ValuesOnline/vehicle/' };

describe('error snapshots: which are taken', { timeout: 10_000 }, () => {
  it('the first of each distinct failure, at most 3 per kind', () => {
    const store = new SnapshotStore('/nonexistent', { perKind: 3, perRun: 50 });
    assert.equal(store.claim('transient', 'opening the vehicle: HTTP 500'), true);
    assert.equal(store.claim('transient', 'opening the vehicle: HTTP 502'), false, 'numbers aside, the same failure');
    assert.equal(store.claim('transient', 'filtering the grid: HTTP 500'), true);
    assert.equal(store.claim('transient', 'opening the inventory: HTTP 500'), true);
    assert.equal(store.claim('transient', 'opening Print/Email Reports: HTTP 500'), false, 'a fourth of the kind');
    assert.equal(store.claim('rejected', 'PDF rejected: the server sent a web page'), true, 'another kind');
    store.unclaim('rejected', 'PDF rejected: the server sent a web page');
    assert.equal(store.claim('rejected', 'PDF rejected: the server sent a web page'), true, 'a place given back');
  });

  it('at most 50 in a run folder, the files already there included; names say time, vehicle, step and cause', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'bookout-snapshots-')), 'snapshots');
    try {
      const store = new SnapshotStore(folder, { perKind: 3, perRun: 4 });
      for (const [index, kind] of ['transient', 'hang', 'changed'].entries()) {
        assert.ok(store.claim(kind, `failure ${kind}`));
        const scene = {
          at: Date.UTC(2026, 0, 2, 3, 4, 5, index),
          reference: '165001A',
          step: 'opening the vehicle',
          kind,
          reason: 'x',
        };
        await store.save(scene, shot);
      }
      const files = readdirSync(folder).sort();
      assert.equal(files.length, 6);
      assert.match(files[0]!, /^\d{8}-\d{6}-\d{3}_165001A_opening-the-vehicle_[a-z]+\.(html|png)$/);
      const again = new SnapshotStore(folder, { perKind: 3, perRun: 4 });
      assert.equal(again.claim('session', 'a session failure'), true, 'the fourth of the run');
      assert.equal(again.claim('permanent', 'not in the grid'), false, 'the run has its 4');
    } finally {
      rmSync(join(folder, '..'), { recursive: true, force: true });
    }
  });
});
