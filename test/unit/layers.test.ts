// The architecture's rules, checked on the imports of every file in src/: a rule broken is a test failed.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');

interface Import {
  /** The importing file, relative to src/ ("engine/worker-pool.ts"). */
  file: string;
  /** What it imports: a path relative to src/ ("engine/failure.ts", "../sim/index.ts") or a package ("node:sqlite"). */
  target: string;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(path: string): Import[] {
  const text = readFileSync(path, 'utf8');
  const file = relative(SRC, path);
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((match) => match[1]!);
  return specifiers.map((specifier) => ({
    file,
    target: specifier.startsWith('.') ? relative(SRC, resolve(dirname(path), specifier)) : specifier,
  }));
}

const imports = sourceFiles(SRC).flatMap(importsOf);
const folderOf = (path: string) => (path.includes('/') ? path.split('/')[0]! : path);
const isLocal = (target: string) => !target.startsWith('node:') && /\.ts$/.test(target);

function broken(rule: (entry: Import) => boolean): string[] {
  return imports.filter(rule).map((entry) => `${entry.file} imports ${entry.target}`);
}

describe('layers (checked on the imports of src/)', { timeout: 10_000 }, () => {
  it('finds the imports it checks', () => {
    assert.ok(imports.length > 100, `only ${imports.length} imports found`);
  });

  it('the engine imports nothing outside itself (and knows nothing of J.D. Power)', () => {
    const outside = (entry: Import) =>
      folderOf(entry.file) === 'engine' && !entry.target.startsWith('node:') && folderOf(entry.target) !== 'engine';
    assert.deepEqual(broken(outside), []);
  });

  it('only the ledger touches a database: SQLite, PostgreSQL (pg) and the job queue on it (pg-boss)', () => {
    const databases = new Set(['node:sqlite', 'pg', 'pg-boss']);
    assert.deepEqual(
      broken((entry) => databases.has(entry.target) && folderOf(entry.file) !== 'ledger'),
      [],
    );
  });

  it('the ledger knows no portal, no browser, no job and no command line', () => {
    const forbidden = new Set(['portal', 'browser', 'job', 'cli', 'ui', 'web', 'output', 'engine']);
    const rule = (entry: Import) =>
      folderOf(entry.file) === 'ledger' &&
      isLocal(entry.target) &&
      forbidden.has(folderOf(entry.target)) &&
      !/^engine\/(failure|types)\.ts$/.test(entry.target);
    assert.deepEqual(broken(rule), []);
  });

  it('the engine stays generic: no account, tab or portal words in its code', () => {
    const words = /\b(account|vehicle|portal|ValuesOnline|J\.D\. Power|chromium|playwright)\b/i;
    const engine = sourceFiles(join(SRC, 'engine')).filter((path) =>
      words.test(readFileSync(path, 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '')),
    );
    assert.deepEqual(
      engine.map((path) => relative(SRC, path)),
      [],
    );
  });

  it('the portal adapter does not reach into the ledger, the output, the UI or the job', () => {
    const forbidden = new Set(['ledger', 'output', 'ui', 'job', 'cli', 'config', 'session', 'pdf']);
    const rule = (entry: Import) =>
      folderOf(entry.file) === 'portal' && isLocal(entry.target) && forbidden.has(folderOf(entry.target));
    assert.deepEqual(broken(rule), []);
  });

  it('only the portal adapter knows the portal: the rest sees the Portal interface alone', () => {
    const rule = (entry: Import) =>
      entry.target.startsWith('portal/') &&
      entry.target !== 'portal/portal.ts' &&
      !['portal', 'cli'].includes(folderOf(entry.file)) &&
      entry.file !== 'main.ts';
    assert.deepEqual(broken(rule), []);
  });

  it('the records, the errors and the text helpers depend on nothing', () => {
    const leaves = new Set(['records.ts', 'errors.ts', 'text.ts']);
    assert.deepEqual(
      broken((entry) => leaves.has(entry.file) && isLocal(entry.target)),
      [],
    );
  });

  it('the system helpers (keeping awake, network drives) depend on nothing of bookout', () => {
    assert.deepEqual(
      broken(
        (entry) => folderOf(entry.file) === 'system' && isLocal(entry.target) && folderOf(entry.target) !== 'system',
      ),
      [],
    );
  });

  it('proving a PDF knows no portal and no storage', () => {
    assert.deepEqual(
      broken((entry) => folderOf(entry.file) === 'pdf' && isLocal(entry.target)),
      [],
    );
  });

  it('the browser is driven only by the browser, portal and session layers', () => {
    const allowed = new Set(['browser', 'portal', 'session']);
    const rule = (entry: Import) => entry.target === 'playwright-core' && !allowed.has(folderOf(entry.file));
    assert.deepEqual(broken(rule), []);
  });

  it('the web page builds on the job, the UI, the output and the settings only (no engine, ledger or browser)', () => {
    const allowed = new Set(['web', 'job', 'ui', 'output', 'config', 'records.ts', 'errors.ts', 'text.ts']);
    const rule = (entry: Import) =>
      folderOf(entry.file) === 'web' && isLocal(entry.target) && !allowed.has(folderOf(entry.target));
    assert.deepEqual(broken(rule), []);
  });

  it('only the command line reaches the web page: the engine, the job and the rest never import it', () => {
    const rule = (entry: Import) =>
      folderOf(entry.target) === 'web' && !['web', 'cli'].includes(folderOf(entry.file)) && entry.file !== 'main.ts';
    assert.deepEqual(broken(rule), []);
  });

  it('the simulated portal is a separate program: only the demo starts it', () => {
    const rule = (entry: Import) => entry.target.startsWith('../sim/') && entry.file !== 'cli/demo.ts';
    assert.deepEqual(broken(rule), []);
  });

  it('nothing in src/ imports the simulated portal, the tests or the tools at load time', () => {
    const staticSim = imports.filter(
      (entry) => /^\.\.\/(sim|test|bench|soak)\//.test(entry.target) && entry.file !== 'cli/demo.ts',
    );
    assert.deepEqual(staticSim, []);
  });
});
