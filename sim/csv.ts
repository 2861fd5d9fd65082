import type { Vehicle } from './inventory.ts';

const COLUMNS: Array<[string, (vehicle: Vehicle) => string | number]> = [
  ['Stock Date', (v) => v.stockDate],
  ['Reference Number', (v) => v.ref],
  ['VIN', (v) => v.vin],
  ['Year', (v) => v.year],
  ['Make', (v) => v.make],
  ['Model', (v) => v.model],
  ['Trim', (v) => v.trim],
  ['Body Style', (v) => v.bodyStyle],
  ['Color', (v) => v.color],
  ['Mileage', (v) => v.mileage],
  ['List Price', (v) => v.listPrice],
];

function field(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The "Export All Columns > Export to CSV" file: header row, CRLF lines, optional BOM. */
export function inventoryCsv(vehicles: readonly Vehicle[], bom: boolean): string {
  const lines = [
    COLUMNS.map(([name]) => field(name)).join(','),
    ...vehicles.map((vehicle) => COLUMNS.map(([, get]) => field(get(vehicle))).join(',')),
  ];
  return `${bom ? '\uFEFF' : ''}${lines.join('\r\n')}\r\n`;
}

/** Grid columns after the Bookout link (the grid shows fewer columns than the export). */
export const GRID_COLUMNS = COLUMNS.filter(([name]) =>
  ['Reference Number', 'VIN', 'Year', 'Make', 'Model', 'Trim', 'Mileage'].includes(name),
);
