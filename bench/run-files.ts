// What a run left behind, read once it has ended: its ledger, its PDFs, its log and its metrics.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ledger } from '../src/ledger/ledger.ts';
import { runFolderOf } from '../test/support/harness.ts';
import { tabsFromLog, tabsFromMetrics, type TabPoint } from './tab-changes.ts';

export interface RunFiles {
  /** First vehicle leased to the last outcome recorded (epoch ms), from the ledger. */
  span: { from: number; to: number } | null;
  pdfFiles: { expected: number; missing: string[]; unexpected: string[] };
  /** Mean seconds per vehicle of each step the product logs ("done in ... (step x s, ...)"). */
  clientStepSeconds: Record<string, number>;
  productMetrics: Record<string, unknown> | null;
  /** The tab count over time, from the log and from metrics.json (WORKERS=auto). */
  tabs: { log: TabPoint[]; metrics: TabPoint[] };
}

export function readRunFiles(downloads: string, refs: string[]): RunFiles {
  const runFolder = onlyRunFolder(downloads);
  const data = runFolder ? join(runFolder, 'run_data') : null;
  const log = data ? readTextOrEmpty(join(data, 'bookout.log')) : '';
  const productMetrics = data ? readJsonOrNull(join(data, 'metrics.json')) : null;
  return {
    span: data ? readAttemptSpan(join(data, 'state.db')) : null,
    pdfFiles: checkPdfFiles(runFolder, refs),
    clientStepSeconds: clientSteps(log),
    productMetrics,
    tabs: { log: tabsFromLog(log), metrics: tabsFromMetrics(productMetrics) },
  };
}

function onlyRunFolder(downloads: string): string | null {
  try {
    return runFolderOf(downloads);
  } catch {
    return null;
  }
}

// The baseline's ledger may have an older schema: only the attempts' times are read, which every schema has.
function readAttemptSpan(path: string): RunFiles['span'] {
  if (!existsSync(path)) return null;
  const ledger = Ledger.openReadOnly(path);
  try {
    const span = ledger.attemptSpan();
    return span ? { from: span.firstStartedAt, to: span.lastEndedAt } : null;
  } finally {
    ledger.close();
  }
}

function checkPdfFiles(runFolder: string | null, refs: string[]): RunFiles['pdfFiles'] {
  const folder = runFolder ? join(runFolder, 'pdfs') : null;
  const files = new Set(folder && existsSync(folder) ? readdirSync(folder) : []);
  const expected = new Set(refs.map((ref) => `${ref}.pdf`));
  return {
    expected: expected.size,
    missing: [...expected].filter((file) => !files.has(file)),
    unexpected: [...files].filter((file) => !expected.has(file)),
  };
}

/** Parses the product's "<ref>: done in 4.5 s (opening inventory 0.57 s, ...)" log lines. */
function clientSteps(log: string): Record<string, number> {
  const totals = new Map<string, number>();
  let vehicles = 0;
  for (const line of log.split('\n')) {
    const match = /: done in ([\d.]+) s \((.*)\)(?: \[[^\]]*\])?\s*$/.exec(line);
    if (!match) continue;
    vehicles += 1;
    totals.set('total', (totals.get('total') ?? 0) + Number(match[1]));
    for (const part of match[2]!.split(', ')) {
      const step = /^(.+) ([\d.]+) s$/.exec(part);
      if (step) totals.set(step[1]!, (totals.get(step[1]!) ?? 0) + Number(step[2]));
    }
  }
  return Object.fromEntries([...totals].map(([step, seconds]) => [step, seconds / vehicles]));
}

function readTextOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function readJsonOrNull(path: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}
