import type { PoolEvent } from '../engine/events.ts';
import { technicalOf, type SharedFailureKind } from '../engine/failure.ts';
import type { StepTime } from '../ledger/ledger.ts';
import { causeOf } from '../output/reports.ts';
import type { VehicleTask } from '../records.ts';
import type { Log } from '../ui/console.ts';

type Event = PoolEvent<VehicleTask>;

/** Where the run keeps what its events teach for the report (the ledger). */
export interface RunRecorder {
  /** The steps of the attempt of `ref` that has just ended. */
  steps(ref: string, steps: StepTime[]): void;
  /** Something that held every tab up. */
  incident(kind: string, detail?: string): void;
}

const NOTES: Record<SharedFailureKind, string> = {
  session: 'signing in again',
  unavailable: 'waiting for the portal to answer',
  browser: 'restarting the browser',
  throttled: 'slowing down',
};

/**
 * What the run learns from the pool's events: the log lines (with each attempt's cause and step
 * timings), the finish times behind the rate, the note shown while every tab waits, and when the
 * last attempt ended (for the run's own watchdog).
 */
export class RunEvents {
  readonly finishedAt: number[] = [];
  note: string | undefined;
  lastOutcomeAt = Date.now();
  #log: Log;
  #maxRetries: number;
  #recorder: RunRecorder | undefined;
  #timelines = new Map<string, Array<{ name: string; at: number }>>();

  constructor(log: Log, maxRetries: number, recorder?: RunRecorder) {
    this.#log = log;
    this.#maxRetries = maxRetries;
    this.#recorder = recorder;
  }

  /** The listener to add to the pool's events. */
  readonly listener = (event: Event): void => {
    if (event.type === 'task-started') this.#timelines.set(event.task.id, [{ name: 'start', at: Date.now() }]);
    else if (event.type === 'task-step') this.#timelines.get(event.task.id)?.push({ name: event.step, at: Date.now() });
    else this.#outcome(event);
  };

  #outcome(event: Event): void {
    const log = this.#log;
    switch (event.type) {
      case 'task-succeeded': {
        const steps = stepDurations(this.#timelines.get(event.task.id) ?? [], Date.now());
        this.#ended(event.task.id);
        this.finishedAt.push(Date.now());
        return log.detail(
          `${event.task.id}: done in ${(event.durationMs / 1000).toFixed(1)} s (${steps})`,
          this.#at(event),
        );
      }
      case 'task-retrying':
        return this.#retrying(event);
      case 'task-failed':
        this.#ended(event.task.id);
        return log.warn(`${event.task.id}: FAILED: ${event.failure.message}`, {
          ...this.#at(event, event.failure.kind),
          technical: technicalOf(event.failure),
        });
      case 'recovery-started':
        this.note = NOTES[event.kind];
        if (event.kind === 'unavailable') this.#record(() => this.#recorder?.incident('outage', event.failure.message));
        return log.warn(`all tabs paused: ${event.failure.message}`, {
          cause: event.failure.kind,
          technical: technicalOf(event.failure),
        });
      case 'recovery-finished':
        this.note = undefined;
        return;
      case 'slot-replaced':
        return log.detail(`tab ${event.worker} replaced (${event.reason})`, { tab: event.worker });
      case 'hang-detected': {
        const waited = `${Math.round(event.waitedMs / 1000)} s in "${event.step}" on ${event.task.id}`;
        const what = event.own ? `bookout's own work took ${waited}` : `no answer for ${waited}`;
        return log.warn(
          `tab ${event.worker}: ${what} (limit ${Math.round(event.limitMs / 1000)} s); replacing the tab and retrying the vehicle`,
          { tab: event.worker, ref: event.task.id, cause: event.own ? 'internal' : 'hang' },
        );
      }
      case 'workers-paused':
        this.#record(() => this.#recorder?.incident('paused', event.reason));
        return log.warn(`all tabs pause for ${Math.round(event.ms / 1000)} s: ${event.reason}`);
      case 'workers-changed': {
        const text = `${event.from} -> ${event.to} tabs: ${event.reason}`;
        this.#record(() => this.#recorder?.incident('tabs', `${event.to}: ${event.reason}`));
        return event.to < event.from ? log.info(`fewer tabs, ${text}`) : log.detail(`more tabs, ${text}`);
      }
    }
  }

  #retrying(event: Extract<Event, { type: 'task-retrying' }>): void {
    this.#ended(event.task.id);
    const { task, failure } = event;
    if (failure.kind === 'throttled') this.#record(() => this.#recorder?.incident('throttled', failure.message));
    const fields = { ...this.#at(event, failure.kind), technical: technicalOf(failure) };
    if (failure.kind === 'internal')
      this.#log.error(`${task.id}: ${failure.message}; tried again (not counted)`, fields);
    if (!event.counted) {
      const text = `${task.id}: ${failure.message}; cause: ${causeOf(failure.kind)}; redone (not counted)`;
      return this.#log.detail(text, fields);
    }
    const seconds = Math.round(event.delayMs / 1000);
    const retry = `retry ${task.attempts + 1} of ${this.#maxRetries} in ${seconds} s`;
    this.#log.warn(`${task.id}: ${failure.message}; cause: ${causeOf(failure.kind)}; ${retry}`, fields);
  }

  #ended(ref: string): void {
    this.lastOutcomeAt = Date.now();
    const timeline = this.#timelines.get(ref);
    this.#timelines.delete(ref);
    if (timeline) this.#record(() => this.#recorder?.steps(ref, stepTimes(timeline, Date.now())));
  }

  /** What the report learns is not worth a failed attempt: a write that fails is left out of it. */
  #record(write: () => void): void {
    try {
      write();
    } catch {
      // the ledger's own writes (the vehicles' states) report a full disk; the report can do without
    }
  }

  #at(event: { worker: number; task: VehicleTask }, cause?: string) {
    return { ref: event.task.id, tab: event.worker, cause };
  }
}

type Timeline = Array<{ name: string; at: number }>;

/** Each step of a task's timeline (after its start) with its duration: until the next step, the last until `end`. */
export function stepTimes(timeline: Timeline, end: number): StepTime[] {
  return timeline
    .slice(1)
    .map((step, index) => ({ step: step.name, startedAt: step.at, ms: (timeline[index + 2]?.at ?? end) - step.at }));
}

/** "opening inventory 0.40 s, filtering grid 0.20 s, ..." from a task's step timeline. */
export function stepDurations(timeline: Timeline, end: number): string {
  return stepTimes(timeline, end)
    .map((step) => `${step.step} ${(step.ms / 1000).toFixed(2)} s`)
    .join(', ');
}
