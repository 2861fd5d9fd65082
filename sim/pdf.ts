import { crc32, deflateSync } from 'node:zlib';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import type { Vehicle } from './inventory.ts';
import { byteStream, unit } from './random.ts';

/** A grayscale PNG of deterministic noise (incompressible, so its size is predictable). */
function noisePng(width: number, height: number, seed: number): Uint8Array {
  const raw = Buffer.alloc((width + 1) * height);
  const bytes = byteStream(seed);
  for (let row = 0; row < height; row += 1) {
    raw[row * (width + 1)] = 0; // filter: none
    for (let column = 1; column <= width; column += 1) raw[row * (width + 1) + column] = bytes.next().value!;
  }
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit grayscale
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 1 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const money = (value: number) => `$${value.toLocaleString('en-US')}`;

/** The bookout report of one vehicle: 40-70 KB, text with `Stock #: <ref>`, the VIN and the vehicle. */
export async function bookoutPdf(
  vehicle: Vehicle,
  seed: number,
  generatedAt: Date,
  stockLabel = 'Stock #',
): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(`Bookout ${vehicle.ref}`);
  doc.setCreationDate(generatedAt);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const page = doc.addPage([612, 792]);
  const text = (value: string, x: number, y: number, size = 10, face = font) =>
    page.drawText(value, { x, y, size, font: face, color: rgb(0.1, 0.1, 0.1) });

  const targetBytes = 40_000 + Math.floor(unit(seed, 'pdf-size', vehicle.ref) * 30_000);
  // pdf-lib stores the noise at about 1.46 bytes per pixel, plus about 2.6 KB of text and structure.
  const photoHeight = Math.max(20, Math.floor((targetBytes - 2600) / (240 * 1.46)));
  const photo = await doc.embedPng(noisePng(240, photoHeight, Math.floor(unit(seed, 'photo', vehicle.ref) * 2 ** 31)));
  page.drawImage(photo, { x: 372, y: 560, width: 200, height: 160 });

  text('J.D. Power ValuesOnline - Vehicle Bookout', 40, 750, 16, bold);
  text(`${stockLabel}: ${vehicle.ref}`, 40, 720, 12, bold);
  text(`VIN: ${vehicle.vin}`, 40, 702);
  text(`${vehicle.year} ${vehicle.make} ${vehicle.model} ${vehicle.trim}`, 40, 686);
  text(
    `Mileage: ${vehicle.mileage.toLocaleString('en-US')}   Color: ${vehicle.color}   Body: ${vehicle.bodyStyle}`,
    40,
    670,
  );
  text(`Generated ${generatedAt.toISOString()}`, 40, 654, 8);
  const base = vehicle.listPrice;
  const rows: Array<[string, number]> = [
    ['Rough Trade-In', base * 0.62],
    ['Average Trade-In', base * 0.7],
    ['Clean Trade-In', base * 0.76],
    ['Clean Loan', base * 0.69],
    ['Clean Retail', base * 0.92],
    ['Mileage Adjustment', -vehicle.mileage * 0.04],
  ];
  text('Valuation', 40, 620, 12, bold);
  rows.forEach(([label, value], index) => {
    text(label, 40, 600 - index * 16);
    text(money(Math.round(value)), 220, 600 - index * 16);
  });
  text('Options and equipment', 40, 480, 12, bold);
  ['Air Conditioning', 'Power Windows', 'Bluetooth', 'Backup Camera', 'Alloy Wheels', 'Navigation System'].forEach(
    (option, index) => {
      text(`- ${option}`, 40, 460 - index * 14);
    },
  );
  return doc.save();
}
