import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConcurrencyController } from '../../src/engine/concurrency.ts';
import { MemoryQueue } from '../../src/engine/memory-queue.ts';
import { WorkerPool } from '../../src/engine/worker-pool.ts';

const idle = { cpuBusy: 0.3, freeMemoryMb: 8000 };

/**
 * A server that serves `capacity` tasks at once in `baseMs` each: beyond that, tasks wait in line,
 * so a task takes baseMs x (running / capacity). One round of `n` workers, as the controller sees it.
 */
function serverRound(controller: ConcurrencyController, capacity: number, now: number, baseMs = 2000): number {
  const n = controller.current;
  const durationMs = baseMs * Math.max(1, n / capacity);
  const later = now + 6000;
  for (let task = 0; task < 3 * n + 1; task += 1) {
    controller.taskDone(later - durationMs * (0.95 + 0.1 * Math.random()), later);
  }
  controller.decide(later, idle);
  return later;
}

/** Rounds in which every task takes the same time: each returns the new count, or null when it stays. */
function evenRounds(controller: ConcurrencyController): (durationMs: number) => number | null {
  let now = 0;
  return (durationMs) => {
    now += 6000;
    for (let task = 0; task < 3 * controller.current; task += 1) controller.taskDone(now - durationMs, now);
    return controller.decide(now, idle)?.to ?? null;
  };
}

describe('choosing the number of workers from what the server shows', { timeout: 20_000 }, () => {
  it('climbs quickly to the server’s capacity and stays near it', () => {
    const controller = new ConcurrencyController({ max: 16, start: 2 }, 0);
    let now = 0;
    const seen: number[] = [];
    for (let round = 0; round < 16; round += 1) {
      now = serverRound(controller, 6, now);
      seen.push(controller.current);
    }
    assert.ok(seen[1]! >= 6, `past the capacity within 2 rounds: ${seen.join(' ')}`);
    assert.ok(
      seen.slice(6).every((n) => n >= 5 && n <= 7),
      `then stays at the knee: ${seen.join(' ')}`,
    );
  });

  it('when the server’s capacity halves, settles at the new knee within a few rounds', () => {
    const controller = new ConcurrencyController({ max: 16, start: 2 }, 0);
    let now = 0;
    for (let round = 0; round < 16; round += 1) now = serverRound(controller, 8, now);
    assert.ok(controller.current >= 7 && controller.current <= 9, `at the first knee: ${controller.current}`);
    const seen: number[] = [];
    for (let round = 0; round < 10; round += 1) {
      now = serverRound(controller, 4, now);
      seen.push(controller.current);
    }
    assert.ok(
      seen.slice(6).every((n) => n >= 3 && n <= 5),
      `settled near 4 after the drop: ${seen.join(' ')}`,
    );
  });

  it('decides while the count still doubles on 2 finished tasks per worker', () => {
    const controller = new ConcurrencyController({ max: 16, start: 2 }, 0);
    const finish = (count: number, endedAt: number) => {
      for (let task = 0; task < count; task += 1) controller.taskDone(endedAt - 2000, endedAt);
    };
    finish(4, 6000);
    assert.equal(controller.decide(6000, idle)?.to, 4, 'first round: 2 tasks x 2 workers');
    finish(8, 12_000);
    assert.equal(controller.decide(12_000, idle)?.to, 8, 'a doubling that paid in full: 8');
    finish(15, 18_000);
    assert.equal(controller.decide(18_000, idle), null, 'the round at 8 goes on with 15 tasks');
    finish(1, 18_000);
    assert.notEqual(controller.decide(18_001, idle)?.to, undefined, 'with 16 tasks the round ends');
  });

  it('a round counts only tasks started at its count: those begun before the change do not blur it', () => {
    const controller = new ConcurrencyController({ max: 16, start: 4 }, 0);
    for (let task = 0; task < 8; task += 1) controller.taskDone(4000, 6000);
    assert.equal(controller.decide(6000, idle)?.to, 8, 'quick start: 4 -> 8');
    // Tasks sent at 4 tabs, held up by a slow start of the 8: they finish in the round at 8.
    for (let task = 0; task < 8; task += 1) controller.taskDone(5000, 12_000);
    for (let task = 0; task < 15; task += 1) controller.taskDone(10_000, 12_000);
    assert.equal(controller.decide(12_000, idle), null, '15 tasks started at 8 tabs are not yet a round of 8');
    controller.taskDone(10_000, 12_001);
    assert.equal(controller.decide(12_001, idle)?.to, 16, 'the 16 started at 8 show that 8 paid in full');
  });

  it('trouble met by tasks sent before a halving halves once, later trouble again', () => {
    const controller = new ConcurrencyController({ max: 8, start: 8, minRoundMs: 5000 }, 0);
    controller.serverTrouble('asked to wait', 1000);
    assert.equal(controller.decide(1000, idle)?.to, 4);
    controller.serverTrouble('asked to wait', 2000);
    assert.equal(controller.decide(2000, idle), null, 'a second 503 a second later is the same overload');
    controller.serverTrouble('asked to wait', 7000);
    assert.equal(controller.decide(7000, idle)?.to, 2, 'trouble a round later counts');
  });

  it('a probe of one tab more from a steady count that does not pay goes back to it, not below', () => {
    const controller = new ConcurrencyController({ max: 16, start: 5, holdRounds: 2 }, 0);
    const round = evenRounds(controller);
    const atCapacity5 = () => round(2000 * Math.max(1, controller.current / 5));
    for (let step = 0; step < 12; step += 1) atCapacity5(); // 5 -> 10, down to 4, back to 5
    const seen: number[] = [];
    for (let step = 0; step < 12; step += 1) {
      atCapacity5();
      seen.push(controller.current);
    }
    assert.ok(seen.includes(6), `it probes 6 now and then: ${seen.join(' ')}`);
    assert.ok(
      seen.every((n) => n === 5 || n === 6),
      `and goes back to 5, never below: ${seen.join(' ')}`,
    );
  });

  it('after a halving, answers slower than at that count before are the new server’s: no further shed, and soon one more is tried', () => {
    const controller = new ConcurrencyController({ max: 8, start: 4, holdRounds: 3 }, 0);
    const round = evenRounds(controller);
    round(2000); // 4 -> 8 (quick start), 2 s at 4 tabs is the usual time there
    round(2000);
    controller.serverTrouble('asked to wait', 12_001);
    assert.equal(controller.decide(12_001, idle)?.to, 4);
    const after = [round(3000), round(3000), round(3000)];
    assert.deepEqual(after, [null, null, 5], `stays at 4, then tries 5 (changes: ${after.join(' ')})`);
  });

  it('after one tab less cost throughput, goes back and holds: the way back is no probe of one more', () => {
    const controller = new ConcurrencyController({ max: 16, start: 4, holdRounds: 3 }, 0);
    const round = evenRounds(controller);
    round(2000); // 4 -> 8 (quick start)
    assert.equal(controller.current, 8);
    assert.equal(round(4000), 7, 'twice as many tabs, no gain: one less');
    assert.equal(round(3500), 6, 'one less cost nothing');
    assert.equal(round(3600), 7, 'one less cost throughput: back');
    const after = [round(3500), round(3500), round(3500), round(3500)];
    assert.deepEqual(after.slice(0, 3), [null, null, null], `holds at 7 (changes: ${after.join(' ')})`);
  });

  it('a server that stays slower: one tab away after two slow rounds, back when that cost throughput, and then it stays', () => {
    const controller = new ConcurrencyController({ max: 16, start: 3, holdRounds: 2 }, 0);
    const round = evenRounds(controller);
    round(2000); // 3 -> 6
    round(4000); // 6 -> 5: did not pay
    round(3300); // 5 -> 4: cost nothing
    round(3300); // 4 -> 5: cost throughput
    round(3300); // 5: fresh measure
    assert.equal(controller.current, 5);
    const seen = [round(3300), round(5000), round(5000), round(5000), round(5000), round(5000), round(5000)];
    assert.equal(seen[1], null, 'one round 50% slower may be a few slow answers: it stays');
    assert.equal(seen[2], 4, 'two in a row: one tab away');
    assert.equal(seen[3], 5, 'that cost throughput: back to 5');
    assert.deepEqual(seen.slice(4), [null, null, null], `and 5 stays although slower than before (${seen.join(' ')})`);
  });

  it('one lucky fast round does not make the usual answer time: normal rounds after it are no slowdown', () => {
    const controller = new ConcurrencyController({ max: 4, start: 4, holdRounds: 100 }, 0);
    const round = evenRounds(controller);
    const seen = [round(3000), round(3000), round(1800), round(3000), round(3000), round(3000), round(3000)];
    assert.deepEqual(seen, [null, null, null, null, null, null, null], `stays at 4 (changes: ${seen.join(' ')})`);
  });

  it('halves on trouble from the server, gives one back when the machine runs short of memory, and keeps its bounds', () => {
    const controller = new ConcurrencyController({ max: 8, start: 8, min: 1 }, 0);
    controller.serverTrouble('asked to wait', 1);
    assert.deepEqual(controller.decide(1, idle), { from: 8, to: 4, reason: 'the server: asked to wait' });
    for (let task = 0; task < 13; task += 1) controller.taskDone(9000, 10_000);
    assert.equal(controller.decide(10_000, { cpuBusy: 0.2, freeMemoryMb: 100 })?.to, 3);
    for (let round = 0; round < 5; round += 1) {
      controller.serverTrouble('could not be reached', 20_000 + round * 6000);
      controller.decide(20_000 + round * 6000, idle);
    }
    assert.equal(controller.current, 1, 'never below the minimum');
  });

  it('a pool that follows the controller never runs more tasks at once than the server can take for long', async () => {
    const ids = Array.from({ length: 160 }, (_, i) => `T${i}`);
    const queue = new MemoryQueue<string>(ids);
    const capacity = 3;
    let running = 0;
    let peak = 0;
    const controller = new ConcurrencyController({ max: 10, start: 2, minRoundMs: 150 });
    const changes: string[] = [];
    const slot = { isUsable: () => true, dispose: async () => undefined };
    const pool = new WorkerPool(
      {
        queue,
        slots: { create: async () => slot },
        recovery: {
          session: async () => undefined,
          unavailable: async () => undefined,
          browser: async () => undefined,
        },
        job: {
          async run(task) {
            running += 1;
            peak = Math.max(peak, running);
            await new Promise((resolve) => setTimeout(resolve, 20 * Math.max(1, running / capacity)));
            running -= 1;
            return task.id;
          },
        },
      },
      { workers: 10, autoscale: { controller, pressure: () => idle, checkEveryMs: 25 } },
    );
    pool.events.on((event) => {
      if (event.type === 'workers-changed') changes.push(`${event.from}->${event.to}`);
    });
    const result = await pool.run();
    assert.equal(result.reason, 'finished');
    assert.equal(queue.results.size, 160);
    assert.ok(changes.length > 0, 'the count changed');
    assert.ok(peak <= 10, `at most the limit: ${peak}`);
    assert.ok(
      changes.some((change) => Number(change.split('->')[1]) < Number(change.split('->')[0])),
      `it came down again from an overshoot: ${changes.join(' ')}`,
    );
  });
});
