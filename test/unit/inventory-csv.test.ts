import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../../src/errors.ts';
import { vehiclesFrom } from '../../src/job/inventory.ts';
import { readInventoryCsv as readRows } from '../../src/portal/values-online/inventory-csv.ts';

const readInventoryCsv = (content: string | Buffer) => vehiclesFrom(readRows(content));

describe('reading the inventory export', { timeout: 10_000 }, () => {
  it('reads the Reference Number column wherever it is, with a UTF-8 BOM and quoted commas', () => {
    const csv =
      '\uFEFFVIN,Year,Reference Number,Trim\r\n1HGCM82633A004352,2019,165001,"EX-L, Navi"\r\n2T1BURHE0JC034512,2018,165549A,LE\r\n';
    const inventory = readInventoryCsv(Buffer.from(csv, 'utf8'));
    assert.deepEqual(inventory.references, ['165001', '165549A']);
    assert.equal(inventory.dataRows, 2);
  });

  it('collapses duplicate rows into one vehicle and counts them', () => {
    const inventory = readInventoryCsv('Reference Number,VIN\n165001,A\n165002,B\n165001,A\n');
    assert.deepEqual(inventory.references, ['165001', '165002']);
    assert.equal(inventory.duplicateRows, 1);
  });

  it('rejects blank and unsafe references with a reason, never using them as names', () => {
    const inventory = readInventoryCsv('Reference Number\n165001\n   \n../../etc/passwd\nCON\n165 002\n');
    assert.deepEqual(inventory.references, ['165001']);
    assert.deepEqual(
      inventory.rejected.map((row) => [row.rowNumber, row.reason.split(':')[0]]),
      [
        [3, 'blank Reference Number'],
        [4, 'unsafe reference'],
        [5, 'unsafe reference'],
        [6, 'unsafe reference'],
      ],
    );
  });

  it('a missing column is one clear error naming the columns found', () => {
    assert.throws(
      () => readInventoryCsv('Stock,VIN\n165001,A\n'),
      (error: unknown) =>
        error instanceof UserError && /no "Reference Number" column.*"Stock", "VIN"/.test(error.message),
    );
  });

  it('references that differ only in case are one file on Windows and macOS: the second is rejected with the reason', () => {
    const inventory = readInventoryCsv('Reference Number\n165001a\n165002\n165001A\n');
    assert.deepEqual(inventory.references, ['165001a', '165002']);
    assert.equal(inventory.rejected.length, 1);
    assert.equal(inventory.rejected[0]?.value, '165001A');
    assert.match(inventory.rejected[0]?.reason ?? '', /differs from 165001a only in case/);
  });

  it('broken CSV is one clear error', () => {
    assert.throws(
      () => readInventoryCsv('Reference Number,Trim\n165001,"unterminated\n'),
      (error: unknown) => error instanceof UserError && /not valid CSV/.test(error.message),
    );
  });

  it('an empty export is an error, not a silent success', () => {
    assert.throws(() => readInventoryCsv(''), UserError);
    assert.throws(
      () => readInventoryCsv('Reference Number\n'),
      (error: unknown) => error instanceof UserError && /no usable vehicle/.test(error.message),
    );
  });
});
