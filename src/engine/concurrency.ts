import { GateWatch, type GateReading, type WatchedGate } from './gate-watch.ts';

/**
 * Chooses how many workers should run, by measuring what each one more or one less gives.
 *
 * With `n` workers busy and tasks taking `D` on average, the work gets done at `n / D` (Little's
 * law): a steadier measure than counting finished tasks. A round runs with a fixed count and counts
 * only tasks started at that count (one that began before a change ran partly at the old count); at its
 * end the throughput is compared with the round before:
 * - after one worker more: if the throughput rose by at least `minGain`, one more (twice as many at
 *   the start, while each doubling pays off nearly in full); otherwise back to the count before, which
 *   stays for `holdRounds` before it probes again (after a doubling that did not pay, workers are
 *   taken away one by one while that costs no throughput);
 * - at a steady count, when tasks take clearly longer than usual at that count for two rounds in a
 *   row (the server got slower or busier), one worker is taken away; if the throughput did not fall
 *   with it, another.
 * A 429, an outage or a burst of errors halves the count (and forgets the usual times: that server is
 * gone), and one more is tried after three rounds; a machine short of memory takes one away;
 * tasks taking `overloadFactor` times their best time take one away at any moment.
 *
 * With a gate (the requests that cost the server most pass it, see RequestGate and GateWatch) its
 * answers are the server's own answer times: each round also sets how many of them may be in flight
 * (about what the server answers at its usual pace, plus one), and
 * - workers waiting at the gate one or more at a time on average: that many go away at once;
 * - one worker more pays only when it did not make those answers slower or wait at the gate, and
 *   none is tried while they do;
 * - slower whole tasks take a worker away only when the gated answers are at their usual pace (the
 *   slowness is elsewhere): otherwise the gate tells it better.
 */
export interface ConcurrencyOptions {
  /** Never fewer. Default 1. */
  min: number;
  /** Never more. Default 8. */
  max: number;
  /** Where to start. Default 2. */
  start: number;
  /** A round lasts at least this long. Default 5000 ms. */
  minRoundMs: number;
  /** A round needs at least this many finished tasks per worker. Default 3. */
  samplesPerWorker: number;
  /** While the count still doubles at the start, this many are enough. Default 2. */
  startSamplesPerWorker: number;
  /** One worker more must raise the throughput by this share to stay. Default 0.05. */
  minGain: number;
  /** Once the count has settled, rounds before the next probe. Default 6. */
  holdRounds: number;
  /** Tasks taking this many times longer than at the same count before mean the server slowed. Default 1.25. */
  slowdownFactor: number;
  /** Tasks taking this many times their best time mean an overloaded server. Default 4. */
  overloadFactor: number;
}

export const concurrencyDefaults: ConcurrencyOptions = {
  min: 1,
  max: 8,
  start: 2,
  minRoundMs: 5000,
  samplesPerWorker: 3,
  startSamplesPerWorker: 2,
  minGain: 0.05,
  holdRounds: 6,
  slowdownFactor: 1.25,
  overloadFactor: 4,
};

/** What the machine can still give, read at the end of each round. */
export interface MachinePressure {
  /** Share of the CPU busy over the round, 0 to 1. */
  cpuBusy: number;
  freeMemoryMb: number;
}

export interface ConcurrencyChange {
  from: number;
  to: number;
  reason: string;
}

interface Round {
  startedAt: number;
  durations: number[];
  troubled: string | null;
}

/** What a finished round showed. */
interface Measured {
  workers: number;
  throughput: number;
  meanMs: number;
}

const LOW_MEMORY_MB = 400;
const BUSY_CPU = 0.97;
/** At the start, a doubling that gives at least this share of its ideal gain is followed by another. */
const QUICK_START_GAIN = 0.6;
/** A steady round's weight in the usual answer time at its count (a moving average). */
const USUAL_WEIGHT = 0.3;
/** After a halving, the rounds held (instead of holdRounds): one tab more is tried after the third. */
const HOLD_AFTER_HALVING = 1;
/** After one tab more paid, the rounds held before the next is tried. */
const HOLD_AFTER_PAID = 2;
/** Rounds in a row that must be slower than usual before a tab goes. */
const SLOW_ROUNDS = 2;
/** Workers waiting at the gate on average: this many or more are workers too many. */
const WAITING_TOO_MANY = 1;

type Phase = 'quick-start' | 'probing' | 'steady' | 'shedding';

export class ConcurrencyController {
  readonly options: ConcurrencyOptions;
  #current: number;
  #phase: Phase = 'quick-start';
  #hold = 0;
  #last: Measured | null = null;
  /** The usual mean task time at each count: a moving average of its steady rounds. */
  #usual = new Map<number, number>();
  /** Steady rounds in a row slower than usual at the current count. */
  #slowRounds = 0;
  #bestMeanMs = Number.POSITIVE_INFINITY;
  #halvedAt = Number.NEGATIVE_INFINITY;
  /** A count that paid against one less, or held steady: a probe above it that does not pay goes back to it. */
  #paidAt: number | null = null;
  /** When the count last changed: tasks started before it say nothing about this count. */
  #countSince: number;
  #round: Round;
  #gate: GateWatch | null;
  /** What the gate showed over the last round. */
  #gateReading: GateReading | null = null;

  constructor(options: Partial<ConcurrencyOptions> = {}, now = Date.now(), gate: WatchedGate | null = null) {
    this.options = { ...concurrencyDefaults, ...options };
    this.#gate = gate && new GateWatch(gate);
    this.#current = this.#bounded(this.options.start);
    this.#countSince = now;
    this.#round = { startedAt: now, durations: [], troubled: null };
  }

  get current(): number {
    return this.#current;
  }

  /** A task ended normally (its whole time, the server's and the worker's, from `startedAt` to `endedAt`). */
  taskDone(startedAt: number, endedAt: number): void {
    if (startedAt < this.#countSince) return;
    this.#round.durations.push(endedAt - startedAt);
  }

  /**
   * The server showed trouble: asked to wait, could not be reached, or many tasks failed at once.
   * Trouble within a round's time after a halving is what tasks sent before it met: not counted again.
   */
  serverTrouble(reason: string, now: number): void {
    if (now - this.#halvedAt < this.options.minRoundMs) return;
    this.#round.troubled ??= reason;
  }

  /** At the end of a round: the new count and why, or null when it stays (or the round goes on). */
  decide(now: number, machine: MachinePressure): ConcurrencyChange | null {
    const round = this.#round;
    if (round.troubled) return this.#halve(now, `the server: ${round.troubled}`);
    const perWorker =
      this.#phase === 'quick-start' ? this.options.startSamplesPerWorker : this.options.samplesPerWorker;
    const enough = round.durations.length >= perWorker * this.#current;
    if (now - round.startedAt < this.options.minRoundMs || !enough) return null;
    const measured = this.#measure(round);
    this.#gateReading = this.#gate?.endRound() ?? null;
    this.#newRound(now);
    if (machine.freeMemoryMb < LOW_MEMORY_MB) return this.#change(-1, 'steady', 'this computer is low on memory');
    if (measured.meanMs > this.options.overloadFactor * this.#bestMeanMs) {
      return this.#change(
        -1,
        'shedding',
        `answers take ${(measured.meanMs / this.#bestMeanMs).toFixed(1)} x their best`,
      );
    }
    const last = this.#last;
    this.#last = measured;
    this.#bestMeanMs = Math.min(this.#bestMeanMs, measured.meanMs);
    if (!last || last.workers === measured.workers) return this.#atSteadyCount(measured, last, machine);
    return this.#afterChange(measured, last, machine);
  }

  #measure(round: Round): Measured {
    const meanMs = round.durations.reduce((sum, ms) => sum + ms, 0) / round.durations.length;
    return { workers: this.#current, throughput: this.#current / meanMs, meanMs };
  }

  /** The round ran with a different count than the one before: did the change pay? */
  #afterChange(now: Measured, before: Measured, machine: MachinePressure): ConcurrencyChange | null {
    const gain = now.throughput / before.throughput - 1;
    const percent = `${gain >= 0 ? '+' : ''}${Math.round(gain * 100)}% throughput`;
    if (now.workers > before.workers) {
      if (gain < this.options.minGain) {
        // One more than a count that paid: back to it. Above a count that did not (after a doubling),
        // take tabs away while that costs nothing (more than one may be too many).
        if (this.#phase === 'probing' && this.#paidAt === before.workers) {
          this.#hold = this.options.holdRounds;
          return this.#change(-1, 'steady', `one tab more did not pay (${percent})`);
        }
        return this.#change(-1, 'shedding', `more tabs did not pay (${percent})`);
      }
      if (this.#gate?.queues(this.#gateReading)) {
        this.#hold = this.options.holdRounds;
        const more = now.workers === before.workers + 1 ? 'one tab more' : 'more tabs';
        return this.#change(-1, 'steady', `${more} only made ${this.#gate.gate.name} wait`);
      }
      if (machine.cpuBusy >= BUSY_CPU) return this.#settle(); // this computer cannot give more
      const ideal = now.workers / before.workers - 1;
      if (this.#phase === 'quick-start' && gain >= QUICK_START_GAIN * ideal) {
        return this.#change(now.workers, 'quick-start', `more tabs pay (${percent})`);
      }
      if (now.workers === before.workers + 1) {
        // Stays: one lucky round must not carry the count two above where it belongs.
        this.#paidAt = now.workers;
        this.#settle(HOLD_AFTER_PAID);
        return null;
      }
      return this.#change(1, 'probing', `one tab more paid (${percent})`);
    }
    if (this.#phase === 'shedding' && gain > -this.options.minGain) {
      return this.#change(-1, 'shedding', `one tab less cost nothing (${percent})`);
    }
    this.#hold = this.options.holdRounds;
    if (this.#phase === 'shedding') {
      // Back to the count that paid: the next round measures it afresh, and is no probe of one tab more.
      // Its usual time is forgotten too: the server that made it slower there is the server now.
      this.#last = null;
      this.#usual.delete(this.#current + 1);
      return this.#change(1, 'steady', `one tab less cost throughput (${percent})`);
    }
    return this.#settle();
  }

  /** Stays at the current count for a while. */
  #settle(rounds = this.options.holdRounds): null {
    this.#phase = 'steady';
    this.#hold = rounds;
    return null;
  }

  /** The same count as the round before: watch for a slower server, probe now and then. */
  #atSteadyCount(now: Measured, before: Measured | null, machine: MachinePressure): ConcurrencyChange | null {
    const reading = this.#gateReading;
    if (reading && reading.waiting >= WAITING_TOO_MANY && now.workers > this.options.min) {
      return this.#shedWaiting(reading);
    }
    const usual = this.#usual.get(now.workers);
    const slower = usual !== undefined && now.meanMs > this.options.slowdownFactor * usual;
    this.#slowRounds = slower ? this.#slowRounds + 1 : 0;
    if (!slower)
      this.#usual.set(now.workers, usual === undefined ? now.meanMs : usual + USUAL_WEIGHT * (now.meanMs - usual));
    // One slow round may be a few slow answers; two in a row are a slower server. Where the gated
    // requests wait, the gate's answers tell that better than whole tasks (which include the wait).
    const gateGoverns = this.#gate?.queues(reading) === true;
    if (slower && this.#slowRounds >= SLOW_ROUNDS && now.workers > this.options.min && !gateGoverns) {
      const percent = Math.round((now.meanMs / usual - 1) * 100);
      return this.#change(-1, 'shedding', `answers ${percent}% slower than before at ${now.workers} tabs`);
    }
    if (!before) {
      return this.#phase === 'quick-start' ? this.#change(this.#current, 'quick-start', 'the server keeps up') : null;
    }
    if (this.#hold > 0) {
      this.#hold -= 1;
      return null;
    }
    if (machine.cpuBusy >= BUSY_CPU || this.#gate?.queues(reading) || this.#gate?.unsure(reading)) return null;
    this.#paidAt = now.workers;
    return this.#change(1, 'probing', 'trying one tab more');
  }

  /**
   * Workers waited at the gate one or more at a time: the server has no place for their requests, so
   * that many go away at once. The usual task times were measured on a server with more places.
   */
  #shedWaiting(reading: GateReading): ConcurrencyChange | null {
    this.#usual.clear();
    this.#last = null;
    this.#hold = this.options.holdRounds;
    const waited = `${reading.waiting.toFixed(1)} tabs waited to send ${this.#gate!.gate.name}`;
    return this.#change(-Math.floor(reading.waiting), 'steady', `${waited} (at most ${reading.limit} in flight)`);
  }

  /** A new round, of the gate too. */
  #newRound(now: number): void {
    this.#round = { startedAt: now, durations: [], troubled: null };
    this.#gate?.startRound();
  }

  /** Trouble from the server halves the count; the usual times were measured on the server before it. */
  #halve(now: number, reason: string): ConcurrencyChange | null {
    this.#halvedAt = now;
    this.#usual.clear();
    this.#newRound(now);
    this.#last = null;
    this.#hold = HOLD_AFTER_HALVING; // halving is blunt: the knee is likely above, so look for it soon
    return this.#change(Math.floor(this.#current / 2) - this.#current, 'steady', reason);
  }

  #change(by: number, phase: Phase, reason: string): ConcurrencyChange | null {
    this.#phase = phase;
    const to = this.#bounded(this.#current + by);
    if (to === this.#current) return null;
    const change = { from: this.#current, to, reason };
    this.#current = to;
    this.#slowRounds = 0;
    this.#countSince = this.#round.startedAt; // the round that starts with this change
    return change;
  }

  #bounded(count: number): number {
    return Math.min(this.options.max, Math.max(this.options.min, count));
  }
}
