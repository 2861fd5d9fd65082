// The simulated portal clicked through in real headless Chromium, as portal.md section A describes it.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { Browser, Page } from 'playwright-core';
import { extractText, getDocumentProxy } from 'unpdf';
import { startPortal, type SimPortal } from '../../sim/index.ts';
import { launchTestBrowser } from '../support/browser.ts';
import { LOGIN } from './http-session.ts';

async function login(page: Page, portal: SimPortal, password = portal.credentials.password): Promise<void> {
  await page.goto(`${portal.url}${LOGIN}`);
  await page.fill('#usernameInput', portal.credentials.username);
  await page.fill('#passwordInput', password);
  await Promise.all([page.waitForNavigation(), page.click('#loginButton')]);
}

async function pdfText(bytes: Buffer): Promise<string> {
  return (await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true })).text;
}

describe('simulated portal: the whole flow in Chromium', () => {
  let portal: SimPortal;
  let browser: Browser;
  before(async () => {
    portal = await startPortal({
      vehicles: 30,
      pageSize: 10,
      pdfDelivery: 'attachment',
      initialFilter: { make: 'Toyota' },
      csvBom: true,
      duplicateRows: 2,
      license: 'every-login',
      licenseDelayMs: 1000,
    });
    browser = await launchTestBrowser();
  });
  after(async () => {
    await browser.close();
    await portal.stop();
  });

  it('login, late license checkbox, stored filter, export, stock filter with prefix pair, bookout, Create PDF, logout', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await login(page, portal);
    // License page: the checkbox is inserted late, and ticking it navigates by itself.
    const box = page.locator('#agreementCheckBox');
    assert.equal(await box.count(), 0, 'the checkbox is not there at first');
    await box.waitFor();
    await Promise.all([page.waitForURL('**/ValuesOnline/vehicle/'), box.click()]);
    // The header's nav link; the inventory page's own menu links there too.
    assert.ok((await page.locator("a[href='/ValuesOnline/vehicle/']").count()) >= 1);
    assert.equal(await page.locator('#btnLogout').count(), 1);

    // The filter stored for the user (make = Toyota) is active: ClearFilter, and only Toyotas.
    const toyotas = portal.inventory.filter((v) => v.make === 'Toyota').length;
    assert.equal(await page.locator("a.dxgvFilterBarLink[onclick*='ClearFilter']").count(), 1);
    assert.equal(await page.locator("tr[id*='DXDataRow']").count(), Math.min(10, toyotas));
    await page.click("a.dxgvFilterBarLink[onclick*='ClearFilter']");
    await page.locator("a.dxgvFilterBarLink[onclick*='ShowFilterControl']").waitFor({ state: 'attached' });
    assert.equal(await page.locator("tr[id*='DXDataRow']").count(), 10, 'first page of the whole inventory');

    // Export > Export All Columns > Export to CSV: a real download of the whole inventory.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      (async () => {
        await page.click('#primaryMenu_DXI4_T');
        await page.click('#primaryMenu_DXI4i1_T');
        await page.click('#primaryMenu_DXI4i1i2_');
      })(),
    ]);
    const csvBytes = await readFile((await download.path())!);
    assert.equal(csvBytes.subarray(0, 3).toString('hex'), 'efbbbf', 'UTF-8 BOM');
    const rows = parse(csvBytes, { bom: true, columns: true }) as Array<Record<string, string>>;
    assert.equal(rows.length, 32, 'all vehicles plus 2 duplicate rows');
    assert.deepEqual(
      [...new Set(rows.map((row) => row['Reference Number']))].sort(),
      portal.inventory.map((v) => v.ref).sort(),
    );
    for (const column of ['VIN', 'Year', 'Make', 'Model', 'Trim', 'Mileage']) assert.ok(column in rows[0]!, column);

    // Typing alone does not filter; the page function does. The prefix shows 165002 and 165002A.
    const input = page.locator('#StockNumberInput');
    await input.fill('165002');
    assert.equal(await page.locator("tr[id*='DXDataRow']").count(), 10, 'typing did not filter');
    await page.evaluate(() =>
      (window as unknown as { vehicleGridViewFilterChanged(f: string): void }).vehicleGridViewFilterChanged(
        'StockNumber',
      ),
    );
    await page.waitForFunction(() => document.querySelectorAll("tr[id*='DXDataRow']").length === 2);
    const texts = await page.locator("tr[id*='DXDataRow']").allInnerTexts();
    assert.ok(texts.some((t) => /\b165002\b/.test(t)) && texts.some((t) => /165002A/.test(t)));
    // Leaving the typed-in box fires its change event: one more callback replaces the rows. Let it land
    // before clicking, or the row under the click is swapped out and the click is lost.
    await Promise.all([page.waitForResponse('**/GridCallback'), input.blur()]);
    await page.locator('#vehicleGridView_LP').waitFor({ state: 'hidden' });

    // Bookout opens the vehicle page in the same tab; Print/Email Reports opens the modal.
    const row = page.locator("tr[id*='DXDataRow']").filter({ has: page.locator('td', { hasText: /^165002$/ }) });
    await Promise.all([
      page.waitForURL('**/Bookout/**'),
      row.locator("a[id^='bookOutButton_'][title='Bookout'] img[title='Bookout'][src*='book.png']").click(),
    ]);
    assert.equal(await page.locator('button.reportButton.requiresVehicle').count(), 1, 'the decoy exists');
    await page.click('button.reportButton:not(.requiresVehicle)');
    const createPdf = page.getByRole('button', { name: 'Create PDF', exact: true });
    await createPdf.waitFor();

    // Create PDF opens a new tab at GetPdfReport; as an attachment it downloads on the clicking tab.
    const [popup, pdfDownload] = await Promise.all([
      page.waitForEvent('popup'),
      page.waitForEvent('download'),
      createPdf.click(),
    ]);
    assert.match(pdfDownload.url(), /GetPdfReport/);
    void popup;
    const pdf = await readFile((await pdfDownload.path())!);
    assert.ok(pdf.length >= 40_000 && pdf.length <= 70_000, `size ${pdf.length}`);
    const vehicle = portal.inventory.find((v) => v.ref === '165002')!;
    const text = await pdfText(pdf);
    assert.match(text, /Stock #: 165002(?!A)/);
    assert.ok(text.includes(vehicle.vin));
    assert.ok(text.includes(`${vehicle.year} ${vehicle.make} ${vehicle.model} ${vehicle.trim}`));
    assert.equal(portal.stats().pdf.byRef['165002'], 1);

    await Promise.all([page.waitForNavigation(), page.click('#btnLogout')]);
    assert.equal(await page.locator('#usernameInput').count(), 1);
    const stats = portal.stats();
    assert.equal(stats.logouts, 1);
    assert.equal(stats.sessionsAlive, 0);
    assert.equal(stats.csvExports, 1);
    await context.close();
  });

  it('the export menu does not open without its stylesheet', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await context.route('**/*.css', (route) => route.abort());
    await login(page, portal);
    await Promise.all([page.waitForURL('**/ValuesOnline/vehicle/'), page.locator('#agreementCheckBox').click()]);
    await page.click('#primaryMenu_DXI4_T');
    await assert.rejects(page.click('#primaryMenu_DXI4i1_T', { timeout: 1500 }), /Timeout/);
    await page.click('#btnLogout');
    await context.close();
  });

  it('grid paging works by callbacks, not page loads', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await login(page, portal);
    await Promise.all([page.waitForURL('**/ValuesOnline/vehicle/'), page.locator('#agreementCheckBox').click()]);
    // The stock filter of the first test is stored for the user: clear it to get several pages.
    await page.click("a.dxgvFilterBarLink[onclick*='ClearFilter']");
    await page.locator("a.dxgvFilterBarLink[onclick*='ShowFilterControl']").waitFor({ state: 'attached' });
    const first = await page.locator("tr[id*='DXDataRow']").first().innerText();
    let loads = 0;
    page.on('load', () => (loads += 1));
    await page.click('a.dxp-num >> nth=0');
    await page.waitForFunction(
      (text) => document.querySelector("tr[id*='DXDataRow']")?.textContent?.trim() !== text.trim(),
      first,
    );
    assert.equal(loads, 0);
    await page.click('#btnLogout');
    await context.close();
  });

  it('a wrong password shows an error on the same page, status 200', async () => {
    const page = await browser.newPage();
    const before = portal.stats().logins.wrongCredentials;
    await login(page, portal, 'not-the-password');
    assert.equal(await page.locator('#usernameInput').count(), 1);
    assert.match(await page.locator('body').innerText(), /Invalid user name or password/);
    assert.equal(portal.stats().logins.wrongCredentials, before + 1);
    await page.close();
  });
});
