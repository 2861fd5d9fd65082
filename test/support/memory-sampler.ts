// Memory (and CPU time) of the product's whole process tree (node plus every Chromium process) over a run.
import { Worker } from 'node:worker_threads';
import type { MemorySample, SamplerInput } from './memory-worker.ts';

export type { MemorySample } from './memory-worker.ts';

export interface MemorySummary {
  samples: number;
  peakPssMb: number;
  peakRssMb: number;
  /** PSS at the end of each quarter of the download phase (the last sample before it ends). */
  pssAtQuartersMb: Array<number | null>;
  /** Mean PSS over each quarter of the download phase (steadier than one sample: tabs come and go). */
  pssQuarterMeansMb: Array<number | null>;
  /** The peak PSS sample by kind of process (node, browser, renderer, ...), and how many of each. */
  peakPssByKindMb: Record<string, number>;
  peakProcessesByKind: Record<string, number>;
  /** Each kind's own highest PSS and process count over the whole run (not necessarily at the same moment). */
  maxPssByKindMb: Record<string, number>;
  maxProcessesByKind: Record<string, number>;
}

/** CPU seconds over the download phase: between the first and last sample inside it, scaled up to all of it. */
export interface CpuSummary {
  nodeS: number;
  browserS: number;
  /** Share of the whole machine's CPU time that was busy (the product and anything else running). */
  machineBusy: number;
}

export type Span = { from: number; to: number };

export class MemorySampler {
  readonly samples: MemorySample[] = [];
  #worker: Worker;

  constructor(root: number, intervalMs = 500) {
    this.#worker = new Worker(new URL('./memory-worker.ts', import.meta.url), {
      workerData: { root, intervalMs } satisfies SamplerInput,
    });
    this.#worker.on('message', (sample: MemorySample) => this.samples.push(sample));
    this.#worker.on('error', (error) => console.error(`memory sampler failed: ${error.message}`));
  }

  async stop(): Promise<void> {
    await this.#worker.terminate();
  }

  /** Every browser process seen in the tree during the run. */
  browserPids(): Set<number> {
    return new Set(this.samples.flatMap((sample) => sample.browserPids));
  }

  memory(span: Span | null): MemorySummary {
    const quarters = [1, 2, 3, 4].map((quarter) => {
      if (!span) return null;
      const end = span.from + ((span.to - span.from) * quarter) / 4;
      return this.samples.filter((sample) => sample.at >= span.from && sample.at <= end).at(-1)?.pssMb ?? null;
    });
    const peak = this.samples.reduce<MemorySample | undefined>(
      (max, sample) => (!max || sample.pssMb > max.pssMb ? sample : max),
      undefined,
    );
    return {
      samples: this.samples.length,
      peakPssMb: peak?.pssMb ?? 0,
      peakRssMb: this.samples.reduce((max, sample) => Math.max(max, sample.rssMb), 0),
      pssAtQuartersMb: quarters,
      pssQuarterMeansMb: span ? this.#quarterMeans(span) : [null, null, null, null],
      peakPssByKindMb: peak?.pssByKindMb ?? {},
      peakProcessesByKind: peak?.processesByKind ?? {},
      maxPssByKindMb: this.#maxByKind((sample) => sample.pssByKindMb),
      maxProcessesByKind: this.#maxByKind((sample) => sample.processesByKind),
    };
  }

  #quarterMeans(span: Span): Array<number | null> {
    const length = (span.to - span.from) / 4;
    return [0, 1, 2, 3].map((quarter) => {
      const from = span.from + length * quarter;
      const inside = this.samples.filter((sample) => sample.at >= from && sample.at <= from + length);
      return inside.length === 0 ? null : inside.reduce((sum, sample) => sum + sample.pssMb, 0) / inside.length;
    });
  }

  #maxByKind(values: (sample: MemorySample) => Record<string, number>): Record<string, number> {
    const max: Record<string, number> = {};
    for (const sample of this.samples)
      for (const [kind, value] of Object.entries(values(sample))) max[kind] = Math.max(max[kind] ?? 0, value);
    return max;
  }

  cpu(span: Span | null): CpuSummary | null {
    const inside = span ? this.samples.filter((sample) => sample.at >= span.from && sample.at <= span.to) : [];
    const first = inside[0];
    const last = inside.at(-1);
    if (!first || !last || first === last) return null;
    const machineTotal = last.machineCpuS.total - first.machineCpuS.total;
    const scale = (span!.to - span!.from) / (last.at - first.at);
    return {
      nodeS: (last.cpuS.node - first.cpuS.node) * scale,
      browserS: (last.cpuS.browser - first.cpuS.browser) * scale,
      machineBusy: machineTotal > 0 ? (last.machineCpuS.busy - first.machineCpuS.busy) / machineTotal : 0,
    };
  }
}
