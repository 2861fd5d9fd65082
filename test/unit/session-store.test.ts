import assert from 'node:assert/strict';
import { scryptSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { unsealCookies } from '../../src/session/sealed-cookies.ts';
import { SessionStore } from '../../src/session/session-store.ts';

const cookie = {
  name: '.ASPXAUTH',
  value: 'live-session-cookie',
  domain: 'portal',
  path: '/',
  expires: -1,
  httpOnly: true,
  secure: true,
  sameSite: 'Lax' as const,
};
const origin = 'https://extapps.jdpowervalues.com';

// The key file, not the machine's own keychain (test/e2e/keychain.test.ts covers that one).
process.env.BOOKOUT_KEYCHAIN = 'off';

describe('the per-user session store', { timeout: 10_000 }, () => {
  let state: string;
  beforeEach(() => {
    state = mkdtempSync(join(tmpdir(), 'bookout-state-'));
  });
  afterEach(() => rmSync(state, { recursive: true, force: true }));

  it('keeps one session per portal and user, whatever the download folder, and forgets it at logout', async () => {
    const store = new SessionStore(state, origin, 'dealer1');
    await store.save([cookie]);
    assert.deepEqual(await new SessionStore(state, origin, 'dealer1').load(), [cookie], 'another run finds it');
    assert.equal(await new SessionStore(state, origin, 'dealer2').load(), null, 'another user does not');
    assert.equal(await new SessionStore(state, 'https://other.example', 'dealer1').load(), null, 'nor another portal');
    store.clear();
    assert.equal(await store.load(), null);
  });

  it('the sealed session cannot be opened with the right password alone: it needs the key kept apart', async () => {
    const store = new SessionStore(state, origin, 'dealer1');
    await store.save([cookie]);
    const sealed = readFileSync(store.file);
    assert.equal(sealed.includes('live-session-cookie'), false);
    const account = `${origin}\ndealer1`;
    const fromPassword = scryptSync(`dealer1\nthe-right-password\n${origin}`, 'salt', 32);
    assert.equal(unsealCookies(sealed, fromPassword, account), null, 'a key derived from the credentials');
    rmSync(join(state, 'keys'), { recursive: true });
    assert.equal(
      await new SessionStore(state, origin, 'dealer1').load(),
      null,
      'without the key file the session is useless',
    );
    if (process.platform !== 'win32') assert.equal(statSync(store.file).mode & 0o777, 0o600);
  });
});
