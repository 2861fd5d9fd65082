// The browser as launchChromium starts it, in real Chromium: Playwright's own feature lists kept, bookout's
// features added to them, and on the full build no process for the address bar's popups, no spare renderer and
// no network service process of its own.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { findBrowser } from '../../src/browser/find-browser.ts';
import { DISABLED_FEATURES, ENABLED_FEATURES, launchChromium } from '../../src/browser/launch.ts';
import { processPssKb, processTree } from '../support/processes.ts';

const TABS = 3;

/** Chromium's processes below this one: each one's command line split into switches (helpers rewrite theirs). */
function chromiumProcesses(): Array<{ pid: number; args: string[] }> {
  return processTree(process.pid)
    .filter((row) => /chrom/i.test(row.command))
    .flatMap((row) => {
      try {
        return [{ pid: row.pid, args: readFileSync(`/proc/${row.pid}/cmdline`, 'utf8').split(/[\0 ]/) }];
      } catch {
        return []; // ended meanwhile
      }
    });
}

const browserProcess = () =>
  chromiumProcesses().find((process) => !process.args.some((arg) => arg.startsWith('--type=')));

/** The values of every `--name=` switch of the browser process. */
function switchValues(name: string): string[][] {
  const args = browserProcess()?.args ?? [];
  return args.filter((arg) => arg.startsWith(`--${name}=`)).map((arg) => arg.slice(name.length + 3).split(','));
}

/** What kind of helper: renderer, zygote, utility:NetworkService...; "renderer (top chrome)" for the browser's own pages. */
function kindOf(args: string[]): string {
  const type = args.find((arg) => arg.startsWith('--type='))?.slice('--type='.length) ?? 'browser';
  if (type === 'renderer' && args.includes('--top-chrome-webui')) return 'renderer (top chrome)';
  const service = args
    .find((arg) => arg.startsWith('--utility-sub-type='))
    ?.split('.')
    .pop();
  return service ? `${type}:${service}` : type;
}

const builds = [
  { name: 'full Chromium', path: findBrowser(process.env.BROWSER_PATH || undefined).executablePath },
  ...(findBrowser(undefined, process.platform, process.env, { headless: true }).source === 'headless-shell'
    ? [
        {
          name: 'headless shell',
          path: findBrowser(undefined, process.platform, process.env, { headless: true }).executablePath,
        },
      ]
    : []),
];

describe('launching Chromium', { timeout: 180_000 }, () => {
  let server: Server;
  let origin: string;
  before(async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<html><body><h1>${req.url}</h1>${'<div><a href="#">row</a> cell</div>'.repeat(300)}</body></html>`);
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  for (const build of builds) {
    describe(build.name, () => {
      let playwrightDisabled: string[];
      let playwrightEnabled: string[];
      before(async () => {
        // Playwright's own switches, as it starts the browser without bookout's arguments.
        const plain = await chromium.launch({ executablePath: build.path, headless: true });
        try {
          [playwrightDisabled = []] = switchValues('disable-features');
          [playwrightEnabled = []] = switchValues('enable-features');
        } finally {
          await plain.close();
        }
        assert.ok(playwrightDisabled.length > 3, `Playwright's own --disable-features found (${playwrightDisabled})`);
      });

      it("keeps Playwright's feature lists and adds bookout's, in one switch each", async () => {
        const browser = await launchChromium({ headless: true, executablePath: build.path });
        try {
          const disabled = switchValues('disable-features');
          const enabled = switchValues('enable-features');
          assert.equal(disabled.length, 1, 'one --disable-features');
          assert.equal(enabled.length, 1, 'one --enable-features');
          for (const feature of [...playwrightDisabled, ...DISABLED_FEATURES])
            assert.ok(disabled[0]!.includes(feature), feature);
          for (const feature of [...playwrightEnabled, ...ENABLED_FEATURES])
            assert.ok(enabled[0]!.includes(feature), feature);
        } finally {
          await browser.close();
        }
      });

      it(`runs ${TABS} tabs with a renderer each and no other helper than the zygotes and storage`, async (t) => {
        const browser: Browser = await launchChromium({ headless: true, executablePath: build.path });
        try {
          const context = await browser.newContext();
          for (let tab = 0; tab < TABS; tab += 1) {
            const page = await context.newPage();
            await page.goto(`${origin}/tab/${tab}`, { waitUntil: 'load' });
          }
          // The browser starts its preloaded pages and spare renderer right after a tab opens: give it time.
          await new Promise((resolve) => setTimeout(resolve, 2000));
          const kinds = new Map<string, { count: number; pssMb: number }>();
          for (const helper of chromiumProcesses()) {
            const kind = kindOf(helper.args);
            const entry = kinds.get(kind) ?? { count: 0, pssMb: 0 };
            kinds.set(kind, { count: entry.count + 1, pssMb: entry.pssMb + processPssKb(helper.pid) / 1024 });
          }
          t.diagnostic(
            [...kinds].map(([kind, { count, pssMb }]) => `${kind} x${count} ${Math.round(pssMb)} MB`).join(', '),
          );
          assert.equal(kinds.get('renderer')?.count, TABS, 'a renderer per tab, no spare one');
          assert.equal(kinds.has('renderer (top chrome)'), false, "no renderer for the browser's own pages");
          assert.equal(kinds.has('utility:NetworkService'), false, 'the network service in the browser process');
          await context.close();
        } finally {
          await browser.close();
        }
      });
    });
  }
});
