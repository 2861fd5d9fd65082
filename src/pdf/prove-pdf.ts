import { extractText, getDocumentProxy } from 'unpdf';

export type ProofFailure =
  /** Not a PDF at all; `looksLikeHtml` when the server answered a web page instead. */
  | { ok: false; problem: 'not-pdf'; reason: string; looksLikeHtml: boolean }
  | { ok: false; problem: 'incomplete' | 'unreadable' | 'no-reference' | 'other-vehicle'; reason: string };

export type Proof = { ok: true } | ProofFailure;

/** How a report names its vehicle: a label, then the reference (the portal adapter knows which). */
export interface ReferenceLabel {
  /** Matches the label and captures the reference after it (global flag set). */
  label: RegExp;
  /** The label as a person reads it, for messages. */
  name: string;
}

const MIN_BYTES = 512;

/**
 * Proves that `bytes` are a complete, readable PDF of vehicle `reference`: it starts with %PDF,
 * ends with %%EOF, parses, and every reference after `identity`'s label is this one (at least one).
 */
export async function provePdf(bytes: Uint8Array, reference: string, identity: ReferenceLabel): Promise<Proof> {
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
  try {
    const document = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
    const extracted = await extractText(document, { mergePages: true });
    text = extracted.text;
    await document.loadingTask.destroy();
  } catch (error) {
    return {
      ok: false,
      problem: 'unreadable',
      reason: `the PDF cannot be read (${error instanceof Error ? error.message : String(error)})`,
    };
  }
  const found = referencesIn(text, identity);
  if (found.length === 0) {
    return { ok: false, problem: 'no-reference', reason: `the PDF has no "${identity.name}" in its text` };
  }
  const others = [...new Set(found.filter((stock) => stock !== reference))];
  if (others.length > 0) {
    const reason = `the PDF belongs to ${identity.name} ${others.join(', ')}, not ${reference}`;
    return { ok: false, problem: 'other-vehicle', reason };
  }
  return { ok: true };
}

/** Every reference the text names after the label. */
export function referencesIn(text: string, identity: ReferenceLabel): string[] {
  return [...text.matchAll(identity.label)].map((match) => match[1] ?? '');
}

function hasEndOfFile(bytes: Uint8Array): boolean {
  const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 1024))).toString('latin1');
  return tail.includes('%%EOF');
}
