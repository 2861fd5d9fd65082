// What the benchmark reads of a WORKERS=auto run: the tab count over time from the log and from
// metrics.json, its mean, and when it settled after the portal's capacity changed. No browser.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { autoFigures } from '../../bench/auto.ts';
import { meanCapacity } from '../../bench/capacity-watch.ts';
import { meanTabs, settling, tabsAt, tabsFromLog, tabsFromMetrics, type TabPoint } from '../../bench/tab-changes.ts';

const TIME_LIMIT = { timeout: 20_000 };
const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const at = (seconds: number) => T0 + seconds * 1000;
const iso = (seconds: number) => new Date(at(seconds)).toISOString();

const LOG = [
  `${iso(0)} info   inventory: 40 vehicles`,
  `${iso(1)} info   downloading 40 vehicles with 2 tabs to start with (auto, at most 8)`,
  `${iso(2)} detail 165001: done in 1.2 s (opening inventory 0.2 s) [tab 1]`,
  `${iso(7)} detail more tabs, 2 -> 4 tabs: more tabs pay (+90% throughput)`,
  `${iso(13)} detail more tabs, 4 -> 5 tabs: one tab more paid (+12% throughput)`,
  `${iso(20)} info   fewer tabs, 5 -> 4 tabs: more tabs did not pay (+1% throughput)`,
  `${iso(30)} info   final sweep: 1 vehicles that failed for a passing reason get one more try in 1 s`,
  `${iso(31)} info   downloading 1 vehicles with 2 tabs to start with (auto, at most 8)`,
].join('\n');

const points = (...pairs: Array<[number, number]>): TabPoint[] =>
  pairs.map(([seconds, tabs]) => ({ at: at(seconds), tabs, reason: 'x' }));

describe('the tab count of a WORKERS=auto run', () => {
  it('from bookout.log: every start of a round and every change, at its time', TIME_LIMIT, () => {
    assert.deepEqual(tabsFromLog(LOG), [
      { at: at(1), tabs: 2, reason: 'start' },
      { at: at(7), tabs: 4, reason: 'more tabs pay (+90% throughput)' },
      { at: at(13), tabs: 5, reason: 'one tab more paid (+12% throughput)' },
      { at: at(20), tabs: 4, reason: 'more tabs did not pay (+1% throughput)' },
      { at: at(31), tabs: 2, reason: 'start' },
    ]);
    assert.deepEqual(tabsFromLog('no time here\nmore tabs, 1 -> 2 tabs: x'), []);
  });

  it("from metrics.json's tab_changes; anything else there is ignored", TIME_LIMIT, () => {
    const metrics = {
      tab_changes: [
        { at: iso(7), change: '4: more tabs pay (+90% throughput)' },
        { at: iso(9), change: 'garbled' },
        { at: 'not a time', change: '3: x' },
      ],
    };
    assert.deepEqual(tabsFromMetrics(metrics), [{ at: at(7), tabs: 4, reason: 'more tabs pay (+90% throughput)' }]);
    assert.deepEqual(tabsFromMetrics(null), []);
    assert.deepEqual(tabsFromMetrics({ tab_changes: 'nope' }), []);
  });

  it('the count at a moment and its mean weighted by time', TIME_LIMIT, () => {
    const timeline = points([0, 2], [10, 4], [20, 3]);
    assert.equal(tabsAt(timeline, at(-1)), null);
    assert.equal(tabsAt(timeline, at(10)), 4);
    assert.equal(meanTabs(timeline, at(0), at(30)), (2 * 10 + 4 * 10 + 3 * 10) / 30);
    assert.equal(meanTabs(timeline, at(5), at(15)), 3);
    assert.equal(meanTabs(points([10, 4]), at(0), at(20)), 4, 'before the first point nothing is known');
  });

  it('settles: from the first moment after the change whose counts stay within one until the end', TIME_LIMIT, () => {
    const timeline = points([0, 8], [40, 4], [45, 2], [50, 3], [60, 4], [70, 3]);
    // 8 then 4, 2, 3, 4, 3: from 45 s the counts span 2 to 4, from 50 s only 3 to 4.
    assert.deepEqual(settling(timeline, at(30), at(100)), { settledAt: at(50), tabs: 3, range: [3, 4] });
    assert.deepEqual(settling(points([0, 3], [5, 4]), at(10), at(60)), { settledAt: at(10), tabs: 4, range: [4, 4] });
    assert.deepEqual(
      settling(points([0, 6], [20, 5], [90, 3]), at(10), at(60)),
      { settledAt: at(10), tabs: 6, range: [5, 6] },
      'a change after the end of the download phase does not count',
    );
    assert.equal(settling(points([20, 4]), at(10), at(60)), null, 'no count known at the change');
  });

  it('autoFigures: the timeline from the first vehicle, both sources compared, the capacity change', TIME_LIMIT, () => {
    const log = tabsFromLog(LOG);
    const metrics = log.filter((point) => point.reason !== 'start');
    const figures = autoFigures({
      maxWorkers: 8,
      span: { from: at(2), to: at(62) },
      tabs: { log, metrics },
      capacity: [
        { at: at(0), pdfCapacity: 4, pdfsGenerated: 0 },
        { at: at(6), pdfCapacity: 2, pdfsGenerated: 20 },
      ],
      vehiclePerPdfTime: 1.8,
    });
    assert.deepEqual(
      figures.timeline.map((point) => [point.atS, point.tabs]),
      [
        [0, 2],
        [5, 4],
        [11, 5],
        [18, 4],
        [29, 2],
      ],
    );
    assert.deepEqual(figures.changes, { log: 3, metrics: 3, agree: true });
    // The change at 6 s: 2, then 4 at 7 s, 5, 4; the sweep's own start at 31 s ends the main round.
    assert.deepEqual(figures.capacityChange, {
      from: 4,
      to: 2,
      atS: 4,
      afterPdfs: 20,
      settleS: 1,
      settledTabs: 4,
      settledRange: [4, 5],
      leftS: 25,
      kneeEstimate: 4,
    });
    const disagree = autoFigures({
      maxWorkers: 8,
      span: { from: at(2), to: at(62) },
      tabs: { log, metrics: [] },
      capacity: [],
      vehiclePerPdfTime: 1.8,
    });
    assert.deepEqual(disagree.changes, { log: 3, metrics: 0, agree: false });
    assert.equal(disagree.capacityChange, null);
  });

  it('the mean capacity over the download phase', TIME_LIMIT, () => {
    const capacity = [
      { at: at(0), pdfCapacity: 4, pdfsGenerated: 0 },
      { at: at(30), pdfCapacity: 2, pdfsGenerated: 40 },
    ];
    assert.equal(meanCapacity(capacity, at(10), at(50)), (4 * 20 + 2 * 20) / 40);
    assert.equal(meanCapacity(capacity.slice(0, 1), at(10), at(50)), 4);
    assert.equal(meanCapacity(capacity, at(40), at(50)), 2);
  });
});
