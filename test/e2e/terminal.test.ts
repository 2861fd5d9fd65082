// The live display in a real terminal: bookout runs in a tmux pane of 80 x 24 with 16 tabs.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { openWorkspace, ROOT } from '../support/harness.ts';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const skip = hasTmux ? false : 'tmux is not installed (scripts/setup.sh installs it on Debian/Ubuntu when run as root)';

const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

describe('the live display in a terminal of 80 x 24', { timeout: 300_000 }, () => {
  it('16 tabs: the summary shows, no line is wider than 80, the Ctrl-C notice stays', { skip }, async () => {
    const ws = await openWorkspace({ vehicles: 400, profile: 'realistic', timeScale: 0.2 });
    const socket = `bookout-test-${process.pid}`;
    const tmux = (...args: string[]) =>
      execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    /** The screen as it shows now (-J: a wrapped line comes back as one, so a too-long line is seen). */
    const screen = (history = false) =>
      tmux('capture-pane', '-p', '-J', '-t', 'run', ...(history ? ['-S', '-'] : [])).replace(/\n$/, '');
    try {
      const script = join(ws.dir, 'run.sh');
      const env = Object.entries(ws.env({ WORKERS: '16' })).map(([name, value]) => `export ${name}=${quote(value)}`);
      writeFileSync(
        script,
        [
          ...env,
          "trap ':' INT", // the shell outlives the Ctrl-C meant for bookout, to tell its exit code
          `${quote(process.execPath)} ${quote(join(ROOT, 'src', 'main.ts'))} run`,
          'echo "bookout exited with code $?"',
          'sleep 600',
        ].join('\n'),
      );
      tmux('new-session', '-d', '-s', 'run', '-x', '80', '-y', '24', '-c', ws.dir, `sh ${quote(script)}`);

      const live = await waitForScreen(
        screen,
        (text) => /tab 16 /.test(text) && /done by \d\d:\d\d/.test(text),
        180_000,
      );
      const rows = live.split('\n');
      assert.equal(rows.length, 24, live);
      for (const row of rows) assert.ok(row.length <= 80, `a line of ${row.length} characters:\n${live}`);
      const shown = rows.filter((row) => row.trim() !== '');
      assert.match(shown.at(-2)!, /^bookout \[[#.]+\] \d+\/400 +\d+\.\d%$/, live);
      assert.match(shown.at(-1)!, /^\d+ failed \| \d+ left \| \d+\/h \| done by \d\d:\d\d \| elapsed \d+:\d\d$/, live);
      for (let tab = 1; tab <= 16; tab += 1) assert.match(live, new RegExp(`tab ${String(tab).padStart(2)} `));
      console.log(`the live display at 80 x 24 with 16 tabs:\n${live}`);

      tmux('send-keys', '-t', 'run', 'C-c');
      const ended = await waitForScreen(screen, (text) => /bookout exited with code \d+/.test(text), 90_000);
      assert.match(ended, /bookout exited with code 130/, ended);
      assert.match(
        ended,
        /Stopping cleanly \(saving state, logging out\)/,
        `the notice is gone from the screen:\n${ended}`,
      );
      assert.match(ended, /bookout report .* stopped/);
      assert.doesNotMatch(ended, /tab 16 /, 'the live area is gone');
      assert.equal(ws.portal.stats().sessionsAlive, 0, 'logged out');
      assert.equal(screen(true).match(/Stopping cleanly/g)?.length, 1, 'printed once');
      console.log(`the screen after Ctrl-C:\n${ended}`);
    } finally {
      spawnSync('tmux', ['-L', socket, 'kill-server']);
      await ws.close();
    }
  });
});

async function waitForScreen(
  screen: () => string,
  done: (text: string) => boolean,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = screen();
    if (done(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out; the screen:\n${text}`);
    await sleep(250);
  }
}
