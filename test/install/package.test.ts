// The package as a user gets it: `npm pack`, installed globally from the tarball into a fresh prefix, then the
// installed `bookout` (the built JavaScript under node_modules, not the .ts sources) runs --version and the demo.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import packageJson from '../../package.json' with { type: 'json' };
import { ROOT } from '../support/harness.ts';
import { assertDemoPassed, runProgram, userEnvironment } from '../support/programs.ts';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackedFile {
  path: string;
}

describe('the npm package, installed globally from its tarball', () => {
  let dir: string;
  let packed: { filename: string; size: number; files: PackedFile[] };
  let bookout: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'bookout-install-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('npm pack builds the bundle and packs only it, the README and .env.example', { timeout: 120_000 }, async () => {
    const result = await runProgram(npm, ['pack', '--json', '--pack-destination', dir], {
      cwd: ROOT,
      timeoutMs: 110_000,
    });
    assert.equal(result.code, 0, result.stderr);
    packed = JSON.parse(result.stdout.slice(result.stdout.indexOf('[')))[0];
    const paths = packed.files.map((file) => file.path).sort();
    assert.deepEqual(paths, ['.env.example', 'README.md', 'dist/bookout.js', 'package.json']);
    assert.ok(packed.size < 200_000, `tarball is ${packed.size} bytes`);
  });

  it('npm install -g --prefix <folder> <tarball> installs a bookout command', { timeout: 300_000 }, async () => {
    assert.ok(packed, 'the tarball was packed');
    const prefix = join(dir, 'prefix');
    const args = ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund'];
    const result = await runProgram(npm, [...args, join(dir, packed.filename)], { cwd: dir, timeoutMs: 290_000 });
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    bookout = process.platform === 'win32' ? join(prefix, 'bookout.cmd') : join(prefix, 'bin', 'bookout');
  });

  it('the installed bookout --version prints the package version', { timeout: 30_000 }, async () => {
    assert.ok(bookout, 'bookout was installed');
    const result = await runProgram(bookout, ['--version'], { cwd: dir, env: userEnvironment(), timeoutMs: 25_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), packageJson.version);
  });

  it('the installed bookout demo runs the whole job against the simulated portal', { timeout: 180_000 }, async () => {
    assert.ok(bookout, 'bookout was installed');
    const out = join(dir, 'demo');
    const result = await runProgram(bookout, ['demo', '--vehicles', '5', '--out', out], {
      cwd: dir,
      env: userEnvironment(),
      timeoutMs: 170_000,
    });
    assertDemoPassed(result, 5, out);
  });
});
