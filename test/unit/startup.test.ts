// What every command loads before it starts: the queue's packages (PostgreSQL client, job queue, tracing,
// cron) cost memory for the whole of a run, and only the queue's commands load them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT } from '../support/harness.ts';

/** Preloaded into the child: notes every package it resolves, and prints them as it exits. */
const NOTE_PACKAGES = `
import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({
  resolve(specifier, context, next) {
    if (!/^(\\.|\\/|node:|file:|data:)/.test(specifier)) seen.add(specifier);
    return next(specifier, context);
  },
});
process.on('exit', () => process.stderr.write('PACKAGES ' + JSON.stringify([...seen]) + '\\n'));
`;

const QUEUE_PACKAGES = ['pg', 'pg-boss', 'cron-parser', '@opentelemetry/api'];

function packagesLoaded(args: string[], cwd: string): Promise<string[]> {
  const hook = `data:text/javascript,${encodeURIComponent(NOTE_PACKAGES)}`;
  const child = spawn(process.execPath, ['--import', hook, join(ROOT, 'src', 'main.ts'), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, BOOKOUT_KEYCHAIN: 'off' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no end within 30 s: ${stderr}`));
    }, 30_000);
    child.on('close', () => {
      clearTimeout(timer);
      const line = /^PACKAGES (.*)$/m.exec(stderr);
      if (line) resolve(JSON.parse(line[1]!) as string[]);
      else reject(new Error(`the child printed no packages: ${stderr}`));
    });
  });
}

describe('start-up', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bookout-startup-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("loads the browser's packages but none of the queue's for a command other than the queue's", async () => {
    const loaded = await packagesLoaded(['status', '--out', join(dir, 'downloads')], dir);
    assert.ok(loaded.includes('playwright-core'), `the hook sees packages (${loaded.join(', ')})`);
    assert.deepEqual(
      QUEUE_PACKAGES.filter((name) => loaded.includes(name)),
      [],
    );
  });
});
