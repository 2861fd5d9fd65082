// `npm run build:binary`: the single-file program dist/bookout (dist/bookout.exe on Windows), a Node.js
// single executable application: a node binary with everything bookout needs (src/, sim/ for `bookout demo`, and
// every npm package) bundled into one CommonJS script and injected. The browser is not inside: it is found at
// run time as usual.
//
// By default the program is for this system and carries the node binary that runs this build.
// `npm run build:binary -- --target win-x64` (or linux-x64, win-arm64, linux-arm64) makes one for another system
// from the official node binary of the same version, which npm fetches as the package node-<target>.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import type { Plugin } from 'esbuild';
import { bundleOptions, DIST, loadEsbuild, ROOT } from './bundle.ts';

const WORK = join(DIST, 'sea');
const SCRIPT = join(WORK, 'bookout.cjs');
const BLOB = join(WORK, 'bookout.blob');
const CONFIG = join(WORK, 'sea-config.json');
// The marker a node binary that can become a single executable carries (see Node's single-executable docs).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface Target {
  /** As in the names of node's own packages: linux-x64, win-x64, ... */
  name: string;
  windows: boolean;
  arch: string;
  native: boolean;
}

function targetFrom(argv: string[]): Target {
  const host = `${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
  const { values } = parseArgs({ args: argv, options: { target: { type: 'string', default: host } } });
  const match = /^(linux|win)-(x64|arm64)$/.exec(values.target);
  if (!match) throw new Error(`--target must be linux-x64, linux-arm64, win-x64 or win-arm64 (got "${values.target}")`);
  return { name: values.target, windows: match[1] === 'win', arch: match[2]!, native: values.target === host };
}

/** dist/bookout or dist/bookout.exe; dist/bookout-arm64(.exe) when built for another processor. */
function binaryPath(target: Target): string {
  const arch = target.arch === process.arch ? '' : `-${target.arch}`;
  return join(DIST, `bookout${arch}${target.windows ? '.exe' : ''}`);
}

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
    // Optional modules playwright-core requires only for features bookout does not use (WebDriver BiDi), and the
    // keychain's native module, which a single executable cannot load: the binary works without a keychain.
    external: ['chromium-bidi/*', '@napi-rs/keyring'],
  });
}

/** The blob is made by this node; a code cache only fits a binary of this very system. */
function makeBlob(target: Target): void {
  const config = { main: SCRIPT, output: BLOB, disableExperimentalSEAWarning: true, useCodeCache: target.native };
  writeFileSync(CONFIG, JSON.stringify(config, null, 2));
  quietly(process.execPath, ['--experimental-sea-config', CONFIG]);
}

/** The node binary to inject into: this one, or the official one of the same version for another system. */
function baseNode(target: Target): string {
  if (target.native) return process.execPath;
  const spec = `node-${target.name}@${process.versions.node}`;
  quietly(npm, ['pack', spec, '--pack-destination', WORK, '--prefer-offline', '--silent']);
  const tarball = join(WORK, `node-${target.name}-${process.versions.node}.tgz`);
  const member = `package/bin/node${target.windows ? '.exe' : ''}`;
  quietly('tar', ['-xzf', tarball, '-C', WORK, member]);
  return join(WORK, member);
}

function inject(base: string, binary: string): void {
  if (!readFileSync(base).includes(SEA_FUSE))
    throw new Error(`${base} cannot become a single executable (no SEA fuse); use an official Node.js build`);
  rmSync(binary, { force: true });
  copyFileSync(base, binary);
  chmodSync(binary, 0o755);
  const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
  quietly(process.execPath, [postject, binary, 'NODE_SEA_BLOB', BLOB, '--sentinel-fuse', SEA_FUSE]);
}

/** Runs a build tool, showing its (non-ASCII, noisy) output only when it fails. */
function quietly(command: string, args: string[]): void {
  try {
    execFileSync(command, args, { stdio: 'pipe', shell: command === npm && process.platform === 'win32' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

function megabytes(path: string): string {
  return `${(statSync(path).size / 1024 / 1024).toFixed(1)} MB`;
}

const started = performance.now();
const target = targetFrom(process.argv.slice(2));
const binary = binaryPath(target);
rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });
await bundle();
makeBlob(target);
inject(baseNode(target), binary);
console.log(
  `build:binary: ${relative(ROOT, binary)} for ${target.name} (${megabytes(binary)}, node ${process.version}, ` +
    `script ${megabytes(SCRIPT)}) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
