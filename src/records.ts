// The records that travel between the layers: what the portal exports, what the engine works on,
// what the ledger keeps. Types only; every layer may import them.

/** One vehicle of the inventory as a unit of work. `id` is its reference (stock number). */
export interface VehicleTask {
  readonly id: string;
  /** Counted attempts before this one (0 on the first try). */
  readonly attempts: number;
  /** Retries that were not counted (causes that were not the vehicle's or the portal's). */
  readonly freeRetries: number;
}

/** A proven PDF, safely on disk. */
export interface SavedPdf {
  file: string;
  bytes: number;
  sha256: string;
}

/** An inventory row that cannot become a vehicle, with the reason. */
export interface RejectedRow {
  rowNumber: number;
  value: string;
  reason: string;
}

/** One data row of an inventory export: where it was, and the reference it names (as written). */
export interface InventoryRow {
  rowNumber: number;
  reference: string;
}
