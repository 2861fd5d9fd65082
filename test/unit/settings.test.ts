import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadSettings } from '../../src/config/settings.ts';
import { UserError } from '../../src/errors.ts';

const creds = { JD_USER: 'dealer', JD_PASS: 's3cret!' };

describe('settings', { timeout: 30_000 }, () => {
  it('defaults match the documentation', () => {
    const settings = loadSettings({ env: creds, envFile: false });
    assert.equal(settings.workers, 5);
    assert.equal(settings.headless, true);
    assert.equal(settings.blockResources, true);
    assert.equal(settings.taskTimeoutMs, 180_000);
    assert.equal(settings.maxRetries, 2);
    assert.equal(settings.maxDownloads, undefined);
    assert.equal(settings.portalUrl, 'https://extapps.jdpowervalues.com');
  });

  it('accepts CONCURRENT_CONTEXTS and NUM_WORKERS as aliases of WORKERS; flags win over the environment', () => {
    assert.equal(loadSettings({ env: { ...creds, CONCURRENT_CONTEXTS: '7' }, envFile: false }).workers, 7);
    assert.equal(loadSettings({ env: { ...creds, NUM_WORKERS: '3' }, envFile: false }).workers, 3);
    assert.equal(loadSettings({ env: { ...creds, WORKERS: '4', NUM_WORKERS: '3' }, envFile: false }).workers, 4);
    assert.equal(loadSettings({ env: { ...creds, WORKERS: '4' }, flags: { workers: '8' }, envFile: false }).workers, 8);
  });

  it('reads .env, and the environment wins over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bookout-env-'));
    try {
      const file = join(dir, '.env');
      writeFileSync(file, 'JD_USER=fromfile\nJD_PASS="pa ss"\nHEADLESS=false\nTASK_TIMEOUT=30\n');
      const settings = loadSettings({ env: { HEADLESS: 'true' }, envFile: file });
      assert.equal(settings.username, 'fromfile');
      assert.equal(settings.password, 'pa ss');
      assert.equal(settings.headless, true);
      assert.equal(settings.taskTimeoutMs, 30_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists every bad value in one message, without the password', () => {
    assert.throws(
      () =>
        loadSettings({
          env: { JD_PASS: 'hunter22', WORKERS: 'lots', HEADLESS: 'maybe', PORTAL_URL: 'ftp://x', TASK_TIMEOUT: '-1' },
          envFile: false,
          require: ['username', 'password'],
        }),
      (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.match(error.message, /JD_USER is not set/);
        assert.match(error.message, /WORKERS must be a whole number from 1 to 32 \(got "lots"\)/);
        assert.match(error.message, /HEADLESS must be true or false/);
        assert.match(error.message, /PORTAL_URL must start with https:\/\//);
        assert.match(error.message, /TASK_TIMEOUT must be a number of seconds/);
        assert.doesNotMatch(error.message, /hunter22/);
        return true;
      },
    );
  });

  it('a named .env file that does not exist is an error', () => {
    assert.throws(() => loadSettings({ env: creds, envFile: '/nonexistent/.env' }), UserError);
  });
});
