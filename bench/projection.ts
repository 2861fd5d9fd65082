// Hours for a field-sized inventory at the uncompressed realistic profile, from the measured figures,
// next to the predecessor's field figures (docs/portal.md, section B).
import type { RunFigures } from './figures.ts';

export const FIELD_VEHICLES = 2000;
export const PROJECTED_TABS = [5, 7];
/** Runs whose overhead the projection uses (the tab counts it projects for lie in this range). */
const OVERHEAD_TABS = { min: 4, max: 8 };

export interface Projection {
  /** The runs projected from (one variant and build of this checkout, fixed tab counts). */
  from: string;
  vehicles: number;
  /** Real seconds per vehicle at the uncompressed profile. */
  portalSPerVehicle: number;
  pdfSPerVehicle: number;
  overheadSPerVehicle: number;
  overheadFrom: string;
  /** The portal's PDF capacity alone needs this long, whatever the tabs. */
  capacityFloorHours: number;
  rows: Array<{ tabs: number; hours: number; capacityLimited: boolean }>;
}

export const PREDECESSOR = [
  { setup: 'sequential (1 tab)', perVehicle: '~60 s per vehicle (~14 s of it fixed sleeps)', hours: '~33 h' },
  { setup: '5 tabs', perVehicle: '~33-35 s per vehicle per tab', hours: '~3.7-3.9 h' },
];

const mean = (values: number[]) => values.reduce((total, value) => total + value, 0) / values.length;

export function project(figures: RunFigures[], timeScale: number, pdfCapacity: number): Projection | null {
  const first = figures.find((run) => run.ok && run.checkout === 'this' && run.workers !== 'auto');
  if (!first) return null;
  const usable = figures.filter(
    (run) =>
      run.ok &&
      run.checkout === 'this' &&
      run.workers !== 'auto' &&
      run.variant === first.variant &&
      run.browser === first.browser &&
      run.overheadSPerVehicle !== null,
  );
  if (usable.length === 0) return null;
  const belowCapacity = usable.filter((run) => !run.capacityLimited);
  const inRange = belowCapacity.filter((run) => run.tabs >= OVERHEAD_TABS.min && run.tabs <= OVERHEAD_TABS.max);
  const overheadRuns = inRange.length > 0 ? inRange : belowCapacity;
  const overheadSPerVehicle = overheadRuns.length > 0 ? mean(overheadRuns.map((run) => run.overheadSPerVehicle!)) : 0;
  const overheadFrom =
    overheadRuns.length > 0
      ? `mean of the runs with ${overheadRuns.map((run) => run.tabs).join(', ')} tabs${inRange.length === 0 ? ` (none with ${OVERHEAD_TABS.min}-${OVERHEAD_TABS.max} tabs below capacity)` : ''}`
      : 'none (no run below the PDF capacity): 0 assumed';
  // Server time varies a little between runs (same seed, other request order): use the mean.
  const portalSPerVehicle = mean(usable.map((run) => run.portalSPerVehicle)) / timeScale;
  const pdfSPerVehicle = mean(usable.map((run) => run.pdfSPerVehicle)) / timeScale;
  const capacityFloorS = (FIELD_VEHICLES * pdfSPerVehicle) / pdfCapacity;
  return {
    from: `${first.variant}, ${first.browser}`,
    vehicles: FIELD_VEHICLES,
    portalSPerVehicle,
    pdfSPerVehicle,
    overheadSPerVehicle,
    overheadFrom,
    capacityFloorHours: capacityFloorS / 3600,
    rows: [1, ...PROJECTED_TABS].map((tabs) => {
      const byTabs = (FIELD_VEHICLES * (portalSPerVehicle + overheadSPerVehicle)) / tabs;
      return { tabs, hours: Math.max(byTabs, capacityFloorS) / 3600, capacityLimited: capacityFloorS > byTabs };
    }),
  };
}
