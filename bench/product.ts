// The product of a checkout (this one or the baseline) as a child process: node <checkout>/src/main.ts.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { CliResult, CliRun } from '../test/support/harness.ts';

export type ProductRun = Pick<CliRun, 'child' | 'done' | 'output'>;

/** Starts `node <checkout>/src/main.ts ...args` with `env` on top of a clean environment. */
export function startProduct(checkout: string, args: string[], env: Record<string, string>, cwd: string): ProductRun {
  const child = spawn(process.execPath, [join(checkout, 'src', 'main.ts'), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done, output: () => stdout };
}
