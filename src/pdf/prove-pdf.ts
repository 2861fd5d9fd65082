import { extractText, getDocumentProxy } from 'unpdf';

export type ProofFailure =
  /** Not a PDF at all; `looksLikeHtml` when the server answered a web page instead. */
  | { ok: false; problem: 'not-pdf'; reason: string; looksLikeHtml: boolean }
  | { ok: false; problem: 'incomplete' | 'unreadable' | 'no-reference' | 'other-vehicle'; reason: string };

export type Proof = { ok: true; pages: number } | ProofFailure;

/** `Stock #` label followed by the stock number, as printed on bookout reports. */
const STOCK_LABEL = /Stock\s*#\s*:?\s*([A-Za-z0-9][A-Za-z0-9-]*)/gi;
const MIN_BYTES = 512;

/**
 * Proves that `bytes` are a complete, readable PDF of vehicle `reference`: it starts with %PDF,
 * ends with %%EOF, parses, and every `Stock #` in its text is this reference (at least one).
 */
export async function provePdf(bytes: Uint8Array, reference: string): Promise<Proof> {
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
  if (!head.startsWith('%PDF-')) {
    const looksLikeHtml = /<(!doctype|html|head|body)\b/i.test(head);
    return {
      ok: false,
      problem: 'not-pdf',
      looksLikeHtml,
      reason: looksLikeHtml ? 'the server sent a web page instead of a PDF' : 'the data does not start with %PDF',
    };
  }
  if (bytes.length < MIN_BYTES || !hasEndOfFile(bytes)) {
    return {
      ok: false,
      problem: 'incomplete',
      reason: `the PDF is incomplete (${bytes.length} bytes, no %%EOF at the end)`,
    };
  }
  let text: string;
  let pages: number;
  try {
    const document = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
    const extracted = await extractText(document, { mergePages: true });
    text = extracted.text;
    pages = extracted.totalPages;
    await document.loadingTask.destroy();
  } catch (error) {
    return {
      ok: false,
      problem: 'unreadable',
      reason: `the PDF cannot be read (${error instanceof Error ? error.message : String(error)})`,
    };
  }
  const found = stockNumbersIn(text);
  if (found.length === 0) return { ok: false, problem: 'no-reference', reason: 'the PDF has no "Stock #" in its text' };
  const others = [...new Set(found.filter((stock) => stock !== reference))];
  if (others.length > 0)
    return {
      ok: false,
      problem: 'other-vehicle',
      reason: `the PDF belongs to stock # ${others.join(', ')}, not ${reference}`,
    };
  return { ok: true, pages };
}

export function stockNumbersIn(text: string): string[] {
  return [...text.matchAll(STOCK_LABEL)].map((match) => match[1] ?? '');
}

function hasEndOfFile(bytes: Uint8Array): boolean {
  const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 1024))).toString('latin1');
  return tail.includes('%%EOF');
}
