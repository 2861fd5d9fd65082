import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { Ledger } from '../../src/ledger/ledger.ts';
import { computeMetrics, failuresCsv, finalReport, safeCell } from '../../src/output/reports.ts';
import { runPaths } from '../../src/output/run-folders.ts';

describe('reports that back-office staff open', { timeout: 10_000 }, () => {
  let dir: string;
  let ledger: Ledger;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bookout-reports-'));
    ledger = Ledger.open(join(dir, 'state.db'));
  });
  afterEach(() => {
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('failures.csv shows hostile inventory values as text: no cell a spreadsheet would run', () => {
    const hostile = ['=HYPERLINK("http://evil","x")', '@SUM(A1:A9)', '+1+1', '-2+3', '\tTAB', '\rCR'];
    ledger.importInventory(
      ['165001'],
      hostile.map((value, index) => ({ rowNumber: index + 3, value, reason: `unsafe reference: ${value}` })),
    );
    const rows = parse(failuresCsv(ledger), { columns: true }) as Array<Record<string, string>>;
    assert.equal(rows.length, hostile.length);
    for (const row of rows) {
      for (const cell of Object.values(row)) assert.doesNotMatch(cell, /^[=+\-@\t\r]/, `a live cell: ${cell}`);
    }
    assert.equal(rows[0]?.reference, `'${hostile[0]}`);
    assert.equal(safeCell('165001'), '165001');
  });

  it('the printed report has no control characters from the data it shows', () => {
    ledger.importInventory(['165001'], [{ rowNumber: 2, value: 'bad\rvalue\u001b[2J', reason: 'unsafe reference' }]);
    const paths = runPaths(dir);
    const text = finalReport(ledger, paths, computeMetrics(ledger, 1, 'finished'), 'finished');
    assert.doesNotMatch(text.replaceAll('\n', ''), /[\u0000-\u001f\u007f]/);
    assert.match(text, /bad value \[2J/);
  });
});
