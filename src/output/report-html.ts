// report.html: one file, readable offline in any browser: inline CSS, inline SVG, no script, no network.
import { escapeHtml, formatDuration, localDateTime, printable } from '../text.ts';
import { MARK_STYLE, stepsSvg, throughputSvg } from './charts.ts';
import type { ReportData, StepSummary } from './report-data.ts';

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a202c; margin: 0; background: #f7fafc; }
main { max-width: 980px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 0 0 10px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
section { background: #fff; border: 1px solid #e2e8f0; border-radius: 8px; padding: 16px 20px; margin-top: 16px; }
.sub { color: #4a5568; margin: 0; }
.status { display: inline-block; padding: 1px 10px; border-radius: 12px; font-size: 13px; font-weight: 600; background: #e2e8f0; }
.status-finished { background: #c6f6d5; color: #22543d; }
.status-stopped, .status-running { background: #fefcbf; color: #744210; }
.status-failed { background: #fed7d7; color: #822727; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; }
.figure { border: 1px solid #e2e8f0; border-radius: 6px; padding: 8px 12px; }
.figure b { display: block; font-size: 20px; }
.figure span { color: #4a5568; font-size: 12px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #edf2f7; vertical-align: top; }
th { font-size: 12px; color: #4a5568; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; font-size: 12px; color: #4a5568; margin-top: 6px; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px; }
.refs { font-family: ui-monospace, Consolas, monospace; font-size: 12px; word-break: break-word; }
.empty { color: #4a5568; }
`;

const e = (value: string | number) => escapeHtml(String(value));
const when = (ms: number | null) => (ms === null ? '-' : localDateTime(ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

function figure(name: string, label: string, value: string | number): string {
  return `<div class="figure"><b data-figure="${name}">${e(value)}</b><span>${e(label)}</span></div>`;
}

function summary(data: ReportData): string {
  const m = data.metrics;
  return `<section><h2>Summary</h2><div class="figures">
${figure('total_inventory', 'vehicles in the inventory', m.total_inventory)}
${figure('succeeded', 'done (PDF proven and saved)', m.succeeded)}
${figure('failed', 'failed (see below)', m.failed)}
${figure('remaining', 'left to do', m.remaining)}
${figure('success_rate', 'success rate, % of attempted', m.success_rate)}
${figure('total_runtime', 'run time', formatDuration(m.total_runtime_hours * 3_600_000))}
${figure('vehicles_per_hour', 'vehicles per hour', m.vehicles_per_hour)}
${figure('p50_seconds_per_vehicle', 'seconds per vehicle, median', m.p50_seconds_per_vehicle)}
${figure('p95_seconds_per_vehicle', 'seconds per vehicle, p95', m.p95_seconds_per_vehicle)}
${figure('retries', 'retries', m.retries)}
${figure('session_recoveries', 'session recoveries', m.session_recoveries)}
${figure('browser_restarts', 'browser restarts', m.browser_restarts)}
${figure('workers', 'tabs', m.workers)}
${figure('wrong_vehicle_pdfs_rejected', "another vehicle's PDF rejected", m.wrong_vehicle_pdfs_rejected)}
</div></section>`;
}

function legend(): string {
  const marks = (['session', 'browser', 'outage', 'paused', 'stop', 'start'] as const).map((kind) => {
    const labels = {
      session: 'session recovery',
      browser: 'browser restart',
      outage: 'portal unreachable',
      paused: 'all tabs paused',
      stop: 'bookout stopped',
      start: 'bookout started again',
    };
    return `<span><b style="color:${MARK_STYLE[kind].colour}">${MARK_STYLE[kind].symbol}</b> ${labels[kind]}</span>`;
  });
  return `<div class="legend"><span><i class="swatch" style="background:#2b6cb0"></i>vehicles done</span>
<span><i class="swatch" style="background:#c53030"></i>failed attempts (retried or given up)</span>
<span><b style="color:#d69e2e">&#9650;</b> wait for 429</span>${marks.join('')}</div>`;
}

function throughput(data: ReportData): string {
  const t = data.throughput;
  const count = (kind: string) => t.marks.filter((mark) => mark.kind === kind).length;
  const facts = [
    `${count('session')} session recoveries`,
    `${count('browser')} browser restarts`,
    `${count('outage')} outages`,
    `${count('throttled')} waits for 429`,
    `${count('stop')} stops`,
  ].join(', ');
  return `<section><h2>Throughput over time</h2>
<p class="sub">From ${e(localDateTime(t.start))} to ${e(localDateTime(t.end))}: ${e(facts)}.</p>
${throughputSvg(t)}${legend()}</section>`;
}

function stepRows(steps: readonly StepSummary[], total: number): string {
  return steps
    .map(
      (step) =>
        `<tr data-step="${e(step.step)}" data-count="${step.count}"><td>${e(step.step)}</td><td>${step.side === 'portal' ? "the portal's answer" : "bookout's own work"}</td>` +
        `<td class="num">${step.count}</td><td class="num">${seconds(step.meanMs)}</td><td class="num">${seconds(step.p50Ms)}</td>` +
        `<td class="num">${seconds(step.p95Ms)}</td><td class="num">${total ? ((100 * step.totalMs) / total).toFixed(1) : '0.0'}%</td></tr>`,
    )
    .join('\n');
}

function steps(data: ReportData): string {
  if (data.steps.length === 0)
    return '<section><h2>Time per step</h2><p class="empty">No vehicle was downloaded yet.</p></section>';
  const total = data.steps.reduce((sum, step) => sum + step.totalMs, 0);
  const own = data.steps.filter((step) => step.side === 'bookout').reduce((sum, step) => sum + step.totalMs, 0);
  const ownShare = total ? (100 * own) / total : 0;
  return `<section><h2>Time per step</h2>
<p class="sub">Successful attempts only. Of their time, <b data-figure="portal_share">${(100 - ownShare).toFixed(1)}%</b> went to waiting for the portal's answer
(which includes the browser's own work on each page) and <b data-figure="own_share">${ownShare.toFixed(1)}%</b> to bookout's own work
(checking the disk, proving and saving the PDF).</p>
${stepsSvg(data.steps)}
<div class="legend"><span><i class="swatch" style="background:#2b6cb0"></i>the portal's answer</span><span><i class="swatch" style="background:#38a169"></i>bookout's own work</span><span>bar: mean; line: median to p95</span></div>
<table><thead><tr><th>step</th><th>who</th><th class="num">count</th><th class="num">mean</th><th class="num">median</th><th class="num">p95</th><th class="num">share</th></tr></thead>
<tbody>${stepRows(data.steps, total)}</tbody></table></section>`;
}

function failures(data: ReportData): string {
  const causes = Object.entries(data.metrics.failed_attempts_by_cause);
  const attempts = causes.length
    ? `<table><thead><tr><th>cause</th><th class="num">failed attempts</th><th class="num">that used up a retry</th></tr></thead><tbody>${causes
        .map(
          ([cause, tally]) =>
            `<tr data-cause="${e(cause)}"><td>${e(cause)}</td><td class="num">${tally.attempts}</td><td class="num">${tally.counted}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p class="empty">No attempt failed.</p>';
  const groups = data.failures.length
    ? data.failures
        .map(
          (group) =>
            `<div data-failure-group="${e(group.cause)}"><h3>${e(group.cause)}: ${e(printable(group.reason))} <span class="sub">(${group.refs.length} ${group.refs.length === 1 ? 'vehicle' : 'vehicles'})</span></h3>` +
            `<p class="refs">${group.refs.map((ref) => `<span data-ref="${e(ref)}">${e(ref)}</span>`).join(', ')}</p></div>`,
        )
        .join('\n')
    : '<p class="empty">No vehicle failed for good.</p>';
  const rejected = data.rejected.length
    ? `<h3>Inventory rows rejected (${data.rejected.length})</h3><table><tbody>${data.rejected
        .map(
          (row) =>
            `<tr data-rejected-row="${row.rowNumber}"><td>row ${row.rowNumber}</td><td class="refs">${e(printable(row.value))}</td><td>${e(printable(row.reason))}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '';
  return `<section><h2>Failures</h2><h3>Vehicles that failed for good, by reason</h3>${groups}${rejected}
<h3>Failed attempts by cause</h3><p class="sub">Every attempt that did not end in a PDF, also those whose vehicle was done on a later try.</p>${attempts}</section>`;
}

function snapshots(data: ReportData): string {
  if (data.snapshots.length === 0) return '';
  const items = data.snapshots
    .map((file) => `<li data-snapshot="${e(file)}"><a href="${e(file)}">${e(file.split('/').pop() ?? file)}</a></li>`)
    .join('\n');
  return `<section><h2>Snapshots of failed pages</h2><p class="sub">The tab of the first failures of each kind, as it was
(HTML without scripts or the session's secrets, and a screenshot), named by time, vehicle, step and cause.</p>
<ul>${items}</ul></section>`;
}

function invocations(data: ReportData): string {
  const rows = data.invocations
    .map(
      (run) =>
        `<tr data-invocation="${run.id}"><td class="num">${run.id}</td><td>${e(when(run.startedAt))}</td><td>${e(when(run.endedAt))}</td>` +
        `<td class="num">${e(formatDuration((run.endedAt ?? data.generatedAt) - run.startedAt))}</td><td class="num">${run.workers}</td>` +
        `<td>${e(run.outcome ?? 'running')}</td><td class="num">${run.done}</td></tr>`,
    )
    .join('\n');
  return `<section><h2>Invocations</h2><p class="sub">Each time bookout worked on this run folder.</p>
<table><thead><tr><th class="num">#</th><th>started</th><th>ended</th><th class="num">time</th><th class="num">tabs</th><th>outcome</th><th class="num">vehicles done</th></tr></thead>
<tbody>${rows}</tbody></table></section>`;
}

/** The whole report as one HTML document. */
export function reportHtml(data: ReportData): string {
  const note = data.note ? `<p class="sub" data-figure="note">${e(printable(data.note))}</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bookout report - ${e(data.runName)}</title><style>${STYLE}</style></head>
<body><main>
<h1>bookout report - ${e(data.runName)} <span class="status status-${e(data.status)}" data-figure="status">${e(data.status)}</span></h1>
<p class="sub">${e(data.runFolder)} - made ${e(localDateTime(data.generatedAt))}</p>${note}
${summary(data)}
${throughput(data)}
${steps(data)}
${failures(data)}
${snapshots(data)}
${invocations(data)}
</main></body></html>
`;
}
