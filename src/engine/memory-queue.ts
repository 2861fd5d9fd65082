import type { TaskFailure } from './failure.ts';
import type { Task, TaskQueue } from './types.ts';

interface Entry {
  task: Task;
  state: 'pending' | 'leased' | 'done' | 'failed';
  notBefore: number;
  owner?: string;
  leasedUntil?: number;
  failure?: TaskFailure;
}

/**
 * A task queue in memory, for the engine's tests and for work that needs no resume. Leases expire:
 * a task whose lease ran out is leased again.
 */
export class MemoryQueue<R> implements TaskQueue<Task, R> {
  readonly results = new Map<string, R>();
  #entries: Entry[];

  constructor(ids: readonly string[]) {
    this.#entries = ids.map((id) => ({ task: { id, attempts: 0, freeRetries: 0 }, state: 'pending', notBefore: 0 }));
  }

  async lease(owner: string, now: number, until: number): Promise<Task | null> {
    const entry = this.#entries.find((e) => this.#ready(e, now));
    if (!entry) return null;
    Object.assign(entry, { state: 'leased', owner, leasedUntil: until });
    return { ...entry.task };
  }

  #ready(entry: Entry, now: number): boolean {
    if (entry.state === 'pending') return entry.notBefore <= now;
    return entry.state === 'leased' && (entry.leasedUntil ?? 0) < now;
  }

  async renew(task: Task, owner: string, until: number): Promise<void> {
    const entry = this.#find(task);
    if (entry.state === 'leased' && entry.owner === owner) entry.leasedUntil = until;
  }

  async nextReadyAt(): Promise<number | null> {
    const times = this.#entries.flatMap((e) => {
      if (e.state === 'pending') return [e.notBefore];
      return e.state === 'leased' ? [e.leasedUntil ?? 0] : [];
    });
    return times.length ? Math.min(...times) : null;
  }

  async complete(task: Task, result: R): Promise<void> {
    const entry = this.#find(task);
    entry.state = 'done';
    entry.task = { ...entry.task, attempts: entry.task.attempts + 1 };
    this.results.set(task.id, result);
  }

  async retry(task: Task, failure: TaskFailure, notBefore: number, counted: boolean): Promise<void> {
    const entry = this.#find(task);
    const { attempts, freeRetries } = entry.task;
    entry.task = { id: task.id, attempts: attempts + (counted ? 1 : 0), freeRetries: freeRetries + (counted ? 0 : 1) };
    Object.assign(entry, { state: 'pending', notBefore, failure, owner: undefined });
  }

  async giveUp(task: Task, failure: TaskFailure): Promise<void> {
    const entry = this.#find(task);
    entry.task = { ...entry.task, attempts: entry.task.attempts + 1 };
    Object.assign(entry, { state: 'failed', failure, owner: undefined });
  }

  async release(task: Task): Promise<void> {
    const entry = this.#find(task);
    if (entry.state === 'leased') Object.assign(entry, { state: 'pending', owner: undefined });
  }

  /** The state of every task, for assertions. */
  view(): Array<{ id: string; state: Entry['state']; attempts: number; freeRetries: number; failure?: TaskFailure }> {
    return this.#entries.map((e) => ({ ...e.task, state: e.state, failure: e.failure }));
  }

  #find(task: Task): Entry {
    const entry = this.#entries.find((e) => e.task.id === task.id);
    if (!entry) throw new Error(`unknown task ${task.id}`);
    return entry;
  }
}
