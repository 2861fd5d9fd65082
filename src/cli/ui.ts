import type { Command } from 'commander';
import { systemKeychain } from '../config/keychain.ts';
import type { Settings } from '../config/settings.ts';
import { ExitCode } from '../errors.ts';
import { valuesOnline } from '../portal/values-online/index.ts';
import { userStateFolder } from '../session/state-folder.ts';
import type { ConsoleOutput } from '../ui/console.ts';
import { RunControl } from '../web/control.ts';
import { servePage } from '../web/serve.ts';
import type { WebServer } from '../web/server.ts';
import { RunWatch } from '../web/watch.ts';
import { settingsFrom } from './program.ts';
import { interruptible } from './signals.ts';

/** How long `bookout run --ui` keeps serving its page after the run, while the page is open. */
const PAGE_AFTER_RUN_MS = 10 * 60_000;

/** `bookout ui`: the web page, with runs started and stopped from it, until Ctrl-C. */
export async function uiCommand(output: ConsoleOutput, command: Command, open: boolean): Promise<number> {
  const defaults = settingsFrom(command);
  output.redactor.add([defaults.password, defaults.username].filter((secret) => secret !== undefined));
  return interruptible(output, async ({ stop, onQuit }) => {
    const control = new RunControl({
      defaults,
      portalKind: valuesOnline,
      output,
      keychain: systemKeychain(),
      stopSignal: stop,
      onQuit,
    });
    const server = await servePage(control, output, { open, stateFolder: userStateFolder() });
    output.line('Press Ctrl-C here to end bookout ui (a run in progress stops cleanly first).');
    await new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }));
    const wasRunning = control.busy;
    await control.idle();
    await server.close();
    return wasRunning ? ExitCode.interrupted : ExitCode.ok;
  });
}

export interface WatchPage {
  watch: RunWatch;
  server: WebServer;
}

/** `bookout run --ui`: the page of this run. */
export async function watchPage(output: ConsoleOutput, settings: Settings, open: boolean): Promise<WatchPage> {
  const watch = new RunWatch(settings, output);
  const server = await servePage(watch, output, { open, stateFolder: userStateFolder() });
  return { watch, server };
}

/** After the run, the page stays while it is open (it shows the report), at most 10 minutes; a signal ends it. */
export async function keepPageWhileOpen(output: ConsoleOutput, server: WebServer): Promise<void> {
  server.broadcast();
  if (server.pagesOpen === 0) return;
  output.line('The web page shows the report until you close it (at most 10 minutes; Ctrl-C ends bookout now).');
  const ended = new AbortController();
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'];
  const onSignal = () => ended.abort();
  for (const signal of signals) process.on(signal, onSignal);
  try {
    await server.untilPagesClosed(PAGE_AFTER_RUN_MS, ended.signal);
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
  }
}
