// The issue's targets, judged from the runs' figures.
import type { RunFigures } from './figures.ts';

export interface TargetResult {
  target: string;
  status: 'PASS' | 'MISS' | 'n/a';
  measured: string;
}

export const TARGETS = {
  maxOverheadSPerVehicle: 0.3,
  minEfficiency: 0.9,
  pdfGenerationsPerVehicle: 1,
  memoryTabs: 8,
  maxMemoryMb: 400,
} as const;

const list = (runs: RunFigures[], value: (run: RunFigures) => string) =>
  runs.map((run) => `${run.tabs}: ${value(run)}`).join(', ');

export function judgeTargets(figures: RunFigures[]): TargetResult[] {
  const usable = figures.filter((run) => run.ok);
  // Beyond the portal's PDF capacity the tabs only queue: efficiency and overhead are the portal's there.
  const belowCapacity = usable.filter((run) => !run.capacityLimited);
  const atMemoryTabs = usable.find((run) => run.tabs === TARGETS.memoryTabs);
  const judge = (
    target: string,
    runs: RunFigures[],
    passes: (run: RunFigures) => boolean,
    value: (run: RunFigures) => string,
    none = 'no usable run',
  ): TargetResult =>
    runs.length === 0
      ? { target, status: 'n/a', measured: none }
      : { target, status: runs.every(passes) ? 'PASS' : 'MISS', measured: list(runs, value) };
  return [
    judge(
      `client overhead <= ${TARGETS.maxOverheadSPerVehicle} s per vehicle (runs below PDF capacity)`,
      belowCapacity,
      (run) => (run.overheadSPerVehicle ?? Infinity) <= TARGETS.maxOverheadSPerVehicle,
      (run) => `${run.overheadSPerVehicle?.toFixed(2)} s`,
    ),
    judge(
      `efficiency >= ${TARGETS.minEfficiency} up to the portal's PDF capacity`,
      belowCapacity,
      (run) => (run.efficiency ?? 0) >= TARGETS.minEfficiency,
      (run) => run.efficiency?.toFixed(2) ?? '-',
    ),
    judge(
      'exactly one PDF generation per vehicle (every run)',
      usable,
      (run) => run.pdfGenerationsPerVehicle === TARGETS.pdfGenerationsPerVehicle && run.pdfGeneratedTwice === 0,
      (run) => run.pdfGenerationsPerVehicle.toFixed(3),
    ),
    judge(
      `<= ${TARGETS.maxMemoryMb} MB PSS (node + Chromium) at ${TARGETS.memoryTabs} tabs, resources blocked`,
      atMemoryTabs ? [atMemoryTabs] : [],
      (run) => run.peakPssMb <= TARGETS.maxMemoryMb,
      (run) => `${Math.round(run.peakPssMb)} MB (RSS ${Math.round(run.peakRssMb)} MB)`,
      `no successful run with ${TARGETS.memoryTabs} tabs`,
    ),
  ];
}
