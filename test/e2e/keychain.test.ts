// The OS keychain path with a real Secret Service (GNOME Keyring under dbus-run-session): the
// password saved there is what `bookout run` uses when JD_PASS is not set, `bookout forget-password`
// removes it, and the session-sealing key lives there instead of in a file; without a keychain,
// the key file as before.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AsyncEntry } from '@napi-rs/keyring';
import type { Browser } from 'playwright-core';
import { passwordAccount } from '../../src/config/keychain.ts';
import { sessionKeyAccount } from '../../src/session/session-key.ts';
import { launchTestBrowser } from '../support/browser.ts';
import { openWorkspace, runCli, startCli, type Workspace } from '../support/harness.ts';
import { secretServiceMissing, startSecretService, type SecretService } from '../support/secret-service.ts';
import { pageUrl, waitForPhase } from '../support/web-page.ts';

const missing = secretServiceMissing();

describe('the OS keychain, with a real Secret Service', { skip: missing ?? false, timeout: 300_000 }, () => {
  let ws: Workspace;
  let keyring: SecretService;
  let env: Record<string, string>;
  const stateDir = () => join(ws.dir, 'state');
  const keyFile = () => join(stateDir(), 'keys', 'session.key');

  /** Reads the keyring as another program would (this test process joins the same D-Bus session). */
  const entry = (account: string) => new AsyncEntry('bookout', account, { linux: { store: 'secret-service' } });

  before(async () => {
    ws = await openWorkspace({ vehicles: 6 });
    keyring = await startSecretService();
    process.env.DBUS_SESSION_BUS_ADDRESS = keyring.address;
    env = ws.env({ DBUS_SESSION_BUS_ADDRESS: keyring.address, BOOKOUT_KEYCHAIN: 'on' });
    delete env.JD_PASS;
  });
  after(async () => {
    delete process.env.DBUS_SESSION_BUS_ADDRESS;
    await keyring?.stop();
    await ws?.close();
  });

  it('without a keychain (no D-Bus session) the session key is a file readable by the user only', async () => {
    const result = await runCli(['run', '--progress', 'plain'], ws.env(), ws.dir);
    assert.equal(result.code, 0, result.stdout);
    assert.equal(statSync(keyFile()).mode & 0o777, 0o600);
  });

  it('with JD_PASS not set and nothing saved, the message says the keychain has no password either', async () => {
    const result = await runCli(['run', '--new'], env, ws.dir);
    assert.equal(result.code, 2, result.stdout);
    assert.match(result.stdout, /JD_PASS is not set/);
    assert.match(result.stdout, /No password is saved in the OS keychain for this user either/);
  });

  it('the web page saves the password typed in the keychain when "remember" is ticked, once the portal took it', async () => {
    const { username, password } = ws.portal.credentials;
    const ui = startCli(['ui', '--no-open'], env, ws.dir);
    let browser: Browser | undefined;
    try {
      const url = await pageUrl(ui);
      browser = await launchTestBrowser();
      const page = await browser.newPage();
      await page.goto(url.href);
      await waitForPhase(page, 'idle');
      await page.fill('#password', 'a-wrong-password');
      await page.check('#remember');
      await page.click('#start');
      await waitForPhase(page, 'failed');
      assert.equal(
        await entry(passwordAccount(ws.portal.url, username)).getPassword(),
        null,
        'a refused one is not kept',
      );
      await page.fill('#password', password);
      await page.check('#remember');
      await page.fill('#maxDownloads', '2');
      await page.click('#start');
      await waitForPhase(page, /finished|stopped/);
      assert.equal(await entry(passwordAccount(ws.portal.url, username)).getPassword(), password);
    } finally {
      await browser?.close();
      ui.child.kill('SIGINT');
      await ui.done;
    }
    assert.equal(ui.output().includes(password), false);
  });

  it('bookout run takes the saved password; the session key has moved from its file into the keychain', async () => {
    const { password } = ws.portal.credentials;
    ws.portal.resetStats();
    const result = await runCli(['run', '--new', '--progress', 'plain'], env, ws.dir);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(ws.portal.stats().logins.accepted, 1);
    assert.equal(ws.portal.stats().logins.wrongCredentials, 0);
    assert.equal(result.stdout.includes(password), false);
    const key = await entry(sessionKeyAccount(stateDir())).getPassword();
    assert.equal(Buffer.from(key ?? '', 'base64').length, 32, 'a 32-byte key in the keychain');
    assert.equal(existsSync(keyFile()), false, 'the key file is gone');
  });

  it('bookout forget-password removes the saved password; then run asks for one again', async () => {
    const first = await runCli(['forget-password'], env, ws.dir);
    assert.equal(first.code, 0, first.stdout);
    assert.match(first.stdout, /Removed the password saved in the OS keychain/);
    assert.equal(first.stdout.includes(ws.portal.credentials.username), false);
    assert.equal(await entry(passwordAccount(ws.portal.url, ws.portal.credentials.username)).getPassword(), null);
    const again = await runCli(['forget-password'], env, ws.dir);
    assert.match(again.stdout, /nothing to remove/);
    const run = await runCli(['run', '--new'], env, ws.dir);
    assert.equal(run.code, 2);
  });
});
