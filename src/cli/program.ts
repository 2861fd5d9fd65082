import { type Command, Help, Option } from 'commander';
import { SETTINGS, kebab, loadSettings, type Settings } from '../config/settings.ts';
import packageJson from '../../package.json' with { type: 'json' };

/** The package version, built into the bundle and the single binary. */
export const BOOKOUT_VERSION: string = packageJson.version;

/** Every help text is wrapped at this width, whatever the terminal. */
export const HELP_WIDTH = 80;

function helper(): Help {
  const help = new Help();
  help.helpWidth = HELP_WIDTH;
  return help;
}

/** Text wrapped at HELP_WIDTH; line breaks in it stay. */
export function wrapped(text: string): string {
  return helper().boxWrap(text, HELP_WIDTH);
}

/** "Title:" and its items, each term followed by its wrapped description, as commander lays out options. */
export function helpList(title: string, items: ReadonlyArray<readonly [string, string]>): string {
  const help = helper();
  const width = Math.max(...items.map(([term]) => term.length));
  return `${title}:\n${items.map(([term, text]) => help.formatItem(term, width, text, help)).join('\n')}`;
}

/** "Examples:" with each command on its line and what it does below it, indented. */
export function examplesHelp(examples: ReadonlyArray<readonly [string, string]>): string {
  const lines = examples.map(
    ([command, what]) =>
      `  ${command}\n${helper()
        .boxWrap(what, HELP_WIDTH - 6)
        .replace(/^/gm, '      ')}`,
  );
  return `Examples:\n${lines.join('\n')}`;
}

export const EXIT_CODES_HELP = wrapped(
  'Exit codes: 0 all vehicles done, 1 some vehicles failed (see failures.csv), 2 bad settings or input, ' +
    '3 login refused, 4 stopped by a problem (message printed), 5 the portal has changed (bookout needs an ' +
    'update; bookout check says what), 130 interrupted (Ctrl-C).',
);

/** After `run --help`: the settings that have no flag, where settings come from, examples, exit codes. */
export function settingsHelp(): string {
  const withoutFlag = Object.values(SETTINGS)
    .filter((definition) => !definition.flag)
    .map(
      (definition) =>
        [definition.env, `${sentence(definition.description)}; ${defaultOf(definition.defaultText)}`] as const,
    );
  return [
    '',
    helpList('Settings without a flag (environment or .env)', withoutFlag),
    '',
    wrapped(
      'Flags win over environment variables, which win over the .env file in the current folder (or --env-file). ' +
        '.env.example lists every setting.',
    ),
    '',
    examplesHelp([
      ['bookout run', 'continue the latest unfinished run, or start a new one'],
      ['bookout run --workers 8 --headed', '8 tabs, with the browser shown'],
      ['bookout run --new --max-downloads 200', 'a fresh run folder; 200 vehicles in this batch'],
      ['bookout run --run "downloads/11-22-2026 (2)"', 'continue that run folder (after validate --fix, say)'],
      ['bookout run --retry-failed --log-json', 'try the failed vehicles again, with a JSON-lines log'],
    ]),
    '',
    EXIT_CODES_HELP,
  ].join('\n');
}

function sentence(description: string): string {
  return description.charAt(0).toLowerCase() + description.slice(1);
}

function defaultOf(defaultText: string): string {
  return defaultText === '(required)' ? 'required' : `default ${defaultText}`;
}

/**
 * Adds one flag per setting that has one: "--workers <n>  tabs working in parallel; default 5 (env: WORKERS)".
 * `only`: the settings the command uses (default all).
 */
export function addSettingFlags(command: Command, only?: ReadonlyArray<keyof Settings>): Command {
  for (const definition of Object.values(SETTINGS)) {
    if (!definition.flag || (only && !only.includes(definition.key))) continue;
    const env = `(env: ${[definition.env, ...(definition.aliases ?? [])].join(', ')})`;
    if (definition.flag === 'headless')
      command.addOption(new Option('--headed', `show the browser window (env: HEADLESS=false)`));
    else if (definition.flag === 'blockResources')
      command.addOption(new Option('--no-block-resources', 'load images and styles too (env: BLOCK_RESOURCES=false)'));
    else if (definition.flag === 'logJson')
      command.addOption(
        new Option('--log-json', 'also write the log as JSON lines to run_data/bookout.jsonl (env: LOG_JSON)'),
      );
    else
      command.addOption(
        new Option(
          `--${kebab(definition.flag)} ${definition.placeholder ?? '<value>'}`,
          `${sentence(definition.description)}; ${defaultOf(definition.defaultText)} ${env}`,
        ),
      );
  }
  return command.addOption(new Option('--env-file <path>', 'settings file to read instead of ./.env'));
}

/** Settings from this command's flags (only those given on the command line), env and .env. */
export function settingsFrom(command: Command, require: Array<keyof Settings> = []): Settings {
  const options = command.opts();
  const given = (name: string) => command.getOptionValueSource(name) === 'cli';
  const flags: Record<string, string | undefined> = {};
  for (const definition of Object.values(SETTINGS)) {
    if (!definition.flag) continue;
    if (definition.flag === 'headless') flags.headless = given('headed') ? 'false' : undefined;
    else if (definition.flag === 'blockResources')
      flags.blockResources = given('blockResources') ? String(options.blockResources) : undefined;
    else if (definition.flag === 'logJson') flags.logJson = given('logJson') ? 'true' : undefined;
    else flags[definition.flag] = given(definition.flag) ? String(options[definition.flag]) : undefined;
  }
  return loadSettings({ flags, envFile: options.envFile as string | undefined, require });
}
