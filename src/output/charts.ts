// Charts as inline SVG: no script, no network; the same markup in report.html and on the web page.
// Colours are presentation attributes (not style attributes), which a strict content security policy allows.
import { escapeHtml, localDateTime } from '../text.ts';
import type { Mark, StepSummary, Throughput } from './report-data.ts';

const COLOURS = {
  done: '#2b6cb0',
  failed: '#c53030',
  portal: '#2b6cb0',
  bookout: '#38a169',
  grid: '#e2e8f0',
  axis: '#4a5568',
};

export const MARK_STYLE: Record<Mark['kind'], { colour: string; symbol: string }> = {
  session: { colour: '#805ad5', symbol: 'S' },
  browser: { colour: '#dd6b20', symbol: 'B' },
  outage: { colour: '#718096', symbol: 'O' },
  paused: { colour: '#b7791f', symbol: 'P' },
  throttled: { colour: '#d69e2e', symbol: '' },
  stop: { colour: '#1a202c', symbol: 'X' },
  start: { colour: '#38a169', symbol: 'R' },
};

const BUCKETS_S = [5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400];
const MAX_BUCKETS = 60;

/** The bucket width (ms) that splits `spanMs` into at most 60 bars. */
export function bucketMs(spanMs: number): number {
  const seconds = BUCKETS_S.find((size) => spanMs / (size * 1000) <= MAX_BUCKETS);
  if (seconds !== undefined) return seconds * 1000;
  const day = 86_400_000;
  return Math.ceil(spanMs / MAX_BUCKETS / day) * day; // whole days, still at most 60 bars
}

/** Counts of `times` per bucket of `size` ms from `start`, over `buckets` buckets. */
export function histogram(times: readonly number[], start: number, size: number, buckets: number): number[] {
  const counts = new Array<number>(buckets).fill(0);
  for (const time of times) {
    const index = Math.min(buckets - 1, Math.max(0, Math.floor((time - start) / size)));
    counts[index]! += 1;
  }
  return counts;
}

/** 1, 2, 5, 10, 20, 50... at or above `value`. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(1, value)));
  return ([1, 2, 5, 10].map((step) => step * power).find((step) => step >= value) ?? 10 * power) as number;
}

function clock(ms: number, withDate: boolean): string {
  const text = localDateTime(ms);
  return withDate ? text.slice(5, 16) : text.slice(11, 16);
}

function bucketLabel(ms: number): string {
  if (ms < 60_000) return `${ms / 1000} s`;
  if (ms < 3_600_000) return `${ms / 60_000} min`;
  return ms < 86_400_000 ? `${ms / 3_600_000} h` : `${ms / 86_400_000} d`;
}

/**
 * Vehicles done per hour (blue) and failed attempts per hour (red) over the run, in buckets, with
 * the moments that explain the curve marked: session recoveries, browser restarts, outages,
 * pauses, stops and restarts of bookout as lines; waits for 429 as ticks on the time axis.
 */
export function throughputSvg(data: Throughput, width = 900, height = 260): string {
  const margin = { left: 52, right: 16, top: 22, bottom: 34 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const size = bucketMs(data.end - data.start);
  const buckets = Math.max(1, Math.ceil((data.end - data.start) / size));
  const done = histogram(data.doneTimes, data.start, size, buckets);
  const failed = histogram(data.failedTimes, data.start, size, buckets);
  const perHour = 3_600_000 / size;
  const yMax = niceCeiling(Math.max(1, ...done, ...failed) * perHour);
  const barW = plotW / buckets;
  const x = (at: number) => margin.left + ((at - data.start) / (buckets * size)) * plotW;
  const y = (rate: number) => margin.top + plotH - (rate / yMax) * plotH;
  const parts: string[] = [];
  for (const fraction of [0, 0.5, 1]) {
    const value = yMax * fraction;
    parts.push(
      `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(value)}" y2="${y(value)}" stroke="${COLOURS.grid}"/>`,
      `<text x="${margin.left - 6}" y="${y(value) + 4}" text-anchor="end" font-size="11" fill="${COLOURS.axis}">${Math.round(value)}</text>`,
    );
  }
  done.forEach((count, index) => {
    const left = margin.left + index * barW;
    const rate = count * perHour;
    const failures = failed[index]! * perHour;
    parts.push(
      `<rect data-bucket-done="${count}" x="${left + barW * 0.08}" y="${y(rate)}" width="${Math.max(1, barW * 0.6)}" height="${y(0) - y(rate)}" fill="${COLOURS.done}"><title>${escapeHtml(`${clock(data.start + index * size, true)}: ${count} done (${Math.round(rate)}/h)`)}</title></rect>`,
      `<rect data-bucket-failed="${failed[index]}" x="${left + barW * 0.7}" y="${y(failures)}" width="${Math.max(1, barW * 0.22)}" height="${y(0) - y(failures)}" fill="${COLOURS.failed}"><title>${escapeHtml(`${failed[index]} failed attempts`)}</title></rect>`,
    );
  });
  for (const mark of data.marks) {
    const style = MARK_STYLE[mark.kind] ?? { colour: COLOURS.axis, symbol: '?' };
    const at = x(mark.at);
    const title = `<title>${escapeHtml(`${localDateTime(mark.at)}: ${mark.label}`)}</title>`;
    if (mark.kind === 'throttled') {
      parts.push(`<path data-mark="${mark.kind}" d="M${at} ${y(0)} l-4 7 h8 z" fill="${style.colour}">${title}</path>`);
      continue;
    }
    parts.push(
      `<g data-mark="${mark.kind}"><line x1="${at}" x2="${at}" y1="${margin.top}" y2="${y(0)}" stroke="${style.colour}" stroke-width="1.5" stroke-dasharray="4 3"/>` +
        `<text x="${at}" y="${margin.top - 6}" text-anchor="middle" font-size="11" font-weight="bold" fill="${style.colour}">${style.symbol}</text>${title}</g>`,
    );
  }
  const withDate = data.end - data.start > 20 * 3_600_000;
  parts.push(
    `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(0)}" y2="${y(0)}" stroke="${COLOURS.axis}"/>`,
    `<text x="${margin.left}" y="${height - 12}" font-size="11" fill="${COLOURS.axis}">${clock(data.start, withDate)}</text>`,
    `<text x="${width - margin.right}" y="${height - 12}" text-anchor="end" font-size="11" fill="${COLOURS.axis}">${clock(data.start + buckets * size, withDate)}</text>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 12}" text-anchor="middle" font-size="11" fill="${COLOURS.axis}">vehicles per hour, in ${bucketLabel(size)} steps</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="throughput over time" data-chart="throughput" data-bucket-ms="${size}">${parts.join('')}</svg>`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Mean time per step of the successful attempts (bar) with its p95 (whisker), coloured by who does the work. */
export function stepsSvg(steps: readonly StepSummary[], width = 900): string {
  const rowH = 26;
  const margin = { left: 150, right: 150, top: 8, bottom: 8 };
  const height = margin.top + margin.bottom + rowH * Math.max(1, steps.length);
  const plotW = width - margin.left - margin.right;
  const xMax = Math.max(1, ...steps.map((step) => step.p95Ms));
  const x = (ms: number) => margin.left + (ms / xMax) * plotW;
  const parts = steps.map((step, index) => {
    const top = margin.top + index * rowH;
    const colour = step.side === 'bookout' ? COLOURS.bookout : COLOURS.portal;
    return (
      `<g data-step-bar="${escapeHtml(step.step)}">` +
      `<text x="${margin.left - 8}" y="${top + 17}" text-anchor="end" font-size="12" fill="${COLOURS.axis}">${escapeHtml(step.step)}</text>` +
      `<rect x="${margin.left}" y="${top + 5}" width="${Math.max(1, x(step.meanMs) - margin.left)}" height="${rowH - 10}" fill="${colour}"/>` +
      `<line x1="${x(step.p50Ms)}" x2="${x(step.p95Ms)}" y1="${top + rowH / 2}" y2="${top + rowH / 2}" stroke="${COLOURS.axis}"/>` +
      `<line x1="${x(step.p95Ms)}" x2="${x(step.p95Ms)}" y1="${top + 7}" y2="${top + rowH - 7}" stroke="${COLOURS.axis}"/>` +
      `<text x="${x(step.p95Ms) + 6}" y="${top + 17}" font-size="11" fill="${COLOURS.axis}">mean ${seconds(step.meanMs)}, p95 ${seconds(step.p95Ms)}</text>` +
      '</g>'
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="time per step" data-chart="steps">${parts.join('')}</svg>`;
}
