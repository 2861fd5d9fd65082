import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { provePdf as prove } from '../../src/pdf/prove-pdf.ts';
import { valuesOnline } from '../../src/portal/values-online/index.ts';

const provePdf = (bytes: Uint8Array, reference: string) => prove(bytes, reference, valuesOnline.reportIdentity);

async function reportPdf(lines: string[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage();
  lines.forEach((line, index) => {
    page.drawText(line, { x: 40, y: 780 - index * 14, font, size: 10 });
  });
  return doc.save();
}

describe('proving a PDF belongs to its vehicle', { timeout: 30_000 }, () => {
  it('accepts a complete PDF whose Stock # is the reference', async () => {
    const pdf = await reportPdf([
      'J.D. Power Values',
      'Stock #: 165549',
      'VIN: 1HGCM82633A004352',
      'Clean Trade-In $12,345',
    ]);
    assert.deepEqual(await provePdf(pdf, '165549'), { ok: true });
  });

  it('rejects the PDF of 165549A for 165549 (prefix neighbours are different vehicles)', async () => {
    const pdf = await reportPdf(['Stock #: 165549A']);
    const proof = await provePdf(pdf, '165549');
    assert.equal(proof.ok, false);
    assert.equal(!proof.ok && proof.problem, 'other-vehicle');
  });

  it('rejects a PDF mentioning another stock number too', async () => {
    const pdf = await reportPdf(['Stock #: 165001', 'Stock #: 165002']);
    const proof = await provePdf(pdf, '165001');
    assert.equal(!proof.ok && proof.problem, 'other-vehicle');
  });

  it('rejects a truncated PDF', async () => {
    const pdf = await reportPdf(['Stock #: 165001', ...Array.from({ length: 40 }, (_, i) => `line ${i}`)]);
    const proof = await provePdf(pdf.subarray(0, Math.floor(pdf.length * 0.7)), '165001');
    assert.equal(!proof.ok && proof.problem, 'incomplete');
  });

  it('rejects an HTML page served where the PDF should be, and says it was a web page', async () => {
    const proof = await provePdf(Buffer.from('<!DOCTYPE html><html><body>Server Error</body></html>'), '165001');
    assert.equal(!proof.ok && proof.problem, 'not-pdf');
    assert.equal(!proof.ok && proof.problem === 'not-pdf' && proof.looksLikeHtml, true);
  });

  it('rejects a PDF without any Stock #', async () => {
    const proof = await provePdf(await reportPdf(['Some other report']), '165001');
    assert.equal(!proof.ok && proof.problem, 'no-reference');
  });

  it('rejects garbage after a %PDF header', async () => {
    const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2000, 0x41), Buffer.from('\n%%EOF\n')]);
    const proof = await provePdf(bytes, '165001');
    assert.equal(proof.ok, false);
  });
});
