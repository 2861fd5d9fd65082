import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkerView } from '../../src/engine/worker-pool.ts';
import { finishText, liveLines, progressBar, progressLine, timeOfDay } from '../../src/ui/progress.ts';

const now = new Date(2026, 10, 22, 23, 0, 0).getTime();
const startedAt = now - 3 * 3_600_000 - 32 * 60_000;
/** 2,000 vehicles, 1,234 done at 1,540 an hour over the last 15 minutes. */
const numbers = {
  total: 2000,
  done: 1234,
  failed: 12,
  remaining: 754,
  finishedAt: Array.from({ length: 385 }, (_, index) => now - index * 2300),
};
const tabs = (count: number): WorkerView[] =>
  Array.from({ length: count }, (_, index) => ({
    id: index + 1,
    state: 'working',
    taskId: `16${String(5000 + index)}`,
    step: 'waiting for PDF',
    since: now - 4000,
  }));

describe('the progress display', { timeout: 10_000 }, () => {
  it('80 x 24 with 16 tabs: every tab, then the bar and the tallies last, no line wider than 79', () => {
    const lines = liveLines(numbers, tabs(16), undefined, startedAt, now, { columns: 80, rows: 24 });
    assert.equal(lines.length, 18);
    assert.match(lines[0]!, /^ {2}tab {2}1 {2}165000 +waiting for PDF +0:04$/);
    assert.match(lines[16]!, /^bookout \[#+\.+\] 1234\/2000 {2}61\.7%$/);
    assert.equal(lines.at(-1), '12 failed | 754 left | 1540/h | done by 23:29 | elapsed 3:32:00');
    for (const line of lines) assert.ok(line.length <= 79, `${line.length}: ${line}`);
    assert.equal(lines[16]!.length, 79, 'the bar takes the room there is');
  });

  it('a short terminal shows as many tabs as fit, then "... and N more tabs", and the summary never goes', () => {
    const lines = liveLines(numbers, tabs(16), 'waiting for the portal to answer', startedAt, now, {
      columns: 80,
      rows: 10,
    });
    assert.equal(lines.length, 9);
    assert.deepEqual(lines.slice(5, 7), ['  ... and 11 more tabs', '  waiting for the portal to answer']);
    assert.match(lines.at(-1)!, /done by/);
    const tiny = liveLines(numbers, tabs(16), undefined, startedAt, now, { columns: 80, rows: 3 });
    assert.deepEqual(tiny.length, 2);
    assert.match(tiny[1]!, /^12 failed/);
  });

  it('a narrow terminal cuts every line to its width, marking the cut', () => {
    for (const line of liveLines(numbers, tabs(4), undefined, startedAt, now, { columns: 40, rows: 24 })) {
      assert.ok(line.length <= 39, line);
      assert.match(line, /^[\x20-\x7e]*$/, 'ASCII only');
    }
    const tally = liveLines(numbers, [], undefined, startedAt, now, { columns: 40, rows: 24 }).at(-1)!;
    assert.equal(tally, '12 failed | 754 left | 1540/h | done b~');
  });

  it('the finish is a time of day, with the weekday when more than a day away', () => {
    assert.equal(timeOfDay(new Date(2026, 10, 23, 6, 40).getTime(), now), '06:40');
    assert.equal(timeOfDay(new Date(2026, 10, 25, 6, 40).getTime(), now), 'Wed 06:40');
    assert.equal(finishText({ ...numbers, finishedAt: [] }, 0, now), 'done by ?');
    assert.equal(finishText({ ...numbers, remaining: 0 }, 100, now), 'nothing left');
    assert.equal(finishText(numbers, 100, now), 'done by 06:32');
    assert.equal(finishText(numbers, 10, now), 'done by Thu 02:24');
  });

  it('the bar and the plain line', () => {
    assert.equal(progressBar(1, 4, 10), '[##......]');
    assert.equal(progressBar(0, 0, 6), '[....]');
    assert.equal(progressBar(9, 9, 6), '[####]');
    assert.equal(
      progressLine(numbers, startedAt, now),
      '1234/2000 done (61.7%) | 12 failed | 754 left | 1540/h | done by 23:29 | elapsed 3:32:00',
    );
  });
});
