import { ExitCode } from '../errors.ts';
import type { ConsoleOutput } from '../ui/console.ts';

/** After a second Ctrl-C, what must still happen (one quick logout) may take this long in all. */
const QUIT_WITHIN_MS = 3000;

/** Signals that ask a run to stop: Ctrl-C, `kill`, a closed terminal or SSH session, Ctrl-Break and a closed console window on Windows. */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'];

export interface Interruption {
  /** Aborted by the first stop signal: the run stops cleanly (tabs stopped, state saved, logout, report). */
  stop: AbortSignal;
  /** Registers what must still happen when the user insists (a second signal) before the process quits. */
  onQuit(last: () => Promise<void>): void;
}

/**
 * Runs `work` with the stop signals wired to a clean stop: the first one aborts `stop`; a second
 * one quits at once, after the registered last steps (bounded: one quick logout attempt). The state
 * on disk stays consistent either way: every change to it is atomic.
 */
export async function interruptible<V>(
  output: ConsoleOutput,
  work: (interruption: Interruption) => Promise<V>,
): Promise<V> {
  const controller = new AbortController();
  const lastSteps: Array<() => Promise<void>> = [];
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      const why = signal === 'SIGHUP' ? 'The terminal was closed: stopping' : 'Stopping';
      output.line(`${why} cleanly (saving state, logging out). Press Ctrl-C again to quit at once.`);
      controller.abort();
      return;
    }
    void quit(output, lastSteps);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  try {
    return await work({ stop: controller.signal, onQuit: (last) => lastSteps.push(last) });
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
}

async function quit(output: ConsoleOutput, lastSteps: Array<() => Promise<void>>): Promise<never> {
  output.line(
    'Quitting at once (one quick logout attempt). Finished PDFs and the state are safe; run bookout again to continue.',
  );
  const timer = new Promise((resolve) => setTimeout(resolve, QUIT_WITHIN_MS).unref());
  await Promise.race([Promise.allSettled(lastSteps.map((step) => step())), timer]);
  process.exit(ExitCode.interrupted);
}
