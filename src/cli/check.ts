import type { Command } from 'commander';
import { checkPortal } from '../job/check-portal.ts';
import type { CheckedFact, PortalKind } from '../portal/portal.ts';
import type { ConsoleOutput } from '../ui/console.ts';
import { runSettings } from './credentials.ts';
import { interruptible } from './signals.ts';

const MARKS: Record<CheckedFact['status'], string> = {
  found: 'ok  ',
  'not shown': 'ok  ',
  'not found': 'FAIL',
  different: 'FAIL',
  'not checked': '--  ',
};

/** `bookout check`: prints how each fact was found, the time of each step and the verdict; returns the exit code. */
export async function checkCommand(
  output: ConsoleOutput,
  command: Command,
  portalKind: PortalKind,
  options: { out?: string },
): Promise<number> {
  const settings = await runSettings(command);
  const keepIn = command.getOptionValueSource('out') === 'cli' ? options.out : undefined;
  output.line(`bookout check: ${portalKind.name} at ${settings.portalUrl} (one login, one export, one PDF)`);
  const outcome = await interruptible(output, ({ stop, onQuit }) =>
    checkPortal({
      settings,
      portalKind,
      output,
      keepIn,
      stopSignal: stop,
      onQuit,
      stepStarted: (name) => output.line(`  ${name} ...`),
    }),
  );
  const check = outcome.check;
  if (check) {
    output.line();
    output.line('Steps:');
    const width = Math.max(...check.steps.map((step) => step.name.length));
    for (const step of check.steps) {
      const time = `${(step.ms / 1000).toFixed(1).padStart(5)} s`;
      output.line(`  ${step.name.padEnd(width)}  ${time}  ${step.ok ? 'ok' : `FAILED: ${step.detail ?? ''}`}`);
    }
    const total = check.steps.reduce((sum, step) => sum + step.ms, 0);
    output.line(`  ${'in all'.padEnd(width)}  ${`${(total / 1000).toFixed(1).padStart(5)} s`}`);
    output.line();
    output.line('Facts bookout relies on (docs/portal.md, section A):');
    for (const fact of check.facts) {
      const said = ['not shown', 'not checked'].includes(fact.status);
      const status = said ? (fact.detail ?? fact.status) : `${fact.status}${fact.detail ? `; ${fact.detail}` : ''}`;
      output.line(`  ${MARKS[fact.status]}  ${fact.page}: ${fact.what}: ${status}`);
    }
  }
  output.line();
  for (const note of check?.notes ?? []) output.line(`Note: ${note}`);
  for (const file of outcome.kept) output.line(`kept ${file}`);
  if (outcome.logoutProblem) {
    output.line(`could not log out (${outcome.logoutProblem}); the next run takes the session back`);
  }
  output.line(`Verdict: ${outcome.message} (exit code ${outcome.exitCode})`);
  return outcome.exitCode;
}
