import type { BrowserContext } from 'playwright-core';

/** What a tab does not need to find a row, click and get a PDF. */
const BLOCKED_TYPES = new Set(['image', 'stylesheet', 'font', 'media']);

/**
 * Skips images, stylesheets, fonts and media in a context. Install it only after anything that
 * needs styles (the portal's export menu does). Other routes still see every request.
 */
export async function blockResources(context: BrowserContext): Promise<void> {
  await context.route('**/*', (route) => (BLOCKED_TYPES.has(route.request().resourceType()) ? route.abort('blockedbyclient') : route.fallback()));
}
