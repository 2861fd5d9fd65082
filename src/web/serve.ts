import { join } from 'node:path';
import type { ConsoleOutput } from '../ui/console.ts';
import { openInBrowser } from './open-page.ts';
import { WebServer, type WebApp } from './server.ts';

export interface ServeOptions {
  /** Open the page in the default browser; otherwise only print its address. */
  open: boolean;
  /** bookout's per-user state folder: the file that forwards the browser to the page lives there a moment. */
  stateFolder: string;
}

/** Starts the page's server for `app`, opens the page (or prints its address) and says so. */
export async function servePage(app: WebApp, output: ConsoleOutput, options: ServeOptions): Promise<WebServer> {
  const server = await WebServer.start(app);
  // The address holds the page's token: it is printed on this terminal only, never logged.
  if (options.open) {
    try {
      const remove = await openInBrowser(server.url, join(options.stateFolder, 'ui'));
      server.onPageSeen(remove);
      setTimeout(remove, 120_000).unref();
      process.once('exit', remove);
      output.line(`The bookout page is open in your browser; if not, open ${server.url}`);
      return server;
    } catch {
      output.line('No browser could be opened here.');
    }
  }
  output.line(`The bookout page: ${server.url} (this address is the key to it: keep it to yourself)`);
  return server;
}
