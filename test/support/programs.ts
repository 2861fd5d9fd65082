// Running an installed or built bookout (not the sources) as a user would, and checking a demo's report.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface ProgramResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` to its end (killed after `timeoutMs`); never throws for a non-zero exit. */
export function runProgram(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<ProgramResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        // npm and an installed bin are .cmd files on Windows, which only a shell runs.
        shell: process.platform === 'win32',
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** What a user's shell has: no npm_* variables, no development settings; the browser if the tests were given one. */
export function userEnvironment(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...(process.env.SYSTEMROOT ? { SYSTEMROOT: process.env.SYSTEMROOT } : {}),
    ...(process.env.BROWSER_PATH ? { BROWSER_PATH: process.env.BROWSER_PATH } : {}),
  };
}

/** The demo ran the whole job: exit 0, the report, the portal's own counts, one PDF per vehicle on disk. */
export function assertDemoPassed(result: ProgramResult, vehicles: number, out: string): void {
  const all = `${result.stdout}\n${result.stderr}`;
  assert.equal(result.code, 0, all);
  assert.match(result.stdout, /bookout report - .* - finished/, all);
  assert.match(result.stdout, new RegExp(`done: +${vehicles} \\(PDFs proven`), all);
  assert.ok(
    result.stdout.includes(
      `The portal's own count: 1 login, 1 logout, 0 sessions still alive, ${vehicles} PDFs generated for ${vehicles} vehicles.`,
    ),
    all,
  );
  const runs = readdirSync(out);
  assert.equal(runs.length, 1, runs.join(', '));
  assert.equal(readdirSync(join(out, runs[0]!, 'pdfs')).length, vehicles);
}
