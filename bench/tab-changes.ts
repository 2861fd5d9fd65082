// The tab count of a WORKERS=auto run over time, as the run itself told it: the log lines
// ("downloading ... with 2 tabs to start with", "more tabs, 2 -> 4 tabs: ...", "fewer tabs, ...")
// and metrics.json's tab_changes ({ at, change: "<tabs>: <why>" }).

export interface TabPoint {
  /** Epoch ms. */
  at: number;
  /** The tab count from then on. */
  tabs: number;
  reason: string;
}

const LINE = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)\s+\w+\s+(.*)$/;
const START = /^downloading \d+ vehicles with (\d+) tabs to start with/;
const CHANGE = /^(?:more|fewer) tabs, (\d+) -> (\d+) tabs: (.*?)(?: \[[^\]]*\])?$/;

/** Every start (each round of downloads starts its own count) and every change in bookout.log. */
export function tabsFromLog(text: string): TabPoint[] {
  const points: TabPoint[] = [];
  for (const line of text.split('\n')) {
    const match = LINE.exec(line);
    if (!match) continue;
    const at = Date.parse(match[1]!);
    const start = START.exec(match[2]!);
    if (start) points.push({ at, tabs: Number(start[1]), reason: 'start' });
    const change = CHANGE.exec(match[2]!);
    if (change) points.push({ at, tabs: Number(change[2]), reason: change[3]! });
  }
  return points;
}

/** metrics.json's tab_changes (changes only, no start). */
export function tabsFromMetrics(metrics: Record<string, unknown> | null): TabPoint[] {
  const changes = metrics?.tab_changes;
  if (!Array.isArray(changes)) return [];
  return changes.flatMap((entry: { at?: unknown; change?: unknown }) => {
    const match = typeof entry.change === 'string' ? /^(\d+): (.*)$/.exec(entry.change) : null;
    const at = typeof entry.at === 'string' ? Date.parse(entry.at) : Number.NaN;
    return match && Number.isFinite(at) ? [{ at, tabs: Number(match[1]), reason: match[2]! }] : [];
  });
}

/** The count at `at`: the last point at or before it (null before the first). */
export function tabsAt(points: TabPoint[], at: number): number | null {
  let tabs: number | null = null;
  for (const point of points) if (point.at <= at) tabs = point.tabs;
  return tabs;
}

/** Mean tab count over [from, to], weighted by time; null without a point inside or before. */
export function meanTabs(points: TabPoint[], from: number, to: number): number | null {
  if (to <= from) return tabsAt(points, to);
  let weighted = 0;
  let covered = 0;
  let tabs = tabsAt(points, from);
  let since = from;
  for (const point of [...points.filter((p) => p.at > from && p.at < to), { at: to, tabs: 0, reason: '' }]) {
    if (tabs !== null) {
      weighted += tabs * (point.at - since);
      covered += point.at - since;
    }
    tabs = point.tabs;
    since = point.at;
  }
  return covered === 0 ? null : weighted / covered;
}

export interface Settling {
  /** Epoch ms from which the count stayed within one until the end. */
  settledAt: number;
  /** The count at that moment. */
  tabs: number;
  /** The lowest and highest count from then on. */
  range: [number, number];
}

/**
 * When the count settled after `changedAt`: the first moment (the change itself or a tab change after
 * it) from which every count until `endAt` stays within one. Null when no count is known by then.
 */
export function settling(points: TabPoint[], changedAt: number, endAt: number): Settling | null {
  const first = tabsAt(points, changedAt);
  if (first === null) return null;
  const steps = [{ at: changedAt, tabs: first }, ...points.filter((p) => p.at > changedAt && p.at < endAt)];
  for (let index = 0; index < steps.length; index += 1) {
    const counts = steps.slice(index).map((step) => step.tabs);
    const range: [number, number] = [Math.min(...counts), Math.max(...counts)];
    if (range[1] - range[0] <= 1) return { settledAt: steps[index]!.at, tabs: steps[index]!.tabs, range };
  }
  return null; // not reached: the last step alone always has a range of 0
}
