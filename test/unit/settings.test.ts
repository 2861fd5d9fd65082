import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseEnv } from 'node:util';
import { loadSettings, SETTINGS } from '../../src/config/settings.ts';
import { UserError } from '../../src/errors.ts';

const creds = { JD_USER: 'dealer', JD_PASS: 's3cret!' };

/** Runs `fn` with a fresh folder, removed afterwards. */
function inTempFolder(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'bookout-env-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function settingsError(sources: Parameters<typeof loadSettings>[0]): string {
  try {
    loadSettings(sources);
  } catch (error) {
    assert.ok(error instanceof UserError);
    return error.message;
  }
  throw new Error('expected the settings to be refused');
}

function utf16(text: string, byteOrder: 'le' | 'be'): Buffer {
  const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  return byteOrder === 'le' ? bytes : bytes.swap16();
}

describe('settings', { timeout: 30_000 }, () => {
  it('defaults match the documentation', () => {
    const settings = loadSettings({ env: creds, envFile: false });
    assert.equal(settings.workers, 'auto');
    assert.equal(settings.maxWorkers, 8);
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
    assert.equal(loadSettings({ env: { ...creds, WORKERS: 'Auto' }, envFile: false }).workers, 'auto');
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

  it('reads a .env saved as UTF-8 with a BOM (Notepad) or as UTF-16 LE or BE with a BOM (PowerShell 5.1)', () => {
    const text = 'JD_USER=h\u00e4ndler\r\nJD_PASS=p\u00e4ss\r\nWORKERS=3\r\n';
    const encodings: Array<[string, Buffer]> = [
      ['UTF-8 with BOM', Buffer.from(`\ufeff${text}`, 'utf8')],
      ['UTF-16 LE', utf16(text, 'le')],
      ['UTF-16 BE', utf16(text, 'be')],
    ];
    inTempFolder((dir) => {
      for (const [name, bytes] of encodings) {
        const file = join(dir, `${name}.env`);
        writeFileSync(file, bytes);
        const settings = loadSettings({ env: {}, envFile: file, require: ['username', 'password'] });
        assert.deepEqual(
          [settings.username, settings.password, settings.workers],
          ['h\u00e4ndler', 'p\u00e4ss', 3],
          name,
        );
      }
    });
  });

  it('a .env that is not UTF-8 (an ANSI code page) is refused with the file name, not misread', () => {
    inTempFolder((dir) => {
      const file = join(dir, '.env');
      writeFileSync(file, Buffer.from('JD_USER=dealer\nJD_PASS=p\xe4ss\n', 'latin1'));
      const message = settingsError({ env: {}, envFile: file });
      assert.match(message, /The settings file .*\.env cannot be read: it is not valid UTF-8 text; save it as UTF-8/);
      assert.doesNotMatch(message, /p.ss/);
    });
  });

  it('a missing credential names the .env file that was read, or where none was found', () => {
    inTempFolder((dir) => {
      const file = join(dir, 'settings.env');
      writeFileSync(file, 'JD_PASS=s3cret!\n');
      const withFile = settingsError({ env: {}, envFile: file, require: ['username', 'password'] });
      assert.match(withFile, /JD_USER is not set/);
      assert.ok(withFile.includes(`Settings were read from ${file} and the environment.`), withFile);
      assert.doesNotMatch(withFile, /s3cret/);

      const cwd = process.cwd();
      process.chdir(dir);
      try {
        const withoutFile = settingsError({ env: {}, require: ['username', 'password'] });
        assert.match(withoutFile, /JD_USER is not set[\s\S]*JD_PASS is not set/);
        assert.ok(
          withoutFile.includes(`No .env file was found (looked for ${join(process.cwd(), '.env')})`),
          withoutFile,
        );
      } finally {
        process.chdir(cwd);
      }
    });
  });

  it('whole-number settings take decimal digits only', () => {
    for (const raw of ['1e1', '0x4', '4.0', '+4', '-4', '', ' ', '0b1', '4 4', 'Infinity']) {
      assert.equal(
        settingsError({ env: { ...creds, WORKERS: raw }, envFile: false }),
        `Settings are not valid:\n  - WORKERS must be a whole number from 1 to 32 (got "${raw}")`,
      );
    }
    assert.match(settingsError({ env: creds, flags: { workers: '1e1' }, envFile: false }), /--workers must be a whole/);
    assert.match(settingsError({ env: { ...creds, MAX_RETRIES: '' }, envFile: false }), /MAX_RETRIES must be a whole/);
    assert.equal(loadSettings({ env: { ...creds, WORKERS: ' 07 ' }, envFile: false }).workers, 7);
  });

  it('seconds settings take decimals, but not hex, exponents or signs', () => {
    for (const raw of ['1e2', '0x20', '+30', '', '30s', 'Infinity', '1_0']) {
      assert.match(
        settingsError({ env: { ...creds, TASK_TIMEOUT: raw }, envFile: false }),
        /TASK_TIMEOUT must be a number of seconds from 10 to 3600/,
        raw,
      );
    }
    const settings = loadSettings({ env: { ...creds, TASK_TIMEOUT: '30.5', RETRY_DELAY: '.5' }, envFile: false });
    assert.equal(settings.taskTimeoutMs, 30_500);
    assert.equal(settings.retryDelayMs, 500);
  });

  it('.env.example names every setting, and sets nothing but the two empty credentials', () => {
    const example = readFileSync(join(import.meta.dirname, '..', '..', '.env.example'), 'utf8');
    for (const definition of Object.values(SETTINGS))
      assert.match(example, new RegExp(`^(# )?${definition.env}=`, 'm'), definition.env);
    assert.deepEqual({ ...parseEnv(example) }, { JD_USER: '', JD_PASS: '' });
  });
});
