import type { Page, Response } from 'playwright-core';
import { TaskFailure, messageOf } from '../../engine/failure.ts';
import { armed, expectLanding, failFastOnErrors, portalPageIn, sessionLost } from './landing.ts';
import { SELECTORS, STOCK_FILTER_FUNCTION } from './selectors.ts';

const STALE_MARK = 'data-bookout-stale';
/** The grid's rows must be replaced this soon after its callback answered. */
const GRID_REFRESH_MS = 30_000;

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
      for (const item of [SELECTORS.exportMenu, SELECTORS.exportAllColumns, SELECTORS.exportToCsv]) {
        await page.locator(item).click({ timeout: timeoutMs });
      }
    } catch (error) {
      throw new TaskFailure('transient', `the Export menu did not work (${messageOf(error)})`, { cause: error });
    }
    const download = await downloading;
    const failure = await download.failure();
    if (failure) throw new TaskFailure('transient', `the inventory download failed: ${failure}`);
    await download.saveAs(path);
  });
}

/**
 * Filters the grid to `reference` and waits for the rows the grid's callback puts in place: the
 * rows on screen before are marked stale first, so a slow callback never leaves old rows to click.
 */
export async function filterGrid(page: Page, reference: string, timeoutMs: number, signal: AbortSignal) {
  await failFastOnErrors(page, 'filtering the grid', async () => {
    const isCallback = (response: Response) => ['xhr', 'fetch'].includes(response.request().resourceType());
    const callback = armed(page.waitForResponse(isCallback, { timeout: timeoutMs }));
    const filter = { rows: SELECTORS.gridRow, input: SELECTORS.stockNumberInput, mark: STALE_MARK, reference };
    await page.evaluate(applyStockFilterIn, { ...filter, apply: STOCK_FILTER_FUNCTION });
    const landing = await pageInstead(await callback);
    if (landing) throw sessionLost(landing, 'filtering the grid');
    const wait = { timeoutMs: Math.min(timeoutMs, GRID_REFRESH_MS), without: `[${STALE_MARK}]`, signal };
    await expectLanding(page, SELECTORS.stockNumberInput, 'filtering the grid', wait);
  });
}

/** A callback answered with the login or license page (as HTML) instead of grid data: the session is gone. */
async function pageInstead(response: Response): Promise<'login' | 'license' | null> {
  if (!(response.headers()['content-type'] ?? '').includes('html')) return null;
  return portalPageIn(await response.text().catch(() => ''));
}

interface StockFilter {
  rows: string;
  input: string;
  mark: string;
  reference: string;
  /** Name of the page function that applies the filter. */
  apply: string;
}

/**
 * Runs in the page: marks the rows on screen stale, sets the box's value without focusing it (a
 * later blur would apply the filter a second time), then applies the filter as the page does.
 */
function applyStockFilterIn({ rows, input, mark, reference, apply }: StockFilter): void {
  for (const row of document.querySelectorAll(rows)) row.setAttribute(mark, '');
  (document.querySelector(input) as HTMLInputElement).value = reference;
  (window as unknown as Record<string, (field: string) => void>)[apply]?.('StockNumber');
}

export type RowOpening = { opened: true } | { opened: false; shown: string[] };

/**
 * Clicks the Bookout link of the row whose stock number equals `reference` exactly (the filter is
 * a prefix match: 165549 also shows 165549A). When there is no such row, says what the grid shows.
 */
export function openExactRow(page: Page, reference: string): Promise<RowOpening> {
  return page.evaluate(
    ({ rows, link, reference }) => {
      const all = [...document.querySelectorAll(rows)];
      const cellIs = (cell: Element) => (cell.textContent ?? '').trim() === reference;
      const row = all.find((candidate) => [...candidate.querySelectorAll('td')].some(cellIs));
      const bookout = row?.querySelector(link) as HTMLElement | null | undefined;
      if (!bookout) {
        const shown = all.map((candidate) => (candidate.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 60));
        return { opened: false as const, shown };
      }
      bookout.click();
      return { opened: true as const };
    },
    { rows: SELECTORS.gridRow, link: SELECTORS.bookoutLink, reference },
  );
}
