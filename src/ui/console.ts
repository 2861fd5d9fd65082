import { appendFileSync } from 'node:fs';
import { toAscii } from './text.ts';

/** Where the user's messages go. Everything passes through `redact` and is made ASCII. */
export class ConsoleOutput {
  readonly stream: NodeJS.WriteStream;
  #redact: (text: string) => string;

  constructor(stream: NodeJS.WriteStream = process.stdout, redact: (text: string) => string = (text) => text) {
    this.stream = stream;
    this.#redact = redact;
  }

  get isTerminal(): boolean {
    return this.stream.isTTY === true;
  }

  /** Also hides these secrets from now on (the credentials, once known). */
  setRedactor(redact: (text: string) => string): void {
    this.#redact = redact;
  }

  clean(text: string): string {
    return toAscii(this.#redact(text));
  }

  line(text = ''): void {
    this.stream.write(`${this.clean(text)}\n`);
  }
}

export type Level = 'info' | 'warn' | 'error';

/** Receives log events for display (the progress display prints them above its live lines). */
export interface EventSink {
  event(level: Level, text: string): void;
}

/** The run's log: every event with a timestamp in run_data/bookout.log, and on the console. */
export class RunLog {
  #file: string | null;
  #output: ConsoleOutput;
  #sink: EventSink;

  constructor(file: string | null, output: ConsoleOutput, sink?: EventSink) {
    this.#file = file;
    this.#output = output;
    this.#sink = sink ?? { event: (_level, text) => output.line(text) };
  }

  setSink(sink: EventSink): void {
    this.#sink = sink;
  }

  info(text: string): void {
    this.#log('info', text);
  }

  warn(text: string): void {
    this.#log('warn', text);
  }

  error(text: string): void {
    this.#log('error', text);
  }

  /** Only in the log file (details a user does not need on screen). */
  detail(text: string): void {
    this.#append('detail', text);
  }

  #log(level: Level, text: string): void {
    this.#append(level, text);
    const prefix = level === 'info' ? '' : `${level.toUpperCase()}: `;
    this.#sink.event(level, this.#output.clean(`${prefix}${text}`));
  }

  #append(level: string, text: string): void {
    if (!this.#file) return;
    try {
      appendFileSync(this.#file, `${new Date().toISOString()} ${level.padEnd(6)} ${this.#output.clean(text)}\n`);
    } catch {
      // the log is a convenience; the ledger is what must not fail
    }
  }
}
