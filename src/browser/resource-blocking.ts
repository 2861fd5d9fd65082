import type { RequestInterceptor, ResourceType } from './request-interceptor.ts';

/** What a tab does not need to find a row, click and get a PDF (DevTools resource types). */
const DECORATION: ResourceType[] = ['Image', 'Stylesheet', 'Font', 'Media'];

/**
 * Skips images, stylesheets, fonts and media in every tab from now on. Call it only after anything
 * that needs styles (the portal's export menu does).
 */
export function blockResources(interceptor: RequestInterceptor): Promise<void> {
  return interceptor.block(DECORATION);
}
