// The simulated J.D. Power ValuesOnline portal, startable in-process (tests, demo, benchmarks).
import type { Vehicle } from './inventory.ts';
import { resolveOptions, type FaultOptions, type PortalOptions } from './options.ts';
import { PortalServer, type TriggerAction } from './server.ts';
import type { SimStats } from './stats.ts';

export type { Fact, FaultOptions, PortalOptions, ReportTab, Step, VariantName } from './options.ts';
export { RENAMEABLE_FACTS, REPORT_TABS, VARIANT_NAMES, variantPreset } from './options.ts';
export type { SimStats } from './stats.ts';
export type { Vehicle } from './inventory.ts';

export interface SimPortal {
  /** Base URL, e.g. http://127.0.0.1:43121 (no trailing slash). */
  url: string;
  credentials: { username: string; password: string };
  /** The vehicles, in grid order. */
  inventory: readonly Vehicle[];
  options: PortalOptions;
  stats(): SimStats;
  resetStats(): void;
  setFaults(faults: Partial<FaultOptions>): void;
  trigger(action: TriggerAction, options?: { ms?: number }): void;
  stop(): Promise<void>;
}

export async function startPortal(options: Partial<PortalOptions> = {}): Promise<SimPortal> {
  const resolved = resolveOptions(options);
  const server = new PortalServer(resolved);
  const url = await server.listen();
  return {
    url,
    credentials: { ...resolved.credentials },
    inventory: server.inventory,
    options: resolved,
    stats: () => server.stats(),
    resetStats: () => server.resetStats(),
    setFaults: (faults) => server.setFaults(faults),
    trigger: (action, triggerOptions) => server.trigger(action, triggerOptions?.ms),
    stop: () => server.stop(),
  };
}
