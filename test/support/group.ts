// A dealer group for the tests: one simulated portal per account, each with its own user and
// password (the portal allows one session per user), an accounts file naming where each password
// comes from, and the environment that holds them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPortal, type PortalOptions, type SimPortal } from '../../sim/index.ts';

export interface GroupAccount {
  name: string;
  portal: SimPortal;
  /** The variable the accounts file names for its password. */
  passwordVariable: string;
}

export interface GroupWorkspace {
  dir: string;
  downloads: string;
  accountsFile: string;
  accounts: GroupAccount[];
  /** The environment of a bookout of this group: every account's password under its variable. */
  env(extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

export async function openGroup(
  names: readonly string[],
  options: Partial<PortalOptions> = {},
  tabs = 3,
): Promise<GroupWorkspace> {
  const dir = mkdtempSync(join(tmpdir(), 'bookout-group-'));
  const downloads = join(dir, 'downloads');
  const accounts: GroupAccount[] = [];
  for (const [index, name] of names.entries()) {
    const portal = await startPortal({
      profile: 'instant',
      seed: 11 + index,
      ...options,
      credentials: { username: `${name}.dealer`, password: `${name}-secret-${index + 1}x` },
    });
    accounts.push({ name, portal, passwordVariable: `${name.toUpperCase()}_PASS` });
  }
  const accountsFile = join(dir, 'accounts.csv');
  const rows = accounts.map(
    (account) =>
      `${account.name},${account.portal.credentials.username},env:${account.passwordVariable},${tabs},${account.portal.url}`,
  );
  writeFileSync(accountsFile, `name,user,password_from,tabs,portal_url\n${rows.join('\n')}\n`);
  return {
    dir,
    downloads,
    accountsFile,
    accounts,
    env: (extra = {}) => ({
      DOWNLOAD_FOLDER: downloads,
      BOOKOUT_STATE_DIR: join(dir, 'state'),
      BOOKOUT_KEYCHAIN: 'off',
      KEEP_AWAKE: 'false',
      ...Object.fromEntries(accounts.map((account) => [account.passwordVariable, account.portal.credentials.password])),
      ...(process.env.BROWSER_PATH ? { BROWSER_PATH: process.env.BROWSER_PATH } : {}),
      ...extra,
    }),
    close: async () => {
      await Promise.all(accounts.map((account) => account.portal.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
