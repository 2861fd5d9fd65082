import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { notificationCommand, notifyDesktop } from '../../src/ui/notify.ts';
import { checkRequest, newToken } from '../../src/web/guard.ts';

describe('the web page guard', { timeout: 10_000 }, () => {
  const token = newToken();
  const port = 4321;
  const get = (extra: Partial<Parameters<typeof checkRequest>[0]> = {}) =>
    checkRequest(
      {
        method: 'GET',
        url: `/${token}/api/state`,
        host: `127.0.0.1:${port}`,
        origin: undefined,
        contentType: undefined,
        ...extra,
      },
      token,
      port,
    );

  it('tokens are long, random and URL-safe', () => {
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(newToken(), token);
  });

  it('lets the page through, on 127.0.0.1 or localhost, and gives the path inside the token', () => {
    assert.deepEqual(get(), { ok: true, path: '/api/state' });
    assert.deepEqual(get({ host: `localhost:${port}`, origin: `http://localhost:${port}` }), {
      ok: true,
      path: '/api/state',
    });
    assert.deepEqual(get({ url: `/${token}` }), { ok: true, path: '' });
    assert.deepEqual(get({ url: `/${token}/?x=1` }), { ok: true, path: '/' });
  });

  it('refuses a missing or wrong token, another host, another origin', () => {
    assert.equal(get({ url: '/api/state' }).ok, false);
    assert.equal(get({ url: `/${token.slice(1)}x/api/state` }).ok, false);
    assert.equal(get({ url: `/${token}x/` }).ok, false);
    assert.equal(get({ host: `evil.example:${port}` }).ok, false);
    assert.equal(get({ host: '127.0.0.1:9999' }).ok, false);
    assert.equal(get({ host: undefined }).ok, false);
    assert.equal(get({ origin: 'http://evil.example' }).ok, false);
    assert.equal(get({ origin: `http://localhost:${port}` }).ok, false, 'the origin must be the host it was sent to');
    assert.equal(get({ origin: 'null' }).ok, false);
  });

  it('changes come only as JSON POSTs with their own Origin', () => {
    const post = (extra: Partial<Parameters<typeof checkRequest>[0]>) =>
      get({
        method: 'POST',
        url: `/${token}/api/stop`,
        origin: `http://127.0.0.1:${port}`,
        contentType: 'application/json',
        ...extra,
      });
    assert.deepEqual(post({}), { ok: true, path: '/api/stop' });
    assert.deepEqual(post({ origin: undefined }), { ok: false, status: 403, why: 'origin' });
    assert.deepEqual(post({ contentType: 'text/plain' }), { ok: false, status: 415, why: 'type' });
    assert.equal(post({ method: 'PUT' }).ok, false);
    assert.equal(post({ method: 'OPTIONS' }).ok, false);
  });
});

describe('desktop notifications', { timeout: 20_000 }, () => {
  it('have a command on Linux, macOS and Windows, with the text made harmless', () => {
    assert.equal(notificationCommand('bookout', 'done', 'linux')?.command, 'notify-send');
    const mac = notificationCommand('bookout', 'say "hi" \\ there', 'darwin');
    assert.equal(mac?.command, 'osascript');
    assert.equal(mac?.args[1], `display notification "say 'hi' ' there" with title "bookout"`);
    const windows = notificationCommand('bookout', "it's <done> & over", 'win32');
    assert.equal(windows?.command, 'powershell.exe');
    const script = Buffer.from(windows!.args.at(-1)!, 'base64').toString('utf16le');
    assert.match(script, /it''s &lt;done&gt; &amp; over/);
    assert.equal(notificationCommand('bookout', 'x', 'aix'), null);
  });

  it('never fail where the program is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const started = Date.now();
      await notifyDesktop('bookout', 'test');
      assert.ok(Date.now() - started < 5000);
    } finally {
      process.env.PATH = path;
    }
  });
});
