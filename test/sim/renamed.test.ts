// Option `renamed`: each known fact of the pages can be renamed on its own, so that a downloader's
// selector for it no longer matches while everything else still works. Checked over the bytes the
// portal serves (HTML, scripts, CSV, PDF text), with detectors written here from the known facts.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { parse } from 'csv-parse/sync';
import { extractText, getDocumentProxy } from 'unpdf';
import { RENAMEABLE_FACTS, startPortal, type Fact, type SimPortal } from '../../sim/index.ts';
import { HttpSession, INVENTORY, LOGIN } from './http-session.ts';

type Surface = 'login' | 'license' | 'inventory' | 'gridJs' | 'vehicle' | 'vehicleJs' | 'dialog' | 'csv' | 'pdfText';

/** Where each fact shows, and a pattern that finds it as the known facts describe it. */
const DETECTORS: Record<Fact, [Surface, RegExp]> = {
  username: ['login', /<input id="usernameInput"/],
  password: ['login', /<input id="passwordInput"/],
  loginButton: ['login', /<button id="loginButton"/],
  logoutButton: ['inventory', /<a id="btnLogout"/],
  licenseCheckbox: ['license', /id=\\"agreementCheckBox\\"/],
  inventoryNavLink: ['vehicle', /<a href="\/ValuesOnline\/vehicle\/">/],
  gridRow: ['inventory', /<tr id="[^"]*DXDataRow\d+"/],
  filterBarLink: ['inventory', /<a class="dxgvFilterBarLink" [^>]*onclick="[^"]*(ClearFilter|ShowFilterControl)/],
  stockNumberInput: ['inventory', /<input id="StockNumberInput"/],
  bookoutLink: [
    'inventory',
    /<a id="bookOutButton_[^"]+" title="Bookout"[^>]*><img title="Bookout" src="[^"]*book\.png"/,
  ],
  exportMenu: ['inventory', /<a id="primaryMenu_DXI4_T"/],
  exportAllColumns: ['inventory', /<a id="primaryMenu_DXI4i1_T"/],
  exportCsv: ['inventory', /<a id="primaryMenu_DXI4i1i2_"/],
  reportButton: ['vehicle', /<button type="button" class="reportButton" [^>]*>Print\/Email Reports</],
  createPdf: ['dialog', /<button [^>]*>Create PDF<\/button>/],
  pdfUrl: ['vehicleJs', /GetPdfReport/i],
  referenceColumn: ['csv', /^Stock Date,Reference Number,/],
  stockLabel: ['pdfText', /Stock #: 165\d{3}/],
};

const TIME_LIMIT = { timeout: 60_000 };

/** Every surface of a portal, taken as a browser would meet them; also checks that the flow still works. */
async function surfaces(portal: SimPortal): Promise<Record<Surface, string>> {
  const client = new HttpSession(portal);
  const text = async (path: string, init?: RequestInit) => (await client.request(path, init)).text();
  const login = await text(LOGIN);
  const signIn = await client.request(LOGIN, {
    method: 'POST',
    body: new URLSearchParams({ ...portal.credentials, ReturnUrl: '/ValuesOnline/' }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(signIn.status, 302, 'the login form still works');
  client.cookies = signIn.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0])
    .join('; ');
  const license = await text(LOGIN);
  await client.acceptLicense();
  const inventory = await text(INVENTORY);
  const vehicle = portal.inventory[0]!;
  const vehiclePage = await text(`/ValuesOnline/vehicle/Bookout/${vehicle.key}`);
  const dialog = (await client.json<{ html: string }>('/ValuesOnline/Reports/Dialog', { vehicle: vehicle.key })).data
    .html;
  const vehicleJs = await text('/ValuesOnline/Scripts/vehicle.js');
  const pdfPath = /'([^?']+)\?reportToken=/.exec(vehicleJs)![1]!;
  const token = /createPdf\('([0-9a-f]+)'/.exec(dialog)![1]!;
  const pdf = await client.fetchPdf(`${pdfPath}?reportToken=${token}`);
  assert.equal(pdf.status, 200, 'the report URL of the page script serves the PDF');
  const pdfText = (await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: true })).text;
  assert.ok(pdfText.includes(vehicle.vin), 'the PDF of that vehicle');
  const csv = await text('/ValuesOnline/vehicle/ExportCsv');
  await client.logout();
  return {
    login,
    license,
    inventory,
    gridJs: await text('/ValuesOnline/Scripts/grid.js'),
    vehicle: vehiclePage,
    vehicleJs,
    dialog,
    csv,
    pdfText,
  };
}

/** What must hold whatever is renamed: the pieces of the pages still fit together. */
function assertStillWorks(portal: SimPortal, seen: Record<Surface, string>): void {
  const filterBox = /<label>Stock # <input id="([^"]+)"/.exec(seen.inventory)![1];
  assert.ok(seen.gridJs.includes(`getElementById('${filterBox}')`), 'the grid script reads the filter box it has');
  const rows = parse(seen.csv, { from_line: 2 }) as string[][];
  assert.deepEqual(
    rows.map((row) => row[1]),
    portal.inventory.map((vehicle) => vehicle.ref),
    'the CSV still lists every reference',
  );
  assert.match(seen.inventory, /<tr id="[^"]+0" class="dxgvDataRow">/, 'the grid still has rows');
  assert.match(seen.dialog, /onclick="createPdf\('/, 'the dialog still creates the PDF');
}

describe('simulated portal: renamed facts', () => {
  async function start(t: TestContext, renamed: Fact[]): Promise<SimPortal> {
    const portal = await startPortal({ vehicles: 6, license: 'every-login', renamed });
    t.after(() => portal.stop());
    return portal;
  }

  it('without renames every known fact is found', TIME_LIMIT, async (t) => {
    const portal = await start(t, []);
    const seen = await surfaces(portal);
    for (const [fact, [surface, pattern]] of Object.entries(DETECTORS)) assert.match(seen[surface], pattern, fact);
    assertStillWorks(portal, seen);
  });

  it('each rename changes exactly its own fact; the rest is found and the flow works', TIME_LIMIT, async (t) => {
    assert.deepEqual(
      [...RENAMEABLE_FACTS].sort(),
      Object.keys(DETECTORS).sort(),
      'every renameable fact has a detector',
    );
    for (const renamed of RENAMEABLE_FACTS) {
      const portal = await start(t, [renamed]);
      const seen = await surfaces(portal);
      for (const [fact, [surface, pattern]] of Object.entries(DETECTORS)) {
        if (fact === renamed) assert.doesNotMatch(seen[surface], pattern, `${renamed} is renamed`);
        else assert.match(seen[surface], pattern, `${fact} stays when ${renamed} is renamed`);
      }
      assertStillWorks(portal, seen);
    }
  });

  it('several at once (the CLI form), and unknown names are an error', TIME_LIMIT, async (t) => {
    const portal = await start(t, ['reportButton', 'exportCsv', 'stockNumberInput']);
    const seen = await surfaces(portal);
    for (const fact of ['reportButton', 'exportCsv', 'stockNumberInput'] as const) {
      const [surface, pattern] = DETECTORS[fact];
      assert.doesNotMatch(seen[surface], pattern, fact);
    }
    assert.match(seen.vehicle, /class="reportButton requiresVehicle"/, 'the decoy button keeps its classes');
    assert.match(seen.inventory, /<a id="primaryMenu_DXI4i1_T"/);
    await assert.rejects(startPortal({ renamed: ['reportButton', 'printButton' as Fact] }), /unknown fact printButton/);
  });

  it('a renamed report URL: the old GetPdfReport address is gone', TIME_LIMIT, async (t) => {
    const portal = await start(t, ['pdfUrl']);
    const client = new HttpSession(portal);
    assert.ok((await client.login()).ok);
    const path = await client.reportPath(portal.inventory[0]!.ref);
    assert.doesNotMatch(path, /GetPdfReport/i);
    assert.equal((await client.fetchPdf(path)).status, 200);
    const old = await client.fetchPdf(path.replace(/^[^?]+/, '/ValuesOnline/Reports/GetPdfReport'));
    assert.equal(old.status, 404);
  });
});
