import type { Locator, Page } from 'playwright-core';
import { TaskFailure } from '../engine/failure.ts';
import { armed, failFastOnErrors, sessionLost, waitForLanding } from './landing.ts';
import { SELECTORS } from './selectors.ts';

const STALE_MARK = 'data-bookout-stale';

/** Clears every grid filter stored on the server (the export and the grid follow it). True if one was active. */
export async function clearFilters(page: Page, timeoutMs: number): Promise<boolean> {
  const clear = page.locator(SELECTORS.clearFilterLink);
  if ((await clear.count()) === 0) return false;
  await failFastOnErrors(page, 'clearing the grid filter', async () => {
    await clear.first().click({ timeout: timeoutMs });
    await page.locator(SELECTORS.noFilterLink).first().waitFor({ state: 'attached', timeout: timeoutMs });
  });
  return true;
}

/** Export -> Export All Columns -> Export to CSV; saves the download to `path`. Needs the menu's stylesheets. */
export async function exportInventoryCsv(page: Page, path: string, timeoutMs: number): Promise<void> {
  await failFastOnErrors(page, 'exporting the inventory', async () => {
    const downloading = armed(page.waitForEvent('download', { timeout: timeoutMs }));
    try {
      await page.locator(SELECTORS.exportMenu).click({ timeout: timeoutMs });
      await page.locator(SELECTORS.exportAllColumns).click({ timeout: timeoutMs });
      await page.locator(SELECTORS.exportToCsv).click({ timeout: timeoutMs });
    } catch (error) {
      throw new TaskFailure('transient', `the Export menu did not work (${(error as Error).message.split('\n')[0]})`, { cause: error });
    }
    const download = await downloading;
    const failure = await download.failure();
    if (failure) throw new TaskFailure('transient', `the inventory download failed: ${failure}`);
    await download.saveAs(path);
  });
}

export type RowSearch = { row: Locator } | { row: null; shown: string[] };

/**
 * Filters the grid to `reference` and returns the row whose stock number equals it exactly
 * (the filter is a prefix match: 165549 also shows 165549A). The rows on screen before the
 * filter are marked stale, and only rows the grid's callback put in their place are used.
 */
export async function findVehicleRow(page: Page, reference: string, timeoutMs: number): Promise<RowSearch> {
  const rows = page.locator(SELECTORS.gridRow);
  await rows.evaluateAll((elements, mark) => elements.forEach((element) => element.setAttribute(mark, '')), STALE_MARK);
  await failFastOnErrors(page, 'filtering the grid', async () => {
    const callback = armed(page.waitForResponse((response) => ['xhr', 'fetch'].includes(response.request().resourceType()), { timeout: timeoutMs }));
    await applyStockFilter(page, reference);
    await callback;
    await waitForFreshRows(page, timeoutMs);
  });
  const exact = rows.filter({ has: page.locator('td').filter({ hasText: exactText(reference) }) });
  if ((await exact.count()) > 0) return { row: exact.first() };
  return { row: null, shown: (await rows.allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim().slice(0, 60)) };
}

/** Sets the box's value without focusing it (a later blur would apply the filter a second time), then applies it. */
async function applyStockFilter(page: Page, reference: string): Promise<void> {
  await page.locator(SELECTORS.stockNumberInput).evaluate((input, value) => {
    (input as HTMLInputElement).value = value;
    (window as unknown as { vehicleGridViewFilterChanged(field: string): void }).vehicleGridViewFilterChanged('StockNumber');
  }, reference);
}

async function waitForFreshRows(page: Page, timeoutMs: number): Promise<void> {
  try {
    await page.waitForFunction((mark) => !document.querySelector(`[${mark}]`), STALE_MARK, { timeout: timeoutMs });
  } catch (error) {
    // The callback may have sent the tab to the login or license page instead of new rows.
    const landing = await waitForLanding(page, page.locator(SELECTORS.stockNumberInput), 5000).catch(() => 'expected' as const);
    if (landing !== 'expected') throw sessionLost(landing, 'filtering the grid');
    throw error;
  }
  const landing = await waitForLanding(page, page.locator(SELECTORS.stockNumberInput), timeoutMs);
  if (landing !== 'expected') throw sessionLost(landing, 'filtering the grid');
}

function exactText(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}
