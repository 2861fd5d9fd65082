// The single-file program: `npm run build:binary` makes dist/bookout (dist/bookout.exe on Windows), which runs
// --version and the whole demo from a folder outside the repository, with no node_modules to lean on.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import packageJson from '../../package.json' with { type: 'json' };
import { ROOT } from '../support/harness.ts';
import { assertDemoPassed, runProgram, userEnvironment } from '../support/programs.ts';

const BINARY = join(ROOT, 'dist', process.platform === 'win32' ? 'bookout.exe' : 'bookout');

describe('the single binary', () => {
  let dir: string;
  let built = false;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'bookout-binary-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('npm run build:binary makes it', { timeout: 240_000 }, async () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const result = await runProgram(npm, ['run', 'build:binary'], { cwd: ROOT, timeoutMs: 230_000 });
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.ok(statSync(BINARY).size > 10_000_000);
    built = true;
  });

  it('bookout --version prints the package version', { timeout: 30_000 }, async () => {
    assert.ok(built, 'the binary was built');
    const result = await runProgram(BINARY, ['--version'], { cwd: dir, env: userEnvironment(), timeoutMs: 25_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), packageJson.version);
    assert.equal(result.stderr, '');
  });

  it('bookout demo runs the whole job against the embedded simulated portal', { timeout: 180_000 }, async () => {
    assert.ok(built, 'the binary was built');
    const out = join(dir, 'demo');
    const result = await runProgram(BINARY, ['demo', '--vehicles', '5', '--out', out], {
      cwd: dir,
      env: userEnvironment(),
      timeoutMs: 170_000,
    });
    assertDemoPassed(result, 5, out);
  });
});
