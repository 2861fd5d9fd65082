import cliTruncate from 'cli-truncate';
import { createLogUpdate } from 'log-update';
import type { WorkerView } from '../engine/worker-pool.ts';
import { formatDuration } from '../text.ts';
import { consoleText, type ConsoleOutput, type LogEntry, type LogSink } from './console.ts';

export interface ProgressNumbers {
  total: number;
  done: number;
  failed: number;
  remaining: number;
  /** Vehicles finished by this invocation, with their finish times (for the rate). */
  finishedAt: readonly number[];
  /** Tabs working now, when the count changes while the run goes (WORKERS=auto). */
  tabs?: number;
}

export interface ProgressSource {
  numbers(): ProgressNumbers;
  workers(): WorkerView[];
  /** A short note such as "signing in again" shown while the tabs wait. */
  note(): string | undefined;
}

export interface ProgressOptions {
  /** `live`: redraws in place on a terminal; `plain`: a line every `plainEveryMs`. */
  mode: 'live' | 'plain';
  /** Default 60000 ms: a line at least every minute. */
  plainEveryMs?: number;
  /** Default 1000 ms. */
  liveEveryMs?: number;
}

/** The terminal's size in characters. */
export interface Screen {
  columns: number;
  rows: number;
}

const RATE_WINDOW_MS = 15 * 60_000;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Vehicles per hour over the last minutes (or since the start, when shorter). */
export function ratePerHour(finishedAt: readonly number[], startedAt: number, now: number): number {
  const windowStart = Math.max(startedAt, now - RATE_WINDOW_MS);
  const recent = finishedAt.filter((time) => time >= windowStart).length;
  const hours = (now - windowStart) / 3_600_000;
  return hours > 0 ? recent / hours : 0;
}

/** "06:40" (local time), with the weekday when it is more than a day away: "Wed 06:40". */
export function timeOfDay(at: number, now: number): string {
  const date = new Date(at);
  const clock = `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
  return at - now > 24 * 3_600_000 ? `${WEEKDAYS[date.getDay()]} ${clock}` : clock;
}

/** "done by 06:40" at the current rate; "done by ?" before there is a rate. */
export function finishText(numbers: ProgressNumbers, rate: number, now: number): string {
  if (numbers.remaining === 0) return 'nothing left';
  if (rate <= 0) return 'done by ?';
  return `done by ${timeOfDay(now + (numbers.remaining / rate) * 3_600_000, now)}`;
}

/** "[#######.............]" of `width` characters in all. */
export function progressBar(done: number, total: number, width: number): string {
  const inside = Math.max(1, width - 2);
  const filled = total === 0 ? 0 : Math.min(inside, Math.floor((inside * done) / total));
  return `[${'#'.repeat(filled)}${'.'.repeat(inside - filled)}]`;
}

function percentOf(numbers: ProgressNumbers): string {
  return `${(numbers.total === 0 ? 0 : (100 * numbers.done) / numbers.total).toFixed(1)}%`;
}

/** The rest of the summary: failed, left, rate, finish time and elapsed time. */
function tallyLine(numbers: ProgressNumbers, startedAt: number, now: number): string {
  const rate = ratePerHour(numbers.finishedAt, startedAt, now);
  return (
    `${numbers.failed} failed | ${numbers.remaining} left | ${Math.round(rate)}/h | ` +
    (numbers.tabs === undefined ? '' : `${numbers.tabs} tabs | `) +
    `${finishText(numbers, rate, now)} | elapsed ${formatDuration(now - startedAt)}`
  );
}

/** One line for logs and pipes: "812/1820 done (44.6%) | 3 failed | 1005 left | 1540/h | done by 06:40 | elapsed 0:32:10". */
export function progressLine(numbers: ProgressNumbers, startedAt: number, now: number): string {
  return `${numbers.done}/${numbers.total} done (${percentOf(numbers)}) | ${tallyLine(numbers, startedAt, now)}`;
}

function workerLine(view: WorkerView, now: number): string {
  const what =
    view.state === 'working'
      ? `${(view.taskId ?? '').padEnd(9)} ${(view.step ?? '').padEnd(18)} ${formatDuration(now - view.since)}`
      : view.state;
  return `  tab ${String(view.id).padStart(2)}  ${what}`;
}

/**
 * The live area: a line per tab (as many as fit, then "... and N more tabs"), the note, and the
 * two summary lines (the bar, then the tallies) always last, every line cut to the screen's width.
 * It takes at most `rows - 1` lines: the cursor waits on the line below it.
 */
export function liveLines(
  numbers: ProgressNumbers,
  workers: readonly WorkerView[],
  note: string | undefined,
  startedAt: number,
  now: number,
  screen: Screen,
): string[] {
  // One column spare: some Windows consoles wrap a line that fills the width, which would break the redraw.
  const width = Math.max(20, screen.columns - 1);
  const counts = ` ${numbers.done}/${numbers.total}  ${percentOf(numbers)}`;
  const summary = [
    `bookout ${progressBar(numbers.done, numbers.total, Math.min(60, width - 8 - counts.length))}${counts}`,
    tallyLine(numbers, startedAt, now),
  ];
  const notes = note ? [`  ${note}`] : [];
  const room = Math.max(0, screen.rows - 1 - summary.length - notes.length);
  let tabs = workers.filter((view) => view.state !== 'parked').map((view) => workerLine(view, now));
  if (tabs.length > room) {
    const shown = Math.max(0, room - 1);
    tabs = [...tabs.slice(0, shown), `  ... and ${tabs.length - shown} more tabs`];
  }
  const lines = [...tabs, ...notes, ...summary].slice(-Math.max(1, screen.rows - 1));
  return lines.map((line) => cliTruncate(line, width, { truncationCharacter: '~' }));
}

/** Live progress (the tabs, a bar, done/total, failed, rate, finish time, elapsed) or plain periodic lines. */
export class ProgressDisplay implements LogSink {
  #source: ProgressSource;
  #output: ConsoleOutput;
  #options: Required<ProgressOptions>;
  #startedAt = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #live: ReturnType<typeof createLogUpdate> | undefined;

  constructor(source: ProgressSource, output: ConsoleOutput, options: ProgressOptions) {
    this.#source = source;
    this.#output = output;
    this.#options = { plainEveryMs: 60_000, liveEveryMs: 1000, ...options };
  }

  start(): void {
    this.#startedAt = Date.now();
    if (this.#options.mode === 'live') {
      this.#live = createLogUpdate(this.#output.stream, { showCursor: true });
      // Every other line (the Ctrl-C notice, say) goes above the live area, where the redraws leave it.
      this.#output.printAbove((text) => this.#printAbove(text));
    }
    const every = this.#options.mode === 'live' ? this.#options.liveEveryMs : this.#options.plainEveryMs;
    this.#timer = setInterval(() => this.render(), every);
    this.#timer.unref();
    this.render();
  }

  render(now = Date.now()): void {
    const numbers = this.#source.numbers();
    const note = this.#source.note();
    if (!this.#live) {
      this.#output.line(`[progress] ${progressLine(numbers, this.#startedAt, now)}${note ? ` | ${note}` : ''}`);
      return;
    }
    const stream = this.#output.stream;
    const screen = { columns: stream.columns || 80, rows: stream.rows || 24 };
    const lines = liveLines(numbers, this.#source.workers(), note, this.#startedAt, now, screen);
    this.#live(this.#output.clean(lines.join('\n')));
  }

  write(entry: LogEntry): void {
    if (entry.level !== 'detail') this.#output.line(consoleText(entry));
  }

  #printAbove(text: string): void {
    if (!this.#live) return this.#output.write(text);
    this.#live.clear();
    this.#output.write(text);
    this.render();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#live) {
      this.#output.printAbove(undefined);
      this.#live.clear();
      this.#live.done();
      this.#live = undefined;
    }
  }
}
