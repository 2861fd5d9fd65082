// The targets of issues 15 and 9 judged from made-up figures, and the comparisons they rest on. No browser.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AutoFigures, CapacityChangeFigures } from '../../bench/auto.ts';
import { againstBaseline, autoVsBestFixed, strictVsCacheable } from '../../bench/compare.ts';
import type { RunFigures } from '../../bench/figures.ts';
import { judgeTargets, type TargetOptions, type TargetResult } from '../../bench/targets.ts';

const TIME_LIMIT = { timeout: 20_000 };

function run(overrides: Partial<RunFigures> = {}): RunFigures {
  const workers = overrides.workers ?? 1;
  return {
    variant: 'cacheable',
    browser: 'headless-shell',
    build: overrides.browser ?? 'headless-shell',
    checkout: 'this',
    workers,
    tabs: workers === 'auto' ? 3 : workers,
    skipped: null,
    ok: true,
    downloadWallS: 100,
    processWallS: 110,
    vehiclesPerHour: 1000,
    idealVehiclesPerHour: 1050,
    capacityLimited: false,
    efficiency: 0.95,
    portalSPerVehicle: 1.8,
    pdfSPerVehicle: 1,
    overheadSPerVehicle: 0.2,
    vehicleRequestsPerVehicle: 4.1,
    requestsPerVehicle: 4.2,
    pdfGenerationsPerVehicle: 1,
    pdfGeneratedTwice: 0,
    peakPssMb: 350,
    peakRssMb: 700,
    pssAtQuartersMb: [300, 320, 320, 330],
    pssQuarterMeansMb: [300, 320, 322, 330],
    cpuSPerVehicle: { node: 0.05, browser: 0.15 },
    machineBusy: 0.5,
    meanPdfCapacity: 4,
    overloadRefusals: 0,
    errorAnswers: 0,
    auto: null,
    ...overrides,
  };
}

function auto(change: Partial<CapacityChangeFigures> | null, overrides: Partial<RunFigures> = {}): RunFigures {
  const capacityChange: CapacityChangeFigures | null = change && {
    from: 4,
    to: 2,
    atS: 30,
    afterPdfs: 80,
    settleS: 20,
    settledTabs: 4,
    settledRange: [3, 4],
    leftS: 120,
    kneeEstimate: 4,
    ...change,
  };
  const figures: AutoFigures = {
    maxWorkers: 8,
    timeline: [],
    changes: { log: 3, metrics: 3, agree: true },
    meanTabs: 3,
    capacityChange,
  };
  return run({ workers: 'auto', auto: figures, ...overrides });
}

const OPTIONS: TargetOptions = {
  vehicles: 2000,
  capacityChange: { afterPdfs: 80, pdfCapacity: 2 },
  overload: { maxQueued: 4 },
  variants: ['cacheable', 'strict'],
};

const find = (targets: TargetResult[], pattern: RegExp) => {
  const target = targets.find((entry) => pattern.test(entry.target));
  assert.ok(target, `no target matches ${pattern}`);
  return target;
};

describe('npm run bench: targets', () => {
  it(
    'one line per target of issue 15 and issue 9, n/a with the option to measure it when nothing was',
    TIME_LIMIT,
    () => {
      const targets = judgeTargets([], OPTIONS);
      assert.deepEqual(
        targets.map((target) => target.issue),
        ['15', '15', '15', '15', '15', '15', '15', '9', 'earlier', 'earlier'],
      );
      assert.ok(targets.every((target) => target.status === 'n/a'));
      assert.match(find(targets, /at 5 tabs/).measured, /--tabs 5/);
      assert.match(find(targets, /baseline's, cacheable/).measured, /--baseline/);
      assert.match(find(targets, /WORKERS=auto >=/).measured, /--auto/);
      const noChange = judgeTargets([], { ...OPTIONS, capacityChange: null });
      assert.match(find(noChange, /settles/).measured, /--capacity-change/);
    },
  );

  it(
    'memory at 5 tabs: under 600 MB and flat (last quarter within 5% of the second); 400 MB at 8 tabs',
    TIME_LIMIT,
    () => {
      const flat = run({ workers: 5, peakPssMb: 560, pssQuarterMeansMb: [500, 540, 545, 560] });
      const growing = run({ workers: 5, browser: 'chromium', peakPssMb: 590, pssQuarterMeansMb: [500, 540, 560, 580] });
      const big = run({ workers: 5, browser: 'playwright', peakPssMb: 610, pssQuarterMeansMb: [500, 540, 545, 550] });
      assert.equal(find(judgeTargets([flat], OPTIONS), /at 5 tabs/).status, 'PASS');
      assert.equal(find(judgeTargets([flat, growing], OPTIONS), /at 5 tabs/).status, 'MISS');
      assert.equal(find(judgeTargets([flat, big], OPTIONS), /at 5 tabs/).status, 'MISS');
      assert.match(find(judgeTargets([flat], { ...OPTIONS, vehicles: 40 }), /at 5 tabs/).target, /over 40 vehicles/);
      const baselineOnly = run({ workers: 5, checkout: 'baseline', peakPssMb: 900 });
      assert.equal(
        find(judgeTargets([flat, baselineOnly], OPTIONS), /at 5 tabs/).status,
        'PASS',
        'the baseline is not judged',
      );
      assert.equal(find(judgeTargets([run({ workers: 8, peakPssMb: 400 })], OPTIONS), /at 8 tabs/).status, 'PASS');
      assert.equal(find(judgeTargets([run({ workers: 8, peakPssMb: 401 })], OPTIONS), /at 8 tabs/).status, 'MISS');
    },
  );

  it('WORKERS=auto: at least 0.9 of the best fixed count of the same variant and build', TIME_LIMIT, () => {
    const fixed = [run({ workers: 4, vehiclesPerHour: 9000 }), run({ workers: 8, vehiclesPerHour: 10_000 })];
    const elsewhere = run({ workers: 8, variant: 'strict', vehiclesPerHour: 20_000 });
    assert.equal(
      find(judgeTargets([...fixed, elsewhere, auto(null, { vehiclesPerHour: 9000 })], OPTIONS), /auto >=/).status,
      'PASS',
    );
    const slow = judgeTargets([...fixed, auto(null, { vehiclesPerHour: 8900 })], OPTIONS);
    assert.equal(find(slow, /auto >=/).status, 'MISS');
    assert.match(find(slow, /auto >=/).measured, /0\.89 .*best 8 tabs 10000/);
  });

  it(
    'the capacity change: settled within a minute, no overload refusal; too short a rest cannot tell',
    TIME_LIMIT,
    () => {
      const judge = (figures: RunFigures, options = OPTIONS) => find(judgeTargets([figures], options), /settles/);
      assert.equal(judge(auto({ settleS: 45 })).status, 'PASS');
      assert.equal(judge(auto({ settleS: 75 })).status, 'MISS');
      assert.equal(judge(auto({ settleS: 10 }, { overloadRefusals: 3 })).status, 'MISS');
      assert.equal(judge(auto({ settleS: 10, leftS: 40 })).status, 'n/a');
      assert.match(judge(auto({ settleS: 10, leftS: 40 })).measured, /the run ended 40 s after the change/);
      assert.match(judge(auto({ from: 4, to: 3 })).measured, /not a halving/);
      assert.match(judge(auto({}), { ...OPTIONS, overload: null }).measured, /no --overload/);
      assert.equal(judge(auto(null)).status, 'n/a', 'no change seen');
    },
  );

  it('client overhead at 1 tab at most 0.3 s, on every variant and build measured', TIME_LIMIT, () => {
    const good = run({ overheadSPerVehicle: 0.3 });
    assert.equal(find(judgeTargets([good], OPTIONS), /overhead/).status, 'PASS');
    const bad = run({ variant: 'strict', overheadSPerVehicle: 0.31 });
    assert.equal(find(judgeTargets([good, bad], OPTIONS), /overhead/).status, 'MISS');
    assert.equal(find(judgeTargets([run({ workers: 2, overheadSPerVehicle: 1 })], OPTIONS), /overhead/).status, 'n/a');
  });

  it(
    'CPU per vehicle at most half of the baseline, per variant, against the same run of the baseline',
    TIME_LIMIT,
    () => {
      const mine = run({ cpuSPerVehicle: { node: 0.05, browser: 0.15 } });
      const base = run({ checkout: 'baseline', cpuSPerVehicle: { node: 0.1, browser: 0.3 } });
      const strictMine = run({ variant: 'strict', cpuSPerVehicle: { node: 0.1, browser: 0.2 } });
      const strictBase = run({ variant: 'strict', checkout: 'baseline', cpuSPerVehicle: { node: 0.1, browser: 0.4 } });
      const targets = judgeTargets([mine, base, strictMine, strictBase], OPTIONS);
      assert.equal(find(targets, /baseline's, cacheable/).status, 'PASS');
      assert.equal(find(targets, /baseline's, strict/).status, 'MISS');
      assert.match(find(targets, /baseline's, strict/).measured, /0\.30 vs 0\.50 CPU s\/veh \(0\.60 x\)/);
      const skipped = run({ checkout: 'baseline', workers: 'auto', ok: false, skipped: 'refuses WORKERS=auto' });
      assert.equal(againstBaseline([auto(null), skipped]).length, 0, 'a skipped baseline run pairs with nothing');
    },
  );

  it('issue 9: strict within 10% of cacheable in vehicles per hour at the same tab count', TIME_LIMIT, () => {
    const runs = [
      run({ workers: 4, vehiclesPerHour: 6000 }),
      run({ workers: 4, variant: 'strict', vehiclesPerHour: 5500 }),
      run({ workers: 8, vehiclesPerHour: 9000 }),
      run({ workers: 8, variant: 'strict', vehiclesPerHour: 8000 }),
    ];
    assert.deepEqual(
      strictVsCacheable(runs).map((c) => [c.tabs, Number(c.ratio.toFixed(3))]),
      [
        [4, 0.917],
        [8, 0.889],
      ],
    );
    assert.equal(find(judgeTargets(runs, OPTIONS), /strict >=/).status, 'MISS');
    assert.equal(find(judgeTargets(runs.slice(0, 2), OPTIONS), /strict >=/).status, 'PASS');
  });

  it('failed runs are never judged; one PDF per vehicle lists only the runs that missed it', TIME_LIMIT, () => {
    const failed = run({ ok: false, peakPssMb: 5000, workers: 5 });
    assert.equal(find(judgeTargets([failed], OPTIONS), /at 5 tabs/).status, 'n/a');
    const twice = run({ workers: 2, pdfGenerationsPerVehicle: 1.05, pdfGeneratedTwice: 2 });
    const once = find(judgeTargets([run(), twice], OPTIONS), /one PDF generation/);
    assert.equal(once.status, 'MISS');
    assert.match(once.measured, /^cacheable\/headless-shell 2: 1\.050$/);
    assert.equal(find(judgeTargets([run(), run({ workers: 2 })], OPTIONS), /one PDF generation/).measured, '2 runs');
    assert.equal(autoVsBestFixed([auto(null)])[0]!.best, null);
  });
});
