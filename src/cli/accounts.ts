import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { assertNoPasswordInFile, passwordOf, readAccounts, type Account } from '../config/accounts.ts';
import { systemKeychain, type Keychain } from '../config/keychain.ts';
import { environmentOf, type Settings } from '../config/settings.ts';
import { UserError } from '../errors.ts';
import type { GroupAccount } from '../job/run-group.ts';
import { listRunFolders, runPaths } from '../output/run-folders.ts';
import { formatDuration } from '../text.ts';
import type { ConsoleOutput } from '../ui/console.ts';
import { settingsFrom } from './program.ts';
import { asciiJson, statusOf, type StatusReport } from './status.ts';

/** The accounts of the file with their passwords (from the environment, .env or the keychain). */
export async function groupAccounts(
  file: string,
  settings: Settings,
  envFile: string | undefined,
  keychain: Keychain = systemKeychain(),
): Promise<GroupAccount[]> {
  const accounts = readAccounts(file, { portalUrl: settings.portalUrl });
  const env = environmentOf(envFile);
  const problems: string[] = [];
  const found: GroupAccount[] = [];
  for (const account of accounts) {
    try {
      found.push({
        ...account,
        password: await passwordOf(account, account.portalUrl ?? settings.portalUrl, env, keychain),
      });
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      problems.push(error.message);
    }
  }
  assertNoPasswordInFile(file, new Map(found.map((account) => [account.name, account.password])));
  if (problems.length) throw new UserError(`Some accounts have no password:\n  - ${problems.join('\n  - ')}`);
  return found;
}

/** The group's settings: the flags, environment and .env, without a user or password of their own. */
export function groupSettings(command: Command): Settings {
  return settingsFrom(command);
}

export interface AccountStatus {
  account: string;
  /** `none`: no run yet. */
  state: StatusReport['state'] | 'none';
  run: StatusReport | null;
}

/** The status of the latest run of each account of the file. */
export function accountStatuses(accounts: readonly Account[], settings: Settings): AccountStatus[] {
  return accounts.map((account) => {
    const folder = join(resolve(account.out ?? settings.downloadFolder), account.name);
    const latest = listRunFolders(folder)[0];
    if (!latest) return { account: account.name, state: 'none', run: null };
    const run = statusOf(runPaths(latest));
    return { account: account.name, state: run.state, run };
  });
}

/** `bookout status --accounts FILE`: a line per account (or one JSON list). */
export function groupStatusCommand(
  output: ConsoleOutput,
  settings: Settings,
  file: string,
  options: { json?: boolean },
): number {
  const statuses = accountStatuses(readAccounts(file, { portalUrl: settings.portalUrl }), settings);
  if (options.json) {
    output.write(`${asciiJson(statuses)}\n`);
    return 0;
  }
  for (const status of statuses) {
    const run = status.run;
    if (!run) {
      output.line(`${status.account}: no run yet`);
      continue;
    }
    const { counts } = run;
    const time = formatDuration(run.run_time_hours * 3_600_000);
    output.line(
      `${status.account}: ${run.state}, ${counts.done} of ${counts.total} done, ${counts.failed} failed, ` +
        `${counts.to_do} to do, run time ${time} (${run.run_folder})`,
    );
  }
  return 0;
}
