export interface HangLimitOptions {
  /** A step never counts as hung before this. Default 5000 ms. */
  floorMs: number;
  /** A step always counts as hung after this (the stall timeout). Default 90000 ms. */
  ceilingMs: number;
  /** A step counts as hung after this many times its observed p90. Default 6. */
  multiplier: number;
  /**
   * Samples of a step needed before its own times count; until then the ceiling applies. Default 1:
   * tabs that start together wait on their first steps together, and a hang among them would cost
   * the whole ceiling if the limit waited for several answers. With few samples the p90 is the slowest.
   */
  minSamples: number;
  /** Samples kept per step (the most recent). Default 200. */
  window: number;
}

export const hangLimitDefaults: HangLimitOptions = {
  floorMs: 5000,
  ceilingMs: 90_000,
  multiplier: 6,
  minSamples: 1,
  window: 200,
};

/**
 * How long each named step takes when it works, and from that how long it may take before it is
 * a hang: a multiple of its recent p90, within a floor and a ceiling. Adapts to a slow or a fast
 * server instead of one fixed timeout for every step; the p90 (not the p99) so that a few stalls of
 * this machine's own (a busy CPU) do not make every later hang cost more.
 */
export class StepTimings {
  readonly options: HangLimitOptions;
  #samples = new Map<string, number[]>();

  constructor(options: Partial<HangLimitOptions> = {}) {
    this.options = { ...hangLimitDefaults, ...options };
  }

  /** A step that finished normally after `ms`. */
  record(step: string, ms: number): void {
    const samples = this.#samples.get(step) ?? [];
    samples.push(ms);
    if (samples.length > this.options.window) samples.shift();
    this.#samples.set(step, samples);
  }

  /** The 90th percentile of the step's recent durations, or null without enough samples. */
  p90(step: string): number | null {
    const samples = this.#samples.get(step);
    if (!samples || samples.length < this.options.minSamples) return null;
    const sorted = [...samples].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)] ?? null;
  }

  /** How long `step` may take before it counts as hung. */
  limitMs(step: string): number {
    const { floorMs, ceilingMs, multiplier } = this.options;
    const p90 = this.p90(step);
    if (p90 === null) return ceilingMs;
    return Math.min(ceilingMs, Math.max(floorMs, Math.round(multiplier * p90)));
  }
}
