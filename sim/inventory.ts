import { hexDigest, unit } from './random.ts';

export type RowIdShape = 'opaque' | 'guid' | 'numeric';

export interface Vehicle {
  ref: string;
  /** Id in the bookout link and the vehicle page's address, of the portal's `rowIdShape`. */
  key: string;
  vin: string;
  year: number;
  make: string;
  model: string;
  trim: string;
  mileage: number;
  color: string;
  bodyStyle: string;
  stockDate: string;
  listPrice: number;
  /** Free text of the export's reordered layout: commas, quotes and line breaks. */
  notes: string;
  location: string;
}

const MODELS: Record<string, Array<[string, string[]]>> = {
  Ford: [
    ['F-150', ['XL', 'XLT', 'Lariat, 4WD']],
    ['Escape', ['S', 'SE', 'Titanium']],
    ['Explorer', ['Base', 'XLT', 'Limited']],
  ],
  Chevrolet: [
    ['Silverado 1500', ['WT', 'LT', 'LTZ, Crew Cab']],
    ['Equinox', ['LS', 'LT', 'Premier']],
    ['Malibu', ['LS', 'LT']],
  ],
  Toyota: [
    ['Camry', ['LE', 'SE', 'XLE']],
    ['RAV4', ['LE', 'XLE', 'Limited']],
    ['Tacoma', ['SR', 'SR5', 'TRD Off-Road']],
  ],
  Honda: [
    ['Accord', ['LX', 'Sport', 'EX-L, Navi']],
    ['CR-V', ['LX', 'EX', 'Touring']],
    ['Civic', ['LX', 'EX', 'Si']],
  ],
  Nissan: [
    ['Altima', ['S', 'SV', 'SL']],
    ['Rogue', ['S', 'SV', 'SL']],
  ],
  Jeep: [
    ['Wrangler', ['Sport', 'Sahara', 'Rubicon']],
    ['Grand Cherokee', ['Laredo', 'Limited', 'Overland']],
  ],
  Hyundai: [
    ['Elantra', ['SE', 'SEL', 'Limited']],
    ['Tucson', ['SE', 'SEL', 'Limited']],
  ],
};
const COLORS = ['White', 'Black', 'Silver', 'Gray', 'Blue', 'Red', 'Green'];
const BODIES = ['Sedan', 'SUV', 'Pickup', 'Hatchback', 'Coupe'];
const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const NOTES = [
  'Trade-in, one owner; "like new" per customer\r\nCheck tires, brakes\nWas stock 164999',
  '',
  'Needs detail, small dent',
  '',
  'Customer said "call first"',
  'Re-stocked, see manager\r\nKeys at front desk',
  '',
];
const LOCATIONS = ['Main Lot', 'Back Lot, Row 3', 'Service Bay', 'Showroom'];

function pick<T>(items: readonly T[], u: number): T {
  return items[Math.floor(u * items.length)]!;
}

function vinFor(seed: number, index: number): string {
  let vin = '';
  for (let i = 0; i < 17; i += 1) vin += pick([...VIN_CHARS], unit(seed, 'vin', index, i));
  return vin;
}

/**
 * References are 6 digits from 165000 upward; about 6% carry a trailing capital letter, and most of
 * those sit next to the plain number (165549 and 165549A), so a prefix filter shows both.
 */
function references(seed: number, count: number): string[] {
  const refs: string[] = [];
  let number = 165000;
  while (refs.length < count) {
    // The third vehicle always starts a pair, so even a tiny inventory has one.
    const u = refs.length === 2 ? 0 : unit(seed, 'ref', number);
    if (u < 0.05 && refs.length + 2 <= count) refs.push(String(number), `${number}A`);
    else if (u < 0.06) refs.push(`${number}B`);
    else refs.push(String(number));
    number += 1 + Math.floor(unit(seed, 'gap', number) * 2);
  }
  return refs.slice(0, count);
}

/** The make of the vehicle at `index` (the same whatever the inventory's size). */
export function makeAt(seed: number, index: number): string {
  return pick(Object.keys(MODELS), unit(seed, 'make', index));
}

function keyFor(shape: RowIdShape, seed: number, ref: string, index: number): string {
  if (shape === 'numeric') return String(7_340_000 + index * 3 + Math.floor(unit(seed, 'key', ref) * 3));
  if (shape === 'opaque') return `V${(unit(seed, 'key', ref) * 1e9).toFixed(0).padStart(9, '0')}`;
  const hex = hexDigest(seed, 'guid', ref);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function generateInventory(seed: number, count: number, rowIdShape: RowIdShape = 'opaque'): Vehicle[] {
  return references(seed, count).map((ref, index) => {
    const make = makeAt(seed, index);
    const [model, trims] = pick(MODELS[make]!, unit(seed, 'model', index));
    const stock = new Date(Date.UTC(2026, 0, 1) + Math.floor(unit(seed, 'date', index) * 300) * 86_400_000);
    return {
      ref,
      key: keyFor(rowIdShape, seed, ref, index),
      vin: vinFor(seed, index),
      year: 2014 + Math.floor(unit(seed, 'year', index) * 12),
      make,
      model,
      trim: pick(trims, unit(seed, 'trim', index)),
      mileage: Math.floor(unit(seed, 'miles', index) * 140_000) + 500,
      color: pick(COLORS, unit(seed, 'color', index)),
      bodyStyle: pick(BODIES, unit(seed, 'body', index)),
      stockDate: stock.toISOString().slice(0, 10),
      listPrice: 8000 + Math.floor(unit(seed, 'price', index) * 52_000),
      // The first vehicle always has the hardest note, so even a tiny export carries one.
      notes: index === 0 ? NOTES[0]! : pick(NOTES, unit(seed, 'notes', index)),
      location: pick(LOCATIONS, unit(seed, 'location', index)),
    };
  });
}
