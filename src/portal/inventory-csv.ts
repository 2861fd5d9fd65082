import { parse } from 'csv-parse/sync';
import { UserError } from '../errors.ts';
import type { RejectedRow } from '../ledger/ledger.ts';
import { unsafeFileNameReason } from '../output/safe-name.ts';
import { toAscii } from '../ui/text.ts';

/** The export's column that holds the stock number used for filtering and file names. */
export const REFERENCE_COLUMN = 'Reference Number';

export interface Inventory {
  /** Unique, safe references in file order. */
  references: string[];
  /** Rows that cannot become a vehicle, with the reason. */
  rejected: RejectedRow[];
  /** Rows whose reference already appeared earlier. */
  duplicateRows: number;
  dataRows: number;
}

/** Reads the portal's inventory export (CSV, header row, optional UTF-8 BOM). */
export function readInventoryCsv(content: Buffer | string, fileLabel = 'the inventory CSV'): Inventory {
  const rows = parseRows(content, fileLabel);
  const header = rows[0];
  if (!header) throw new UserError(`${fileLabel} is empty: the portal exported no header and no vehicles.`);
  const column = header.findIndex((name) => name.trim().toLowerCase() === REFERENCE_COLUMN.toLowerCase());
  if (column < 0) {
    const found = header.map((name) => `"${toAscii(name.trim())}"`).join(', ');
    throw new UserError(`${fileLabel} has no "${REFERENCE_COLUMN}" column (its columns are: ${found}).`);
  }
  const inventory: Inventory = { references: [], rejected: [], duplicateRows: 0, dataRows: rows.length - 1 };
  const seen = new Set<string>();
  rows.slice(1).forEach((row, index) => {
    const rowNumber = index + 2; // 1-based, after the header
    const reference = (row[column] ?? '').trim();
    const problem = reference === '' ? 'blank Reference Number' : unsafeFileNameReason(reference);
    if (problem) {
      inventory.rejected.push({
        rowNumber,
        value: reference,
        reason: reference === '' ? problem : `unsafe reference: ${problem}`,
      });
    } else if (seen.has(reference)) {
      inventory.duplicateRows += 1;
    } else {
      seen.add(reference);
      inventory.references.push(reference);
    }
  });
  if (inventory.references.length === 0) {
    throw new UserError(
      `${fileLabel} lists no usable vehicle (${inventory.dataRows} data rows, ${inventory.rejected.length} rejected).`,
    );
  }
  return inventory;
}

function parseRows(content: Buffer | string, fileLabel: string): string[][] {
  try {
    return parse(content, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: false }) as string[][];
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new UserError(`${fileLabel} is not valid CSV: ${toAscii(detail)}`);
  }
}
