// npm run bench's command line and the runs it plans: no browser, no portal.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HELP, parseOptions } from '../../bench/options.ts';
import { planRuns, runLabel } from '../../bench/plan.ts';
import { UsageError } from '../support/tool-options.ts';

const TIME_LIMIT = { timeout: 20_000 };
const SHELL = { name: 'headless-shell', path: '/usr/lib/chromium/chromium-headless-shell' };
const CHROMIUM = { name: 'chromium', path: '/usr/bin/chromium' };
const parse = (argv: string[], installed = [SHELL, CHROMIUM]) => parseOptions(argv, new Date(0), installed)!;

describe('npm run bench: options', () => {
  it(
    'defaults: both variants, every build installed, no auto, no baseline, the portal capacity fixed',
    TIME_LIMIT,
    () => {
      const options = parse([]);
      assert.deepEqual(options.variants, ['cacheable', 'strict']);
      assert.deepEqual(options.browsers, [SHELL, CHROMIUM]);
      assert.deepEqual(options.tabs, [1, 2, 4, 6, 8, 12, 16]);
      assert.equal(options.auto, false);
      assert.equal(options.baseline, null);
      assert.equal(options.capacityChange, null);
      assert.equal(options.overload, null);
      assert.equal(options.loadLatency, null);
      assert.match(options.out, /bench[/\\]results[/\\]bench-1970-01-01T00-00-00Z\.json$/);
    },
  );

  it('--quick: a short smoke run on the first build found; explicit options win', TIME_LIMIT, () => {
    const quick = parse(['--quick']);
    assert.deepEqual(quick.tabs, [1, 4]);
    assert.equal(quick.vehicles, 24);
    assert.deepEqual(quick.browsers, [SHELL]);
    assert.deepEqual(quick.variants, ['cacheable', 'strict']);
    const explicit = parse(['--quick', '--tabs', '2', '--vehicles', '10', '--browsers', 'chromium']);
    assert.deepEqual([explicit.tabs, explicit.vehicles, explicit.browsers], [[2], 10, [CHROMIUM]]);
  });

  it('--variants and --browsers take lists; unknown, missing or repeated names are refused', TIME_LIMIT, () => {
    assert.deepEqual(parse(['--variants', 'strict,cacheable']).variants, ['strict', 'cacheable']);
    assert.deepEqual(parse(['--browsers', 'chromium,headless-shell']).browsers, [CHROMIUM, SHELL]);
    assert.throws(() => parse(['--variants', 'cacheable,cacheable']), /twice/);
    assert.deepEqual(parse(['--variant', 'strict']).variants, ['strict'], '--variant, as before, still works');
    assert.throws(() => parse(['--variant', 'strict', '--variants', 'cacheable']), /give one of them/);
    assert.throws(() => parse(['--variants', 'loose']), /--variants must be cacheable or strict/);
    assert.throws(() => parse(['--browsers', 'firefox']), /unknown build "firefox"/);
    assert.throws(() => parse(['--browsers', 'playwright']), /playwright is not installed here/);
    assert.throws(() => parse(['--browsers', 'chromium,chromium']), /twice/);
    assert.throws(() => parse([], []), /no browser build found/);
    assert.throws(() => parse(['--browsers', '/no/such/browser']), /not an executable file/);
    assert.deepEqual(parse(['--browsers', process.execPath]).browsers, [
      { name: process.execPath, path: process.execPath },
    ]);
  });

  it('--capacity-change n:m, --overload q[:s] and --load-knee k reach the portal settings', TIME_LIMIT, () => {
    const options = parse(['--capacity-change', '80:2', '--overload', '6', '--load-knee', '12', '--pdf-capacity', '4']);
    assert.deepEqual(options.capacityChange, { afterPdfs: 80, pdfCapacity: 2 });
    assert.deepEqual(options.overload, { maxQueued: 6, retryAfterSeconds: 2 });
    assert.deepEqual(options.loadLatency, { knee: 12 });
    assert.equal(options.pdfCapacity, 4);
    assert.deepEqual(parse(['--overload', '3:5']).overload, { maxQueued: 3, retryAfterSeconds: 5 });
    for (const bad of [
      ['--capacity-change', '80'],
      ['--capacity-change', '80:0'],
      ['--capacity-change', 'a:b'],
    ])
      assert.throws(() => parse(bad), UsageError);
    assert.throws(() => parse(['--overload', '1:2:3']), /q or q:s/);
    assert.throws(() => parse(['--load-knee', '0']), UsageError);
  });

  it('--baseline: a checkout of bookout with its node_modules, not this one', TIME_LIMIT, () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-options-'));
    try {
      assert.throws(() => parse(['--baseline', dir]), /not a checkout of bookout/);
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'src', 'main.ts'), '');
      assert.throws(() => parse(['--baseline', dir]), /no node_modules \(run npm ci there first\)/);
      mkdirSync(join(dir, 'node_modules'));
      assert.equal(parse(['--baseline', dir]).baseline, dir);
      assert.throws(() => parse(['--baseline', join(import.meta.dirname, '..', '..')]), /this checkout/);
      assert.equal(parse(['--baseline', dir]).baselineBrowser, null, 'the same build as this checkout');
      assert.deepEqual(parse(['--baseline', dir, '--baseline-browser', 'chromium']).baselineBrowser, CHROMIUM);
      assert.throws(() => parse(['--baseline-browser', 'chromium']), /needs --baseline/);
      assert.throws(
        () => parse(['--baseline', dir, '--baseline-browser', 'playwright']),
        /--baseline-browser: playwright/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--help is asked for (null) and names every option; an unknown option is a UsageError', TIME_LIMIT, () => {
    assert.equal(parseOptions(['--help'], new Date(), [SHELL]), null);
    for (const option of [
      '--variants',
      '--browsers',
      '--auto',
      '--capacity-change',
      '--overload',
      '--baseline',
      '--quick',
    ])
      assert.ok(HELP.includes(option), option);
    assert.throws(() => parse(['--wobble']), UsageError);
  });
});

describe('npm run bench: the runs it plans', () => {
  it(
    'per variant, build and tab count, then auto; the baseline right after each run of this checkout',
    TIME_LIMIT,
    () => {
      const options = parse([
        '--tabs',
        '1,4',
        '--auto',
        '--variants',
        'cacheable,strict',
        '--browsers',
        'headless-shell',
      ]);
      const plan = planRuns({ ...options, baseline: '/somewhere' });
      assert.deepEqual(plan.map(runLabel), [
        'cacheable, headless-shell, 1 tab',
        'cacheable, headless-shell, 1 tab, baseline',
        'cacheable, headless-shell, 4 tabs',
        'cacheable, headless-shell, 4 tabs, baseline',
        'cacheable, headless-shell, auto',
        'cacheable, headless-shell, auto, baseline',
        'strict, headless-shell, 1 tab',
        'strict, headless-shell, 1 tab, baseline',
        'strict, headless-shell, 4 tabs',
        'strict, headless-shell, 4 tabs, baseline',
        'strict, headless-shell, auto',
        'strict, headless-shell, auto, baseline',
      ]);
      assert.ok(plan.filter((run) => run.workers === 'auto').every((run) => run.maxWorkers === 4));
      assert.ok(plan.filter((run) => run.workers !== 'auto').every((run) => run.maxWorkers === null));
      assert.equal(planRuns({ ...options, browsers: [SHELL, CHROMIUM] }).length, 12, 'no baseline: half the runs');
      const onChromium = planRuns({
        ...options,
        baseline: '/somewhere',
        baselineBrowser: CHROMIUM,
        variants: ['strict'],
      });
      assert.equal(runLabel(onChromium[1]!), 'strict, headless-shell, 1 tab, baseline on chromium');
      assert.deepEqual(
        onChromium.map((run) => run.build.name),
        ['headless-shell', 'chromium', 'headless-shell', 'chromium', 'headless-shell', 'chromium'],
      );
    },
  );
});
