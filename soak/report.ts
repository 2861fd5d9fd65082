// The soak's printed tables: the checks, and memory over time.
import type { MemorySample } from '../test/support/memory-sampler.ts';
import type { Check } from '../test/support/outcome.ts';

export interface ProgressPoint {
  at: number;
  pdfs: number;
  generations: number;
}

type SegmentSample = MemorySample & { segment: number };

const ROWS = 16;
/** Memory may grow this much from the second quarter of a stretch to its last quarter and still count as flat. */
const FLAT_RATIO = 1.25;

export function checksTable(checks: readonly Check[]): string {
  const width = Math.max(...checks.map((check) => check.name.length));
  return [
    `${'result  check'.padEnd(width + 8)}  found`,
    ...checks.map((check) => `${check.ok ? 'PASS' : 'FAIL'}    ${check.name.padEnd(width)}  ${check.detail}`),
  ].join('\n');
}

const mb = (value: number) => value.toFixed(0).padStart(6);

/** About 16 rows over the whole soak: time, segment, PDFs on disk, PSS of node and of Chromium. */
export function memoryTable(
  samples: readonly SegmentSample[],
  progress: readonly ProgressPoint[],
  startedAt: number,
): string {
  const header = ' time  run  PDFs on disk  node MB  Chromium MB  total MB  Chromium processes';
  if (samples.length === 0) return `${header}\n(no samples)`;
  const step = Math.max(1, Math.floor(samples.length / ROWS));
  const rows = samples
    .filter((_, index) => index % step === 0 || index === samples.length - 1)
    .map((sample) => {
      const node = sample.pssByKindMb.node ?? 0;
      const chromiumProcesses = Object.entries(sample.processesByKind)
        .filter(([kind]) => kind !== 'node')
        .reduce((sum, [, count]) => sum + count, 0);
      const pdfs = [...progress].reverse().find((point) => point.at <= sample.at)?.pdfs ?? 0;
      const time = Math.round((sample.at - startedAt) / 1000);
      return `${String(Math.floor(time / 60)).padStart(3)}:${String(time % 60).padStart(2, '0')}  ${String(sample.segment).padStart(3)}  ${String(pdfs).padStart(12)}  ${mb(node)}   ${mb(sample.pssMb - node)}     ${mb(sample.pssMb)}  ${String(chromiumProcesses).padStart(18)}`;
    });
  return [
    'memory (PSS: each shared page counted once) of the product, node plus all Chromium processes:',
    header,
    ...rows,
  ].join('\n');
}

/** Compares the mean PSS of the last quarter of the longest uninterrupted stretch with its second quarter. */
export function memoryFlatness(samples: readonly SegmentSample[]): { ok: boolean; detail: string } {
  const bySegment = new Map<number, SegmentSample[]>();
  for (const sample of samples) bySegment.set(sample.segment, [...(bySegment.get(sample.segment) ?? []), sample]);
  const longest = [...bySegment.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  if (longest.length < 8) return { ok: false, detail: `too few samples (${longest.length}) to judge` };
  const quarter = Math.floor(longest.length / 4);
  const mean = (part: SegmentSample[]) => part.reduce((sum, sample) => sum + sample.pssMb, 0) / part.length;
  const second = mean(longest.slice(quarter, 2 * quarter));
  const last = mean(longest.slice(3 * quarter));
  const seconds = Math.round((longest.at(-1)!.at - longest[0]!.at) / 1000);
  return {
    ok: last <= second * FLAT_RATIO,
    detail: `${second.toFixed(0)} MB -> ${last.toFixed(0)} MB over a ${seconds} s stretch (at most x${FLAT_RATIO})`,
  };
}
