// The portal's variant reaches every tool that starts it: the test harness (SIM_VARIANT), the soak
// and the benchmark (--variant).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HELP as BENCH_HELP, parseOptions as parseBenchOptions } from '../../bench/options.ts';
import { HELP as SOAK_HELP, parseOptions as parseSoakOptions } from '../../soak/options.ts';
import { openWorkspace } from '../support/harness.ts';
import { UsageError } from '../support/tool-options.ts';

const TIME_LIMIT = { timeout: 20_000 };

describe('the variant in the tools', () => {
  it('npm run soak: --variant, cacheable by default, documented in --help', TIME_LIMIT, () => {
    assert.equal(parseSoakOptions([])!.variant, 'cacheable');
    assert.equal(parseSoakOptions(['--variant', 'strict'])!.variant, 'strict');
    assert.throws(() => parseSoakOptions(['--variant', 'loose']), UsageError);
    assert.match(SOAK_HELP, /--variant <name> .*cacheable or strict/);
  });

  it('npm run bench: --variants, both by default, documented in --help', TIME_LIMIT, () => {
    const builds = [{ name: 'headless-shell', path: '/usr/lib/chromium/chromium-headless-shell' }];
    const parse = (argv: string[]) => parseBenchOptions(argv, new Date(), builds)!;
    assert.deepEqual(parse([]).variants, ['cacheable', 'strict']);
    assert.deepEqual(parse(['--variants', 'strict']).variants, ['strict']);
    assert.throws(() => parse(['--variants', 'loose']), UsageError);
    assert.match(BENCH_HELP, /--variants <list> .*cacheable, strict/);
  });

  it('openWorkspace: SIM_VARIANT applies when the caller names no variant; a named one wins', TIME_LIMIT, async () => {
    const saved = process.env.SIM_VARIANT;
    try {
      process.env.SIM_VARIANT = 'strict';
      const fromEnv = await openWorkspace({ vehicles: 3 });
      const named = await openWorkspace({ vehicles: 3, variant: 'cacheable' });
      const overridden = await openWorkspace({ vehicles: 3, pageSize: 7 });
      try {
        assert.equal(fromEnv.portal.options.variant, 'strict');
        assert.equal(fromEnv.portal.options.htmlCache, 'no-store');
        assert.equal(named.portal.options.variant, 'cacheable');
        assert.equal(named.portal.options.htmlCache, 'cacheable');
        assert.equal(overridden.portal.options.pageSize, 7, 'explicit options still win over the variant');
      } finally {
        await Promise.all([fromEnv.close(), named.close(), overridden.close()]);
      }
      delete process.env.SIM_VARIANT;
      const plain = await openWorkspace({ vehicles: 3 });
      assert.equal(plain.portal.options.variant, 'cacheable');
      await plain.close();
      process.env.SIM_VARIANT = 'wobbly';
      await assert.rejects(openWorkspace({ vehicles: 3 }), /unknown variant wobbly/);
    } finally {
      if (saved === undefined) delete process.env.SIM_VARIANT;
      else process.env.SIM_VARIANT = saved;
    }
  });
});
