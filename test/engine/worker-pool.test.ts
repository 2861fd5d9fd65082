import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, it } from 'node:test';
import type { PoolEvent } from '../../src/engine/events.ts';
import { TaskFailure } from '../../src/engine/failure.ts';
import { MemoryQueue } from '../../src/engine/memory-queue.ts';
import { SharedBudget } from '../../src/engine/shared-budget.ts';
import { StepTimings } from '../../src/engine/step-timing.ts';
import type { Job, RecoveryHooks, Slot, Task, TaskContext } from '../../src/engine/types.ts';
import { Watchdog } from '../../src/engine/watchdog.ts';
import { WorkerPool, type PoolOptions } from '../../src/engine/worker-pool.ts';

const LIMIT = { timeout: 30_000 };

/** A worker resource whose disposal interrupts whatever runs on it, like closing a tab. */
class FakeSlot implements Slot {
  disposed = false;
  resets = 0;
  /** When set, dispose() never resolves (a tab whose close() hangs). */
  hangOnDispose = false;
  #onDispose = new Set<() => void>();
  isUsable(): boolean {
    return !this.disposed;
  }
  async reset(): Promise<boolean> {
    this.resets += 1;
    return true;
  }
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const interrupt of this.#onDispose) interrupt();
    if (this.hangOnDispose) await new Promise(() => undefined);
  }
  /** Work that lasts `ms` unless the slot is disposed first. */
  work(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.disposed) return reject(new Error('slot closed'));
      const timer = setTimeout(resolve, ms);
      this.#onDispose.add(() => {
        clearTimeout(timer);
        reject(new Error('slot closed'));
      });
    });
  }
}

const fastOptions: Partial<PoolOptions> = {
  workers: 3,
  retryDelayMs: () => 10,
  taskTimeoutMs: 5000,
  abandonGraceMs: 1000,
  slotCloseTimeoutMs: 300,
};
const noRecovery: RecoveryHooks = {
  session: async () => undefined,
  unavailable: async () => undefined,
  browser: async () => undefined,
};

describe('WorkerPool', () => {
  let slots: FakeSlot[];
  const slotFactory = {
    create: async () => {
      const slot = new FakeSlot();
      slots.push(slot);
      return slot;
    },
  };
  beforeEach(() => {
    slots = [];
  });

  const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  const byId = (queue: MemoryQueue<string>) => new Map(queue.view().map((entry) => [entry.id, entry]));

  function poolFor(
    queue: MemoryQueue<string>,
    job: Job<Task, FakeSlot, string>,
    options: Partial<PoolOptions> = {},
    recovery = noRecovery,
  ) {
    return new WorkerPool({ queue, slots: slotFactory, job, recovery }, { ...fastOptions, ...options });
  }

  it('runs every task once, never the same task on two workers at once', LIMIT, async () => {
    const queue = new MemoryQueue<string>(ids('R', 30));
    const active = new Set<string>();
    const seen: string[] = [];
    let overlap = false;
    const pool = poolFor(queue, {
      async run(task, slot) {
        if (active.has(task.id)) overlap = true;
        active.add(task.id);
        seen.push(task.id);
        await slot.work(5);
        active.delete(task.id);
        return task.id;
      },
    });
    const result = await pool.run();
    assert.equal(result.reason, 'finished');
    assert.equal(overlap, false);
    assert.equal(seen.length, 30);
    assert.equal(new Set(seen).size, 30);
    assert.equal(queue.results.size, 30);
  });

  it('a timed-out task is really stopped: its slot is disposed, replaced, and the task retried', LIMIT, async () => {
    const queue = new MemoryQueue<string>(['SLOW', 'A', 'B']);
    let slowCalls = 0;
    let stillRunning = 0;
    const pool = poolFor(
      queue,
      {
        async run(task, slot) {
          if (task.id === 'SLOW' && slowCalls++ === 0) {
            stillRunning += 1;
            try {
              await slot.work(60_000);
            } finally {
              stillRunning -= 1;
            }
          }
          return task.id;
        },
      },
      { workers: 1, taskTimeoutMs: 200 },
    );
    const result = await pool.run();
    assert.equal(result.reason, 'finished');
    assert.equal(stillRunning, 0, 'the abandoned work must have ended');
    assert.equal(slowCalls, 2);
    assert.equal(slots[0]?.disposed, true, 'the slot of the timed-out task was disposed');
    assert.ok(slots.length >= 2, 'a new slot replaced it');
    const slow = byId(queue).get('SLOW');
    assert.equal(slow?.state, 'done');
    assert.equal(slow?.attempts, 2, 'a timeout is the server not answering: it counts');
  });

  it('retries transient failures with backoff, then gives up with the reason', LIMIT, async () => {
    const queue = new MemoryQueue<string>(['FLAKY', 'BROKEN']);
    let flaky = 0;
    const pool = poolFor(
      queue,
      {
        async run(task) {
          if (task.id === 'FLAKY' && flaky++ < 2) throw new TaskFailure('transient', 'HTTP 500');
          if (task.id === 'BROKEN') throw new TaskFailure('transient', 'always 500');
          return task.id;
        },
      },
      { maxAttempts: 3 },
    );
    await pool.run();
    const entries = byId(queue);
    assert.equal(entries.get('FLAKY')?.state, 'done');
    assert.equal(entries.get('FLAKY')?.attempts, 3);
    assert.equal(entries.get('BROKEN')?.state, 'failed');
    assert.equal(entries.get('BROKEN')?.attempts, 3);
    assert.equal(entries.get('BROKEN')?.failure?.message, 'always 500');
  });

  it('a permanent failure is reported at once, not retried', LIMIT, async () => {
    const queue = new MemoryQueue<string>(['GONE']);
    let calls = 0;
    const pool = poolFor(queue, {
      async run() {
        calls += 1;
        throw new TaskFailure('permanent', 'not in the grid');
      },
    });
    await pool.run();
    assert.equal(calls, 1);
    assert.equal(byId(queue).get('GONE')?.state, 'failed');
    assert.equal(byId(queue).get('GONE')?.failure?.kind, 'permanent');
  });

  it(
    "a failure of the worker's own slot or of the tool never uses up an attempt, and the slot is replaced",
    LIMIT,
    async () => {
      const queue = new MemoryQueue<string>(ids('V', 6));
      const failures = new Map([
        ['V1', 2],
        ['V3', 1],
      ]);
      const pool = poolFor(
        queue,
        {
          async run(task) {
            const left = failures.get(task.id) ?? 0;
            if (left > 0) {
              failures.set(task.id, left - 1);
              if (task.id === 'V1') throw new TaskFailure('slot', 'navigation interrupted by another navigation');
              throw new Error('a bug in the job');
            }
            return task.id;
          },
        },
        { maxAttempts: 1 },
      );
      const result = await pool.run();
      assert.equal(result.reason, 'finished');
      const entries = byId(queue);
      assert.ok([...entries.values()].every((entry) => entry.state === 'done'));
      assert.equal(entries.get('V1')?.attempts, 1, 'only the successful attempt counted');
      assert.equal(entries.get('V1')?.freeRetries, 2);
      assert.equal(entries.get('V3')?.freeRetries, 1, 'an unexpected error is the tool’s, not the vehicle’s');
      assert.ok(slots.filter((slot) => slot.disposed).length >= 3, 'each failed slot was replaced');
    },
  );

  it(
    'after a portal error the slot is reset before the next task; after two in a row it is replaced',
    LIMIT,
    async () => {
      const queue = new MemoryQueue<string>(['E0', 'E1', 'OK']);
      const pool = poolFor(
        queue,
        {
          async run(task) {
            if (task.id !== 'OK' && task.attempts === 0) throw new TaskFailure('transient', 'HTTP 500');
            return task.id;
          },
        },
        { workers: 1, maxAttempts: 3 },
      );
      await pool.run();
      assert.equal(slots[0]?.resets, 1, 'reset after the first failure');
      assert.equal(slots[0]?.disposed, true, 'replaced after the second failure in a row');
      assert.equal(queue.results.size, 3);
    },
  );

  it('a slot whose close() never returns does not hold the run', LIMIT, async () => {
    const queue = new MemoryQueue<string>(['STUCK', 'NEXT']);
    let calls = 0;
    const pool = poolFor(
      queue,
      {
        async run(task, slot) {
          if (task.id === 'STUCK' && calls++ === 0) {
            slot.hangOnDispose = true;
            throw new TaskFailure('hang', 'no answer');
          }
          return task.id;
        },
      },
      { workers: 1 },
    );
    const started = Date.now();
    const result = await pool.run();
    assert.equal(result.reason, 'finished');
    assert.equal(queue.results.size, 2);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  });

  it('many workers seeing one lost session cause exactly one recovery, and no attempt is used up', LIMIT, async () => {
    const queue = new MemoryQueue<string>(ids('S', 12));
    let sessionAlive = true;
    let sessionEnded = false;
    let recoveries = 0;
    const pool = poolFor(
      queue,
      {
        async run(task, slot) {
          await slot.work(20);
          if (task.id === 'S4' && !sessionEnded) {
            sessionEnded = true; // the session ends once, while every worker is busy
            sessionAlive = false;
          }
          if (!sessionAlive) throw new TaskFailure('session', 'landed on the login page');
          return task.id;
        },
      },
      { workers: 4 },
      {
        ...noRecovery,
        session: async () => {
          recoveries += 1;
          await sleep(30);
          sessionAlive = true;
        },
      },
    );
    const result = await pool.run();
    assert.equal(result.reason, 'finished');
    assert.equal(recoveries, 1);
    assert.equal(queue.results.size, 12);
    assert.ok(
      queue.view().every((entry) => entry.attempts === 1),
      'session failures do not count as attempts',
    );
  });

  it('a throttled failure holds every worker back for Retry-After', LIMIT, async () => {
    const queue = new MemoryQueue<string>(['T0', 'T1', 'T2', 'T3']);
    let throttledAt = 0;
    const startsAfter: number[] = [];
    const pool = poolFor(
      queue,
      {
        async run(task) {
          if (throttledAt === 0) {
            throttledAt = Date.now();
            throw new TaskFailure('throttled', 'HTTP 429', { retryAfterMs: 400 });
          }
          startsAfter.push(Date.now() - throttledAt);
          return task.id;
        },
      },
      { workers: 1 },
    );
    await pool.run();
    assert.equal(queue.results.size, 4);
    assert.ok(
      startsAfter.every((ms) => ms >= 390),
      `a task started before Retry-After ended: ${startsAfter}`,
    );
  });

  it('many workers failing within seconds pause every worker, and those failures are not counted', LIMIT, async () => {
    const queue = new MemoryQueue<string>(ids('W', 8));
    let stormOver = false;
    const events: Array<PoolEvent<Task>> = [];
    const pool = poolFor(
      queue,
      {
        async run(task, slot) {
          await slot.work(5);
          if (!stormOver) throw new TaskFailure('transient', 'HTTP 500');
          return task.id;
        },
      },
      { workers: 4, maxAttempts: 2, retryDelayMs: () => 300 },
    );
    pool.events.on((event) => {
      events.push(event);
      if (event.type === 'workers-paused') setTimeout(() => (stormOver = true), 100);
    });
    const result = await pool.run();
    assert.equal(result.reason, 'finished');
    assert.ok(
      events.some((event) => event.type === 'workers-paused'),
      'the workers paused',
    );
    assert.equal(queue.results.size, 8, 'no vehicle lost to the storm');
  });

  it('a fatal failure stops the run cleanly and hands unfinished tasks back', LIMIT, async () => {
    const queue = new MemoryQueue<string>(ids('F', 6));
    const pool = poolFor(queue, {
      async run(task, slot) {
        if (task.id === 'F1') throw new TaskFailure('fatal', 'disk full');
        await slot.work(200);
        return task.id;
      },
    });
    const result = await pool.run();
    assert.equal(result.reason, 'fatal');
    assert.equal(result.fatal?.message, 'disk full');
    const states = queue.view().map((entry) => entry.state);
    assert.equal(states.filter((state) => state === 'leased').length, 0);
    assert.equal(states.filter((state) => state === 'failed').length, 0);
    assert.ok(states.filter((state) => state === 'pending').length >= 4);
    assert.ok(
      slots.every((slot) => slot.disposed),
      'every slot is closed at the end',
    );
  });

  it('stop() ends in-flight tasks at once and leaves them pending, uncounted', LIMIT, async () => {
    const queue = new MemoryQueue<string>(['P0', 'P1', 'P2']);
    const pool = poolFor(queue, {
      async run(task, slot) {
        await slot.work(60_000);
        return task.id;
      },
    });
    const running = pool.run();
    await sleep(100);
    pool.stop();
    const result = await running;
    assert.equal(result.reason, 'stopped');
    assert.ok(queue.view().every((entry) => entry.state === 'pending' && entry.attempts === 0));
  });

  it('the watchdog stops a task stuck in one step far beyond that step’s usual time', LIMIT, async () => {
    const queue = new MemoryQueue<string>(ids('H', 14));
    const timings = new StepTimings({ floorMs: 100, ceilingMs: 20_000, minSamples: 10 });
    const hangs: Array<{ step: string; waitedMs: number }> = [];
    const pool = poolFor(
      queue,
      {
        async run(task, slot, context: TaskContext) {
          context.step('waiting for popup');
          if (task.id === 'H12' && task.attempts === 0) await slot.work(60_000);
          else await slot.work(10);
          context.step('saving');
          return task.id;
        },
      },
      { workers: 1, stepTimings: timings },
    );
    const watchdog = new Watchdog(
      pool,
      timings,
      (hang) => hangs.push({ step: hang.view.step ?? '', waitedMs: hang.waitedMs }),
      20,
    );
    watchdog.start();
    await pool.run();
    watchdog.stop();
    assert.equal(hangs.length, 1);
    assert.equal(hangs[0]?.step, 'waiting for popup');
    assert.ok(hangs[0]!.waitedMs < 2000, `the hang was seen after ${hangs[0]?.waitedMs} ms, not the 20 s ceiling`);
    assert.equal(byId(queue).get('H12')?.state, 'done');
  });

  it('a listener that throws is reported and changes nothing for the tasks', LIMIT, async () => {
    const queue = new MemoryQueue<string>(ids('L', 5));
    const reported: string[] = [];
    const pool = new WorkerPool(
      { queue, slots: slotFactory, job: { run: async (task) => task.id }, recovery: noRecovery },
      fastOptions,
      (_error, event) => reported.push(event.type),
    );
    pool.events.on((event) => {
      if (event.type === 'task-succeeded') throw new Error('a broken dashboard');
    });
    const seen: string[] = [];
    pool.events.on((event) => {
      if (event.type === 'task-succeeded') seen.push(event.task.id);
    });
    await pool.run();
    assert.equal(queue.results.size, 5);
    assert.ok(
      queue.view().every((entry) => entry.attempts === 1),
      'no task was retried',
    );
    assert.equal(reported.length, 5);
    assert.equal(seen.length, 5, 'the other listener got every event');
  });

  it('pools sharing a budget never hold more slots together than it allows, and all finish', LIMIT, async () => {
    const budget = new SharedBudget(4);
    let open = 0;
    let peak = 0;
    const counting = {
      create: async () => {
        open += 1;
        peak = Math.max(peak, open);
        const slot = new FakeSlot();
        const dispose = slot.dispose.bind(slot);
        slot.dispose = async () => {
          if (!slot.disposed) open -= 1;
          await dispose();
        };
        return slot;
      },
    };
    const queues = [ids('A', 12), ids('B', 12), ids('C', 4)].map((refs) => new MemoryQueue<string>(refs));
    const pools = queues.map(
      (queue) =>
        new WorkerPool(
          {
            queue,
            slots: counting,
            job: {
              run: async (task, slot) => {
                await slot.work(10);
                return task.id;
              },
            },
            recovery: noRecovery,
          },
          { ...fastOptions, workers: 3, budget },
        ),
    );
    const results = await Promise.all(pools.map((pool) => pool.run()));
    assert.deepEqual(
      results.map((result) => result.reason),
      ['finished', 'finished', 'finished'],
    );
    assert.deepEqual(
      queues.map((queue) => queue.results.size),
      [12, 12, 4],
    );
    assert.ok(peak <= 4, `${peak} slots were open at once`);
    assert.equal(open, 0, 'every slot was closed');
    assert.equal(budget.used, 0, 'every permit was given back');
  });

  it('a pool stopped while it waits for a permit ends at once, holding none', LIMIT, async () => {
    const budget = new SharedBudget(1);
    await budget.acquire(new AbortController().signal);
    const queue = new MemoryQueue<string>(ids('W', 3));
    const pool = poolFor(queue, { run: async (task) => task.id }, { budget });
    const running = pool.run();
    await sleep(50);
    assert.ok(pool.snapshot().every((view) => view.state === 'waiting'));
    pool.stop();
    assert.equal((await running).reason, 'stopped');
    assert.equal(budget.waiting, 0);
    assert.equal(budget.used, 1, 'only the permit held outside');
  });

  it(
    'once its queue is empty, a pool ends at once: its workers still waiting for a permit need none',
    LIMIT,
    async () => {
      const budget = new SharedBudget(3);
      const long = poolFor(
        new MemoryQueue<string>(ids('L', 6)),
        {
          run: async (task, slot) => {
            await slot.work(300);
            return task.id;
          },
        },
        { workers: 2, budget },
      );
      const longRun = long.run();
      await sleep(20);
      const short = poolFor(new MemoryQueue<string>(['S0']), { run: async (task) => task.id }, { workers: 3, budget });
      let longDone = false;
      void longRun.then(() => (longDone = true));
      assert.equal((await short.run()).reason, 'finished');
      assert.equal(longDone, false, 'the short pool did not wait for the long one to give its permits back');
      assert.equal((await longRun).reason, 'finished');
      assert.equal(budget.used, 0);
    },
  );

  it('a task failing because the pages changed is not counted; a few in a row stop the run', LIMIT, async () => {
    const queue = new MemoryQueue<string>(ids('C', 20));
    const started: string[] = [];
    const pool = poolFor(
      queue,
      {
        async run(task, slot) {
          started.push(task.id);
          await slot.work(5);
          throw new TaskFailure('changed', 'vehicle page: button.report not found');
        },
      },
      { workers: 1, maxChangedInRow: 3, retryDelayMs: () => 60_000 },
    );
    const result = await pool.run();
    assert.equal(result.reason, 'fatal');
    assert.equal(result.fatal?.kind, 'changed');
    assert.match(result.fatal?.message ?? '', /button\.report not found \(3 tasks in a row\)/);
    assert.deepEqual(started, ['C0', 'C1', 'C2'], 'three different tasks, then the run stopped');
    const entries = queue.view();
    assert.ok(
      entries.every((entry) => entry.state === 'pending' && entry.attempts === 0),
      'nothing failed or counted',
    );
  });

  it('a success between changed pages starts the count again', LIMIT, async () => {
    const queue = new MemoryQueue<string>(ids('D', 8));
    const pool = poolFor(
      queue,
      {
        async run(task) {
          if (['D1', 'D2', 'D4', 'D5'].includes(task.id) && task.freeRetries === 0)
            throw new TaskFailure('changed', 'odd page');
          return task.id;
        },
      },
      { workers: 1, maxChangedInRow: 3, retryDelayMs: () => 20 },
    );
    const result = await pool.run();
    assert.equal(result.reason, 'finished');
    assert.equal(queue.results.size, 8);
  });

  it('the evidence of a failure is taken from its slot before the slot is reset or replaced', LIMIT, async () => {
    const queue = new MemoryQueue<string>(['BAD', 'SLOW', 'OK']);
    const seen: Array<{ id: string; kind: string; step?: string; disposed: boolean; resets: number }> = [];
    const pool = new WorkerPool(
      {
        queue,
        slots: slotFactory,
        recovery: noRecovery,
        job: {
          async run(task, slot, context) {
            context.step('opening page');
            if (task.attempts > 0 || task.id === 'OK') return task.id;
            if (task.id === 'SLOW') await slot.work(60_000);
            throw new TaskFailure('transient', 'HTTP 500');
          },
        },
        evidence: async (failure, scene) => {
          seen.push({
            id: scene.task.id,
            kind: failure.kind,
            step: scene.step,
            disposed: scene.slot.disposed,
            resets: scene.slot.resets,
          });
          if (scene.task.id === 'SLOW') throw new Error('the snapshot failed');
        },
      },
      { ...fastOptions, workers: 1, taskTimeoutMs: 300 },
    );
    const result = await pool.run();
    assert.equal(result.reason, 'finished');
    assert.equal(queue.results.size, 3, 'a failing evidence hook changes no outcome');
    assert.deepEqual(seen, [
      { id: 'BAD', kind: 'transient', step: 'opening page', disposed: false, resets: 0 },
      { id: 'SLOW', kind: 'hang', step: 'opening page', disposed: false, resets: 1 },
    ]);
  });

  it('taking evidence is bounded in time', LIMIT, async () => {
    const queue = new MemoryQueue<string>(['X']);
    const pool = new WorkerPool(
      {
        queue,
        slots: slotFactory,
        recovery: noRecovery,
        job: {
          async run(task) {
            if (task.attempts === 0) throw new TaskFailure('transient', 'HTTP 500');
            return task.id;
          },
        },
        evidence: () => new Promise(() => undefined),
      },
      { ...fastOptions, workers: 1, evidenceTimeoutMs: 200 },
    );
    const started = Date.now();
    assert.equal((await pool.run()).reason, 'finished');
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });
});
