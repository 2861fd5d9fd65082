// `npm run build:binary`: the single-file program dist/bookout (dist/bookout.exe on Windows), a Node.js
// single executable application: a copy of the node binary that runs this build, with everything bookout needs
// (src/, sim/ for `bookout demo`, and every npm package) bundled into one CommonJS script and injected.
// The browser is not inside: it is found at run time as usual. Build it on the system it is for (Linux on Linux,
// Windows on Windows), with the Node.js version it should carry.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import type { Plugin } from 'esbuild';
import { bundleOptions, DIST, loadEsbuild, ROOT } from './bundle.ts';

const WORK = join(DIST, 'sea');
const SCRIPT = join(WORK, 'bookout.cjs');
const BLOB = join(WORK, 'bookout.blob');
const CONFIG = join(WORK, 'sea-config.json');
const BINARY = join(DIST, process.platform === 'win32' ? 'bookout.exe' : 'bookout');
// The marker node's binary carries for SEA; documented in Node's single-executable-applications page.
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/**
 * playwright-core loads its package.json and browsers.json with computed paths, at run time, from its own folder.
 * Inside the binary there is no such folder (its `require` loads only node's built-in modules), so those two
 * requires are made static and esbuild puts both JSON files into the bundle. Its other own files (trace viewer,
 * recorder, browser installer, webp codec) serve features bookout does not use.
 */
const playwrightOwnFiles: Plugin = {
  name: 'playwright-own-files',
  setup(builder) {
    builder.onLoad({ filter: /playwright-core[\\/]lib[\\/]coreBundle\.js$/ }, (args) => {
      let contents = readFileSync(args.path, 'utf8');
      for (const file of ['package.json', 'browsers.json']) {
        const computed = new RegExp(`require\\(import_path\\d*\\.default\\.join\\(packageRoot, "${file}"\\)\\)`, 'g');
        const found = contents.match(computed)?.length ?? 0;
        if (found !== 1)
          throw new Error(`playwright-core changed: expected 1 computed require of its ${file}, found ${found}`);
        contents = contents.replace(computed, `require("../${file}")`);
      }
      return { contents, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

async function bundle(): Promise<void> {
  await (await loadEsbuild()).build({
    ...bundleOptions,
    format: 'cjs',
    outfile: SCRIPT,
    plugins: [playwrightOwnFiles],
    // Optional modules playwright-core requires only for features bookout does not use (WebDriver BiDi).
    external: ['chromium-bidi/*'],
  });
}

function makeBlob(): void {
  const config = { main: SCRIPT, output: BLOB, disableExperimentalSEAWarning: true, useCodeCache: true };
  writeFileSync(CONFIG, JSON.stringify(config, null, 2));
  quietly(process.execPath, ['--experimental-sea-config', CONFIG]);
}

function inject(): void {
  rmSync(BINARY, { force: true });
  copyFileSync(process.execPath, BINARY);
  chmodSync(BINARY, 0o755);
  const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
  quietly(process.execPath, [postject, BINARY, 'NODE_SEA_BLOB', BLOB, '--sentinel-fuse', SEA_FUSE]);
}

/** Runs a build tool, showing its (non-ASCII, noisy) output only when it fails. */
function quietly(command: string, args: string[]): void {
  try {
    execFileSync(command, args, { stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`${relative(ROOT, args[0] ?? command)} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

function megabytes(path: string): string {
  return `${(statSync(path).size / 1024 / 1024).toFixed(1)} MB`;
}

const started = performance.now();
if (process.platform !== 'linux' && process.platform !== 'win32')
  throw new Error(`build:binary makes Linux and Windows programs; this is ${process.platform}`);
rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });
await bundle();
makeBlob();
inject();
console.log(
  `build:binary: ${relative(ROOT, BINARY)} (${megabytes(BINARY)}, node ${process.version}, ` +
    `script ${megabytes(SCRIPT)}) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
