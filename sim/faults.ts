import { DEFAULT_FAULTS, PAGE_STEPS, PROFILES, type FaultOptions, type ProfileName, type Step } from './options.ts';
import { logNormal, unit } from './random.ts';
import type { Stats } from './stats.ts';

export type RequestFault = { kind: 'hang' } | { kind: 'error500' } | { kind: 'rateLimit'; retryAfterSeconds: number };

/**
 * Decides faults and delays. Every decision is a hash of (seed, fault, step, key, occurrence of
 * that key), never a shared random stream, so concurrency does not change which requests fail.
 */
export class FaultPlan {
  faults: FaultOptions;
  #seed: number;
  #profile: ProfileName;
  #timeScale: number;
  #stats: Stats;
  #occurrences = new Map<string, number>();
  #firedTriggers = new Set<string>();

  constructor(seed: number, profile: ProfileName, timeScale: number, faults: Partial<FaultOptions>, stats: Stats) {
    this.#seed = seed;
    this.#profile = profile;
    this.#timeScale = timeScale;
    this.#stats = stats;
    this.faults = { ...DEFAULT_FAULTS, ...faults };
  }

  update(faults: Partial<FaultOptions>): void {
    this.faults = { ...this.faults, ...faults };
  }

  /** A draw for (name, step, key) that moves on each time the same key comes again. */
  #draw(name: string, step: Step, key: string): number {
    const id = `${name}|${step}|${key}`;
    const occurrence = this.#occurrences.get(id) ?? 0;
    this.#occurrences.set(id, occurrence + 1);
    return unit(this.#seed, id, occurrence);
  }

  #hits(name: string, rate: number, step: Step, key: string, steps: readonly Step[] = PAGE_STEPS): boolean {
    if (!(rate > 0) || !steps.includes(step)) return false;
    if (this.#draw(name, step, key) >= rate) return false;
    this.#stats.fault(name);
    return true;
  }

  /** A fault that replaces the whole answer of this request, if any. */
  requestFault(step: Step, key: string): RequestFault | null {
    const { hang, transient500, rateLimit } = this.faults;
    if (this.#hits('hang', hang.rate, step, key, hang.steps)) return { kind: 'hang' };
    if (this.#hits('transient500', transient500.rate, step, key, transient500.steps)) return { kind: 'error500' };
    const limited = !rateLimit.routes || rateLimit.routes.includes(key);
    if (limited && this.#hits('rateLimit', rateLimit.rate, step, key, rateLimit.steps))
      return { kind: 'rateLimit', retryAfterSeconds: rateLimit.retryAfterSeconds ?? 2 };
    return null;
  }

  slowGridMs(key: string): number {
    const { slowGrid } = this.faults;
    return this.#hits('slowGrid', slowGrid.rate, 'grid', key) ? (slowGrid.ms ?? 3500) : 0;
  }

  popupDelayMs(key: string): number {
    const { delayedPopup } = this.faults;
    return this.#hits('delayedPopup', delayedPopup.rate, 'report', key) ? (delayedPopup.ms ?? 2000) : 0;
  }

  /** What to do to a generated PDF: serve it, cut it, or send an HTML error page instead. */
  pdfFault(ref: string): 'none' | 'truncated' | 'html' {
    if (this.#hits('truncatedPdf', this.faults.truncatedPdf.rate, 'pdf', ref)) return 'truncated';
    if (this.#hits('htmlAsPdf', this.faults.htmlAsPdf.rate, 'pdf', ref)) return 'html';
    return 'none';
  }

  alwaysFails(ref: string): boolean {
    const fails = this.faults.alwaysFail.includes(ref);
    if (fails) this.#stats.fault('alwaysFail');
    return fails;
  }

  /** Server delay of one request, from the latency profile. */
  delayMs(step: Step, key: string): number {
    const profile = PROFILES[this.#profile];
    const median = profile.medianMs[step];
    if (median === 0) return 0;
    const id = `delay|${step}|${key}`;
    const occurrence = this.#occurrences.get(id) ?? 0;
    this.#occurrences.set(id, occurrence + 1);
    const draw = logNormal(
      median,
      profile.sigma[step],
      unit(this.#seed, id, occurrence, 'a'),
      unit(this.#seed, id, occurrence, 'b'),
    );
    return Math.round(draw * this.#timeScale);
  }

  /** Count-triggered faults due after `pdfsServed` PDFs; each fires once. */
  dueTriggers(pdfsServed: number): Array<'expire' | 'kick' | 'license' | 'down'> {
    const { expireAfterPdfs, kickAfterPdfs, licenseAfterPdfs, downAfterPdfs } = this.faults;
    const due: Array<'expire' | 'kick' | 'license' | 'down'> = [];
    const check = (name: 'expire' | 'kick' | 'license' | 'down', after: number | null | undefined) => {
      if (after == null || pdfsServed < after || this.#firedTriggers.has(name)) return;
      this.#firedTriggers.add(name);
      this.#stats.fault(`${name}AfterPdfs`);
      due.push(name);
    };
    check('expire', expireAfterPdfs);
    check('kick', kickAfterPdfs);
    check('license', licenseAfterPdfs);
    check('down', downAfterPdfs?.after);
    return due;
  }
}
