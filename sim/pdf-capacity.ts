import type { PortalOptions } from './options.ts';
import { Slots } from './slots.ts';
import type { Stats } from './stats.ts';

type CapacitySettings = Pick<PortalOptions, 'pdfCapacity' | 'capacityChange' | 'overload'>;

/**
 * The portal's PDF generators: a number of slots (which may shrink or grow once during a run),
 * a line of requests waiting for one, and a refusal when that line is too long.
 */
export class PdfCapacity {
  #slots: Slots;
  #stats: Stats;
  #settings: CapacitySettings;
  #changed = false;

  constructor(settings: CapacitySettings, stats: Stats) {
    this.#settings = settings;
    this.#stats = stats;
    this.#slots = new Slots(settings.pdfCapacity, (running, waiting) => {
      stats.pdf.peakConcurrent = Math.max(stats.pdf.peakConcurrent, running);
      stats.pdf.queuedPeak = Math.max(stats.pdf.queuedPeak, waiting);
    });
    stats.pdfCapacity = settings.pdfCapacity;
    this.pdfsServed(0);
  }

  /** Seconds for Retry-After when a new request would make the line longer than allowed, else null. */
  refusal(): number | null {
    const overload = this.#settings.overload;
    if (!overload || !this.#slots.full || this.#slots.waiting < overload.maxQueued) return null;
    this.#stats.fault('overload');
    this.#stats.overloadRefusals += 1;
    return overload.retryAfterSeconds ?? 2;
  }

  run<V>(job: () => Promise<V>): Promise<V> {
    return this.#slots.run(job);
  }

  /** Applies `capacityChange` once `total` reaches its count. */
  pdfsServed(total: number): void {
    const change = this.#settings.capacityChange;
    if (!change || this.#changed || total < change.afterPdfs) return;
    this.#changed = true;
    this.#slots.setCapacity(change.pdfCapacity);
    this.#stats.pdfCapacity = change.pdfCapacity;
    this.#stats.fault('capacityChange');
  }
}
