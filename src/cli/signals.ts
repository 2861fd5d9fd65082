import type { ConsoleOutput } from '../ui/console.ts';

/**
 * Runs `work` with Ctrl-C (and SIGTERM) wired to a clean stop: the first one aborts the signal
 * given to `work` (state saved, logout, summary); a second one exits at once (the state on disk
 * stays consistent: every change to it is atomic).
 */
export async function interruptible<V>(output: ConsoleOutput, work: (stop: AbortSignal) => Promise<V>): Promise<V> {
  const controller = new AbortController();
  const onSignal = () => {
    if (!controller.signal.aborted) {
      output.line('Stopping cleanly (saving state, logging out). Press Ctrl-C again to quit at once.');
      controller.abort();
      return;
    }
    output.line('Quitting at once. Finished PDFs and the state are safe; run bookout again to continue.');
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
