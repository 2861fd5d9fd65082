// The figures of one run, derived from its measurement. Times are in the portal's compressed time.
import type { VariantName } from '../sim/index.ts';
import { autoFigures, type AutoFigures } from './auto.ts';
import { meanCapacity } from './capacity-watch.ts';
import type { RunMeasurement } from './measure.ts';
import type { Checkout } from './plan.ts';

/** Portal steps that serve one vehicle. The control tab's few inventory loads (login, export, logout) are in "inventory" too. */
export const VEHICLE_STEPS = ['inventory', 'grid', 'vehicle', 'report', 'pdf'] as const;
/** Portal routes a vehicle's tab requests. */
export const VEHICLE_ROUTES = ['inventory', 'grid', 'vehicle', 'report', 'pdf', 'static'] as const;

export interface RunFigures {
  variant: VariantName;
  /** The browser build's name (the baseline's run: of the run of this checkout it is paired with). */
  browser: string;
  /** The build it ran with (the baseline's may differ: --baseline-browser). */
  build: string;
  checkout: Checkout;
  workers: number | 'auto';
  /** The fixed tab count, or with WORKERS=auto the mean count over the download phase. */
  tabs: number;
  /** The checkout could not run these settings (the baseline without WORKERS=auto): why. */
  skipped: string | null;
  ok: boolean;
  downloadWallS: number | null;
  processWallS: number;
  vehiclesPerHour: number | null;
  idealVehiclesPerHour: number;
  /** The portal's PDF capacity, not the tabs, bounds the ideal: more tabs only queue. */
  capacityLimited: boolean;
  efficiency: number | null;
  /** Portal server time of the vehicle steps per vehicle. */
  portalSPerVehicle: number;
  pdfSPerVehicle: number;
  /** Wall time per vehicle per tab minus the portal's own time; includes queueing when capacity-limited. */
  overheadSPerVehicle: number | null;
  vehicleRequestsPerVehicle: number;
  requestsPerVehicle: number;
  pdfGenerationsPerVehicle: number;
  /** Vehicles whose PDF the portal generated more than once. */
  pdfGeneratedTwice: number;
  peakPssMb: number;
  peakRssMb: number;
  pssAtQuartersMb: Array<number | null>;
  pssQuarterMeansMb: Array<number | null>;
  /** CPU seconds per vehicle of the product's node and of its Chromium processes (download phase). */
  cpuSPerVehicle: { node: number; browser: number } | null;
  /** Busy share of the whole machine's CPUs during the download phase (other jobs included). */
  machineBusy: number | null;
  /** The portal's PDF capacity, time-weighted over the download phase (it may change mid-run). */
  meanPdfCapacity: number;
  overloadRefusals: number;
  /** Answers of 400 or more the portal sent. */
  errorAnswers: number;
  /** WORKERS=auto only. */
  auto: AutoFigures | null;
}

const sum = (record: Record<string, number>, keys: readonly string[]) =>
  keys.reduce((total, key) => total + (record[key] ?? 0), 0);

export function runFigures(run: RunMeasurement): RunFigures {
  const { setup } = run;
  // A failed run's figures are only indicative: per vehicle done.
  const vehicles = Math.max(1, run.vehiclesDone);
  const portalSPerVehicle = sum(run.portal.serverTimeByStepMs, VEHICLE_STEPS) / 1000 / vehicles;
  const pdfSPerVehicle = (run.portal.serverTimeByStepMs.pdf ?? 0) / 1000 / vehicles;
  const auto = autoOf(run, portalSPerVehicle / pdfSPerVehicle);
  const tabs = setup.workers === 'auto' ? (auto?.meanTabs ?? setup.maxWorkers ?? 1) : setup.workers;
  const span = run.downloadSpan;
  const pdfCapacity = span ? meanCapacity(run.capacity, span.from, span.to) : setup.pdfCapacity;
  const byTabs = tabs / portalSPerVehicle;
  const byCapacity = pdfCapacity / pdfSPerVehicle;
  const idealPerS = Math.min(byTabs, byCapacity);
  const downloadWallS = run.downloadWallMs === null ? null : run.downloadWallMs / 1000;
  const measuredPerS = downloadWallS ? vehicles / downloadWallS : null;
  return {
    variant: setup.variant,
    browser: setup.browser.name,
    build: setup.build.name,
    checkout: setup.checkout,
    workers: setup.workers,
    tabs,
    skipped: run.skipped,
    ok: run.problems.length === 0 && run.skipped === null,
    downloadWallS,
    processWallS: run.processWallMs / 1000,
    vehiclesPerHour: measuredPerS === null ? null : measuredPerS * 3600,
    idealVehiclesPerHour: idealPerS * 3600,
    capacityLimited: byCapacity < byTabs,
    efficiency: measuredPerS === null ? null : measuredPerS / idealPerS,
    portalSPerVehicle,
    pdfSPerVehicle,
    overheadSPerVehicle: downloadWallS === null ? null : (downloadWallS * tabs) / vehicles - portalSPerVehicle,
    vehicleRequestsPerVehicle: sum(run.portal.requestsByRoute, VEHICLE_ROUTES) / vehicles,
    requestsPerVehicle: run.portal.requestsTotal / vehicles,
    pdfGenerationsPerVehicle: run.portal.pdfGenerations / vehicles,
    pdfGeneratedTwice: Object.keys(run.portal.pdfGeneratedTwice).length,
    peakPssMb: run.memory.peakPssMb,
    peakRssMb: run.memory.peakRssMb,
    pssAtQuartersMb: run.memory.pssAtQuartersMb,
    pssQuarterMeansMb: run.memory.pssQuarterMeansMb,
    cpuSPerVehicle: run.cpu ? { node: run.cpu.nodeS / vehicles, browser: run.cpu.browserS / vehicles } : null,
    machineBusy: run.cpu?.machineBusy ?? null,
    meanPdfCapacity: pdfCapacity,
    overloadRefusals: run.portal.overloadRefusals,
    errorAnswers: Object.values(run.portal.errorAnswers).reduce((total, count) => total + count, 0),
    auto,
  };
}

function autoOf(run: RunMeasurement, vehiclePerPdfTime: number): AutoFigures | null {
  if (run.setup.workers !== 'auto' || !run.downloadSpan) return null;
  return autoFigures({
    maxWorkers: run.setup.maxWorkers,
    span: run.downloadSpan,
    tabs: run.tabs,
    capacity: run.capacity,
    vehiclePerPdfTime,
  });
}

/** CPU seconds per vehicle, node and Chromium together. */
export const cpuTotal = (figures: RunFigures) =>
  figures.cpuSPerVehicle ? figures.cpuSPerVehicle.node + figures.cpuSPerVehicle.browser : null;
