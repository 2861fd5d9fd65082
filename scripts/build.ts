// `npm run build` (also run by `prepare`, so by `npm ci`, `npm pack` and installs from git): bundles
// src/ and the simulated portal (sim/, for `bookout demo`) into one JavaScript file, dist/bookout.js, the
// package's "bin". Node strips types only outside node_modules, so an installed copy cannot run the .ts
// sources. The npm packages stay external: npm installs them next to it.
import { rmSync } from 'node:fs';
import { relative } from 'node:path';
import { bundleOptions, loadEsbuild, NPM_BUNDLE, ROOT } from './bundle.ts';

const started = performance.now();
rmSync(NPM_BUNDLE, { force: true });
await (await loadEsbuild()).build({ ...bundleOptions, format: 'esm', packages: 'external', outfile: NPM_BUNDLE });
console.log(`build: ${relative(ROOT, NPM_BUNDLE)} in ${Math.round(performance.now() - started)} ms`);
