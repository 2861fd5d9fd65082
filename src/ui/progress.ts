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

const RATE_WINDOW_MS = 15 * 60_000;

/** Vehicles per hour over the last minutes (or since the start, when shorter). */
export function ratePerHour(finishedAt: readonly number[], startedAt: number, now: number): number {
  const windowStart = Math.max(startedAt, now - RATE_WINDOW_MS);
  const recent = finishedAt.filter((time) => time >= windowStart).length;
  const hours = (now - windowStart) / 3_600_000;
  return hours > 0 ? recent / hours : 0;
}

export function progressLine(numbers: ProgressNumbers, startedAt: number, now: number): string {
  const rate = ratePerHour(numbers.finishedAt, startedAt, now);
  const percent = numbers.total === 0 ? 0 : (100 * numbers.done) / numbers.total;
  const eta =
    rate > 0 && numbers.remaining > 0
      ? formatDuration((numbers.remaining / rate) * 3_600_000)
      : numbers.remaining === 0
        ? '0:00'
        : '-';
  return (
    `${numbers.done}/${numbers.total} done (${percent.toFixed(1)}%), ${numbers.failed} failed, ${numbers.remaining} left` +
    ` | ${Math.round(rate)}/h | ETA ${eta} | elapsed ${formatDuration(now - startedAt)}`
  );
}

function workerLine(view: WorkerView, now: number): string {
  const what =
    view.state === 'working'
      ? `${(view.taskId ?? '').padEnd(9)} ${(view.step ?? '').padEnd(18)} ${formatDuration(now - view.since)}`
      : view.state;
  return `  tab ${String(view.id).padStart(2)}  ${what}`;
}

/** Live progress (done/total, failed, rate, ETA, what each tab does) or plain periodic lines. */
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
    if (this.#options.mode === 'live') this.#live = createLogUpdate(this.#output.stream, { showCursor: true });
    const every = this.#options.mode === 'live' ? this.#options.liveEveryMs : this.#options.plainEveryMs;
    this.#timer = setInterval(() => this.render(), every);
    this.#timer.unref();
    this.render();
  }

  render(now = Date.now()): void {
    const line = progressLine(this.#source.numbers(), this.#startedAt, now);
    const note = this.#source.note();
    if (!this.#live) {
      this.#output.line(`[progress] ${line}${note ? ` | ${note}` : ''}`);
      return;
    }
    const lines = [
      `bookout  ${line}`,
      ...(note ? [`  ${note}`] : []),
      ...this.#source.workers().map((view) => workerLine(view, now)),
    ];
    this.#live(this.#output.clean(lines.join('\n')));
  }

  write(entry: LogEntry): void {
    if (entry.level === 'detail') return;
    const text = consoleText(entry);
    if (!this.#live) return this.#output.line(text);
    this.#live.clear();
    this.#output.line(text);
    this.render();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#live) {
      this.#live.clear();
      this.#live.done();
      this.#live = undefined;
    }
  }
}
