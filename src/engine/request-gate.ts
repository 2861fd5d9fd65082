import { SharedBudget } from './shared-budget.ts';

/** The answer time of requests sent with `inFlight` in flight (themselves included). */
export interface AnswerTimeAt {
  inFlight: number;
  /** A moving average over the last answers or so (a plain mean until there are enough). */
  meanMs: number;
  samples: number;
}

/** What the gate saw since its round began. */
export interface GateRound {
  /** When the round began (ms since epoch, or the gate's clock). */
  since: number;
  /** Answers that came back in the round to requests sent in it (those sent before met another limit). */
  answers: number;
  /** Their mean time from sending to answer; 0 without answers. */
  meanAnswerMs: number;
  /** Requests in flight, on average over the round's time. */
  meanInFlight: number;
  /** Requests waiting to be sent, on average over the round's time. */
  meanWaiting: number;
}

/** A new answer's weight in the answer time of its level, once the level has that many answers behind it. */
const LEVEL_WEIGHT = 0.05;

export interface RequestGateOptions {
  /** Names the requests in messages ("PDF requests"). Default "requests". */
  name: string;
  /** Requests in flight at most at the start; Infinity: no limit. Default Infinity. */
  limit: number;
  /** The clock (ms). Default Date.now. */
  now: () => number;
  /** Told each time the limit changes. Default: nobody. */
  onLimit: (limit: number, before: number) => void;
}

/**
 * The requests of one kind that cost the server most (they wait in line for its few workers): at most
 * `limit` of them in flight at once, the others wait here, first come first served, instead of at the
 * server. It measures how long answers take and how many were in flight and waiting, by round, for
 * whoever sets the limit (the concurrency controller).
 */
export class RequestGate {
  readonly name: string;
  #onLimit: RequestGateOptions['onLimit'];
  #permits: SharedBudget;
  #now: () => number;
  #round = { since: 0, answers: 0, answerMs: 0 };
  #byInFlight = new Map<number, { meanMs: number; samples: number }>();
  /** Time integrals of the counts since the round began, and the counts and time they were last read. */
  #area = { inFlight: 0, waiting: 0 };
  #last: { at: number; inFlight: number; waiting: number };

  constructor(options: Partial<RequestGateOptions> = {}) {
    this.name = options.name ?? 'requests';
    this.#now = options.now ?? Date.now;
    this.#onLimit = options.onLimit ?? (() => undefined);
    this.#permits = new SharedBudget(options.limit ?? Number.POSITIVE_INFINITY);
    const now = this.#now();
    this.#round.since = now;
    this.#last = { at: now, inFlight: 0, waiting: 0 };
  }

  get limit(): number {
    return this.#permits.size;
  }

  /** A whole number of at least 1, or Infinity. Raising it lets waiting requests go at once. */
  set limit(limit: number) {
    const before = this.#permits.size;
    if (limit === before) return;
    this.#counted(() => this.#permits.resize(limit));
    this.#onLimit(limit, before);
  }

  get inFlight(): number {
    return this.#permits.used;
  }

  get waiting(): number {
    return this.#permits.waiting;
  }

  /**
   * Sends `send` once a place is free; `inLine` is told when it has to wait first. Rejects with the
   * signal's reason when `signal` aborts while it waits (nothing is sent then).
   */
  async run<V>(send: () => Promise<V>, signal: AbortSignal, inLine?: () => void): Promise<V> {
    const mustWait = this.#permits.used >= this.#permits.size || this.#permits.waiting > 0;
    const admitted = this.#counted(() => this.#permits.acquire(signal));
    if (mustWait) inLine?.();
    try {
      await admitted;
    } finally {
      this.#counted(() => undefined); // admitted, or left the line
    }
    const sentAt = this.#now();
    const inFlight = this.#permits.used;
    try {
      const answer = await send();
      this.#countAnswer(sentAt, inFlight);
      return answer;
    } finally {
      this.#counted(() => this.#permits.release());
    }
  }

  /** Answers to requests sent before the round began met another limit: the round does not count them. */
  #countAnswer(sentAt: number, inFlight: number): void {
    const ms = this.#now() - sentAt;
    const level = this.#byInFlight.get(inFlight) ?? { meanMs: ms, samples: 0 };
    level.samples += 1;
    level.meanMs += Math.max(1 / level.samples, LEVEL_WEIGHT) * (ms - level.meanMs);
    this.#byInFlight.set(inFlight, level);
    const round = this.#round;
    if (sentAt < round.since) return;
    round.answers += 1;
    round.answerMs += ms;
  }

  /** Answer times by how many requests were in flight when each was sent, fewest first. */
  answerTimes(): AnswerTimeAt[] {
    return [...this.#byInFlight.entries()]
      .sort(([a], [b]) => a - b)
      .map(([inFlight, level]) => ({ inFlight, ...level }));
  }

  /** The round so far. */
  round(): GateRound {
    this.#counted(() => undefined);
    const { since, answers, answerMs } = this.#round;
    const span = this.#last.at - since;
    return {
      since,
      answers,
      meanAnswerMs: answers > 0 ? answerMs / answers : 0,
      meanInFlight: span > 0 ? this.#area.inFlight / span : this.#last.inFlight,
      meanWaiting: span > 0 ? this.#area.waiting / span : this.#last.waiting,
    };
  }

  /** Ends the round: the next one starts now. */
  startRound(): void {
    this.#counted(() => undefined);
    this.#round = { since: this.#last.at, answers: 0, answerMs: 0 };
    this.#area = { inFlight: 0, waiting: 0 };
  }

  /** Runs `change` with the counts' time integrals brought up to now before it and read after it. */
  #counted<V>(change: () => V): V {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#last.at);
    this.#area.inFlight += this.#last.inFlight * elapsed;
    this.#area.waiting += this.#last.waiting * elapsed;
    try {
      return change();
    } finally {
      this.#last = { at: now, inFlight: this.#permits.used, waiting: this.#permits.waiting };
    }
  }
}
