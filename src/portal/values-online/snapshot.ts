// A page as evidence of a failure: its HTML without scripts or the session's secrets, and a screenshot.
import type { Page } from 'playwright-core';
import type { PageSnapshot } from '../portal.ts';

/** Credentials shorter than this are not looked for in the page (they would match ordinary text). */
const SHORTEST_SECRET = 3;
/** Cookie values shorter than this are flags ("1", "true"), not secrets. */
const SHORTEST_COOKIE = 8;
const REMOVED = '[removed]';

interface Cleaned {
  html: string;
  /** A password field holds a value: no screenshot may be taken. */
  passwordTyped: boolean;
}

/**
 * Runs in the page: a copy of the document without scripts, with event handlers made inert (kept
 * as data-bookout-on* attributes, they say what a link did), and without the values of password and
 * hidden fields and of anything named like a token. Values typed into fields are never in the copy.
 */
function cleanHtmlIn(): Cleaned {
  const passwordTyped = [...document.querySelectorAll('input')].some(
    (input) => input.type === 'password' && input.value !== '',
  );
  const root = document.documentElement.cloneNode(true) as HTMLElement;
  for (const element of root.querySelectorAll('script, noscript, template, object, embed')) element.remove();
  const secretName = /viewstate|eventvalidation|token|csrf|antiforgery|^__/i;
  for (const element of root.querySelectorAll('*')) {
    for (const attribute of [...element.attributes]) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith('on')) {
        element.setAttribute(`data-bookout-${name}`, attribute.value);
        element.removeAttribute(attribute.name);
      } else if (
        name === 'srcdoc' ||
        (['href', 'src', 'action'].includes(name) && /^\s*javascript:/i.test(attribute.value))
      ) {
        element.setAttribute(attribute.name, name === 'srcdoc' ? '' : '#');
      }
    }
  }
  for (const input of root.querySelectorAll('input')) {
    const type = (input.getAttribute('type') ?? '').toLowerCase();
    const name = `${input.getAttribute('name') ?? ''} ${input.id}`;
    if (type === 'password' || type === 'hidden' || secretName.test(name.trim()))
      input.setAttribute('value', '[removed]');
  }
  for (const meta of root.querySelectorAll('meta[content]')) {
    if (secretName.test(meta.getAttribute('name') ?? '')) meta.setAttribute('content', '[removed]');
  }
  return { html: `<!DOCTYPE html>\n${root.outerHTML}`, passwordTyped };
}

/** `work`'s value, or null when it fails or takes longer than `ms`. */
async function within<V>(work: Promise<V>, ms: number): Promise<V | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), Math.max(0, ms));
  });
  try {
    return await Promise.race([work.catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Every way a secret may be written in the serialized page: as it is, URL-encoded, JSON-escaped,
 * and as the HTML serializer writes it in text (&, <, > escaped) and in attributes (&, " and, in
 * newer browsers, < and > escaped).
 */
function spellings(secret: string): string[] {
  const escaped = (characters: string) =>
    secret.replace(/[&<>"'\u00a0]/g, (c) =>
      characters.includes(c)
        ? { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '\u00a0': '&nbsp;' }[c]!
        : c,
    );
  const nbsp = '\u00a0';
  return [
    ...new Set([
      secret,
      encodeURIComponent(secret),
      JSON.stringify(secret).slice(1, -1),
      escaped(`&<>${nbsp}`),
      escaped(`&"${nbsp}`),
      escaped(`&"<>${nbsp}`),
      escaped(`&<>"'${nbsp}`),
    ]),
  ];
}

/** `html` with every spelling of each secret replaced, longest first. */
export function redacted(html: string, credentials: readonly string[], cookieValues: readonly string[]): string {
  const secrets = [
    ...credentials.filter((secret) => secret.length >= SHORTEST_SECRET),
    ...cookieValues.filter((value) => value.length >= SHORTEST_COOKIE),
  ].flatMap(spellings);
  secrets.sort((a, b) => b.length - a.length);
  let text = html;
  for (const secret of secrets) text = text.split(secret).join(REMOVED);
  return text;
}

export interface SnapshotSecrets {
  credentials: readonly string[];
  cookieValues(): Promise<string[]>;
}

/**
 * The page as evidence, within `withinMs` in all: its cleaned HTML with the session's secrets
 * replaced, and a screenshot unless a password is typed in. Null when the page cannot be read.
 */
export async function snapshotPage(
  page: Page,
  secrets: SnapshotSecrets,
  withinMs: number,
): Promise<PageSnapshot | null> {
  if (page.isClosed()) return null;
  const deadline = Date.now() + withinMs;
  const cleaned = await within(page.evaluate(cleanHtmlIn), withinMs);
  if (!cleaned) return null;
  const left = () => deadline - Date.now();
  const png = cleaned.passwordTyped
    ? null
    : await within(
        page.screenshot({ type: 'png', timeout: Math.max(1, left()), animations: 'disabled', caret: 'hide' }),
        left(),
      );
  // Without the cookies' values they could not be taken out: no snapshot then.
  const cookies = await within(secrets.cookieValues(), Math.max(200, left()));
  if (!cookies) return null;
  let address = page.url();
  try {
    const url = new URL(address);
    address = `${url.origin}${url.pathname}`;
  } catch {
    // not an absolute address: kept as it is
  }
  return {
    html: redacted(cleaned.html, secrets.credentials, cookies),
    png,
    address: redacted(address, secrets.credentials, cookies),
  };
}
