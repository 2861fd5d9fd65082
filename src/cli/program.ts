import { type Command, Option } from 'commander';
import { SETTINGS, kebab, loadSettings, type Settings } from '../config/settings.ts';
import packageJson from '../../package.json' with { type: 'json' };

/** The package version, built into the bundle and the single binary. */
export const BOOKOUT_VERSION: string = packageJson.version;

export const EXIT_CODES_HELP = `
Exit codes: 0 all vehicles done, 1 some vehicles failed (see failures.csv), 2 bad settings or input,
3 login refused, 4 stopped by a problem (message printed), 130 interrupted (Ctrl-C).`;

/** The settings table as help text: every variable, its flag and its default. */
export function settingsHelp(): string {
  const rows = Object.values(SETTINGS).map((definition) => {
    const flag = definition.flag ? flagFor(definition.flag) : '';
    const aliases = definition.aliases ? ` (also ${definition.aliases.join(', ')})` : '';
    return `  ${definition.env.padEnd(23)} ${flag.padEnd(22)} ${definition.description}${aliases}. Default: ${definition.defaultText}`;
  });
  return `\nSettings come from flags, then the environment, then a .env file in the current folder:\n${rows.join('\n')}\n${EXIT_CODES_HELP}`;
}

function flagFor(attribute: string): string {
  if (attribute === 'headless') return '--headed';
  if (attribute === 'blockResources') return '--no-block-resources';
  if (attribute === 'logJson') return '--log-json';
  return `--${kebab(attribute)}`;
}

/** Adds one flag per setting that has one. */
export function addSettingFlags(command: Command): Command {
  for (const definition of Object.values(SETTINGS)) {
    if (!definition.flag) continue;
    if (definition.flag === 'headless')
      command.addOption(new Option('--headed', 'show the browser window (HEADLESS=false)'));
    else if (definition.flag === 'blockResources')
      command.addOption(new Option('--no-block-resources', 'load images and styles too (BLOCK_RESOURCES=false)'));
    else if (definition.flag === 'logJson')
      command.addOption(new Option('--log-json', 'also write the log as JSON lines (LOG_JSON=true)'));
    else
      command.addOption(
        new Option(`--${kebab(definition.flag)} <value>`, `${definition.description} (${definition.env})`),
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
