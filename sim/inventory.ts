import { unit } from './random.ts';

export interface Vehicle {
  ref: string;
  /** Opaque id in the bookout link and the vehicle page's address. */
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

export function generateInventory(seed: number, count: number): Vehicle[] {
  return references(seed, count).map((ref, index) => {
    const make = pick(Object.keys(MODELS), unit(seed, 'make', index));
    const [model, trims] = pick(MODELS[make]!, unit(seed, 'model', index));
    const stock = new Date(Date.UTC(2026, 0, 1) + Math.floor(unit(seed, 'date', index) * 300) * 86_400_000);
    return {
      ref,
      key: `V${(unit(seed, 'key', ref) * 1e9).toFixed(0).padStart(9, '0')}`,
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
    };
  });
}
