// bookout check against the simulated portal: as it is, with one fact renamed, on the strict
// variant, and stopped by Ctrl-C; judged from the portal's own counts and the files on disk.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Fact, PortalOptions } from '../../sim/index.ts';
import { openWorkspace, runCli, startCli, waitFor } from '../support/harness.ts';
import { browserProcess } from '../support/processes.ts';

const LIMIT = { timeout: 90_000 };
const FACT_LINE = /^ {2}(ok {2}|FAIL|-- {2}) {2}(.*)$/;

interface Checked {
  code: number | null;
  output: string;
  facts: Array<{ mark: string; text: string }>;
  stats: ReturnType<Awaited<ReturnType<typeof openWorkspace>>['portal']['stats']>;
  downloadsCreated: boolean;
}

async function check(options: Partial<PortalOptions>, args: string[] = []): Promise<Checked> {
  const ws = await openWorkspace({ vehicles: 6, ...options });
  try {
    const result = await runCli(['check', ...args], ws.env(), ws.dir);
    const output = result.stdout + result.stderr;
    const facts = output
      .split('\n')
      .map((line) => FACT_LINE.exec(line))
      .filter((match) => match !== null)
      .map((match) => ({ mark: match[1]!.trim(), text: match[2]! }));
    assert.doesNotMatch(output, new RegExp(ws.portal.credentials.password), 'the password is never printed');
    return { code: result.code, output, facts, stats: ws.portal.stats(), downloadsCreated: existsSync(ws.downloads) };
  } finally {
    await ws.close();
  }
}

describe('bookout check', () => {
  it(
    'the portal as bookout knows it: every fact found, one login, one logout, one PDF, no run folder',
    LIMIT,
    async () => {
      const result = await check({});
      assert.equal(result.code, 0, result.output);
      assert.ok(result.facts.length >= 20, `a line per fact:\n${result.output}`);
      assert.deepEqual(
        result.facts.filter((fact) => fact.mark !== 'ok'),
        [],
      );
      assert.match(result.output, /button\.reportButton:not\(\.requiresVehicle\) \(Print\/Email Reports\): found/);
      assert.match(result.output, /^ {2}creating the PDF +\d+\.\d s {2}ok$/m, 'the time of each step');
      assert.match(result.output, /Verdict: every fact bookout relies on was found/);
      assert.equal(result.stats.logins.accepted, 1);
      assert.equal(result.stats.logouts, 1);
      assert.equal(result.stats.sessionsAlive, 0);
      assert.equal(result.stats.pdf.generations, 1);
      assert.equal(result.stats.csvExports, 1);
      assert.equal(result.downloadsCreated, false, 'nothing is written to the download folder');
    },
  );

  const renamed: Array<[Fact, RegExp]> = [
    [
      'reportButton',
      /^vehicle page: button\.reportButton:not\(\.requiresVehicle\).*: not found; .*has buttons: .*reportsButton/,
    ],
    ['exportCsv', /^inventory page: #primaryMenu_DXI4i1i2_ \(Export to CSV\): not found; .*#primaryMenu_DXI4i1i3_/],
    ['stockNumberInput', /^inventory page: #StockNumberInput: not found; .*input#txtStockNumber/],
    ['licenseCheckbox', /^license page: #agreementCheckBox .*: not found; .*input#chkLicenseAgreement/],
    [
      'pdfUrl',
      /^report tab: .*GetPdfReport: different; the report tab went to \/ValuesOnline\/Reports\/BookoutReport$/,
    ],
  ];
  for (const [fact, line] of renamed) {
    it(`${fact} renamed: exactly that fact is named, exit 5, and the check logs out`, LIMIT, async () => {
      const result = await check({ renamed: [fact] });
      assert.equal(result.code, 5, result.output);
      const failed = result.facts.filter((entry) => entry.mark === 'FAIL');
      assert.equal(failed.length, 1, result.output);
      assert.match(failed[0]!.text, line);
      assert.match(result.output, /Verdict: the portal has changed: one fact is not as bookout knows it/);
      assert.equal(result.stats.logins.accepted, 1);
      assert.equal(result.stats.logouts, 1, 'logged out after the changed page');
      assert.equal(result.stats.sessionsAlive, 0);
      assert.ok(result.stats.pdf.generations <= 1);
    });
  }

  it(
    'the strict variant (every unknown choice flipped) passes too; --out keeps the export and the PDF',
    LIMIT,
    async () => {
      const ws = await openWorkspace({ vehicles: 6, variant: 'strict' });
      try {
        const kept = join(ws.dir, 'kept');
        const result = await runCli(['check', '--out', kept], ws.env(), ws.dir);
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.doesNotMatch(result.stdout, /^ {2}(FAIL|--)/m);
        const files = readdirSync(kept);
        assert.equal(files.length, 2, files.join(', '));
        assert.ok(files.includes('inventory.csv'), files.join(', '));
        const pdf = files.find((file) => file !== 'inventory.csv')!;
        assert.match(pdf, /^165\d{3}[A-Z]?\.pdf$/);
        assert.equal(readFileSync(join(kept, pdf)).subarray(0, 5).toString(), '%PDF-');
        assert.equal(existsSync(ws.downloads), false);
        const stats = ws.portal.stats();
        assert.deepEqual([stats.logins.accepted, stats.logouts, stats.pdf.generations], [1, 1, 1]);
      } finally {
        await ws.close();
      }
    },
  );

  it('Ctrl-C while the report is made: the check stops and still logs out', LIMIT, async () => {
    const ws = await openWorkspace({ vehicles: 6, faults: { hang: { rate: 1, steps: ['pdf'] } } });
    try {
      const run = startCli(['check'], ws.env(), ws.dir);
      await run.waitForOutput(/creating the PDF \.\.\./, 60_000);
      await waitFor(() => (ws.portal.stats().requests.byRoute.pdf ?? 0) > 0, 30_000, 'the PDF request');
      run.child.kill('SIGINT');
      const result = await run.done;
      assert.equal(result.code, 130, result.stdout);
      const stats = ws.portal.stats();
      assert.equal(stats.logouts, 1);
      assert.equal(stats.sessionsAlive, 0);
    } finally {
      await ws.close();
    }
  });

  it(
    'the browser ends by itself before the login: the check runs again in a new one, with one login',
    LIMIT,
    async () => {
      const ws = await openWorkspace({ vehicles: 6, faults: { hang: { rate: 1, steps: ['login'] } } });
      try {
        const run = startCli(['check'], ws.env(), ws.dir);
        await run.waitForOutput(/opening the start page \.\.\./, 60_000);
        await waitFor(() => (ws.portal.stats().requests.byRoute['login-page'] ?? 0) > 0, 30_000, 'the start page');
        ws.portal.setFaults({ hang: { rate: 0 } });
        const browser = browserProcess(run.child.pid!);
        assert.ok(browser, 'found the browser process');
        process.kill(browser, 'SIGKILL');
        const result = await run.done;
        assert.equal(result.code, 0, result.stdout);
        assert.match(
          result.stdout,
          /Note: the browser ended by itself before the login .*; the check ran again in a new one/,
        );
        const stats = ws.portal.stats();
        assert.deepEqual([stats.logins.accepted, stats.logouts, stats.pdf.generations], [1, 1, 1]);
      } finally {
        await ws.close();
      }
    },
  );
});
