import { rmSync } from 'node:fs';
import { BrowserHost } from '../browser/browser-host.ts';
import { claimScratchFolder, releaseScratchFolder } from '../browser/scratch-folder.ts';
import { UserError } from '../errors.ts';
import { Ledger } from '../ledger/ledger.ts';
import { SqliteRunLedger } from '../ledger/run-ledger.ts';
import { RunLock } from '../ledger/run-lock.ts';
import { chooseRunFolder, createRunFolder } from '../output/run-folders.ts';
import { SessionStore } from '../session/session-store.ts';
import { userStateFolder } from '../session/state-folder.ts';
import type { RunOutcome, RunRequest } from './run-parts.ts';
import { runWith } from './run-sequence.ts';

export type { RunOutcome, RunParts, RunRequest } from './run-parts.ts';
export { runWith } from './run-sequence.ts';

/** `bookout run`: the whole job, blocking until done, stopped or failed. */
export async function runBookout(request: RunRequest): Promise<RunOutcome> {
  const { settings, output } = request;
  output.redactor.add([settings.password, settings.username]);
  const chosen = chooseRunFolder(settings.downloadFolder, {
    forceNew: request.forceNew,
    continueFinished: request.retryFailed,
    runFolder: request.runFolder,
  });
  const paths = createRunFolder(chosen.paths.root);
  const lock = RunLock.acquire(paths.lock);
  if (!lock) throw new UserError(`Another bookout is already working on ${paths.root}. Wait for it, or stop it first.`);
  let outcome: RunOutcome;
  try {
    const { headless, browserPath } = settings;
    const scratchFolder = claimScratchFolder();
    outcome = await runWith(request, chosen.resumed, {
      paths,
      ledger: new SqliteRunLedger(Ledger.open(paths.ledger)),
      browser: new BrowserHost({ headless, executablePath: browserPath, scratchFolder }),
      sessions: new SessionStore(userStateFolder(), settings.portalUrl, settings.username),
      warnOnNetworkDrive: true,
      afterClose: () => releaseScratchFolder(scratchFolder),
    });
  } finally {
    lock.release();
  }
  // A new run that never got its inventory (a refused login, say) leaves no empty folder behind.
  if (!outcome.metrics && !chosen.resumed) rmSync(paths.root, { recursive: true, force: true });
  return outcome;
}
