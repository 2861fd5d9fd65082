import { UserError } from '../errors.ts';
import { unsafeFileNameReason } from '../output/safe-name.ts';
import type { InventoryRow, RejectedRow } from '../records.ts';

export interface Inventory {
  /** Unique, safe references in file order. */
  references: string[];
  /** Rows that cannot become a vehicle, with the reason. */
  rejected: RejectedRow[];
  /** Rows whose reference already appeared earlier. */
  duplicateRows: number;
  dataRows: number;
}

/**
 * Which exported rows become vehicles: a reference must be usable as a file name everywhere, and
 * two references that differ only in case would be one file on Windows and macOS, so the second
 * one is rejected with the reason (its PDF could overwrite the first one's).
 */
export function vehiclesFrom(rows: readonly InventoryRow[], fileLabel = 'the inventory CSV'): Inventory {
  const inventory: Inventory = { references: [], rejected: [], duplicateRows: 0, dataRows: rows.length };
  const seen = new Map<string, string>();
  for (const row of rows) {
    const reference = row.reference.trim();
    const problem = reference === '' ? 'blank Reference Number' : unsafeReason(reference);
    const sameFile = seen.get(reference.toLowerCase());
    if (problem) {
      inventory.rejected.push({ rowNumber: row.rowNumber, value: reference, reason: problem });
    } else if (sameFile === reference) {
      inventory.duplicateRows += 1;
    } else if (sameFile !== undefined) {
      const reason = `differs from ${sameFile} only in case: both would be the same file on Windows and macOS`;
      inventory.rejected.push({ rowNumber: row.rowNumber, value: reference, reason });
    } else {
      seen.set(reference.toLowerCase(), reference);
      inventory.references.push(reference);
    }
  }
  if (inventory.references.length === 0) {
    const counts = `${inventory.dataRows} data rows, ${inventory.rejected.length} rejected`;
    throw new UserError(`${fileLabel} lists no usable vehicle (${counts}).`);
  }
  return inventory;
}

function unsafeReason(reference: string): string | null {
  const problem = unsafeFileNameReason(reference);
  return problem ? `unsafe reference: ${problem}` : null;
}
