// `npm run screenshots`: the README's two pictures, made again from the real thing: `bookout ui`
// driven in headless Chromium through a run against the simulated portal (with a few faults, so the
// health figures and the chart's marks show something), then the run's report.html.
//   docs/ui-running.png   the page during the run
//   docs/report.png       the report at the end
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { launchChromium } from '../src/browser/launch.ts';
import { startPortal } from '../sim/index.ts';

const ROOT = resolve(import.meta.dirname, '..');
const DOCS = join(ROOT, 'docs');
const dir = mkdtempSync(join(tmpdir(), 'bookout-screenshots-'));
const portal = await startPortal({
  vehicles: 60,
  profile: 'fast',
  seed: 3,
  faults: { transient500: { rate: 0.02 }, rateLimit: { rate: 0.01, retryAfterSeconds: 1 }, expireAfterPdfs: 25 },
});
const ui = spawn(process.execPath, [join(ROOT, 'src', 'main.ts'), 'ui', '--no-open'], {
  cwd: dir,
  env: {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    PORTAL_URL: portal.url,
    DOWNLOAD_FOLDER: join(dir, 'downloads'),
    BOOKOUT_STATE_DIR: join(dir, 'state'),
    BOOKOUT_KEYCHAIN: 'off',
    RETRY_DELAY: '1',
    ...(process.env.BROWSER_PATH ? { BROWSER_PATH: process.env.BROWSER_PATH } : {}),
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const ended = new Promise((done) => ui.once('exit', done));
const browser = await launchChromium({ headless: true });
try {
  const url = await new Promise<string>((found, failed) => {
    let text = '';
    const timer = setTimeout(() => failed(new Error(`bookout ui did not start:\n${text}`)), 30_000);
    ui.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const match = /The bookout page: (http:\/\/\S+)/.exec(text);
      if (match) {
        clearTimeout(timer);
        found(match[1]!);
      }
    });
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url);
  await page.fill('#user', portal.credentials.username);
  await page.fill('#password', portal.credentials.password);
  await page.fill('#workers', '4');
  await page.click('#start');
  await page.waitForFunction(() => Number(document.getElementById('done')?.textContent) >= 32, undefined, {
    timeout: 180_000,
  });
  await page.waitForFunction(
    () => document.querySelectorAll('#tabs tr[data-tab] td:nth-child(2):not(:empty)').length >= 3,
  );
  await page.screenshot({ path: join(DOCS, 'ui-running.png'), fullPage: true });
  await page.waitForFunction(() => document.getElementById('phase')?.textContent === 'finished', undefined, {
    timeout: 180_000,
  });
  const [report] = await Promise.all([page.waitForEvent('popup'), page.click('#reportLink')]);
  await report.setViewportSize({ width: 1100, height: 900 });
  await report.waitForLoadState();
  await report.screenshot({ path: join(DOCS, 'report.png'), fullPage: true });
  console.log(
    `screenshots: ${relative(ROOT, join(DOCS, 'ui-running.png'))}, ${relative(ROOT, join(DOCS, 'report.png'))}`,
  );
} finally {
  await browser.close();
  ui.kill('SIGINT');
  await ended;
  await portal.stop();
  rmSync(dir, { recursive: true, force: true });
}
