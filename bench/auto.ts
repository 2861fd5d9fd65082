// What a WORKERS=auto run did with its tabs: the count over time, and how it answered the portal's
// capacity changing mid-run (when, how long until the count settled, at what count).
import type { CapacityPoint } from './capacity-watch.ts';
import { meanTabs, settling, type TabPoint } from './tab-changes.ts';

export interface CapacityChangeFigures {
  from: number;
  to: number;
  /** Seconds from the start of the download phase to the change (as read from the portal). */
  atS: number;
  /** PDFs the portal had generated when the change was read. */
  afterPdfs: number;
  /** From the change to the moment the count stayed within one until the end; null without any count. */
  settleS: number | null;
  settledTabs: number | null;
  /** The lowest and highest count from the settling on. */
  settledRange: [number, number] | null;
  /** How long the main round of downloads went on after the change: a short rest cannot show settling. */
  leftS: number;
  /** Tabs that keep the new number of PDF slots busy at the portal's own pace: the new count should be near it. */
  kneeEstimate: number;
}

export interface AutoFigures {
  maxWorkers: number | null;
  /** Seconds from the start of the download phase; "start" where a round of downloads began. */
  timeline: Array<{ atS: number; tabs: number; reason: string }>;
  /** Changes the log tells and changes metrics.json tells, and whether they are the same. */
  changes: { log: number; metrics: number; agree: boolean };
  /** Time-weighted over the download phase. */
  meanTabs: number | null;
  capacityChange: CapacityChangeFigures | null;
}

export interface AutoInput {
  maxWorkers: number | null;
  span: { from: number; to: number };
  tabs: { log: TabPoint[]; metrics: TabPoint[] };
  capacity: CapacityPoint[];
  /** Portal time per vehicle over PDF time per vehicle. */
  vehiclePerPdfTime: number;
}

export function autoFigures(input: AutoInput): AutoFigures {
  const { span, tabs } = input;
  const logChanges = tabs.log.filter((point) => point.reason !== 'start');
  const points = tabs.log.length > 0 ? tabs.log : tabs.metrics;
  const sequence = (list: TabPoint[]) => list.map((point) => point.tabs).join(',');
  return {
    maxWorkers: input.maxWorkers,
    timeline: points.map((point) => ({
      // A round's start is logged just before its first vehicle is leased.
      atS: Math.max(0, round((point.at - span.from) / 1000)),
      tabs: point.tabs,
      reason: point.reason,
    })),
    changes: {
      log: logChanges.length,
      metrics: tabs.metrics.length,
      agree: sequence(logChanges) === sequence(tabs.metrics),
    },
    meanTabs: meanTabs(points, span.from, span.to),
    capacityChange: capacityChange(input, points),
  };
}

function capacityChange(input: AutoInput, points: TabPoint[]): CapacityChangeFigures | null {
  const [first, change] = input.capacity;
  if (!first || !change) return null;
  // The final sweep starts a round of its own (a new count from the start): the main round ends there.
  const end = points.find((point) => point.reason === 'start' && point.at > change.at)?.at ?? input.span.to;
  const settled = settling(points, change.at, end);
  return {
    from: first.pdfCapacity,
    to: change.pdfCapacity,
    atS: round((change.at - input.span.from) / 1000),
    afterPdfs: change.pdfsGenerated,
    settleS: settled ? round((settled.settledAt - change.at) / 1000) : null,
    settledTabs: settled?.tabs ?? null,
    settledRange: settled?.range ?? null,
    leftS: round((end - change.at) / 1000),
    kneeEstimate: Math.ceil(change.pdfCapacity * input.vehiclePerPdfTime),
  };
}

const round = (value: number) => Math.round(value * 10) / 10;
