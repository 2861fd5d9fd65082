// The gate of the costliest requests: at most `limit` in flight, the others in line first come first
// served, and what it measures per round (answers, time-weighted counts) and per level in flight.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestGate } from '../../src/engine/request-gate.ts';
import { Watchdog } from '../../src/engine/watchdog.ts';
import { StepTimings } from '../../src/engine/step-timing.ts';
import type { WorkerView } from '../../src/engine/worker-pool.ts';

const LIMIT = { timeout: 10_000 };

/** A request that answers when told. */
function pending() {
  let answer: (value: string) => void = () => undefined;
  const promise = new Promise<string>((resolve) => (answer = resolve));
  return { send: () => promise, answer };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('the request gate', () => {
  it('lets `limit` through, queues the rest in order, and a higher limit lets them go at once', LIMIT, async () => {
    const gate = new RequestGate({ limit: 1 });
    const signal = new AbortController().signal;
    const [a, b, c] = [pending(), pending(), pending()];
    const sent: string[] = [];
    const inLine: string[] = [];
    const run = (name: string, request: ReturnType<typeof pending>) =>
      gate.run(
        () => {
          sent.push(name);
          return request.send();
        },
        signal,
        () => inLine.push(name),
      );
    const answers = [run('a', a), run('b', b), run('c', c)];
    await flush();
    assert.deepEqual(sent, ['a']);
    assert.deepEqual(inLine, ['b', 'c']);
    assert.equal(gate.waiting, 2);
    a.answer('A');
    await flush();
    assert.deepEqual(sent, ['a', 'b'], 'the first in line goes when a place is free');
    gate.limit = 3;
    await flush();
    assert.deepEqual(sent, ['a', 'b', 'c'], 'a higher limit lets the line go');
    b.answer('B');
    c.answer('C');
    assert.deepEqual(await Promise.all(answers), ['A', 'B', 'C']);
    assert.equal(gate.inFlight, 0);
  });

  it('a request whose attempt ends while it waits leaves the line and is never sent', LIMIT, async () => {
    const gate = new RequestGate({ limit: 1 });
    const first = pending();
    const running = gate.run(first.send, new AbortController().signal);
    const attempt = new AbortController();
    let sent = false;
    const waiting = gate.run(async () => {
      sent = true;
      return 'x';
    }, attempt.signal);
    attempt.abort(new Error('the attempt is over'));
    await assert.rejects(waiting, /the attempt is over/);
    first.answer('done');
    await running;
    await flush();
    assert.equal(sent, false);
    assert.equal(gate.waiting, 0);
    assert.equal(gate.inFlight, 0);
  });

  it(
    'measures a round: answers sent in it, their mean time, the counts in flight and waiting over time',
    LIMIT,
    async () => {
      let now = 0;
      const gate = new RequestGate({ limit: 1, now: () => now });
      const signal = new AbortController().signal;
      const early = pending();
      const before = gate.run(early.send, signal); // sent before the round: not one of its answers
      await flush();
      now = 500;
      gate.startRound();
      const later = pending();
      const queued = gate.run(later.send, signal);
      now = 1000;
      early.answer('early'); // answered after 1 s; the other waited 0.5 s in line
      await before;
      await flush();
      now = 3000;
      later.answer('later');
      await queued;
      now = 4000;
      const round = gate.round();
      assert.equal(round.answers, 1);
      assert.equal(round.meanAnswerMs, 2000);
      assert.equal(round.meanInFlight, 2.5 / 3.5, "one in flight for 2.5 s of the round's 3.5");
      assert.equal(round.meanWaiting, 0.5 / 3.5, 'one waiting for 0.5 s of 3.5');
      const levels = gate.answerTimes();
      assert.deepEqual(
        levels.map((level) => [level.inFlight, level.meanMs, level.samples]),
        [[1, 1500, 2]],
        'both were sent alone in flight',
      );
    },
  );

  it('the watchdog never takes a step that waits in line for a hang', LIMIT, () => {
    const timings = new StepTimings({ floorMs: 10, ceilingMs: 20 });
    const views: WorkerView[] = [
      { id: 1, state: 'working', taskId: 'A', step: 'waiting for a slot', inLine: true, since: 0 },
      { id: 2, state: 'working', taskId: 'B', step: 'waiting for an answer', since: 0 },
    ];
    const stopped: number[] = [];
    const pool = {
      snapshot: () => views,
      abortTask: (worker: number) => {
        stopped.push(worker);
        return true;
      },
    };
    new Watchdog(pool, timings).check(60_000);
    assert.deepEqual(stopped, [2], 'only the worker waiting for the server');
  });
});
