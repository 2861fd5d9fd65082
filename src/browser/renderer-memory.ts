import type { CDPSession, Page } from 'playwright-core';
import { settleWithin } from '../engine/time-limits.ts';

/** A collection may take this long; the tab goes on without waiting longer. */
const COLLECT_TIMEOUT_MS = 2000;

/**
 * Takes back the memory of the documents a tab has left behind. A headless renderer frees them only
 * at a full garbage collection, which it puts off while it is never short of memory: measured on the
 * simulated portal, a renderer still held every document its tabs had shown (about six per vehicle),
 * and 5 tabs' renderers took 414 MB after 300 vehicles; with a collection between vehicles, 183 MB.
 * The vehicle window and report popups of a tab share its renderer, so one ask covers them.
 */
export class RendererMemory {
  #page: Page;
  #session: Promise<CDPSession> | null = null;

  constructor(page: Page) {
    this.#page = page;
  }

  /** Asks the page's renderer for a full garbage collection; never throws, bounded. */
  async collect(): Promise<void> {
    if (this.#page.isClosed()) return;
    await settleWithin(this.#collect(), COLLECT_TIMEOUT_MS);
  }

  async #collect(): Promise<void> {
    try {
      this.#session ??= this.#page.context().newCDPSession(this.#page);
      const session = await this.#session;
      await session.send('HeapProfiler.collectGarbage');
    } catch {
      // The page closed meanwhile, or this browser speaks no CDP: its memory is the browser's care.
      this.#session = null;
    }
  }
}
