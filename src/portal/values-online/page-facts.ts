// Telling a portal that has changed (a page that loaded without something section A says is on it)
// from a page still loading, the login page or an error page, and saying what is there instead.
import type { Page, Request } from 'playwright-core';
import { TaskFailure } from '../../engine/failure.ts';
import type { Settle } from './in-page.ts';
import { FACTS, PATHS, SELECTORS, type FactName } from './selectors.ts';

/** A page of a tab (the vehicle flow) counts as settled without the expected element after this long quiet. */
export const TAB_SETTLE_MS = 3000;
/**
 * Pages of signing in may take longer: the license checkbox may appear late. A run that cannot
 * sign in stops, so this errs on the side of waiting.
 */
export const SESSION_SETTLE_MS = 5000;

/** Names of this many elements at most in "the page has buttons: ...". */
const LISTED = 8;

/** A page that loaded without a fact of section A: the portal is not what bookout knows. */
export class PageChanged extends TaskFailure {
  override name = 'PageChanged';
  readonly fact: FactName;
  /** `not found`: an element is missing; `different`: something is there, but not as section A says. */
  readonly status: 'not found' | 'different';
  /** What the page shows instead ("the page has buttons: ..."), or ''. */
  readonly instead: string;

  constructor(fact: FactName, where: string, instead: string, status: 'not found' | 'different' = 'not found') {
    const { what, page } = FACTS[fact];
    super('changed', `${where}: ${page}: ${what}: ${status}${instead ? `; ${instead}` : ''}`);
    this.fact = fact;
    this.status = status;
    this.instead = instead;
  }
}

class Activity {
  #inFlight = new Set<Request>();
  #lastChangeAt = Date.now();

  constructor(page: Page) {
    const started = (request: Request) => {
      this.#inFlight.add(request);
      this.#lastChangeAt = Date.now();
    };
    const ended = (request: Request) => {
      this.#inFlight.delete(request);
      this.#lastChangeAt = Date.now();
    };
    page.on('request', started);
    page.on('requestfinished', ended);
    page.on('requestfailed', ended);
    page.on('framenavigated', () => {
      this.#lastChangeAt = Date.now();
    });
  }

  quietForMs(): number {
    return this.#inFlight.size > 0 ? 0 : Date.now() - this.#lastChangeAt;
  }
}

const activities = new WeakMap<Page, Activity>();

/** Starts following the page's network activity (call when the page is new, to see every request). */
export function followActivity(page: Page): void {
  if (!activities.has(page)) activities.set(page, new Activity(page));
}

/** How to tell that `page` has settled: loaded, and no request in flight for `quietMs`. */
export function settleOf(page: Page, quietMs: number): Settle {
  followActivity(page);
  const activity = activities.get(page)!;
  return { quietMs, quietForMs: () => activity.quietForMs() };
}

interface SceneQuery {
  password: string;
  loginFields: Array<{ fact: string; selector: string }>;
  appMarks: string[];
  stockInput: string;
  instead: string | null;
  limit: number;
}

interface Scene {
  path: string;
  title: string;
  /** The login form's facts missing from a page that has a password field, when it has one. */
  loginMissing: string[] | null;
  /** The page has the application's header (nav link or logout button): not an error page. */
  appPage: boolean;
  /** The page reads as the license agreement. */
  licenseLike: boolean;
  instead: string[];
  insteadCount: number;
}

/** Runs in the page: what it is, and the elements a missing fact may have become (never an input's value). */
function sceneIn(query: SceneQuery): Scene {
  const describe = (element: Element) => {
    const tag = element.tagName.toLowerCase();
    const id = element.id ? `#${element.id}` : '';
    const classes = [...element.classList].map((name) => `.${name}`).join('');
    const type = element instanceof HTMLInputElement ? `[type=${element.type}]` : '';
    const name = element.getAttribute('name') ? `[name=${element.getAttribute('name')}]` : '';
    const href = element.getAttribute('href') ?? '';
    // A query's names only: its values may carry tokens.
    const [path, query] = href.split('?');
    const keys = query ? `?${query.replace(/=[^&]*/g, '=...')}` : '';
    const target = tag === 'a' && href && !href.startsWith('javascript') ? `[href=${path}${keys}]` : '';
    // The handler's name only: its arguments may carry tokens.
    const onclick = (element.getAttribute('onclick') ?? '').replace(/\((.+)\)[;\s]*$/, '(...)').slice(0, 50);
    const isLabel = element instanceof HTMLInputElement && ['button', 'submit'].includes(element.type);
    const text = (isLabel ? element.value : element instanceof HTMLInputElement ? '' : (element.textContent ?? ''))
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 40);
    return `${tag}${id}${classes}${type}${name}${target}${onclick ? `[onclick=${onclick}]` : ''}${text ? ` "${text}"` : ''}`;
  };
  const all = query.instead ? [...document.querySelectorAll(query.instead)] : [];
  const hasPassword = !!document.querySelector(query.password);
  const body = document.body?.innerText ?? '';
  return {
    path: location.pathname,
    title: document.title,
    loginMissing: hasPassword
      ? query.loginFields.filter((field) => !document.querySelector(field.selector)).map((field) => field.fact)
      : null,
    appPage: query.appMarks.some((selector) => !!document.querySelector(selector)),
    licenseLike: /licen[cs]e agreement/i.test(`${document.title} ${body.slice(0, 2000)}`),
    instead: all.slice(0, query.limit).map(describe),
    insteadCount: all.length,
  };
}

async function sceneOf(page: Page, fact: FactName): Promise<Scene> {
  const definition = FACTS[fact];
  return page.evaluate(sceneIn, {
    password: "input[type='password']",
    loginFields: [
      { fact: 'username', selector: SELECTORS.username },
      { fact: 'password', selector: SELECTORS.password },
      { fact: 'loginButton', selector: SELECTORS.loginButton },
    ],
    appMarks: [SELECTORS.inventoryNavLink, SELECTORS.logoutButton],
    stockInput: SELECTORS.stockNumberInput,
    instead: definition.instead?.selector ?? null,
    limit: LISTED,
  });
}

/** "the page has buttons: a, b (and 3 more)", for a fact that lists what may have replaced it. */
function insteadText(fact: FactName, scene: Scene): string {
  const definition = FACTS[fact];
  const label = definition.instead?.label;
  if (!label) return `the page is ${scene.path} ("${scene.title}")`;
  if (scene.insteadCount === 0) return `the page (${scene.path}) has no ${label}`;
  const more =
    scene.insteadCount > scene.instead.length ? ` (and ${scene.insteadCount - scene.instead.length} more)` : '';
  return `the page (${scene.path}) has ${label}: ${scene.instead.join(', ')}${more}`;
}

/**
 * The failure for a page that settled without `fact`: PageChanged naming the fact really missing
 * (on a login page, the login field; on a license page, the checkbox), or a transient failure when
 * the page is not one of the application's own (an error page answered with 200, say).
 */
export async function missingFact(page: Page, fact: FactName, where: string): Promise<TaskFailure> {
  let scene = await sceneOf(page, fact);
  const loginFacts = ['username', 'password', 'loginButton'];
  let missing = fact;
  if (scene.loginMissing && !loginFacts.includes(fact)) {
    const field = scene.loginMissing[0] as FactName | undefined;
    if (!field) return new TaskFailure('session', `${where}: the portal showed the login page (the session ended)`);
    missing = field;
  } else if (!scene.loginMissing && !scene.appPage) {
    return new TaskFailure(
      'transient',
      `${where}: the portal showed a page that is not one of its application's (${scene.path}, "${scene.title}")`,
    );
  } else if (fact !== 'licenseCheckbox' && scene.licenseLike && !isInventory(scene.path)) {
    missing = 'licenseCheckbox';
  }
  if (missing !== fact) scene = await sceneOf(page, missing);
  return new PageChanged(missing, where, insteadText(missing, scene));
}

function isInventory(path: string): boolean {
  return path.toLowerCase() === PATHS.inventory.toLowerCase();
}

/** The description of what shows instead of `fact` on `page`, for a check's report. */
export async function insteadOf(page: Page, fact: FactName): Promise<string> {
  return insteadText(fact, await sceneOf(page, fact));
}
