import { appendFileSync } from 'node:fs';
import { printable, toAscii } from '../text.ts';
import { Redactor } from './redactor.ts';

/**
 * Where the user's messages go. Everything passes through the redactor and is made ASCII (a
 * Windows code page cannot print anything else). A closed or broken stream (`bookout run | head`)
 * never ends the run: from then on output is dropped, and the log file still has everything.
 */
export class ConsoleOutput {
  readonly stream: NodeJS.WriteStream;
  readonly redactor: Redactor;
  #broken = false;
  #above: ((text: string) => void) | undefined;

  constructor(stream: NodeJS.WriteStream = process.stdout, redactor = new Redactor(), watchStream = true) {
    this.stream = stream;
    this.redactor = redactor;
    if (watchStream)
      stream.on('error', () => {
        this.#broken = true;
      });
  }

  get isTerminal(): boolean {
    return this.stream.isTTY === true && !this.#broken;
  }

  /** False once the stream was closed by its reader. */
  get isOpen(): boolean {
    return !this.#broken && !this.stream.destroyed && this.stream.writable;
  }

  clean(text: string): string {
    return toAscii(this.redactor.redact(text));
  }

  line(text = ''): void {
    const line = `${this.clean(text)}\n`;
    if (this.#above) this.#above(line);
    else this.write(line);
  }

  /**
   * While a live display redraws the last lines of the screen, `line()` hands its text (cleaned) to
   * `print`, which puts it above the live area; undefined ends that.
   */
  printAbove(print: ((text: string) => void) | undefined): void {
    this.#above = print;
  }

  /** Writes text already cleaned. */
  write(text: string): void {
    if (!this.isOpen) return;
    try {
      this.stream.write(text);
    } catch {
      this.#broken = true;
    }
  }
}

/**
 * One account's share of the console in a run of several accounts: each line starts with
 * `[<account>] `, and there is no live display (progress comes as plain lines).
 */
export class LabelledOutput extends ConsoleOutput {
  readonly label: string;
  #parent: ConsoleOutput;

  constructor(parent: ConsoleOutput, label: string) {
    super(parent.stream, parent.redactor, false);
    this.#parent = parent;
    this.label = label;
  }

  override get isTerminal(): boolean {
    return false;
  }

  override get isOpen(): boolean {
    return this.#parent.isOpen;
  }

  override line(text = ''): void {
    this.#parent.line(`[${this.label}] ${text}`);
  }

  override printAbove(): void {
    // no live display of its own
  }

  override write(text: string): void {
    this.#parent.write(text);
  }
}

export type Level = 'info' | 'warn' | 'error' | 'detail';

/** One thing that happened, as data. `detail` entries go to the log file only. */
export interface LogEntry {
  at: number;
  level: Level;
  text: string;
  /** The vehicle it is about, if any. */
  ref?: string;
  /** The tab it happened in, if any. */
  tab?: number;
  /** The cause, for failures (the failure's kind). */
  cause?: string;
  /** The technical text behind a failure (the browser's own words), for the log files only. */
  technical?: string;
  /** On the last entry of a run: how it ended. */
  verdict?: { status: string; exitCode: number; message?: string };
}

export interface LogSink {
  write(entry: LogEntry): void;
}

/**
 * The run's log: entries fan out to every sink (the log file, the console, a dashboard...). Text
 * is redacted before any sink sees it; a sink that fails is dropped from that entry, never the run.
 */
export class Log {
  #sinks = new Set<LogSink>();
  #redactor: Redactor;

  constructor(redactor: Redactor) {
    this.#redactor = redactor;
  }

  /** Adds a sink; returns the function that removes it. */
  add(sink: LogSink): () => void {
    this.#sinks.add(sink);
    return () => this.#sinks.delete(sink);
  }

  info(text: string, fields: Partial<LogEntry> = {}): void {
    this.write({ ...fields, at: Date.now(), level: 'info', text });
  }

  warn(text: string, fields: Partial<LogEntry> = {}): void {
    this.write({ ...fields, at: Date.now(), level: 'warn', text });
  }

  error(text: string, fields: Partial<LogEntry> = {}): void {
    this.write({ ...fields, at: Date.now(), level: 'error', text });
  }

  /** Only in the log file (details a user does not need on screen). */
  detail(text: string, fields: Partial<LogEntry> = {}): void {
    this.write({ ...fields, at: Date.now(), level: 'detail', text });
  }

  write(entry: LogEntry): void {
    const redact = (text: string) => this.#redactor.redact(text);
    const clean: LogEntry = { ...entry, text: redact(entry.text) };
    if (entry.technical !== undefined) clean.technical = redact(entry.technical);
    if (entry.verdict?.message !== undefined)
      clean.verdict = { ...entry.verdict, message: redact(entry.verdict.message) };
    for (const sink of this.#sinks) {
      try {
        sink.write(clean);
      } catch {
        // one sink failing must not keep the others from the entry, nor stop the run
      }
    }
  }
}

/** Appends every entry to a text file, one line each with its time. */
export class FileLogSink implements LogSink {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  write(entry: LogEntry): void {
    const where = [entry.tab ? `tab ${entry.tab}` : '', entry.cause ? `cause ${entry.cause}` : ''].filter(Boolean);
    const suffix = where.length ? ` [${where.join(', ')}]` : '';
    const technical = entry.technical ? `\n${' '.repeat(32)}${toAscii(printable(entry.technical))}` : '';
    try {
      const line = `${new Date(entry.at).toISOString()} ${entry.level.padEnd(6)} ${toAscii(entry.text)}${suffix}${technical}\n`;
      appendFileSync(this.path, line, { mode: 0o600 });
    } catch {
      // the log is a convenience; the ledger is what must not fail
    }
  }
}

/**
 * Appends every entry to a JSON-lines file (LOG_JSON), one object a line, for programs that read
 * the log: `at` (ISO time), `level`, `text`, and `ref`, `tab`, `cause`, `technical`, `verdict` when known.
 */
export class JsonLogSink implements LogSink {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  write(entry: LogEntry): void {
    const { at, level, text, ref, tab, cause, technical, verdict } = entry;
    const record = {
      at: new Date(at).toISOString(),
      level,
      text,
      ref,
      tab,
      cause,
      technical,
      verdict: verdict && { status: verdict.status, exit_code: verdict.exitCode, message: verdict.message },
    };
    try {
      appendFileSync(this.path, `${JSON.stringify(record)}\n`);
    } catch {
      // as the text log: a convenience
    }
  }
}

/** The console's view of an entry: info as is, warnings and errors with their level and time. */
export function consoleText(entry: LogEntry): string {
  if (entry.level === 'info') return entry.text;
  const time = new Date(entry.at).toTimeString().slice(0, 8);
  return `${time} ${entry.level.toUpperCase()}: ${entry.text}`;
}

/** Prints entries (but details) on the console as lines. */
export class ConsoleLogSink implements LogSink {
  #output: ConsoleOutput;

  constructor(output: ConsoleOutput) {
    this.#output = output;
  }

  write(entry: LogEntry): void {
    if (entry.level !== 'detail') this.#output.line(consoleText(entry));
  }
}
