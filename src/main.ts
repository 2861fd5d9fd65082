#!/usr/bin/env node
// bookout: downloads the J.D. Power ValuesOnline bookout PDF of every vehicle in a dealer inventory.
import v8 from 'node:v8';
import { Command, CommanderError, Option } from 'commander';
import { groupAccounts, groupSettings, groupStatusCommand } from './cli/accounts.ts';
import { forgetPasswordCommand, runSettings } from './cli/credentials.ts';
import {
  addSettingFlags,
  BOOKOUT_VERSION,
  EXIT_CODES_HELP,
  examplesHelp,
  HELP_WIDTH,
  settingsFrom,
  settingsHelp,
  wrapped,
} from './cli/program.ts';
import { interruptible } from './cli/signals.ts';
import { statusCommand } from './cli/status.ts';
import { validateCommand } from './cli/validate.ts';
import { messageOf } from './engine/failure.ts';
import { UserError } from './errors.ts';
import { runBookout } from './job/run-bookout.ts';
import { runGroup } from './job/run-group.ts';
import { valuesOnline } from './portal/values-online/index.ts';
import { ConsoleOutput } from './ui/console.ts';

// Keep node's heap small: proving thousands of PDFs makes a lot of short-lived garbage, which V8
// would otherwise let grow into a heap several times larger than what is live.
v8.setFlagsFromString('--optimize-for-size');

const output = new ConsoleOutput();

// A stray rejection must not end an overnight run half-way (the state on disk would be safe, but
// the session would stay open): say it, and go on.
process.on('unhandledRejection', (reason) => {
  output.line(`bookout: internal warning (please report it): ${messageOf(reason)}`);
});

/** `bookout run --accounts FILE`: the dealer group's accounts in this process. */
async function groupRunCommand(output: ConsoleOutput, command: Command, file: string, forceNew: boolean) {
  const settings = groupSettings(command);
  const accounts = await groupAccounts(file, settings, command.opts().envFile as string | undefined);
  const outcome = await interruptible(output, ({ stop, onQuit }) =>
    runGroup({
      settings,
      accounts,
      maxWorkers: settings.maxWorkers,
      portalKind: valuesOnline,
      output,
      forceNew,
      stopSignal: stop,
      onQuit,
    }),
  );
  return outcome.exitCode;
}

function buildProgram(): Command {
  const program = new Command('bookout')
    .description(
      'Downloads the J.D. Power ValuesOnline bookout PDF of every vehicle in the dealer inventory, in parallel and resumably.',
    )
    .version(BOOKOUT_VERSION, '-v, --version', 'print the version of bookout')
    .configureHelp({ helpWidth: HELP_WIDTH })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addHelpText(
    'after',
    `\n${examplesHelp([
      ['bookout demo', 'the whole job against the built-in simulated portal'],
      ['bookout check', 'before leaving: is the portal still as bookout knows it? (one login, one PDF)'],
      ['bookout run', 'download every PDF (JD_USER and JD_PASS in .env); run again to continue'],
      ['bookout status --json', 'the progress of the latest run, for a script'],
      ['bookout run --help', "the options of a command (and its settings' variables)"],
    ])}\n\n${EXIT_CODES_HELP}`,
  );

  addSettingFlags(
    program
      .command('run')
      .description(
        "Export the inventory and download every vehicle's PDF (blocks until done; run again to continue an unfinished run)",
      )
      .addOption(new Option('--new', 'start a new run folder even if the latest run is unfinished').conflicts('run'))
      .option('--run <folder>', 'continue this run folder instead of the latest one')
      .option('--retry-failed', 'continue the latest run (or --run) and try its failed vehicles again')
      .addOption(
        new Option('--progress <mode>', 'progress display: live on a terminal, plain lines otherwise')
          .choices(['auto', 'live', 'plain'])
          .default('auto'),
      )
      .option('--ui', 'show this run on a local web page too (settings read-only; Stop stops the run cleanly)')
      .option('--no-open', 'with --ui: print the address of the page instead of opening the browser')
      .addOption(
        new Option(
          '--accounts <file>',
          'run every account of a dealer group (accounts.csv or .json) in this process, sharing --max-workers tabs',
        ).conflicts(['run', 'retryFailed', 'ui']),
      ),
  )
    .addHelpText('after', settingsHelp())
    .action(
      async (
        options: {
          new?: boolean;
          run?: string;
          retryFailed?: boolean;
          progress: 'auto' | 'live' | 'plain';
          ui?: boolean;
          open: boolean;
          accounts?: string;
        },
        command: Command,
      ) => {
        if (options.accounts) {
          process.exitCode = await groupRunCommand(output, command, options.accounts, options.new === true);
          return;
        }
        const settings = await runSettings(command);
        const web = options.ui ? await import('./cli/ui.ts') : undefined;
        const page = web ? await web.watchPage(output, settings, options.open) : undefined;
        try {
          const outcome = await interruptible(output, ({ stop, onQuit }) =>
            runBookout({
              portalKind: valuesOnline,
              settings,
              output,
              forceNew: options.new,
              retryFailed: options.retryFailed,
              runFolder: options.run,
              progress: options.progress,
              stopSignal: page ? AbortSignal.any([stop, page.watch.stopSignal]) : stop,
              onQuit,
              observer: page?.watch.monitor,
            }),
          );
          process.exitCode = outcome.exitCode;
          if (web && page) await web.keepPageWhileOpen(output, page.server);
        } finally {
          await page?.server.close();
        }
      },
    );

  addSettingFlags(
    program
      .command('check')
      .description(
        'Before the night: one login, the inventory, its export, one vehicle and one PDF, proven; says whether ' +
          'every fact of the portal bookout relies on is still there, then logs out',
      )
      .option('--out <folder>', 'keep the inventory export and the PDF in this folder (otherwise nothing is kept)'),
    ['username', 'portalUrl', 'headless', 'taskTimeoutMs', 'browserPath'],
  )
    .addHelpText(
      'after',
      `\n${examplesHelp([
        ['bookout check', 'check the portal with the settings of bookout run (JD_USER and JD_PASS in .env)'],
        ['bookout check --out check-files', 'the same, and keep the export and the PDF in check-files/'],
      ])}\n\n${wrapped(
        'Exit codes: 0 every fact found, 5 the portal has changed (the lines marked FAIL say what), 2 bad ' +
          'settings, 3 login refused, 4 the check could not finish (an error of the portal, no answer), 130 ' +
          'interrupted (Ctrl-C).',
      )}`,
    )
    .action(async (options: { out?: string }, command: Command) => {
      const { checkCommand } = await import('./cli/check.ts');
      process.exitCode = await checkCommand(output, command, valuesOnline, options);
    });

  addSettingFlags(
    program
      .command('ui')
      .description(
        'Open the bookout page in the browser: the settings, Start and Stop, live progress and the report (until Ctrl-C)',
      )
      .option('--no-open', 'print the address of the page instead of opening the browser'),
  )
    .addHelpText('after', settingsHelp())
    .action(async (options: { open: boolean }, command: Command) => {
      const { uiCommand } = await import('./cli/ui.ts');
      process.exitCode = await uiCommand(output, command, options.open);
    });

  program
    .command('status')
    .description('Show the progress of a run (also while it runs, from another terminal)')
    .option('--out <folder>', 'download folder; default ./downloads (env: DOWNLOAD_FOLDER)')
    .option('--run <folder>', 'a run folder; default: the latest one')
    .option('--json', 'print one JSON object (for scripts and monitoring)')
    .addOption(new Option('--accounts <file>', 'the latest run of every account of this file').conflicts('run'))
    .addOption(
      new Option('--queue [url]', "every account's job and progress on the queue (env: BOOKOUT_QUEUE)").conflicts([
        'run',
        'accounts',
      ]),
    )
    .option('--env-file <path>', 'settings file to read instead of ./.env')
    .addHelpText(
      'after',
      `\n${examplesHelp([
        ['bookout status', 'the latest run under ./downloads'],
        ['bookout status --accounts accounts.csv', 'every account of the dealer group, a line each'],
        ['bookout status --queue postgres://bookout@db/bookout', "every account's job on the queue"],
        ['bookout status --json --run "downloads/11-22-2026"', 'that run, as JSON (see the README for the fields)'],
      ])}`,
    )
    .action(
      async (options: { run?: string; json?: boolean; accounts?: string; queue?: string | true }, command: Command) => {
        if (options.queue !== undefined) {
          const queue = options.queue === true ? undefined : options.queue;
          const { queueStatusCommand } = await import('./cli/queue.ts');
          process.exitCode = await queueStatusCommand(output, command, { queue, json: options.json });
          return;
        }
        const settings = settingsFrom(command);
        process.exitCode = options.accounts
          ? groupStatusCommand(output, settings, options.accounts, { json: options.json })
          : statusCommand(output, settings, options.run, { json: options.json });
      },
    );

  addSettingFlags(
    program
      .command('enqueue')
      .description('Put one job per account of a dealer group on the queue (PostgreSQL) for bookout worker')
      .requiredOption('--accounts <file>', 'the accounts file (accounts.csv or .json)')
      .option('--queue <url>', 'the queue database, postgres://user@host/database (env: BOOKOUT_QUEUE)')
      .option('--new', 'start a new run for every account, even when its latest run is unfinished'),
  )
    .addHelpText(
      'after',
      `\n${examplesHelp([
        [
          'bookout enqueue --accounts accounts.csv --queue postgres://bookout@db/bookout --out /mnt/bookout',
          'a job per account; the PDFs go to /mnt/bookout/<account>/<date>/, which every worker must reach',
        ],
      ])}`,
    )
    .action(async (options: { accounts: string; queue?: string; new?: boolean }, command: Command) => {
      const { enqueueCommand } = await import('./cli/queue.ts');
      process.exitCode = await enqueueCommand(output, command, options);
    });

  addSettingFlags(
    program
      .command('worker')
      .description("Take accounts' jobs from the queue and run them, until Ctrl-C (on any number of machines)")
      .option('--queue <url>', 'the queue database, postgres://user@host/database (env: BOOKOUT_QUEUE)')
      .option('--max-accounts <n>', 'accounts this machine works on at once; default: --max-workers')
      .option('--name <name>', "this worker's name in the leases and the status; default: the host name"),
  )
    .addHelpText(
      'after',
      `\n${examplesHelp([
        [
          'bookout worker --queue postgres://bookout@db/bookout --max-workers 8',
          'this machine: 8 tabs for all its accounts',
        ],
      ])}\n\nEach job's password comes from this machine's environment (or .env) or its keychain, as the accounts file says.`,
    )
    .action(async (options: { queue?: string; maxAccounts?: string; name?: string }, command: Command) => {
      const { workerCommand } = await import('./cli/queue.ts');
      process.exitCode = await workerCommand(output, command, options);
    });

  program
    .command('validate')
    .description('Prove every PDF of a run again: a PDF, complete, of its own vehicle')
    .option('--fix', 'put bad or missing PDFs back in the queue (then: bookout run --run <folder>)')
    .option('--out <folder>', 'download folder; default ./downloads (env: DOWNLOAD_FOLDER)')
    .option('--run <folder>', 'a run folder; default: the latest one')
    .option('--env-file <path>', 'settings file to read instead of ./.env')
    .addHelpText(
      'after',
      `\n${examplesHelp([
        ['bookout validate', 'prove the PDFs of the latest run; exit code 1 when some are bad or missing'],
        ['bookout validate --fix', 'queue the bad and missing ones again; it prints the bookout run to fetch them'],
      ])}`,
    )
    .action(async (options: { run?: string; fix?: boolean }, command: Command) => {
      process.exitCode = await validateCommand(output, settingsFrom(command), options.run, options.fix === true);
    });

  program
    .command('forget-password')
    .description('Remove the portal password saved in the OS keychain (by bookout ui, with "remember" ticked)')
    .option('--user <name>', 'portal user name (JD_USER)')
    .option('--portal-url <url>', 'portal address (PORTAL_URL)')
    .option('--env-file <path>', 'settings file to read instead of ./.env')
    .action(async (_options: unknown, command: Command) => {
      process.exitCode = await forgetPasswordCommand(output, command);
    });

  program
    .command('demo')
    .description('Run the whole job against the built-in simulated portal (about 40 vehicles), headless')
    .option('--vehicles <n>', 'inventory size of the simulated portal', '40')
    .option('--workers <n>', 'tabs', '5')
    .option('--out <folder>', 'where the demo run folders go', 'demo-output')
    .addHelpText(
      'after',
      `\n${examplesHelp([
        ['bookout demo', '40 vehicles with 5 tabs; the PDFs land in demo-output/'],
        ['bookout demo --vehicles 200 --workers 8', 'a bigger inventory, more tabs'],
      ])}`,
    )
    .action(async (options: { vehicles: string; workers: string; out: string }) => {
      const { demoCommand } = await import('./cli/demo.ts');
      process.exitCode = await demoCommand(output, options);
    });

  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
    } else if (error instanceof UserError) {
      output.line(`bookout: ${error.message}`);
      process.exitCode = error.exitCode;
    } else {
      output.line(`bookout stopped by an unexpected problem: ${messageOf(error)}`);
      if (process.env.BOOKOUT_DEBUG && error instanceof Error) output.line(error.stack ?? '');
      process.exitCode = 4;
    }
  }
}

// Not a top-level await: the single binary runs this bundled as CommonJS, which has none (main() catches everything).
void main();
