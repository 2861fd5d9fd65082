// Runs chosen tests many times in a row while other processes keep the CPU busy, and prints how
// each round ended: a bug that shows only under load shows here.
//   node soak/repeat.ts --times 20 --load 2 --pattern "never come|429 while" test/e2e/faults.test.ts
import { spawn, type ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    times: { type: 'string', default: '20' },
    load: { type: 'string', default: '2' },
    pattern: { type: 'string' },
    help: { type: 'boolean' },
  },
});

if (values.help || positionals.length === 0) {
  process.stdout.write(
    'usage: node soak/repeat.ts [--times <n>] [--load <processes>] [--pattern <regex>] <test files...>\n' +
      '  Runs the tests <n> times in a row (default 20) while <processes> busy loops load the CPU (default 2).\n',
  );
  process.exit(values.help ? 0 : 2);
}

const times = Number(values.times);
const burners: ChildProcess[] = Array.from({ length: Number(values.load) }, () =>
  spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
);
const stopBurners = () => {
  for (const burner of burners) burner.kill('SIGKILL');
};
process.on('exit', stopBurners);
process.on('SIGINT', () => process.exit(130));

function runOnce(): Promise<{ code: number | null; ms: number; summary: string; why: string[] }> {
  const started = Date.now();
  const args = ['--test', '--test-timeout=600000', ...(values.pattern ? ['--test-name-pattern', values.pattern] : [])];
  const child = spawn(process.execPath, [...args, ...positionals], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      const lines = output.split('\n').filter((line) => /^\s*[✔✖] /.test(line) && !/^\S/.test(line));
      const why = output
        .split('\n')
        .filter((line) => /AssertionError|Error: |^\s+at .*test\.ts/.test(line))
        .slice(0, 6);
      resolve({ code, ms: Date.now() - started, summary: lines.map((line) => line.trim()).join('; '), why });
    }),
  );
}

let failed = 0;
for (let round = 1; round <= times; round += 1) {
  const result = await runOnce();
  if (result.code !== 0) failed += 1;
  const verdict = result.code === 0 ? 'PASS' : 'FAIL';
  process.stdout.write(
    `round ${String(round).padStart(2)}: ${verdict} in ${(result.ms / 1000).toFixed(0)} s  ${result.summary}\n`,
  );
}
process.stdout.write(`${times - failed} of ${times} rounds passed, under ${burners.length} busy processes\n`);
stopBurners();
process.exit(failed === 0 ? 0 : 1);
