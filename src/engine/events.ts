import type { SharedFailureKind, TaskFailure } from './failure.ts';
import type { Task } from './types.ts';

/** What the pool does, as data: for progress displays, logs, statistics and dashboards. */
export type PoolEvent<T extends Task> =
  | { type: 'task-started'; worker: number; task: T }
  | { type: 'task-step'; worker: number; task: T; step: string }
  | { type: 'task-succeeded'; worker: number; task: T; durationMs: number }
  | { type: 'task-retrying'; worker: number; task: T; failure: TaskFailure; delayMs: number; counted: boolean }
  | { type: 'task-failed'; worker: number; task: T; failure: TaskFailure }
  | { type: 'recovery-started'; kind: SharedFailureKind; failure: TaskFailure }
  | { type: 'recovery-finished'; kind: SharedFailureKind; durationMs: number }
  | { type: 'slot-replaced'; worker: number; reason: string }
  | { type: 'hang-detected'; worker: number; task: T; step: string; own: boolean; waitedMs: number; limitMs: number }
  | { type: 'workers-paused'; reason: string; ms: number }
  | { type: 'workers-changed'; from: number; to: number; reason: string };

export type Listener<E> = (event: E) => void;

/**
 * Fans events out to any number of listeners. Each listener is isolated: one that throws is
 * reported to `onListenerError` and the others still get the event; the emitter never sees it.
 */
export class EventHub<E> {
  #listeners = new Set<Listener<E>>();
  #onListenerError: (error: unknown, event: E) => void;

  constructor(onListenerError: (error: unknown, event: E) => void = () => undefined) {
    this.#onListenerError = onListenerError;
  }

  /** Adds a listener; returns the function that removes it. */
  on(listener: Listener<E>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: E): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#report(error, event);
      }
    }
  }

  #report(error: unknown, event: E): void {
    try {
      this.#onListenerError(error, event);
    } catch {
      // the error reporter itself failed: nothing more can be done for this event
    }
  }
}
