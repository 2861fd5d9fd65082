// The choices that matter to the browser, in real headless Chromium: the back/forward cache with
// cacheable or no-store pages, the strict variant clicked through, every fact renamed clicked
// through with the new names, and error pages whose body is slow or never ends.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Download, Page } from 'playwright-core';
import { extractText, getDocumentProxy } from 'unpdf';
import { RENAMEABLE_FACTS, startPortal, type PortalOptions, type SimPortal } from '../../sim/index.ts';
import { pageNames, type PageNames } from '../../sim/pages/names.ts';
import { launchTestBrowser } from '../support/browser.ts';
import { LOGIN } from './http-session.ts';

const TIME_LIMIT = { timeout: 60_000 };
const KNOWN = pageNames([]);

async function pdfText(bytes: Buffer): Promise<string> {
  return (await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true })).text;
}

describe('simulated portal: open choices in Chromium', () => {
  let browser: Browser;
  before(async () => {
    // launchChromium keeps the back/forward cache on (Playwright's default turns it off).
    browser = await launchTestBrowser();
  });
  after(() => browser.close());

  async function start(t: TestContext, options: Partial<PortalOptions>): Promise<SimPortal> {
    const portal = await startPortal({ vehicles: 12, ...options });
    t.after(() => portal.stop());
    return portal;
  }

  async function newPage(t: TestContext): Promise<Page> {
    const context = await browser.newContext({ acceptDownloads: true });
    t.after(() => context.close());
    return context.newPage();
  }

  async function login(page: Page, portal: SimPortal, names: PageNames = KNOWN): Promise<void> {
    await page.goto(`${portal.url}${LOGIN}`);
    await page.fill(`#${names.username}`, portal.credentials.username);
    await page.fill(`#${names.password}`, portal.credentials.password);
    await Promise.all([page.waitForNavigation(), page.click(`#${names.loginButton}`)]);
  }

  /**
   * Filters the grid to `ref` with the page's own function and waits for the rows. The box's value is
   * set without focusing it: leaving a focused box fires its change event, a second callback that
   * replaces the rows under a later click.
   */
  async function filterTo(page: Page, ref: string, names: PageNames = KNOWN): Promise<void> {
    await Promise.all([
      page.waitForResponse('**/GridCallback'),
      page.evaluate(
        ({ input, value }) => {
          (document.getElementById(input) as HTMLInputElement).value = value;
          (window as unknown as { vehicleGridViewFilterChanged(field: string): void }).vehicleGridViewFilterChanged(
            'StockNumber',
          );
        },
        { input: names.stockNumberInput, value: ref },
      ),
    ]);
    await page.locator(`tr[id*='${names.gridRow}']`, { hasText: ref }).first().waitFor();
  }

  async function openFirstVehicle(page: Page): Promise<void> {
    await Promise.all([
      page.waitForURL(/Bookout/),
      page.locator("a[id^='bookOutButton_'][title='Bookout']").first().click(),
    ]);
  }

  it(
    'back to the inventory: from the back/forward cache when cacheable, a full load when no-store',
    TIME_LIMIT,
    async (t) => {
      for (const htmlCache of ['cacheable', 'no-store'] as const) {
        const portal = await start(t, { license: 'never', htmlCache });
        const page = await newPage(t);
        await login(page, portal);
        await page.waitForURL('**/ValuesOnline/vehicle/');
        await page.evaluate(() => {
          (window as unknown as { kept: string }).kept = 'the same document';
        });
        await openFirstVehicle(page);
        const inventoryLoads = portal.stats().requests.byRoute.inventory;
        const answer = await page.goBack({ waitUntil: 'commit' });
        await page.locator('#StockNumberInput').waitFor();
        await sleep(300);
        const kept = await page.evaluate(() => (window as unknown as { kept?: string }).kept ?? null);
        const loadsAfter = portal.stats().requests.byRoute.inventory;
        if (htmlCache === 'cacheable') {
          assert.equal(loadsAfter, inventoryLoads, 'cacheable: no new inventory request');
          assert.equal(kept, 'the same document', 'cacheable: the page restored as it was');
        } else {
          assert.equal(loadsAfter, inventoryLoads! + 1, 'no-store: the inventory is requested again');
          assert.equal(kept, null, 'no-store: a fresh document, scripts run again');
          assert.equal(answer?.headers()['cache-control'], 'private, no-store');
        }
      }
    },
  );

  it(
    'PDF delivery in Chromium: inline reaches the popup as an inline PDF, attachment downloads on the tab',
    TIME_LIMIT,
    async (t) => {
      for (const pdfDelivery of ['inline', 'attachment'] as const) {
        const portal = await start(t, { license: 'never', pdfDelivery });
        const page = await newPage(t);
        await login(page, portal);
        await openFirstVehicle(page);
        await page.click('button.reportButton:not(.requiresVehicle)');
        const create = page.getByRole('button', { name: 'Create PDF', exact: true });
        await create.waitFor();
        const downloads: string[] = [];
        page.on('download', (download) => downloads.push(download.url()));
        const report = page.context().waitForEvent('response', (response) => /GetPdfReport/.test(response.url()));
        const [popup] = await Promise.all([page.waitForEvent('popup'), create.click()]);
        const answer = await report;
        assert.equal(answer.frame().page(), popup, "the report is the popup's own request");
        assert.equal(answer.headers()['content-type'], 'application/pdf');
        assert.match(answer.headers()['content-disposition'] ?? '', new RegExp(`^${pdfDelivery};`));
        await sleep(500);
        if (pdfDelivery === 'attachment') assert.equal(downloads.length, 1, 'a download on the tab that clicked');
        assert.equal(portal.stats().pdf.generations, 1);
      }
    },
  );

  it(
    'strict variant clicked through: leftover filter, pages of 10, query URL with a GUID, PDF as attachment',
    TIME_LIMIT,
    async (t) => {
      const portal = await start(t, { variant: 'strict', vehicles: 25, license: 'never' });
      const page = await newPage(t);
      await login(page, portal);
      const make = portal.options.initialFilter!.make!;
      const rows = page.locator("tr[id*='DXDataRow']");
      const shown = await rows.allInnerTexts();
      assert.ok(shown.length >= 1 && shown.length <= 10);
      assert.ok(
        shown.every((text) => text.includes(make)),
        `only ${make}s`,
      );
      await page.click("a.dxgvFilterBarLink[onclick*='ClearFilter']");
      await page.locator("a.dxgvFilterBarLink[onclick*='ShowFilterControl']").waitFor({ state: 'attached' });
      assert.equal(await rows.count(), 10);
      assert.equal(await page.locator('a.dxp-num').count(), 2, 'three pages of 10');

      const vehicle = portal.inventory[13]!;
      await filterTo(page, vehicle.ref);
      const row = rows.filter({ has: page.locator('td', { hasText: new RegExp(`^${vehicle.ref}$`) }) });
      await Promise.all([
        page.waitForURL(/\/ValuesOnline\/Vehicle\/Bookout\.aspx\?vehicleId=[0-9a-f-]{36}$/),
        row.locator("a[id^='bookOutButton_'][title='Bookout']").click(),
      ]);
      assert.ok(page.url().endsWith(vehicle.key));
      await page.click('button.reportButton:not(.requiresVehicle)');
      const createPdf = page.getByRole('button', { name: 'Create PDF', exact: true });
      await createPdf.waitFor();
      // The report tab opens empty and goes to the report later: the download comes on it (or, as
      // with a tab opened at the report's address, on the tab that clicked).
      const downloaded = new Promise<Download>((resolve) => {
        page.once('download', resolve);
        page.once('popup', (popup) => popup.once('download', resolve));
      });
      await createPdf.click();
      const download = await downloaded;
      assert.match(download.url(), /GetPdfReport/);
      const text = await pdfText(await readFile((await download.path())!));
      assert.match(text, new RegExp(`Stock #: ${vehicle.ref}(?![A-Z])`));
      assert.ok(text.includes(vehicle.vin));
      await Promise.all([page.waitForNavigation(), page.click('#btnLogout')]);
      assert.equal(portal.stats().sessionsAlive, 0);
    },
  );

  it('every fact renamed: the known selectors find nothing, the new names do the whole flow', TIME_LIMIT, async (t) => {
    const names = pageNames(RENAMEABLE_FACTS);
    const portal = await start(t, {
      license: 'every-login',
      pdfDelivery: 'attachment',
      renamed: [...RENAMEABLE_FACTS],
    });
    const page = await newPage(t);
    await login(page, portal, names);
    assert.equal(await page.locator(`#${KNOWN.licenseCheckbox}`).count(), 0);
    await Promise.all([page.waitForURL('**/ValuesOnline/vehicle/'), page.locator(`#${names.licenseCheckbox}`).click()]);
    for (const known of [
      `#${KNOWN.stockNumberInput}`,
      "tr[id*='DXDataRow']",
      'a.dxgvFilterBarLink',
      `#${KNOWN.exportCsv}`,
    ])
      assert.equal(await page.locator(known).count(), 0, known);
    assert.equal(await page.locator(`a[href='${KNOWN.inventoryNavLink}']`).count(), 0);

    const [csvDownload] = await Promise.all([
      page.waitForEvent('download'),
      (async () => {
        await page.click(`#${names.exportMenu}`);
        await page.click(`#${names.exportAllColumns}`);
        await page.click(`#${names.exportCsv}`);
      })(),
    ]);
    const csv = await readFile((await csvDownload.path())!, 'utf8');
    assert.ok(csv.startsWith(`Stock Date,${names.referenceColumn},`));

    const vehicle = portal.inventory[4]!;
    await filterTo(page, vehicle.ref, names);
    const row = page.locator(`tr[id*='${names.gridRow}']`, { hasText: vehicle.ref }).first();
    await Promise.all([page.waitForURL(/Bookout/), row.locator(`a[id^='${names.bookoutLink}']`).click()]);
    assert.equal(await page.locator('button.reportButton:not(.requiresVehicle)').count(), 0);
    await page.click(`button.${names.reportButton}`);
    const create = page.getByRole('button', { name: names.createPdf, exact: true });
    await create.waitFor();
    const [, report] = await Promise.all([page.waitForEvent('popup'), page.waitForEvent('download'), create.click()]);
    assert.ok(report.url().includes(names.pdfUrl), report.url());
    assert.doesNotMatch(report.url(), /GetPdfReport/i);
    const text = await pdfText(await readFile((await report.path())!));
    assert.ok(text.includes(`${names.stockLabel}: ${vehicle.ref}`) && !text.includes('Stock #'), text.slice(0, 80));

    await Promise.all([page.waitForURL(/\/vehicle\/\?view=grid$/), page.click(`a[href='${names.inventoryNavLink}']`)]);
    await Promise.all([page.waitForNavigation(), page.click(`#${names.logoutButton}`)]);
    assert.equal(portal.stats().sessionsAlive, 0, 'logged out with the renamed button');
  });

  it(
    'error pages that load slowly or never finish: the status is known while the document still loads',
    TIME_LIMIT,
    async (t) => {
      for (const errorBody of ['slow', 'endless'] as const) {
        const portal = await start(t, {
          license: 'never',
          errorBody,
          errorBodyMs: 1500,
          faults: { transient500: { rate: 1, steps: ['vehicle'] } },
        });
        const page = await newPage(t);
        await login(page, portal);
        const started = Date.now();
        const answer = await page.goto(`${portal.url}/ValuesOnline/vehicle/Bookout/${portal.inventory[0]!.key}`, {
          waitUntil: 'commit',
        });
        assert.equal(answer?.status(), 500);
        assert.ok(Date.now() - started < 1000, `status after ${Date.now() - started} ms`);
        await sleep(500);
        assert.equal(await page.evaluate(() => document.readyState), 'loading', `${errorBody}: still loading`);
        if (errorBody === 'slow') {
          await page.waitForLoadState('load');
          assert.ok(Date.now() - started >= 1300, `loaded after ${Date.now() - started} ms`);
          assert.match(await page.locator('h1').innerText(), /Server Error/);
        } else {
          await sleep(1500);
          assert.equal(await page.evaluate(() => document.readyState), 'loading', 'endless: never loaded');
          await page.goto(`${portal.url}/ValuesOnline/vehicle/`, { waitUntil: 'domcontentloaded' });
          await page.locator('#StockNumberInput').waitFor();
        }
      }
    },
  );
});
