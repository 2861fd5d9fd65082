import { parse } from 'csv-parse/sync';
import { UserError } from '../../errors.ts';
import type { InventoryRow } from '../../records.ts';
import { REFERENCE_COLUMN } from './selectors.ts';

/**
 * Reads the portal's inventory export (CSV with a header row, any column order, optional UTF-8
 * BOM): the reference of every data row, as written. Which rows become vehicles is not decided here.
 */
export function readInventoryCsv(content: Buffer | string, fileLabel = 'the inventory CSV'): InventoryRow[] {
  const rows = parseRows(content, fileLabel);
  const header = rows[0];
  if (!header) throw new UserError(`${fileLabel} is empty: the portal exported no header and no vehicles.`);
  const column = header.findIndex((name) => name.trim().toLowerCase() === REFERENCE_COLUMN.toLowerCase());
  if (column < 0) {
    const found = header.map((name) => `"${name.trim()}"`).join(', ');
    throw new UserError(`${fileLabel} has no "${REFERENCE_COLUMN}" column (its columns are: ${found}).`);
  }
  return rows.slice(1).map((row, index) => ({ rowNumber: index + 2, reference: row[column] ?? '' }));
}

function parseRows(content: Buffer | string, fileLabel: string): string[][] {
  try {
    return parse(content, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: false }) as string[][];
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new UserError(`${fileLabel} is not valid CSV: ${detail}`);
  }
}
