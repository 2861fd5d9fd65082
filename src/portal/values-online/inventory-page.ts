import { stat } from 'node:fs/promises';
import type { Page, Response } from 'playwright-core';
import { TaskFailure, messageOf } from '../../engine/failure.ts';
import { settleWithin } from '../../engine/time-limits.ts';
import { armed, expectLanding, failFastOnErrors, portalPageIn, sessionLost, waitForLanding } from './landing.ts';
import { insteadOf, missingFact, PageChanged, SESSION_SETTLE_MS } from './page-facts.ts';
import { SELECTORS, STOCK_FILTER_FUNCTION, type FactName } from './selectors.ts';

const STALE_MARK = 'data-bookout-stale';
/** The grid's rows must be replaced this soon after its callback answered. */
const GRID_REFRESH_MS = 30_000;
/**
 * A grid without rows before the filter has nothing to mark stale, so its refresh cannot be seen:
 * after the callback's answer, rows are awaited this long (a vehicle that is not there costs it once).
 */
const EMPTY_GRID_RENDER_MS = 2000;

/**
 * Clears every grid filter stored on the server (the export and the grid follow it). True if one
 * was active. `required`: the filter bar must be there (a filter could not be seen otherwise).
 */
export async function clearFilters(page: Page, timeoutMs: number, required = true): Promise<boolean> {
  if (required) {
    const wait = { timeoutMs, fact: 'filterBarLink' as const, settleMs: SESSION_SETTLE_MS, only: true };
    await expectLanding(page, { attached: SELECTORS.filterBarLink }, 'clearing the grid filter', wait);
  }
  const clear = page.locator(SELECTORS.clearFilterLink);
  if ((await clear.count()) === 0) return false;
  await failFastOnErrors(page, 'clearing the grid filter', async () => {
    await clear.first().click({ timeout: timeoutMs });
    await page.locator(SELECTORS.noFilterLink).first().waitFor({ state: 'attached', timeout: timeoutMs });
  });
  return true;
}

const EXPORT_ITEMS = ['exportMenu', 'exportAllColumns', 'exportToCsv'] as const satisfies FactName[];

/** Export -> Export All Columns -> Export to CSV; saves the download to `path`. Needs the menu's stylesheets. */
export async function exportInventoryCsv(page: Page, path: string, timeoutMs: number): Promise<void> {
  await failFastOnErrors(page, 'exporting the inventory', async () => {
    const downloading = armed(page.waitForEvent('download', { timeout: timeoutMs }));
    try {
      for (const fact of EXPORT_ITEMS) {
        // Each item shows once the one before it was clicked; one that never shows is not there.
        const wait = { timeoutMs, fact, settleMs: SESSION_SETTLE_MS, only: true };
        await expectLanding(page, SELECTORS[fact], 'exporting the inventory', wait);
        await page.locator(SELECTORS[fact]).click({ timeout: timeoutMs });
      }
    } catch (error) {
      if (error instanceof TaskFailure) throw error;
      throw new TaskFailure('transient', `the Export menu did not work (${messageOf(error)})`, { cause: error });
    }
    const download = await downloading;
    const failure = await download.failure();
    if (failure) throw new TaskFailure('transient', `the inventory download failed: ${failure}`);
    await download.saveAs(path);
    // Even an empty inventory has a header row: an empty file is a download that went wrong.
    if ((await stat(path)).size === 0) throw new TaskFailure('transient', 'the inventory download was empty');
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
    const applied = await page.evaluate(applyStockFilterIn, { ...filter, apply: STOCK_FILTER_FUNCTION });
    if (typeof applied !== 'number') {
      const fact = applied === 'no-input' ? 'stockNumberInput' : 'stockFilterFunction';
      throw await missingFact(page, fact, 'filtering the grid');
    }
    const answer = await callback;
    const landing = await pageInstead(answer);
    if (landing) throw sessionLost(landing, 'filtering the grid');
    if (applied === 0) await rowsOfEmptyGrid(page, answer, timeoutMs);
    const wait = {
      timeoutMs: Math.min(timeoutMs, GRID_REFRESH_MS),
      without: `[${STALE_MARK}]`,
      signal,
      fact: 'stockFilter' as const,
    };
    const refreshed = await waitForLanding(page, SELECTORS.stockNumberInput, wait);
    if (refreshed === 'settled') {
      const stale = await page.locator(`[${STALE_MARK}]`).count();
      if (stale === 0) throw await missingFact(page, 'stockNumberInput', 'filtering the grid');
      throw new PageChanged(
        'stockFilter',
        'filtering the grid',
        'the grid answered, but its rows stayed as before',
        'different',
      );
    }
    if (refreshed !== 'expected') throw sessionLost(refreshed, 'filtering the grid');
  });
}

/** The rows an empty grid's callback brings, once its script has put them in place; none if it brings none. */
async function rowsOfEmptyGrid(page: Page, answer: Response, timeoutMs: number): Promise<void> {
  await settleWithin(answer.finished(), timeoutMs);
  const rows = page.locator(SELECTORS.gridRow).first();
  await rows.waitFor({ state: 'attached', timeout: EMPTY_GRID_RENDER_MS }).catch(() => undefined);
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
 * Returns how many rows it marked.
 */
function applyStockFilterIn({ rows, input, mark, reference, apply }: StockFilter): number | 'no-input' | 'no-function' {
  const box = document.querySelector(input) as HTMLInputElement | null;
  const filterChanged = (window as unknown as Record<string, unknown>)[apply];
  if (!box) return 'no-input';
  if (typeof filterChanged !== 'function') return 'no-function';
  const shown = document.querySelectorAll(rows);
  for (const row of shown) row.setAttribute(mark, '');
  box.value = reference;
  (filterChanged as (field: string) => void)('StockNumber');
  return shown.length;
}

type RowLink =
  | { outcome: 'found'; address: string }
  | { outcome: 'absent'; shown: string[] }
  | { outcome: 'no-link'; links: string[] }
  | { outcome: 'not-a-data-row'; id: string };

/**
 * The Bookout link of the row whose stock number equals `reference` exactly (the filter is a
 * prefix match: 165549 also shows 165549A): its address as the browser resolves it, after clicking
 * it when `click`. No such row: a permanent failure saying what the grid shows; a row there but not
 * as section A says (no Bookout link, not a data row): PageChanged.
 */
export async function exactRowLink(page: Page, reference: string, where: string, click: boolean): Promise<string> {
  const result: RowLink = await page.evaluate(
    ({ rows, link, reference, click }) => {
      const all = [...document.querySelectorAll(rows)];
      const cellIs = (cell: Element) => (cell.textContent ?? '').trim() === reference;
      const shows = (candidate: Element) => [...candidate.querySelectorAll('td')].some(cellIs);
      const row = all.find(shows);
      if (row) {
        const bookout = row.querySelector(link) as HTMLAnchorElement | null;
        if (!bookout) {
          const links = [...row.querySelectorAll('a')].map(
            (a) => `a${a.id ? `#${a.id}` : ''}${a.title ? `[title=${a.title}]` : ''}`,
          );
          return { outcome: 'no-link' as const, links };
        }
        const address = bookout.href ?? '';
        if (click) bookout.click();
        return { outcome: 'found' as const, address };
      }
      const other = [...document.querySelectorAll('tr')].find(shows);
      if (other) return { outcome: 'not-a-data-row' as const, id: other.id };
      const shown = all.map((candidate) => (candidate.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 60));
      return { outcome: 'absent' as const, shown };
    },
    { rows: SELECTORS.gridRow, link: SELECTORS.bookoutLink, reference, click },
  );
  if (result.outcome === 'found') return result.address;
  if (result.outcome === 'no-link') {
    const links = result.links.length ? `its links: ${result.links.join(', ')}` : 'it has no links';
    throw new PageChanged('bookoutLink', where, `the row of ${reference} is there, ${links}`);
  }
  if (result.outcome === 'not-a-data-row') {
    const id = result.id ? `has the id "${result.id}"` : 'has no id';
    throw new PageChanged('gridRow', where, `the row of ${reference} is there, but it ${id}`);
  }
  const shown = result.shown.length ? `; the grid showed: ${result.shown.join(' | ')}` : '; the grid showed no rows';
  throw new TaskFailure('permanent', `stock number ${reference} is not in the inventory grid${shown}`);
}

/** Clicks the Bookout link of `reference`'s row (see exactRowLink). */
export async function openExactRow(page: Page, reference: string, where: string): Promise<void> {
  await exactRowLink(page, reference, where, true);
}

/** Which of `facts` the page does not have, each with what it has instead. */
export async function absentFacts(page: Page, facts: Record<string, string>) {
  const present = await page.evaluate(
    (selectors) =>
      Object.fromEntries(Object.entries(selectors).map(([name, css]) => [name, !!document.querySelector(css)])),
    facts,
  );
  const absent: Array<{ fact: FactName; instead: string }> = [];
  for (const [name, found] of Object.entries(present)) {
    if (!found) absent.push({ fact: name as FactName, instead: await insteadOf(page, name as FactName) });
  }
  return absent;
}
