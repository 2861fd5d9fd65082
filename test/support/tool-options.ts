// Command-line plumbing shared by the measuring tools (npm run bench, npm run soak).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { VARIANT_NAMES, type VariantName } from '../../sim/index.ts';

export class UsageError extends Error {}

/** parseArgs with strict options; a bad option becomes a UsageError. */
export function parseToolArgs<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The options `parse` returns; `--help` prints `help` and exits 0, a bad option prints one line and exits 2. */
export function optionsOrExit<O>(tool: string, help: string, parse: (argv: string[]) => O | null): O {
  try {
    const options = parse(process.argv.slice(2));
    if (options) return options;
    process.stdout.write(help);
    process.exit(0);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${tool}: ${error.message} (see --help)\n`);
    process.exit(2);
  }
}

export function wholeNumber(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max)
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  return value;
}

/** A name of the simulated portal's variants (cacheable, strict). */
export function variantName(text: string, option = '--variant'): VariantName {
  if (!VARIANT_NAMES.includes(text as VariantName))
    throw new UsageError(`${option} must be ${VARIANT_NAMES.join(' or ')}, got "${text}"`);
  return text as VariantName;
}

export function timeScale(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > 1)
    throw new UsageError(`--time-scale must be a number above 0 and at most 1, got "${text}"`);
  return value;
}

/** A time stamp usable in a file name on every system: 2026-11-24T17-28-07Z. */
export function fileStamp(now: Date): string {
  return now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '-');
}
