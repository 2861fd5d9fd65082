import type { PoolEvent } from '../engine/events.ts';
import { technicalOf, type SharedFailureKind } from '../engine/failure.ts';
import { causeOf } from '../output/reports.ts';
import type { VehicleTask } from '../records.ts';
import type { Log } from '../ui/console.ts';

type Event = PoolEvent<VehicleTask>;

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
  #timelines = new Map<string, Array<{ name: string; at: number }>>();

  constructor(log: Log, maxRetries: number) {
    this.#log = log;
    this.#maxRetries = maxRetries;
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
        return log.warn(`all tabs paused: ${event.failure.message}`, {
          cause: event.failure.kind,
          technical: technicalOf(event.failure),
        });
      case 'recovery-finished':
        this.note = undefined;
        return;
      case 'slot-replaced':
        return log.detail(`tab ${event.worker} replaced (${event.reason})`, { tab: event.worker });
      case 'hang-detected':
        return log.warn(
          `tab ${event.worker}: no answer for ${Math.round(event.waitedMs / 1000)} s in "${event.step}" on ` +
            `${event.task.id} (limit ${Math.round(event.limitMs / 1000)} s); replacing the tab and retrying the vehicle`,
          { tab: event.worker, ref: event.task.id, cause: 'hang' },
        );
      case 'workers-paused':
        return log.warn(`all tabs pause for ${Math.round(event.ms / 1000)} s: ${event.reason}`);
    }
  }

  #retrying(event: Extract<Event, { type: 'task-retrying' }>): void {
    this.#ended(event.task.id);
    const { task, failure } = event;
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
    this.#timelines.delete(ref);
  }

  #at(event: { worker: number; task: VehicleTask }, cause?: string) {
    return { ref: event.task.id, tab: event.worker, cause };
  }
}

/** "opening inventory 0.40 s, filtering grid 0.20 s, ..." from a task's step timeline. */
export function stepDurations(timeline: Array<{ name: string; at: number }>, end: number): string {
  return timeline
    .slice(1)
    .map((step, index) => `${step.name} ${(((timeline[index + 2]?.at ?? end) - step.at) / 1000).toFixed(2)} s`)
    .join(', ');
}
