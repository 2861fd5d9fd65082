// What the npm build (scripts/build.ts) and the single binary (scripts/build-binary.ts) share.
import { join, resolve } from 'node:path';
import type { BuildOptions } from 'esbuild';

/**
 * esbuild, a devDependency. `npm install -g <folder>` links a folder without installing its packages, then runs
 * `prepare`: say what to do instead of a stack trace.
 */
export async function loadEsbuild(): Promise<typeof import('esbuild')> {
  try {
    return await import('esbuild');
  } catch {
    console.error('build: esbuild is not installed here. Run "npm ci" in this folder first (it builds too).');
    process.exit(1);
  }
}

export const ROOT = resolve(import.meta.dirname, '..');
export const DIST = join(ROOT, 'dist');
/** The package's "bin": ESM, with the npm packages imported from node_modules. */
export const NPM_BUNDLE = join(DIST, 'bookout.js');

export const bundleOptions: BuildOptions = {
  absWorkingDir: ROOT,
  entryPoints: ['src/main.ts'],
  bundle: true,
  platform: 'node',
  target: 'node22.18',
  logLevel: 'warning',
  // Readable stack traces in bug reports matter more than a few hundred KB.
  minify: false,
};
