// What the soak does to the portal and to the product, and when.
import type { FaultOptions } from '../sim/index.ts';
import type { SoakOptions } from './options.ts';

export interface Disruption {
  kind: 'kill' | 'crash';
  /** Applied once the portal has generated this many PDFs. */
  afterPdfs: number;
}

/** The portal's fault mix: rates per request, and the count-triggered session faults. */
export function portalFaults(vehicles: number, mix: SoakOptions['mix'] = 'soak'): Partial<FaultOptions> {
  if (mix === 'field') {
    return {
      transient500: { rate: 0.03 },
      hang: { rate: 0.01 },
      truncatedPdf: { rate: 0.015 },
      htmlAsPdf: { rate: 0.015 },
      expireAfterPdfs: Math.round(vehicles * 0.3),
      kickAfterPdfs: Math.round(vehicles * 0.6),
    };
  }
  return {
    transient500: { rate: 0.05 },
    hang: { rate: 0.01 },
    truncatedPdf: { rate: 0.005 },
    htmlAsPdf: { rate: 0.005 },
    expireAfterPdfs: Math.round(vehicles * 0.3),
    kickAfterPdfs: Math.round(vehicles * 0.6),
  };
}

/** One browser crash at about 40%, and the kills spread from 10% to 90% with some jitter. */
export function disruptionPlan(options: SoakOptions, random: () => number = Math.random): Disruption[] {
  const at = (fraction: number) => Math.max(1, Math.round(options.vehicles * fraction));
  const kills = Array.from({ length: options.kills }, (_, index) => {
    const spread = options.kills === 1 ? 0.5 : 0.1 + (0.8 * index) / (options.kills - 1);
    return { kind: 'kill' as const, afterPdfs: at(spread + (random() - 0.5) * 0.06) };
  });
  const crash = options.mix === 'field' ? [] : [{ kind: 'crash' as const, afterPdfs: at(0.4) }];
  return [...kills, ...crash].sort((a, b) => a.afterPdfs - b.afterPdfs);
}

/** Settings of the product for the soak: faults show up within seconds, and 5% errors per request need more retries than the default 2. */
export function productSettings(options: SoakOptions): Record<string, string> {
  if (options.mix === 'field') return { WORKERS: String(options.workers) };
  return {
    WORKERS: String(options.workers),
    TASK_TIMEOUT: '60',
    STALL_TIMEOUT: '15',
    MAX_RETRIES: '8',
    RETRY_DELAY: '1',
  };
}
