// Every fault and rule of the simulated portal, checked by its effect. Mostly over plain HTTP
// (test/sim/http-session.ts); real headless Chromium only where the behaviour lives in the page.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'csv-parse/sync';
import type { Browser, Page } from 'playwright-core';
import { extractText, getDocumentProxy } from 'unpdf';
import { startPortal, type PortalOptions, type SimPortal } from '../../sim/index.ts';
import { launchTestBrowser } from '../support/browser.ts';
import { gridRefs, HttpSession, INVENTORY, LOGIN } from './http-session.ts';

const SLOW_GRID_MS = 3100;
const POPUP_DELAY_MS = 1200;
const DOWN_MS = 700;
const SERVER_ERROR = "Server Error in '/ValuesOnline' Application.";
const LOGIN_FORM = 'id="usernameInput"';

// --- helpers -------------------------------------------------------------------------------------

/** A portal of its own for one test (12 vehicles, profile instant), stopped when the test ends. */
async function start(t: TestContext, options: Partial<PortalOptions> = {}): Promise<SimPortal> {
  const portal = await startPortal({ vehicles: 12, ...options });
  t.after(() => portal.stop());
  return portal;
}

async function signedIn(portal: SimPortal): Promise<HttpSession> {
  const client = new HttpSession(portal);
  const result = await client.login();
  assert.ok(result.ok, `login refused: ${result.page}`);
  return client;
}

/** Status of a GET, body read (so the connection is free again). */
async function statusOf(client: HttpSession, path: string): Promise<number> {
  const response = await client.request(path);
  await response.arrayBuffer();
  return response.status;
}

/** The answer ASP.NET gives a page without a live session: a redirect to the login page. */
async function assertSentToLogin(client: HttpSession, path: string): Promise<void> {
  const response = await client.request(path);
  await response.arrayBuffer();
  assert.equal(response.status, 302, `${path} should redirect`);
  const location = response.headers.get('location') ?? '';
  assert.ok(location.startsWith('/ValuesOnline/Home/LicenseAgreement?ReturnUrl='), location);
  const landing = await client.request(location);
  assert.ok((await landing.text()).includes(LOGIN_FORM), 'the redirect shows the login form');
}

function refs(portal: SimPortal, count: number): string[] {
  return portal.inventory.slice(0, count).map((vehicle) => vehicle.ref);
}

function isCompletePdf(bytes: Buffer): boolean {
  return (
    bytes.subarray(0, 5).toString('latin1') === '%PDF-' && /%%EOF\s*$/.test(bytes.subarray(-32).toString('latin1'))
  );
}

async function pdfText(bytes: Buffer): Promise<string> {
  return (await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true })).text;
}

async function control(
  portal: SimPortal,
  route: string,
  body?: string | object,
): Promise<{ status: number; data: Record<string, unknown> }> {
  const init =
    body === undefined ? {} : { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) };
  const response = await fetch(`${portal.url}/__sim/${route}`, init);
  return { status: response.status, data: (await response.json()) as Record<string, unknown> };
}

/** 'connected', or the error code of a fresh TCP connection (ECONNREFUSED when the portal is down). */
function tryConnect(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

// --- faults over HTTP ----------------------------------------------------------------------------

describe('simulated portal: faults over HTTP', () => {
  it('transient500 answers the chosen step with an ASP.NET error page, other steps normally', async (t) => {
    const portal = await start(t, { faults: { transient500: { rate: 1, steps: ['vehicle'] } } });
    const client = await signedIn(portal);
    assert.equal(await statusOf(client, INVENTORY), 200);
    const vehicle = await client.vehiclePage(portal.inventory[0]!.ref);
    assert.equal(vehicle.status, 500);
    assert.ok((await vehicle.text()).includes(SERVER_ERROR));
    assert.equal((await client.grid({ action: 'clear' })).status, 200);
    assert.equal(portal.stats().faultsInjected.transient500, 1);
    portal.setFaults({ transient500: { rate: 0 } });
    assert.equal((await client.vehiclePage(portal.inventory[0]!.ref)).status, 200);
  });

  it('hang: the response never comes, the client gives up', async (t) => {
    const portal = await start(t, { faults: { hang: { rate: 1, steps: ['inventory'] } } });
    const client = await signedIn(portal);
    await assert.rejects(client.request(INVENTORY, { signal: AbortSignal.timeout(400) }), { name: 'TimeoutError' });
    await waitFor(() => portal.stats().requests.byStatus.hung === 1, 'the hung request to close');
    assert.equal(portal.stats().faultsInjected.hang, 1);
    assert.equal((await client.grid({ action: 'clear' })).status, 200, 'other steps still answer');
  });

  it('truncatedPdf: 200 application/pdf with a complete response, but the PDF is cut (no %%EOF)', async (t) => {
    const portal = await start(t, { faults: { truncatedPdf: { rate: 1 } } });
    const client = await signedIn(portal);
    const ref = portal.inventory[0]!.ref;
    const cut = await client.pdf(ref);
    assert.equal(cut.status, 200);
    assert.equal(cut.type, 'application/pdf');
    assert.equal(cut.headers.get('content-length'), String(cut.bytes.length));
    assert.equal(cut.bytes.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.equal(isCompletePdf(cut.bytes), false);
    portal.setFaults({ truncatedPdf: { rate: 0 } });
    const whole = await client.pdf(ref);
    assert.ok(isCompletePdf(whole.bytes));
    assert.ok(cut.bytes.length < whole.bytes.length * 0.85, `${cut.bytes.length} vs ${whole.bytes.length}`);
    assert.equal(portal.stats().faultsInjected.truncatedPdf, 1);
  });

  it('htmlAsPdf: an HTML error page with status 200 where the PDF should be', async (t) => {
    const portal = await start(t, { faults: { htmlAsPdf: { rate: 1 } } });
    const client = await signedIn(portal);
    const answer = await client.pdf(portal.inventory[0]!.ref);
    assert.equal(answer.status, 200);
    assert.match(answer.type, /^text\/html/);
    assert.notEqual(answer.bytes.subarray(0, 4).toString('latin1'), '%PDF');
    assert.ok(answer.bytes.toString('utf8').includes(SERVER_ERROR));
    assert.equal(portal.stats().faultsInjected.htmlAsPdf, 1);
  });

  it('rateLimit: 429 with Retry-After (configured, default 2 s) on the chosen steps', async (t) => {
    const portal = await start(t, { faults: { rateLimit: { rate: 1, retryAfterSeconds: 7, steps: ['pdf'] } } });
    const client = await signedIn(portal);
    const limited = await client.pdf(portal.inventory[0]!.ref);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    assert.match(limited.bytes.toString('utf8'), /Too Many Requests/);
    assert.equal(portal.stats().pdf.generations, 0);
    portal.setFaults({ rateLimit: { rate: 1, steps: ['inventory'] } });
    const page = await client.request(INVENTORY);
    await page.arrayBuffer();
    assert.equal(page.status, 429);
    assert.equal(page.headers.get('retry-after'), '2');
    assert.equal(portal.stats().faultsInjected.rateLimit, 2);
  });

  it('alwaysFail: GetPdfReport answers 500 for those vehicles every time, and only for them', async (t) => {
    const [good, bad] = ['165000', '165001'];
    const portal = await start(t, { faults: { alwaysFail: [bad!] } });
    const client = await signedIn(portal);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const answer = await client.pdf(bad!);
      assert.equal(answer.status, 500);
      assert.ok(answer.bytes.toString('utf8').includes(SERVER_ERROR));
    }
    assert.ok(isCompletePdf((await client.pdf(good!)).bytes));
    const stats = portal.stats();
    assert.equal(stats.faultsInjected.alwaysFail, 3);
    assert.deepEqual(stats.pdf.byRef, { [good!]: 1 });
  });

  it('idle timeout: after the idle time the next request lands on the login page', async (t) => {
    const portal = await start(t, { idleTimeoutMs: 800 });
    const client = await signedIn(portal);
    assert.equal(await statusOf(client, INVENTORY), 200);
    await sleep(1000);
    await assertSentToLogin(client, INVENTORY);
    const grid = await client.grid({ action: 'clear' });
    assert.match(grid.data.redirect ?? '', /LicenseAgreement\?ReturnUrl=/, 'a grid callback answers with a redirect');
    const stats = portal.stats();
    assert.equal(stats.sessionsEnded.expired, 1);
    assert.equal(stats.sessionsAlive, 0);
    assert.ok((await new HttpSession(portal).login()).ok, 'an expired session does not lock the user out');
  });

  it('expire: expireAfterPdfs ends every live session once (after that PDF is served), trigger ends them at once', async (t) => {
    const portal = await start(t, { faults: { expireAfterPdfs: 2 } });
    const [first, second, third] = refs(portal, 3);
    let client = await signedIn(portal);
    assert.equal((await client.pdf(first!)).status, 200);
    assert.equal(await statusOf(client, INVENTORY), 200);
    assert.ok(isCompletePdf((await client.pdf(second!)).bytes), 'the second PDF itself is served');
    await assertSentToLogin(client, INVENTORY);
    assert.equal(portal.stats().faultsInjected.expireAfterPdfs, 1);

    client = await signedIn(portal);
    assert.equal((await client.pdf(third!)).status, 200);
    assert.equal(await statusOf(client, INVENTORY), 200, 'fires only once');
    portal.trigger('expire');
    await assertSentToLogin(client, INVENTORY);
    assert.deepEqual(portal.stats().sessionsEnded, { expired: 2, kicked: 0, loggedOut: 0 });
  });

  it('kick: kickAfterPdfs and trigger end sessions as kicked', async (t) => {
    const portal = await start(t, { faults: { kickAfterPdfs: 1 } });
    let client = await signedIn(portal);
    assert.equal((await client.pdf(portal.inventory[0]!.ref)).status, 200);
    await assertSentToLogin(client, INVENTORY);
    assert.equal(portal.stats().faultsInjected.kickAfterPdfs, 1);

    client = await signedIn(portal);
    assert.equal(await statusOf(client, INVENTORY), 200);
    portal.trigger('kick');
    await assertSentToLogin(client, INVENTORY);
    const stats = portal.stats();
    assert.deepEqual(stats.sessionsEnded, { expired: 0, kicked: 2, loggedOut: 0 });
    assert.equal(stats.sessionsAlive, 0);
  });

  it('license: licenseAfterPdfs and trigger bring the license page back until it is accepted', async (t) => {
    const portal = await start(t, { faults: { licenseAfterPdfs: 1 } });
    const [first, second] = refs(portal, 2);
    const client = await signedIn(portal);
    const secondPdf = await client.reportPath(second!);
    assert.equal((await client.pdf(first!)).status, 200);
    await assertLicenseDue(client, secondPdf);
    assert.deepEqual(await client.acceptLicense(), { redirect: '/ValuesOnline/' });
    assert.equal(await statusOf(client, INVENTORY), 200);
    assert.ok(isCompletePdf((await client.fetchPdf(secondPdf)).bytes));

    portal.trigger('license');
    await assertLicenseDue(client);
    await client.acceptLicense();
    assert.equal(await statusOf(client, INVENTORY), 200);
    const stats = portal.stats();
    assert.equal(stats.licenseAcceptances, 3, 'at login, after the PDF, after the trigger');
    assert.equal(stats.faultsInjected.licenseAfterPdfs, 1);
    assert.equal(stats.sessionsAlive, 1, 'the session itself lives on');
  });

  it('down: the trigger refuses connections for a while, then the same port answers again', async (t) => {
    const portal = await start(t);
    const client = await signedIn(portal);
    const answer = await control(portal, 'trigger', { action: 'down', ms: DOWN_MS });
    const since = Date.now();
    assert.deepEqual(answer, { status: 200, data: { ok: true } });
    assert.equal(await tryConnect(portal.url), 'ECONNREFUSED');
    await waitFor(async () => (await tryConnect(portal.url)) === 'connected', 'the portal to come back');
    assert.ok(Date.now() - since >= DOWN_MS - 100, `down for ${Date.now() - since} ms`);
    assert.equal(await statusOf(client, INVENTORY), 200, 'same URL, session still alive');
  });

  it('downAfterPdfs: the portal goes down after that many PDFs, once', async (t) => {
    const portal = await start(t, { faults: { downAfterPdfs: { after: 1, ms: DOWN_MS } } });
    const [first, second] = refs(portal, 2);
    const client = await signedIn(portal);
    assert.ok(isCompletePdf((await client.pdf(first!)).bytes), 'the PDF that triggers it is served');
    assert.equal(await tryConnect(portal.url), 'ECONNREFUSED');
    await waitFor(async () => (await tryConnect(portal.url)) === 'connected', 'the portal to come back');
    assert.ok(isCompletePdf((await client.pdf(second!)).bytes));
    assert.equal(await tryConnect(portal.url), 'connected', 'fires only once');
    assert.equal(portal.stats().faultsInjected.downAfterPdfs, 1);
  });
});

/** Pages, grid callbacks and (when given) a PDF path all lead to the license page, not the login form. */
async function assertLicenseDue(client: HttpSession, pdfPath?: string): Promise<void> {
  const page = await client.request(INVENTORY);
  await page.arrayBuffer();
  assert.equal(page.status, 302);
  const license = await (await client.request(page.headers.get('location')!)).text();
  assert.ok(
    license.includes('agreementCheckBox') && !license.includes(LOGIN_FORM),
    'the license page, not the login form',
  );
  assert.match((await client.grid({ action: 'clear' })).data.redirect ?? '', /LicenseAgreement/);
  if (pdfPath) assert.equal((await client.fetchPdf(pdfPath)).status, 302);
}

// --- sessions, control routes, determinism, capacity, inventory ------------------------------------

describe('simulated portal: sessions and login', () => {
  it('one active session per user: a second login is refused until the first logs out', async (t) => {
    const portal = await start(t);
    const first = await signedIn(portal);
    const second = new HttpSession(portal);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const refused = await second.login();
      assert.equal(refused.ok, false);
      assert.equal(refused.status, 200);
      assert.match(refused.page, /already an active session.*try again in 5 minutes/);
      assert.ok(refused.page.includes(LOGIN_FORM));
    }
    assert.equal(await statusOf(first, INVENTORY), 200, 'the refusal does not end the live session');
    await first.logout();
    assert.ok((await second.login()).ok, 'logging out lifts the lockout at once');
    const stats = portal.stats();
    assert.equal(stats.logins.refusedActiveSession, 2);
    assert.equal(stats.logins.accepted, 2);
    assert.equal(stats.sessionsEnded.loggedOut, 1);
  });

  it('lockout: without a logout the user stays locked out until the lockout time passes', async (t) => {
    const portal = await start(t, { lockoutMs: 800 });
    await signedIn(portal);
    const second = new HttpSession(portal);
    assert.match((await second.login()).page, /active session/);
    portal.trigger('kick');
    const locked = await second.login();
    assert.equal(locked.ok, false);
    assert.match(locked.page, /locked out/);
    await sleep(850);
    assert.ok((await second.login()).ok);
    assert.equal(portal.stats().logins.refusedLockedOut, 1);
  });

  it('wrong password: an error message on the same page with status 200, no session', async (t) => {
    const portal = await start(t);
    const client = new HttpSession(portal);
    const refused = await client.login('not-the-password');
    assert.deepEqual([refused.ok, refused.status], [false, 200]);
    assert.ok(refused.page.includes('Invalid user name or password') && refused.page.includes(LOGIN_FORM));
    await assertSentToLogin(client, INVENTORY);
    const stats = portal.stats();
    assert.deepEqual(stats.logins, { accepted: 0, refusedActiveSession: 0, refusedLockedOut: 0, wrongCredentials: 1 });
    assert.ok((await client.login()).ok, 'a wrong password does not lock the user out');
  });
});

describe('simulated portal: control routes', () => {
  it('GET /__sim/stats and POST /__sim/reset', async (t) => {
    const portal = await start(t);
    const client = await signedIn(portal);
    assert.equal(await statusOf(client, INVENTORY), 200);
    const { status, data: stats } = await control(portal, 'stats');
    assert.equal(status, 200);
    for (const field of [
      'logins',
      'logouts',
      'sessionsAlive',
      'peakSessionsAlive',
      'sessionsEnded',
      'requests',
      'peakConcurrentRequests',
      'pdf',
      'csvExports',
      'faultsInjected',
      'serverTimeMs',
      'licenseAcceptances',
    ]) {
      assert.ok(field in stats, field);
    }
    assert.deepEqual(stats, { ...portal.stats() }, 'the route shows what stats() shows');
    assert.equal(stats.sessionsAlive, 1);
    assert.equal((stats.requests as { byRoute: Record<string, number> }).byRoute.inventory, 1);

    assert.deepEqual(await control(portal, 'reset', {}), { status: 200, data: { ok: true } });
    const fresh = portal.stats();
    assert.equal(fresh.requests.total, 0, 'control routes are not counted');
    assert.equal(fresh.logins.accepted, 0);
    assert.deepEqual([fresh.sessionsAlive, fresh.peakSessionsAlive], [1, 1], 'sessions survive a reset');
    assert.equal((await control(portal, 'reset')).status, 405, 'reset needs POST');
    assert.equal((await control(portal, 'nothing', {})).status, 404);
  });

  it('POST /__sim/faults and /__sim/trigger', async (t) => {
    const portal = await start(t);
    const client = await signedIn(portal);
    const set = await control(portal, 'faults', { transient500: { rate: 1, steps: ['inventory'] } });
    assert.equal(set.status, 200);
    assert.deepEqual((set.data.faults as Record<string, unknown>).transient500, { rate: 1, steps: ['inventory'] });
    assert.equal(await statusOf(client, INVENTORY), 500);
    await control(portal, 'faults', { transient500: { rate: 0 } });
    assert.equal(await statusOf(client, INVENTORY), 200);
    assert.equal((await control(portal, 'faults', '{not json')).status, 400);

    assert.equal((await control(portal, 'trigger', { action: 'explode' })).status, 400);
    assert.equal((await control(portal, 'trigger', { action: 'kick' })).status, 200);
    await assertSentToLogin(client, INVENTORY);
    assert.equal(portal.stats().sessionsEnded.kicked, 1);
  });
});

describe('simulated portal: determinism, capacity, inventory and CSV', () => {
  const faults = { transient500: { rate: 0.5, steps: ['vehicle' as const] } };

  async function vehicleStatuses(portal: SimPortal, parallel: boolean): Promise<number[]> {
    const client = await signedIn(portal);
    const all = portal.inventory.map((vehicle) => vehicle.ref);
    const one = async (ref: string) => {
      const response = await client.vehiclePage(ref);
      await response.arrayBuffer();
      return response.status;
    };
    const statuses: number[] = [];
    if (parallel) statuses.push(...(await Promise.all(all.map(one))));
    else for (const ref of all) statuses.push(await one(ref));
    await client.logout();
    return statuses;
  }

  it('same seed, same faulted requests, whether requests come one by one or all at once', async (t) => {
    const one = await start(t, { seed: 7, faults });
    const other = await start(t, { seed: 7, faults });
    assert.deepEqual(other.inventory, one.inventory);
    const firstRound = await vehicleStatuses(one, false);
    assert.deepEqual(await vehicleStatuses(other, true), firstRound);
    assert.ok(firstRound.includes(500) && firstRound.includes(200), firstRound.join());
    const secondRound = await vehicleStatuses(one, true);
    assert.deepEqual(await vehicleStatuses(other, false), secondRound, 'the next draw of each vehicle matches too');
    assert.notDeepEqual(secondRound, firstRound, 'a retried request draws again');
    assert.equal(
      one.stats().faultsInjected.transient500,
      [...firstRound, ...secondRound].filter((s) => s === 500).length,
    );

    const reseeded = await start(t, { seed: 8, faults });
    assert.notDeepEqual(await vehicleStatuses(reseeded, false), firstRound, 'another seed, other faults');
  });

  it('pdfCapacity: at most K PDFs generated at once, the rest wait in line', async (t) => {
    const portal = await start(t, { profile: 'fast', pdfCapacity: 2 });
    const client = await signedIn(portal);
    const paths: string[] = [];
    for (const ref of refs(portal, 6)) paths.push(await client.reportPath(ref));
    const answers = await Promise.all(paths.map((path) => client.fetchPdf(path)));
    assert.ok(answers.every((answer) => isCompletePdf(answer.bytes)));
    const stats = portal.stats();
    assert.equal(stats.pdf.generations, 6);
    assert.equal(stats.pdf.peakConcurrent, 2);
    assert.ok(stats.pdf.queuedPeak >= 1, `queued ${stats.pdf.queuedPeak}`);
    assert.ok(stats.peakConcurrentRequests >= 3, `in flight ${stats.peakConcurrentRequests}`);
  });

  it("prefix-overlapping references: '165xxx' and '165xxxA' both match a filter, each PDF names its own", async (t) => {
    const portal = await start(t);
    const all = portal.inventory.map((vehicle) => vehicle.ref);
    assert.ok(all.every((ref) => /^165\d{3}[A-Z]?$/.test(ref)));
    assert.equal(new Set(all).size, all.length);
    const plain = all.find((ref) => all.includes(`${ref}A`))!;
    assert.ok(plain, 'a small inventory has a pair too');
    const client = await signedIn(portal);
    const both = await client.grid({ action: 'filter', value: plain });
    assert.deepEqual(gridRefs(both.data.rows!).sort(), [plain, `${plain}A`]);
    const single = await client.grid({ action: 'filter', value: `${plain}A` });
    assert.deepEqual(gridRefs(single.data.rows!), [`${plain}A`]);
    assert.match(await pdfText((await client.pdf(plain)).bytes), new RegExp(`Stock #: ${plain}(?!A)`));
    assert.match(await pdfText((await client.pdf(`${plain}A`)).bytes), new RegExp(`Stock #: ${plain}A`));
  });

  it('CSV export: a UTF-8 BOM and duplicate rows when asked, neither by default', async (t) => {
    const withBoth = await start(t, { vehicles: 10, csvBom: true, duplicateRows: 3 });
    const client = await signedIn(withBoth);
    const response = await client.request('/ValuesOnline/vehicle/ExportCsv');
    assert.match(response.headers.get('content-disposition') ?? '', /^attachment/);
    const bytes = Buffer.from(await response.arrayBuffer());
    assert.equal(bytes.subarray(0, 3).toString('hex'), 'efbbbf');
    const rows = parse(bytes, { bom: true, columns: true }) as Array<Record<string, string>>;
    assert.equal(rows.length, 13);
    const counts = new Map<string, number>();
    for (const row of rows) counts.set(row['Reference Number']!, (counts.get(row['Reference Number']!) ?? 0) + 1);
    assert.deepEqual(
      [...counts].filter(([, count]) => count === 2).map(([ref]) => ref),
      refs(withBoth, 3),
    );
    assert.equal(
      gridRefs((await client.grid({ action: 'clear' })).data.rows!).length,
      13,
      'the grid lists them twice too',
    );

    const plain = await start(t, { vehicles: 10 });
    const text = await (await (await signedIn(plain)).request('/ValuesOnline/vehicle/ExportCsv')).text();
    assert.ok(text.startsWith('Stock Date,Reference Number,'), 'no BOM');
    const plainRows = parse(text, { columns: true }) as Array<Record<string, string>>;
    assert.deepEqual(
      plainRows.map((row) => row['Reference Number']),
      refs(plain, 10),
    );
  });
});

// --- faults that live in the page: real Chromium -------------------------------------------------

describe('simulated portal: faults in Chromium', () => {
  let browser: Browser;
  before(async () => {
    browser = await launchTestBrowser();
  });
  after(async () => {
    await browser.close();
  });

  async function openInventory(t: TestContext, portal: SimPortal): Promise<Page> {
    const context = await browser.newContext();
    t.after(() => context.close());
    const page = await context.newPage();
    await page.goto(`${portal.url}${LOGIN}`);
    await page.fill('#usernameInput', portal.credentials.username);
    await page.fill('#passwordInput', portal.credentials.password);
    await Promise.all([page.waitForURL('**/ValuesOnline/vehicle/'), page.click('#loginButton')]);
    return page;
  }

  it(`slowGrid: the callback takes over ${SLOW_GRID_MS} ms and the old rows stay until it arrives`, async (t) => {
    const portal = await start(t, { pageSize: 5, license: 'never' });
    const page = await openInventory(t, portal);
    const rows = page.locator("tr[id*='DXDataRow']");
    const stale = await rows.allInnerTexts();
    assert.equal(stale.length, 5);
    const target = portal.inventory[9]!.ref;
    const matching = portal.inventory.filter((vehicle) => vehicle.ref.startsWith(target)).length;

    portal.setFaults({ slowGrid: { rate: 1, ms: SLOW_GRID_MS } });
    await page.fill('#StockNumberInput', target);
    const started = Date.now();
    const answered = page.waitForResponse('**/GridCallback').then(() => Date.now() - started);
    await page.evaluate("vehicleGridViewFilterChanged('StockNumber')");
    await sleep(SLOW_GRID_MS / 2);
    assert.deepEqual(await rows.allInnerTexts(), stale, 'stale rows while the callback runs');
    assert.ok(await page.locator('#vehicleGridView_LP').isVisible(), 'loading panel shown');

    const elapsed = await answered;
    assert.ok(elapsed >= SLOW_GRID_MS, `answered after ${elapsed} ms`);
    await page.waitForFunction((count) => document.querySelectorAll("tr[id*='DXDataRow']").length === count, matching);
    assert.match(await rows.first().innerText(), new RegExp(`\\b${target}\\b`));
    assert.equal(portal.stats().faultsInjected.slowGrid, 1);
    assert.ok(portal.stats().serverTimeMs.byStep.grid! >= SLOW_GRID_MS);
  });

  it('delayedPopup: Create PDF opens its GetPdfReport tab only after the delay', async (t) => {
    const portal = await start(t, {
      license: 'never',
      pdfDelivery: 'attachment',
      faults: { delayedPopup: { rate: 1, ms: POPUP_DELAY_MS } },
    });
    const page = await openInventory(t, portal);
    const ref = portal.inventory[0]!.ref;
    await Promise.all([
      page.waitForURL('**/Bookout/**'),
      page.locator("a[id^='bookOutButton_'][title='Bookout']").first().click(),
    ]);
    await page.click('button.reportButton:not(.requiresVehicle)');
    const createPdf = page.getByRole('button', { name: 'Create PDF', exact: true });
    await createPdf.waitFor();

    const started = Date.now();
    const popupAfter = page.waitForEvent('popup').then(() => Date.now() - started);
    const requested = page
      .context()
      .waitForEvent('request', { predicate: (request) => /GetPdfReport/.test(request.url()) });
    await createPdf.click();
    await sleep(POPUP_DELAY_MS / 4);
    assert.equal(page.context().pages().length, 1, 'no new tab yet');
    assert.equal(portal.stats().requests.byRoute.pdf, undefined, 'no GetPdfReport yet');

    const elapsed = await popupAfter;
    assert.ok(elapsed >= POPUP_DELAY_MS, `popup after ${elapsed} ms`);
    assert.match((await requested).url(), /GetPdfReport/);
    await waitFor(() => portal.stats().pdf.byRef[ref] === 1, 'the PDF to be generated');
    assert.equal(portal.stats().faultsInjected.delayedPopup, 1);
  });
});

// --- the command line ----------------------------------------------------------------------------

describe('simulated portal: command line', () => {
  function run(args: string[]): ChildProcess {
    return spawn(process.execPath, ['sim/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  async function output(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, stdout, stderr };
  }

  it('npm run portal -- --help lists every option and the faults', async () => {
    const child = spawn('npm', ['run', '--silent', 'portal', '--', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const { code, stdout } = await output(child);
    assert.equal(code, 0);
    for (const option of [
      '--port',
      '--host',
      '--vehicles',
      '--seed',
      '--profile',
      '--time-scale',
      '--pdf-capacity',
      '--pdf-delivery',
      '--page-size',
      '--license',
      '--license-delay',
      '--lockout',
      '--idle-timeout',
      '--csv-bom',
      '--duplicate-rows',
      '--faults',
    ]) {
      assert.ok(stdout.includes(`  ${option} `), option);
    }
    assert.match(stdout, /downAfterPdfs=400:30000,alwaysFail=165001;165002/);
    assert.match(stdout, /\/__sim\/stats/);
  });

  it('node sim/main.ts --port 0 prints its URL and credentials, applies --faults, stops on SIGTERM', async (t) => {
    const child = run([
      '--port',
      '0',
      '--vehicles',
      '5',
      '--profile',
      'instant',
      '--faults',
      'transient500=0.25,downAfterPdfs=5:1000,alwaysFail=165000;165001',
    ]);
    t.after(() => void (child.exitCode === null && child.kill()));
    const exited = output(child);
    let banner = '';
    child.stdout!.on('data', (chunk) => (banner += chunk));
    await waitFor(() => banner.includes('Ctrl-C stops it.'), 'the banner', 15_000);
    const url = /portal: (http:\/\/127\.0\.0\.1:\d+)\n/.exec(banner)![1]!;
    const [, username, password] = /JD_USER=(\S+) JD_PASS=(\S+)/.exec(banner)!;
    assert.match(banner, /5 vehicles, profile instant/);

    const login = await fetch(`${url}/ValuesOnline/Home/LicenseAgreement`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ username: username!, password: password! }),
    });
    assert.equal(login.status, 302, 'the printed credentials work');
    const faults = (await (await fetch(`${url}/__sim/faults`, { method: 'POST', body: '{}' })).json()) as {
      faults: Record<string, unknown>;
    };
    assert.deepEqual(faults.faults.transient500, { rate: 0.25 });
    assert.deepEqual(faults.faults.downAfterPdfs, { after: 5, ms: 1000 });
    assert.deepEqual(faults.faults.alwaysFail, ['165000', '165001']);

    child.kill('SIGTERM');
    assert.equal((await exited).code, 0);
    assert.equal(await tryConnect(url), 'ECONNREFUSED');
  });

  it('a bad option stops with exit code 2 and a message', async () => {
    const { code, stderr } = await output(run(['--faults', 'melt=1']));
    assert.equal(code, 2);
    assert.match(stderr, /unknown fault "melt"/);
  });
});
