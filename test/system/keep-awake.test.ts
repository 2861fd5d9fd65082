import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { KeepAwake, keepAwakePlan, whilePidLives } from '../../src/system/keep-awake.ts';

const onPosix = process.platform === 'win32' ? 'POSIX processes are what these tests start' : false;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/** The Linux plan with the inhibitor left out: what systemd-inhibit runs, the part that ends with bookout. */
function watcherOf(pid: number) {
  const [command, ...args] = whilePidLives(pid);
  return { command: command!, args, detached: true };
}

describe('keeping the computer awake', { timeout: 60_000 }, () => {
  it('the helper for each system ends by itself when bookout is gone', () => {
    const linux = keepAwakePlan('linux', 4321)!;
    assert.equal(linux.command, 'systemd-inhibit');
    assert.deepEqual(linux.args.slice(0, 2), ['--what=idle:sleep', '--who=bookout']);
    assert.ok(linux.args.includes('--mode=block'));
    assert.deepEqual(linux.args.slice(-3), ['sh', '-c', 'while kill -0 4321 2>/dev/null; do sleep 5; done']);
    assert.equal(linux.detached, true);

    assert.deepEqual(keepAwakePlan('darwin', 4321), {
      command: 'caffeinate',
      args: ['-i', '-w', '4321'],
      detached: true,
    });

    const windows = keepAwakePlan('win32', 4321)!;
    assert.equal(windows.command, 'powershell.exe');
    assert.equal(windows.detached, false);
    assert.deepEqual(windows.args.slice(0, 3), ['-NoProfile', '-NonInteractive', '-EncodedCommand']);
    const script = Buffer.from(windows.args[3]!, 'base64').toString('utf16le');
    assert.match(script, /SetThreadExecutionState\(\[uint32\]2147483649\)/, 'ES_CONTINUOUS | ES_SYSTEM_REQUIRED');
    assert.match(script, /Wait-Process -Id 4321/);

    assert.equal(keepAwakePlan('aix', 4321), undefined);
  });

  it('a started helper is gone after stop()', { skip: onPosix }, async () => {
    const problems: string[] = [];
    const awake = new KeepAwake(watcherOf(process.pid), (text) => problems.push(text));
    const pid = awake.pid!;
    await sleep(300);
    assert.ok(isAlive(pid), 'the helper runs while the run works');
    await awake.stop();
    assert.ok(await gone(pid, 3000), 'the helper is gone after the run');
    assert.deepEqual(problems, [], 'stopping it is not a problem');
  });

  it('a helper outlives no killed bookout (kill -9)', { skip: onPosix }, async () => {
    const module = new URL('../../src/system/keep-awake.ts', import.meta.url).href;
    const script = `const { KeepAwake, whilePidLives } = await import(${JSON.stringify(module)});
      const [command, ...args] = whilePidLives(process.pid);
      const awake = new KeepAwake({ command, args, detached: true }, () => {});
      console.log(awake.pid); setInterval(() => {}, 1000);`;
    const owner = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const helper = await new Promise<number>((resolve) =>
      owner.stdout!.once('data', (chunk) => resolve(Number(String(chunk).trim()))),
    );
    assert.ok(isAlive(helper));
    owner.kill('SIGKILL');
    assert.ok(await gone(helper, 15_000), 'the helper ended by itself within 15 s of its owner');
  });

  it('a helper that is not installed, or ends at once, is reported and nothing else happens', {
    skip: onPosix,
  }, async () => {
    const problems: string[] = [];
    const missing = new KeepAwake({ command: 'no-such-inhibitor-xyz', args: [], detached: true }, (text) =>
      problems.push(text),
    );
    const refusing = new KeepAwake(
      {
        command: 'sh',
        args: ['-c', 'echo "Failed to connect to bus: No such file or directory" >&2; exit 1'],
        detached: true,
      },
      (text) => problems.push(text),
    );
    await sleep(1000);
    await missing.stop();
    await refusing.stop();
    assert.deepEqual(problems.sort(), [
      'could not keep the computer awake: no-such-inhibitor-xyz is not installed',
      'could not keep the computer awake: sh ended (exit code 1: Failed to connect to bus: No such file or directory)',
    ]);
  });
});
