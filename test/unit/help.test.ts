// --help of every command: wrapped at 80 columns, a placeholder and the variable after each
// setting's flag, examples; and the README's settings table names every setting with its flag.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { kebab, SETTINGS } from '../../src/config/settings.ts';
import { ROOT } from '../support/harness.ts';

function help(...command: string[]): string {
  const result = spawnSync(process.execPath, [join(ROOT, 'src', 'main.ts'), ...command, '--help'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', COLUMNS: '200' },
  });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

const flagOf = (attribute: string) =>
  ({ headless: '--headed', blockResources: '--no-block-resources', logJson: '--log-json' })[attribute] ??
  `--${kebab(attribute)}`;

describe('--help', { timeout: 30_000 }, () => {
  const commands = [[], ['run'], ['status'], ['validate'], ['demo'], ['check']];
  const texts = commands.map((command) => help(...command));

  it('every command: no line wider than 80 columns (also on a wide terminal), examples at the end', () => {
    texts.forEach((text, index) => {
      for (const line of text.split('\n')) assert.ok(line.length <= 80, `${commands[index]}: ${line}`);
      assert.match(text, /\nExamples:\n {2}bookout /, String(commands[index]));
    });
  });

  it('run: each setting with a flag shows a placeholder and its variable; the others are listed', () => {
    const run = texts[1]!;
    for (const definition of Object.values(SETTINGS)) {
      if (!definition.flag) {
        assert.match(run, new RegExp(`\\n {2}${definition.env} `), definition.env);
        continue;
      }
      const flag = flagOf(definition.flag);
      const start = run.indexOf(`\n  ${flag} `);
      assert.ok(start >= 0, `no ${flag}`);
      const item = run.slice(start + 1, run.indexOf('\n  -', start + 1)).replace(/\s+/g, ' ');
      if (definition.placeholder) assert.ok(item.startsWith(` ${flag} ${definition.placeholder} `), item);
      assert.ok(item.includes(`(env: ${definition.env}`), item);
    }
    assert.match(run, /--workers <n>\|auto /);
    assert.match(run, /--task-timeout <seconds> /);
    assert.match(run, /--out <folder> /);
    assert.match(run, /--run <folder> /);
  });

  it("the README's settings table names every variable with its flag and default", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const definition of Object.values(SETTINGS)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${definition.env}\``));
      assert.ok(row, `no README row for ${definition.env}`);
      const flag = definition.flag ? `\`${flagOf(definition.flag)}\`` : '(none)';
      assert.ok(row.includes(`| ${flag} |`), `${definition.env}: flag ${flag} in ${row}`);
      const cells = row.split('|').map((cell) => cell.trim());
      assert.ok(cells[3]!.includes(definition.defaultText.replace(/^\(required\)$/, '(required)')), row);
    }
  });
});
