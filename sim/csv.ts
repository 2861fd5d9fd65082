import { stringify } from 'csv-stringify/sync';
import type { Vehicle } from './inventory.ts';

type Column = [string, (vehicle: Vehicle) => string | number];

const STANDARD: Column[] = [
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

const column = (name: string) => STANDARD.find(([candidate]) => candidate === name)!;

/** Another order, with free-text Notes (commas, quotes, line breaks) before the reference, and a Location. */
const REORDERED: Column[] = [
  column('VIN'),
  column('Year'),
  column('Make'),
  column('Model'),
  column('Trim'),
  ['Notes', (v) => v.notes],
  column('Reference Number'),
  ['Location', (v) => v.location],
  column('Stock Date'),
  column('Mileage'),
  column('Color'),
  column('Body Style'),
  column('List Price'),
];

export interface CsvShape {
  bom: boolean;
  lineEnding: 'crlf' | 'lf';
  layout: 'standard' | 'reordered';
  quoteAll: boolean;
  /** The header of the reference column. */
  referenceColumn: string;
}

/** The "Export All Columns > Export to CSV" file: a header row, then one row per vehicle. */
export function inventoryCsv(vehicles: readonly Vehicle[], shape: CsvShape): string {
  const columns = shape.layout === 'standard' ? STANDARD : REORDERED;
  const header = columns.map(([name]) => (name === 'Reference Number' ? shape.referenceColumn : name));
  const rows = vehicles.map((vehicle) => columns.map(([, get]) => String(get(vehicle))));
  return stringify([header, ...rows], {
    bom: shape.bom,
    record_delimiter: shape.lineEnding === 'crlf' ? 'windows' : 'unix',
    // A lone \r or \n inside a field needs quotes whatever the record delimiter.
    quoted_match: /[\r\n]/,
    quoted: shape.quoteAll,
    quoted_empty: shape.quoteAll,
  });
}

/** Grid columns after the Bookout link (the grid shows fewer columns than the export). */
export const GRID_COLUMNS = STANDARD.filter(([name]) =>
  ['Reference Number', 'VIN', 'Year', 'Make', 'Model', 'Trim', 'Mileage'].includes(name),
);
