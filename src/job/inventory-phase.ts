import { chmodSync } from 'node:fs';
import type { RunLedger } from '../ledger/run-ledger.ts';
import type { Portal } from '../portal/portal.ts';
import type { Log } from '../ui/console.ts';
import { vehiclesFrom } from './inventory.ts';
import type { RecoveryPolicy } from './recovery.ts';

export interface InventoryPhase {
  portal: Portal;
  ledger: RunLedger;
  recovery: RecoveryPolicy;
  log: Log;
  /** Where the exported CSV is kept (readable by the user only). */
  inventoryCsv: string;
  /** Put the vehicles that failed back in the queue (--retry-failed). */
  retryFailed: boolean;
  blockResources: boolean;
}

/** The inventory in the ledger (exported once per run), the failed vehicles requeued when asked, the tabs prepared. */
export async function loadInventory(phase: InventoryPhase): Promise<void> {
  const { portal, ledger, recovery, log } = phase;
  if (!(await ledger.hasInventory())) {
    log.info('exporting the inventory');
    const exported = await recovery.persist('exporting the inventory', () =>
      portal.exportInventory(phase.inventoryCsv),
    );
    if (process.platform !== 'win32') chmodSync(phase.inventoryCsv, 0o600);
    if (exported.clearedFilter) log.info('cleared a grid filter left from an earlier session');
    const inventory = vehiclesFrom(exported.rows, 'The exported inventory');
    await ledger.importInventory(inventory.references, inventory.rejected);
    const extra = [
      inventory.duplicateRows ? `${inventory.duplicateRows} duplicate rows ignored` : '',
      inventory.rejected.length ? `${inventory.rejected.length} rows rejected (see failures.csv)` : '',
    ].filter(Boolean);
    log.info(`inventory: ${inventory.references.length} vehicles${extra.length ? `; ${extra.join('; ')}` : ''}`);
  }
  if (phase.retryFailed) {
    const failed = (await ledger.vehicles('failed')).map((vehicle) => vehicle.ref);
    await ledger.requeue(failed);
    if (failed.length) log.info(`trying ${failed.length} failed vehicles again`);
  }
  await portal.prepareForDownloads({ blockResources: phase.blockResources });
}
