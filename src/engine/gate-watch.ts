import type { AnswerTimeAt, GateRound } from './request-gate.ts';

/** The gate as the watch uses it (RequestGate). */
export interface WatchedGate {
  readonly name: string;
  limit: number;
  round(): GateRound;
  startRound(): void;
  answerTimes(): AnswerTimeAt[];
}

/** What the gate showed over a round. */
export interface GateReading {
  answers: number;
  /** Answers' mean time over their usual time; null while the usual time is not known. */
  slowdown: number | null;
  /** Requests waiting at the gate, on average over the round. */
  waiting: number;
  /** The gate's limit after the round. */
  limit: number;
}

/** Answers over this share of their usual time waited at the server. */
const USUAL_PACE = 1.1;
/** A round's weight in the slowdown the limit follows (a moving average). */
const SLOWDOWN_WEIGHT = 0.3;
/** Requests waiting at the gate on average: with this many or more it held back enough to let one more through. */
const HELD_BACK = 0.1;
/** A round with fewer answers tells nothing. */
const ENOUGH_ANSWERS = 10;
/** The usual answer time pools the lowest levels of requests in flight until they hold this many answers... */
const POOLED_SAMPLES = 12;
/** ...counting a level's answers up to about the window of its moving average. */
const LEVEL_WINDOW = 20;

/**
 * Sets the limit of a RequestGate from what its answers show, round by round. Answers slower than
 * usual waited at the server: the limit goes towards what the server answers at once at its usual
 * pace (Little's law) plus one, so that a sudden fall of its capacity cannot pile requests up there.
 * Answers at their usual pace while the gate held requests back: one more.
 */
export class GateWatch {
  readonly gate: WatchedGate;
  #usualAnswerMs: number | null = null;
  /** The slowdown of the last rounds: a moving average (one round of a few answers can be lucky). */
  #slowdown: number | null = null;

  constructor(gate: WatchedGate) {
    this.gate = gate;
  }

  startRound(): void {
    this.gate.startRound();
  }

  /**
   * Ends the gate's round with the caller's round. The limit follows the slowdown of the last rounds,
   * one step a round; it is set at once where it had none.
   */
  endRound(): GateReading {
    const round = this.gate.round();
    this.gate.startRound();
    const reading = this.#read(round);
    if (reading.slowdown === null || reading.answers < ENOUGH_ANSWERS) return reading;
    const slowdown = this.#smoothed(reading.slowdown);
    const limit = this.gate.limit;
    if (slowdown > USUAL_PACE) {
      const target = Math.max(1, Math.round(round.meanInFlight / slowdown) + 1);
      this.gate.limit = Number.isFinite(limit) ? Math.max(1, limit + Math.sign(target - limit)) : target;
    } else if (slowdown <= 1 && round.meanWaiting >= HELD_BACK && Number.isFinite(limit)) {
      this.gate.limit = limit + 1;
    }
    return { ...reading, limit: this.gate.limit };
  }

  #smoothed(slowdown: number): number {
    this.#slowdown =
      this.#slowdown === null ? slowdown : this.#slowdown + SLOWDOWN_WEIGHT * (slowdown - this.#slowdown);
    return this.#slowdown;
  }

  /** A request or more waited at the server or at the gate: one worker more would only wait too. */
  queues(reading: GateReading | null): boolean {
    if (!reading) return false;
    return reading.waiting >= 0.5 || (reading.slowdown !== null && reading.slowdown > USUAL_PACE);
  }

  /** Too few answers in the round to tell whether one worker more would only wait. */
  unsure(reading: GateReading | null): boolean {
    return reading !== null && (reading.answers < ENOUGH_ANSWERS || reading.slowdown === null);
  }

  #read(round: GateRound): GateReading {
    const usual = this.#learnUsualAnswer();
    const slowdown = usual === null || round.answers === 0 ? null : round.meanAnswerMs / usual;
    return { answers: round.answers, slowdown, waiting: round.meanWaiting, limit: this.gate.limit };
  }

  /**
   * The usual answer time: that of the requests sent with the fewest others in flight, the levels
   * from the lowest up pooled until they hold enough answers. However few places the server has,
   * those hardly waited for one. A server slower for every request moves it too: the limit it
   * lowers sends more requests with few in flight, whose answers are then as slow.
   */
  #learnUsualAnswer(): number | null {
    let samples = 0;
    let weighted = 0;
    for (const level of this.gate.answerTimes()) {
      const weight = Math.min(level.samples, LEVEL_WINDOW);
      samples += weight;
      weighted += weight * level.meanMs;
      if (samples >= POOLED_SAMPLES) break;
    }
    if (samples >= POOLED_SAMPLES) this.#usualAnswerMs = weighted / samples;
    return this.#usualAnswerMs;
  }
}
