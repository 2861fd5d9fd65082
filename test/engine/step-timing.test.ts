import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StepTimings } from '../../src/engine/step-timing.ts';

describe('hang limits from step timings', { timeout: 10_000 }, () => {
  it('a step never seen may take the ceiling; from its first answer on, a multiple of its p90 within floor and ceiling', () => {
    const timings = new StepTimings({ floorMs: 5000, ceilingMs: 90_000, multiplier: 6 });
    assert.equal(timings.limitMs('opening inventory'), 90_000);
    timings.record('opening inventory', 2000);
    assert.equal(timings.limitMs('opening inventory'), 12_000, 'one answer is enough');
    timings.record('filtering grid', 100);
    assert.equal(timings.limitMs('filtering grid'), 5000, 'never below the floor');
    timings.record('creating PDF', 40_000);
    assert.equal(timings.limitMs('creating PDF'), 90_000, 'never above the ceiling');
  });

  it('the p90 of the recent window: a few slow answers among many do not raise the limit, many do', () => {
    const timings = new StepTimings({ floorMs: 1000, ceilingMs: 90_000, multiplier: 6, window: 20 });
    for (let i = 0; i < 19; i += 1) timings.record('opening vehicle', 500);
    timings.record('opening vehicle', 9000);
    assert.equal(timings.limitMs('opening vehicle'), 3000);
    for (let i = 0; i < 10; i += 1) timings.record('opening vehicle', 1500);
    assert.equal(timings.limitMs('opening vehicle'), 9000, 'the slower portal of the last 20 answers');
  });
});
