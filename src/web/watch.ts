import type { Settings } from '../config/settings.ts';
import type { ConsoleOutput } from '../ui/console.ts';
import { notifyDesktop } from '../ui/notify.ts';
import { endNotice, formOf } from './control.ts';
import { RunMonitor } from './monitor.ts';
import type { WebApp } from './server.ts';

/**
 * `bookout run --ui`: the page of a run started from the terminal. Its settings are shown as they
 * are (read-only, never a credential); Stop aborts the run's stop signal, as the first Ctrl-C does.
 */
export class RunWatch implements WebApp {
  readonly monitor: RunMonitor;
  #stop = new AbortController();
  #output: ConsoleOutput;

  constructor(settings: Settings, output: ConsoleOutput) {
    this.#output = output;
    const form = formOf(settings, String(settings.workers));
    this.monitor = new RunMonitor('watch', form);
    this.monitor.begin(form, { finished: (end) => void notifyDesktop('bookout', endNotice(end)) });
  }

  /** Aborted when Stop is pressed on the page. */
  get stopSignal(): AbortSignal {
    return this.#stop.signal;
  }

  state() {
    return this.monitor.state();
  }

  reportPath(): string | undefined {
    return this.monitor.reportPath;
  }

  async start() {
    return {
      ok: false as const,
      status: 409,
      message: 'This page shows a run started from the terminal; start new runs with bookout ui.',
    };
  }

  stop() {
    if (this.monitor.phase !== 'starting' && this.monitor.phase !== 'running')
      return { ok: false as const, status: 409, message: 'The run is not working now.' };
    if (!this.#stop.signal.aborted) {
      this.#output.line('Stopping cleanly (asked on the web page): saving state, logging out.');
      this.#stop.abort();
      this.monitor.stopping();
    }
    return { ok: true as const };
  }
}
