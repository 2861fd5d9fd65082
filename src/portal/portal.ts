// What the rest of bookout may ask of a portal. Only an adapter (today: values-online/) knows a
// portal's pages, selectors, flows and report format; the job depends on this interface alone.
import type { BrowserContext } from 'playwright-core';
import type { RequestInterceptor } from '../browser/request-interceptor.ts';
import type { RequestGate } from '../engine/request-gate.ts';
import type { Slot, TaskContext } from '../engine/types.ts';
import { ExitCode, UserError } from '../errors.ts';
import type { InventoryRow } from '../records.ts';

/** How the portal's reports name their vehicle: the label printed before the reference. */
export interface ReportIdentity {
  /** Matches the label and captures the reference after it (global flag set). */
  label: RegExp;
  /** The label as a person reads it, for messages ("Stock #"). */
  name: string;
}

/** The inventory as exported by the portal, before bookout's own rules on references. */
export interface InventoryExport {
  rows: InventoryRow[];
  /** True when a filter stored on the server had to be cleared first. */
  clearedFilter: boolean;
}

/** What a tab shows, as evidence of a failure: its page without scripts and secrets, and a screenshot. */
export interface PageSnapshot {
  /** The page's HTML: no script, no password or hidden field's value, no cookie value, no credential. */
  html: string;
  /** Null when a screenshot could not be taken, or must not be (a password typed in). */
  png: Buffer | null;
  /** The page's address without its query (which may carry tokens). */
  address: string;
}

/** One worker tab: downloads one vehicle's report at a time. */
export interface ReportTab extends Slot {
  /** The report PDF bytes of `reference`, fetched once; not yet proven. Steps are reported to `attempt`. */
  downloadReport(reference: string, attempt: TaskContext): Promise<Buffer>;
  /**
   * The last report's bytes were another vehicle's. True when the tab took a way to the vehicle
   * that section A does not promise (so the tool's shortcut is to blame, not the vehicle), which it
   * does not take again.
   */
  reportRejected(): boolean;
  /** What the tab shows now, within `withinMs`; null when nothing can be taken (a closed or crashed tab). */
  snapshot(withinMs: number): Promise<PageSnapshot | null>;
}

/** One fact of the portal's pages that the adapter relies on, as `check` found it. */
export interface CheckedFact {
  /** The fact's name, stable ("reportButton"). */
  name: string;
  /** Where it is ("vehicle page"). */
  page: string;
  /** The fact as a person checks it: a selector, an address, a text. */
  what: string;
  /**
   * `not shown`: the page that has it did not come up this time, which is allowed (an accepted
   * license); `not checked`: a step before it did not work out.
   */
  status: 'found' | 'not found' | 'different' | 'not shown' | 'not checked';
  /** What was there instead; why it was not checked; or a detail of what was found. */
  detail?: string;
}

export interface CheckedStep {
  name: string;
  ms: number;
  ok: boolean;
  /** Why it failed. */
  detail?: string;
}

export interface CheckRequest {
  /** Where the inventory export is saved. */
  csvFile: string;
  /** Proves a report PDF names `reference`: null when it does, else why not. */
  prove(pdf: Buffer, reference: string): Promise<string | null>;
  /** Aborting it ends the check at once (the caller then logs out). */
  signal: AbortSignal;
  /** Logging out at the end may take this long. */
  logoutWithinMs: number;
  /** Each step as it starts, for a live display. */
  stepStarted?(name: string): void;
}

/** What `check` found: every fact, the time of each step, and what it made on the way. */
export interface PortalCheck {
  facts: CheckedFact[];
  steps: CheckedStep[];
  /** A failure that is not a fact of the pages (an error answer, no answer in time): the check could not finish. */
  problem?: string;
  /** What else the user should know ("a session left open by an earlier run was logged out first"). */
  notes: string[];
  /** The vehicle whose report was made, and the report (proven or not). */
  reference?: string;
  pdf?: Buffer;
  /** The inventory export is in the request's `csvFile`. */
  csvSaved: boolean;
  /** The session the check opened was closed again. */
  loggedOut: boolean;
}

export interface PortalEvents {
  info(text: string): void;
  /** A login is about to be sent: from now on a session may be open, whatever its answer. */
  loginSent(): void;
  /** The portal has just accepted a login: from now on a session is open and must be kept or closed. */
  sessionOpened(): Promise<void>;
}

/** The portal refused the login. Never retried: a second wrong attempt could lock the account. */
export class LoginRefused extends UserError {
  override name = 'LoginRefused';
  readonly reason: 'credentials' | 'active-session';
  constructor(reason: 'credentials' | 'active-session', message: string) {
    super(message, ExitCode.loginRefused);
    this.reason = reason;
  }
}

export type SignInResult = 'already' | 'logged-in';

/** One account's session with the portal, in one browser context. */
export interface Portal {
  readonly name: string;
  readonly reportIdentity: ReportIdentity;
  /** Ends with a live session: uses the context's cookies when still valid, otherwise logs in once. */
  signIn(): Promise<SignInResult>;
  /** After a lost session, while every tab waits: signs in again (once). */
  recover(): Promise<SignInResult>;
  /** Until the portal answers HTTP again; fatal after `maxMs`; rejects at once when `signal` aborts. */
  waitUntilReachable(maxMs: number, signal?: AbortSignal): Promise<void>;
  /** Saves the whole inventory export to `file` and reads its rows. */
  exportInventory(file: string): Promise<InventoryExport>;
  /** The switch from setup to downloading (for example: stop loading what tabs do not need). */
  prepareForDownloads(options: { blockResources: boolean }): Promise<void>;
  newTab(): Promise<ReportTab>;
  /** Logs out of whatever session the context holds, within `withinMs`. Safe at any time, also after errors. */
  logout(withinMs: number): Promise<void>;
  /**
   * Goes once through every page the downloads need, as a person would before leaving it for the
   * night (one login, one export, one report), logs out, and says how each fact it relies on was
   * found. Throws LoginRefused, and the signal's reason when aborted; a missing fact is data.
   */
  check(request: CheckRequest): Promise<PortalCheck>;
}

export interface Credentials {
  username: string;
  password: string;
}

/** What an adapter needs to open a portal session for one account. */
export interface PortalDeps {
  origin: string;
  credentials: Credentials;
  /** The account's browser context (its cookie jar is the session). */
  context: () => BrowserContext;
  /** Registers the adapter's request rules (the report capture, resource blocking) with the browser. */
  interceptor: RequestInterceptor;
  isBrowserAlive: () => boolean;
  events: PortalEvents;
  /** Upper bound of any single wait on a page. */
  stepTimeoutMs: number;
  /**
   * The requests that cost the portal most (the adapter knows which) go through it: with WORKERS=auto
   * it caps how many are in flight once the portal lets them wait in line.
   */
  requestGate: RequestGate;
}

export type PortalFactory = (deps: PortalDeps) => Promise<Portal>;

/** A kind of portal bookout can work with: its adapter and what is known of its reports without a session. */
export interface PortalKind {
  name: string;
  reportIdentity: ReportIdentity;
  open: PortalFactory;
}
