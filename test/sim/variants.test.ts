// The choices the portal's known facts leave open, each made both ways, checked over HTTP: caching
// headers, PDF delivery, paging with a filter, the CSV's shape and name, a leftover filter, vehicle
// URL and id shapes, how error answers arrive, the named variants and the command line.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'csv-parse/sync';
import { startPortal, variantPreset, type PortalOptions, type SimPortal } from '../../sim/index.ts';
import { gridRefs, HttpSession, INVENTORY, LOGIN } from './http-session.ts';

const SERVER_ERROR = "Server Error in '/ValuesOnline' Application.";
const TIME_LIMIT = { timeout: 30_000 };

async function start(t: TestContext, options: Partial<PortalOptions> = {}): Promise<SimPortal> {
  const portal = await startPortal({ vehicles: 12, ...options });
  t.after(() => portal.stop());
  return portal;
}

async function signedIn(portal: SimPortal): Promise<HttpSession> {
  const client = new HttpSession(portal);
  assert.ok((await client.login()).ok, 'login');
  return client;
}

/** Status, headers and body of a GET. */
async function get(client: HttpSession, path: string): Promise<{ status: number; headers: Headers; body: string }> {
  const response = await client.request(path);
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/**
 * Follows the links the portal itself shows, as a browser would: the grid's Bookout link, the
 * reports dialog of the vehicle page, the report URL of the page's script. Returns the PDF answer.
 */
async function followBookout(client: HttpSession, ref: string) {
  await client.grid({ action: 'clear' });
  const { data } = await client.grid({ action: 'filter', value: ref });
  const row = data.rows!.split('</tr>').find((candidate) => candidate.includes(`<td class="dxgv">${ref}</td>`))!;
  const [, rowId, href] = /<a id="bookOutButton_([^"]+)" title="Bookout" href="([^"]+)"/.exec(row)!;
  const page = await get(client, href!.replaceAll('&amp;', '&'));
  assert.equal(page.status, 200, `vehicle page ${href}`);
  const key = /openReports\('([^']+)'\)/.exec(page.body)![1]!;
  const dialog = await client.json<{ html: string }>('/ValuesOnline/Reports/Dialog', { vehicle: key });
  const token = /createPdf\('([0-9a-f]+)'/.exec(dialog.data.html)![1];
  const script = await get(client, '/ValuesOnline/Scripts/vehicle.js');
  const pdfPath = /'([^?']+)\?reportToken=/.exec(script.body)![1];
  return { rowId: rowId!, href: href!, key, pdf: await client.fetchPdf(`${pdfPath}?reportToken=${token}`) };
}

function isCompletePdf(bytes: Buffer): boolean {
  return (
    bytes.subarray(0, 5).toString('latin1') === '%PDF-' && bytes.subarray(-32).toString('latin1').includes('%%EOF')
  );
}

describe('simulated portal: HTML caching', () => {
  it(
    'no-store: every HTML page, error pages included, says private, no-store; cacheable: no Cache-Control',
    TIME_LIMIT,
    async (t) => {
      for (const htmlCache of ['no-store', 'cacheable'] as const) {
        const portal = await start(t, {
          htmlCache,
          license: 'every-login',
          faults: { transient500: { rate: 1, steps: ['report'] } },
        });
        const client = new HttpSession(portal);
        const pages = [await get(client, LOGIN)];
        const login = await client.request(LOGIN, {
          method: 'POST',
          body: new URLSearchParams({ ...portal.credentials, ReturnUrl: '/ValuesOnline/' }),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        client.cookies = login.headers
          .getSetCookie()
          .map((cookie) => cookie.split(';')[0])
          .join('; ');
        pages.push(await get(client, LOGIN)); // the license page
        await client.acceptLicense();
        pages.push(
          await get(client, INVENTORY),
          await get(client, `/ValuesOnline/vehicle/Bookout/${portal.inventory[0]!.key}`),
        );
        const error = await client.request('/ValuesOnline/Reports/Dialog', { method: 'POST', body: '{}' });
        pages.push({ status: error.status, headers: error.headers, body: await error.text() });
        pages.push(await get(client, '/ValuesOnline/vehicle/Bookout/V000000000'));
        assert.deepEqual(
          pages.map((page) => page.status),
          [200, 200, 200, 200, 500, 404],
        );
        assert.ok(pages[1]!.body.includes('agreementCheckBox') && pages[4]!.body.includes(SERVER_ERROR));
        const expected = htmlCache === 'no-store' ? 'private, no-store' : null;
        for (const page of pages) assert.equal(page.headers.get('cache-control'), expected, htmlCache);
        const renewed = pages[3]!.headers.get('set-cookie') ?? '';
        if (htmlCache === 'no-store')
          assert.match(renewed, /^\.ASPXAUTH=[0-9a-f]+; Path=\/; HttpOnly$/, 'sliding expiration');
        else assert.equal(renewed, '', 'cacheable: no cookie sent again');
        const script = await client.request('/ValuesOnline/Scripts/grid.js');
        await script.arrayBuffer();
        assert.equal(script.headers.get('cache-control'), 'public, max-age=86400', 'static files stay cacheable');
      }
    },
  );
});

describe('simulated portal: the auth cookie sent again with no-store', () => {
  it(
    'only while the session is alive when the answer leaves (a late answer never undoes a new login)',
    TIME_LIMIT,
    async (t) => {
      const portal = await start(t, {
        htmlCache: 'no-store',
        errorDelayMs: 600,
        faults: { transient500: { rate: 1, steps: ['vehicle'] } },
      });
      const client = await signedIn(portal);
      const alive = await client.request(INVENTORY);
      await alive.arrayBuffer();
      assert.match(alive.headers.get('set-cookie') ?? '', /^\.ASPXAUTH=/);
      const late = client.request(`/ValuesOnline/vehicle/Bookout/${portal.inventory[0]!.key}`);
      await sleep(200);
      portal.trigger('expire');
      const answer = await late;
      await answer.arrayBuffer();
      assert.equal(answer.status, 500);
      assert.equal(answer.headers.get('set-cookie'), null, 'the session ended before the answer left');
    },
  );
});

describe('simulated portal: PDF delivery', () => {
  it('inline, attachment, or mixed per vehicle; the bytes are the same PDF each way', TIME_LIMIT, async (t) => {
    const dispositions: Record<string, string[]> = {};
    for (const pdfDelivery of ['inline', 'attachment', 'mixed'] as const) {
      const portal = await start(t, { pdfDelivery });
      const client = await signedIn(portal);
      dispositions[pdfDelivery] = [];
      for (const vehicle of portal.inventory) {
        const answer = await client.pdf(vehicle.ref);
        assert.ok(isCompletePdf(answer.bytes));
        assert.equal(answer.type, 'application/pdf');
        dispositions[pdfDelivery]!.push(answer.headers.get('content-disposition')!.split(';')[0]!);
      }
    }
    assert.deepEqual(new Set(dispositions.inline), new Set(['inline']));
    assert.deepEqual(new Set(dispositions.attachment), new Set(['attachment']));
    assert.deepEqual(new Set(dispositions.mixed), new Set(['inline', 'attachment']), 'mixed has both');
  });
});

describe('simulated portal: grid paging with a filter', () => {
  it('a stock filter matching more than a page shows a pager; every page keeps the filter', TIME_LIMIT, async (t) => {
    const portal = await start(t, { vehicles: 60, pageSize: 4 });
    const client = await signedIn(portal);
    const matching = portal.inventory.map((vehicle) => vehicle.ref).filter((ref) => ref.startsWith('1650'));
    assert.ok(matching.length > 8, `${matching.length} matches`);
    const first = await client.grid({ action: 'filter', value: '1650' });
    const seen = gridRefs(first.data.rows!);
    assert.equal(seen.length, 4);
    const pages = Math.ceil(matching.length / 4);
    const pager = (first.data as { pager: string }).pager;
    assert.equal((pager.match(/class="dxp-num"/g) ?? []).length, pages - 1, 'links to the other pages');
    for (let page = 1; page < pages; page += 1) {
      const next = await client.grid({ action: 'page', page });
      assert.match((next.data as { filterBar: string }).filterBar, /Begins with '1650'/);
      seen.push(...gridRefs(next.data.rows!));
    }
    assert.deepEqual(seen, matching, 'all pages together are the matches, in order');
    const beyond = await client.grid({ action: 'page', page: pages + 3 });
    assert.deepEqual(gridRefs(beyond.data.rows!), matching.slice((pages - 1) * 4), 'past the end: the last page');
    const refiltered = await client.grid({ action: 'filter', value: matching[5]! });
    assert.ok(gridRefs(refiltered.data.rows!).includes(matching[5]!), 'a new filter starts at page 1');
  });

  it('a leftover make filter and a stock filter together, paged', TIME_LIMIT, async (t) => {
    const portal = await start(t, { vehicles: 80, pageSize: 3, initialFilter: { make: 'Ford' } });
    const client = await signedIn(portal);
    const fords = portal.inventory.filter((v) => v.make === 'Ford' && v.ref.startsWith('1650')).map((v) => v.ref);
    assert.ok(fords.length > 3, `${fords.length} Fords from 1650`);
    const inventory = await get(client, INVENTORY);
    assert.match(inventory.body, /\[make\] = 'Ford'.*ClearFilter/s);
    const seen = gridRefs((await client.grid({ action: 'filter', value: '1650' })).data.rows!);
    for (let page = 1; seen.length < fords.length && page < 10; page += 1)
      seen.push(...gridRefs((await client.grid({ action: 'page', page })).data.rows!));
    assert.deepEqual(seen, fords);
  });
});

describe('simulated portal: CSV shape', () => {
  async function exportOf(t: TestContext, options: Partial<PortalOptions>) {
    const portal = await start(t, { vehicles: 20, ...options });
    const response = await (await signedIn(portal)).request('/ValuesOnline/vehicle/ExportCsv');
    return {
      portal,
      disposition: response.headers.get('content-disposition') ?? '',
      bytes: Buffer.from(await response.arrayBuffer()),
    };
  }

  it('line endings crlf or lf, the file name', TIME_LIMIT, async (t) => {
    const crlf = await exportOf(t, {});
    const lf = await exportOf(t, { csvLineEnding: 'lf', csvFileName: 'Inventory Export (1).csv' });
    assert.equal(crlf.bytes.toString().split('\r\n').length, 22, 'header, 20 rows, final line break');
    assert.doesNotMatch(lf.bytes.toString(), /\r/);
    assert.equal(lf.bytes.toString().split('\n').length, 22);
    assert.equal(crlf.disposition, 'attachment; filename="VehicleInventory.csv"');
    assert.equal(lf.disposition, 'attachment; filename="Inventory Export (1).csv"');
    assert.deepEqual(parse(lf.bytes, { columns: true }), parse(crlf.bytes, { columns: true }));
  });

  it(
    'reordered: Reference Number not second, Notes with commas, quotes and line breaks, Location',
    TIME_LIMIT,
    async (t) => {
      const { portal, bytes } = await exportOf(t, { csvLayout: 'reordered', csvLineEnding: 'lf' });
      const text = bytes.toString();
      const header = parse(text, { to_line: 1 })[0] as string[];
      assert.notEqual(header.indexOf('Reference Number'), 1);
      assert.ok(header.indexOf('Notes') < header.indexOf('Reference Number'), 'free text before the reference');
      for (const column of ['Notes', 'Location', 'Stock Date', 'VIN', 'Year', 'Make', 'Model', 'Trim', 'Mileage'])
        assert.ok(header.includes(column), column);
      const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
      assert.deepEqual(
        rows.map((row) => row['Reference Number']),
        portal.inventory.map((v) => v.ref),
      );
      const note = rows[0]!.Notes!;
      assert.ok(note.includes(',') && note.includes('"') && note.includes('\n'), JSON.stringify(note));
      assert.ok(text.includes('""like new""'), 'quotes doubled inside a quoted field');
      assert.ok(note.includes('\r\n'), 'a CRLF inside a field of an LF file');
      assert.ok(rows.some((row) => row.Location!.includes(',')));
      assert.ok(text.split('\n').length > rows.length + 2, 'line breaks inside fields: more lines than rows');
    },
  );

  it('quote-all and BOM: every field quoted, the header too; the same values', TIME_LIMIT, async (t) => {
    const quoted = await exportOf(t, { csvQuoteAll: true, csvBom: true, csvLayout: 'reordered' });
    const plain = await exportOf(t, { csvLayout: 'reordered' });
    assert.equal(quoted.bytes.subarray(0, 3).toString('hex'), 'efbbbf');
    const text = quoted.bytes.toString('utf8').slice(1);
    assert.ok(text.startsWith('"VIN","Year","Make",'), text.slice(0, 40));
    assert.match(text, /,"Reference Number",/);
    const firstRow = text.split('\r\n')[1]!;
    assert.match(firstRow, /^"[A-Z0-9]{17}","\d{4}","/);
    assert.deepEqual(parse(quoted.bytes, { bom: true, columns: true }), parse(plain.bytes, { columns: true }));
  });
});

describe('simulated portal: vehicle URL and row id shapes', () => {
  const shapes = [
    { vehicleUrl: 'path', rowIdShape: 'opaque', url: /^\/ValuesOnline\/vehicle\/Bookout\/V\d{9}$/, id: /^V\d{9}$/ },
    { vehicleUrl: 'path', rowIdShape: 'numeric', url: /^\/ValuesOnline\/vehicle\/Bookout\/\d{7}$/, id: /^\d{7}$/ },
    {
      vehicleUrl: 'query',
      rowIdShape: 'guid',
      url: /^\/ValuesOnline\/Vehicle\/Bookout\.aspx\?vehicleId=[0-9a-f-]{36}$/,
      id: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
    },
    {
      vehicleUrl: 'query',
      rowIdShape: 'numeric',
      url: /^\/ValuesOnline\/Vehicle\/Bookout\.aspx\?vehicleId=\d{7}$/,
      id: /^\d{7}$/,
    },
    { vehicleUrl: 'path', rowIdShape: 'guid', url: /^\/ValuesOnline\/vehicle\/Bookout\/[0-9a-f-]{36}$/, id: /-/ },
  ] as const;

  for (const shape of shapes) {
    it(
      `${shape.vehicleUrl} URLs with ${shape.rowIdShape} ids: link, vehicle page, dialog and PDF work`,
      TIME_LIMIT,
      async (t) => {
        const portal = await start(t, { vehicleUrl: shape.vehicleUrl, rowIdShape: shape.rowIdShape });
        const client = await signedIn(portal);
        const keys = new Set(portal.inventory.map((vehicle) => vehicle.key));
        assert.equal(keys.size, portal.inventory.length, 'ids are unique');
        for (const vehicle of portal.inventory.slice(0, 4)) {
          const followed = await followBookout(client, vehicle.ref);
          assert.match(followed.rowId, shape.id);
          assert.equal(followed.rowId, vehicle.key);
          assert.match(followed.href.replaceAll('&amp;', '&'), shape.url);
          assert.equal(followed.key, vehicle.key);
          assert.ok(isCompletePdf(followed.pdf.bytes), `PDF of ${vehicle.ref}`);
        }
        assert.equal(portal.stats().pdf.generations, 4);
        const other =
          shape.vehicleUrl === 'path'
            ? `/ValuesOnline/Vehicle/Bookout.aspx?vehicleId=${portal.inventory[0]!.key}`
            : `/ValuesOnline/vehicle/Bookout/${portal.inventory[0]!.key}`;
        assert.equal((await get(client, other)).status, 404, "the other URL shape is not the portal's");
      },
    );
  }

  it('script Bookout links: href javascript:;, the address only in the click handler', TIME_LIMIT, async (t) => {
    const portal = await start(t, { bookoutLinks: 'script' });
    const client = await signedIn(portal);
    const ref = portal.inventory[0]!.ref;
    const { data } = await client.grid({ action: 'filter', value: ref });
    const link = /<a id="bookOutButton_[^"]+" title="Bookout" ([^>]+)>/.exec(data.rows!)![1]!;
    assert.match(link, /^href="javascript:;" onclick="[^"]+" data-target="\/ValuesOnline\/vehicle\/Bookout\/[^"]+"$/);
    const target = /data-target="([^"]+)"/.exec(link)![1]!;
    assert.equal((await get(client, target)).status, 200, 'the click handler goes to the vehicle page');
  });

  it(
    'a vehicle page without a session sends to the login page with the whole URL as ReturnUrl',
    TIME_LIMIT,
    async (t) => {
      const portal = await start(t, { vehicleUrl: 'query', rowIdShape: 'guid' });
      const path = `/ValuesOnline/Vehicle/Bookout.aspx?vehicleId=${portal.inventory[2]!.key}`;
      const response = await new HttpSession(portal).request(path);
      assert.equal(response.status, 302);
      assert.equal(
        response.headers.get('location'),
        `/ValuesOnline/Home/LicenseAgreement?ReturnUrl=${encodeURIComponent(path)}`,
      );
    },
  );
});

describe('simulated portal: how error answers arrive', () => {
  /** Time until the headers of a GET arrive, and the response itself. */
  async function timed(client: HttpSession, path: string, signal?: AbortSignal) {
    const started = Date.now();
    const response = await client.request(path, { signal });
    return { response, headersAfter: Date.now() - started, started };
  }

  it('errorDelayMs: 500, 429 and 404 answers come that late; other answers do not', TIME_LIMIT, async (t) => {
    const portal = await start(t, { errorDelayMs: 600, faults: { transient500: { rate: 1, steps: ['vehicle'] } } });
    const client = await signedIn(portal);
    const fine = await timed(client, INVENTORY);
    await fine.response.arrayBuffer();
    assert.ok(fine.headersAfter < 300, `inventory after ${fine.headersAfter} ms`);
    const failing = await timed(client, `/ValuesOnline/vehicle/Bookout/${portal.inventory[0]!.key}`);
    assert.equal(failing.response.status, 500);
    assert.ok((await failing.response.text()).includes(SERVER_ERROR));
    assert.ok(failing.headersAfter >= 590, `500 after ${failing.headersAfter} ms`);
    portal.setFaults({ transient500: { rate: 0 } });
    const missing = await timed(client, '/ValuesOnline/vehicle/Bookout/V000000000');
    await missing.response.arrayBuffer();
    assert.equal(missing.response.status, 404);
    assert.ok(missing.headersAfter >= 590, `404 after ${missing.headersAfter} ms`);
    const favicon = await timed(client, '/favicon.ico');
    await favicon.response.arrayBuffer();
    assert.equal(favicon.response.status, 404);
    assert.ok(
      favicon.headersAfter < 300,
      `a path outside the application: its 404 at once (${favicon.headersAfter} ms)`,
    );
    portal.setFaults({ rateLimit: { rate: 1, steps: ['grid'] } });
    const started = Date.now();
    assert.equal((await client.grid({ action: 'clear' })).status, 429);
    assert.ok(Date.now() - started >= 590, '429 late too');
  });

  it('slow: headers at once, the error page trickles out over errorBodyMs, then ends', TIME_LIMIT, async (t) => {
    const portal = await start(t, {
      errorBody: 'slow',
      errorBodyMs: 1000,
      faults: { transient500: { rate: 1, steps: ['inventory'] } },
    });
    const client = await signedIn(portal);
    const { response, headersAfter, started } = await timed(client, INVENTORY);
    assert.equal(response.status, 500);
    assert.ok(headersAfter < 300, `headers after ${headersAfter} ms`);
    const chunks: number[] = [];
    const body: Buffer[] = [];
    for await (const chunk of response.body!) {
      chunks.push(Date.now() - started);
      body.push(Buffer.from(chunk));
    }
    const text = Buffer.concat(body).toString();
    assert.ok(text.includes(SERVER_ERROR) && text.trimEnd().endsWith('</html>'), 'the whole page');
    assert.equal(response.headers.get('content-length'), String(Buffer.byteLength(text)));
    assert.ok(chunks.length >= 5, `${chunks.length} chunks`);
    assert.ok(chunks.at(-1)! >= 800, `ended after ${chunks.at(-1)} ms`);
    await waitFor(() => portal.stats().requests.byStatus['500'] === 1, 'the answer to be counted');
  });

  it(
    'endless: headers at once, the body keeps coming until the client closes or the portal stops',
    TIME_LIMIT,
    async (t) => {
      const portal = await start(t, { errorBody: 'endless', faults: { rateLimit: { rate: 1, steps: ['vehicle'] } } });
      const client = await signedIn(portal);
      const path = `/ValuesOnline/vehicle/Bookout/${portal.inventory[0]!.key}`;
      const aborter = new AbortController();
      const { response, headersAfter } = await timed(client, path, aborter.signal);
      assert.equal(response.status, 429);
      assert.equal(response.headers.get('retry-after'), '2');
      assert.ok(headersAfter < 300, `headers after ${headersAfter} ms`);
      const reader = response.body!.getReader();
      let received = '';
      const until = Date.now() + 1200;
      while (Date.now() < until) received += Buffer.from((await reader.read()).value!).toString();
      assert.match(received, /Too Many Requests/);
      assert.ok((received.match(/still loading/g) ?? []).length >= 3, 'more keeps coming');
      aborter.abort();
      await reader.read().catch(() => undefined);
      await waitFor(() => portal.stats().requests.byStatus['429'] === 1, 'the closed answer to be counted');

      const second = await client.request(path);
      const ended = (async () => {
        for await (const _ of second.body!) {
          // read until the stream ends or breaks
        }
      })().then(
        () => 'ended',
        () => 'broken',
      );
      await sleep(300);
      await portal.stop();
      assert.ok(['ended', 'broken'].includes(await ended), 'stopping the portal ends it');
    },
  );
});

describe('simulated portal: named variants', () => {
  it('cacheable is the defaults; strict is the contrasting bundle; explicit options win', TIME_LIMIT, async (t) => {
    const plain = await start(t);
    const cacheable = await start(t, { variant: 'cacheable' });
    assert.deepEqual(cacheable.options, { ...plain.options, variant: 'cacheable' });
    const strict = await start(t, { variant: 'strict' });
    assert.equal(strict.options.variant, 'strict');
    assert.deepEqual(
      Object.fromEntries(
        Object.keys(variantPreset('strict', 1)).map((key) => [key, strict.options[key as keyof PortalOptions]]),
      ),
      {
        htmlCache: 'no-store',
        pdfDelivery: 'attachment',
        pageSize: 10,
        csvBom: true,
        csvLineEnding: 'crlf',
        csvLayout: 'reordered',
        csvQuoteAll: true,
        csvFileName: 'vehicleGridView.csv',
        initialFilter: { make: strict.inventory[0]!.make },
        vehicleUrl: 'query',
        rowIdShape: 'guid',
        errorDelayMs: 1500,
        errorBody: 'slow',
        reportTab: 'blank',
      },
    );
    const mixed = await start(t, { variant: 'strict', pageSize: 25, initialFilter: null, errorDelayMs: undefined });
    assert.equal(mixed.options.pageSize, 25);
    assert.equal(mixed.options.initialFilter, null);
    assert.equal(mixed.options.errorDelayMs, 1500, 'an undefined option leaves the preset');
    await assert.rejects(startPortal({ variant: 'lenient' as 'strict' }), /unknown variant lenient/);
  });

  it(
    'strict: the leftover filter is a make of the inventory, and a whole bookout works over HTTP',
    TIME_LIMIT,
    async (t) => {
      for (const seed of [1, 7, 42]) {
        const portal = await start(t, { variant: 'strict', seed, vehicles: 20 });
        const client = await signedIn(portal);
        const make = portal.options.initialFilter!.make!;
        const grid = gridRefs((await get(client, INVENTORY)).body.split('vehicleGridView_DXMainTable')[1]!);
        assert.ok(grid.length > 0 && grid.length <= 10, `seed ${seed}: ${grid.length} rows of ${make}`);
        assert.ok(grid.every((ref) => portal.inventory.find((v) => v.ref === ref)!.make === make));
        const followed = await followBookout(client, portal.inventory[3]!.ref);
        assert.ok(isCompletePdf(followed.pdf.bytes));
        assert.match(followed.pdf.headers.get('content-disposition')!, /^attachment/);
      }
    },
  );
});

describe('simulated portal: command line of the new options', () => {
  async function runPortal(t: TestContext, args: string[]) {
    const child = spawn(process.execPath, ['sim/main.ts', '--port', '0', '--profile', 'instant', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.after(() => void (child.exitCode === null && child.kill()));
    let banner = '';
    child.stdout!.on('data', (chunk) => (banner += chunk));
    await waitFor(() => banner.includes('Ctrl-C stops it.'), 'the banner', 15_000);
    return { child, banner, url: /portal: (http:\/\/127\.0\.0\.1:\d+)\n/.exec(banner)![1]! };
  }

  it('--help lists every new flag', TIME_LIMIT, async () => {
    const child = spawn(process.execPath, ['sim/main.ts', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    await once(child, 'exit');
    for (const flag of [
      '--variant',
      '--html-cache',
      '--vehicle-url',
      '--row-id-shape',
      '--error-delay',
      '--error-body',
      '--error-body-ms',
      '--csv-line-ending',
      '--csv-layout',
      '--csv-quote-all',
      '--csv-file-name',
      '--initial-filter',
      '--rename',
      '--capacity-change',
      '--load-knee',
      '--overload',
    ])
      assert.ok(stdout.includes(`  ${flag} `), flag);
  });

  it('--variant strict with flags that override it; GET /__sim/options shows what applies', TIME_LIMIT, async (t) => {
    const { banner, url } = await runPortal(t, [
      '--vehicles',
      '12',
      '--variant',
      'strict',
      '--page-size',
      '5',
      '--initial-filter',
      'stock=1650,make=Ford',
      '--no-csv-quote-all',
      '--csv-line-ending',
      'lf',
      '--csv-file-name',
      'Export.csv',
      '--row-id-shape',
      'numeric',
      '--error-delay',
      '20',
      '--error-body',
      'endless',
      '--error-body-ms',
      '900',
      '--rename',
      'reportButton,exportCsv',
      '--capacity-change',
      '30:2',
      '--load-knee',
      '6',
      '--overload',
      '3',
      '--html-cache',
      'no-store',
    ]);
    assert.match(banner, /variant strict/);
    const options = (await (await fetch(`${url}/__sim/options`)).json()) as PortalOptions;
    assert.deepEqual(
      {
        variant: options.variant,
        pageSize: options.pageSize,
        initialFilter: options.initialFilter,
        csvQuoteAll: options.csvQuoteAll,
        csvLineEnding: options.csvLineEnding,
        csvFileName: options.csvFileName,
        rowIdShape: options.rowIdShape,
        vehicleUrl: options.vehicleUrl,
        errorDelayMs: options.errorDelayMs,
        errorBody: options.errorBody,
        errorBodyMs: options.errorBodyMs,
        renamed: options.renamed,
        capacityChange: options.capacityChange,
        loadLatency: options.loadLatency,
        overload: options.overload,
        htmlCache: options.htmlCache,
        csvBom: options.csvBom,
        pdfDelivery: options.pdfDelivery,
      },
      {
        variant: 'strict',
        pageSize: 5,
        initialFilter: { stockNumber: '1650', make: 'Ford' },
        csvQuoteAll: false,
        csvLineEnding: 'lf',
        csvFileName: 'Export.csv',
        rowIdShape: 'numeric',
        vehicleUrl: 'query',
        errorDelayMs: 20,
        errorBody: 'endless',
        errorBodyMs: 900,
        renamed: ['reportButton', 'exportCsv'],
        capacityChange: { afterPdfs: 30, pdfCapacity: 2 },
        loadLatency: { knee: 6 },
        overload: { maxQueued: 3, retryAfterSeconds: 2 },
        htmlCache: 'no-store',
        csvBom: true,
        pdfDelivery: 'attachment',
      },
    );
    const stats = (await (await fetch(`${url}/__sim/stats`)).json()) as {
      pdfCapacity: number;
      overloadRefusals: number;
    };
    assert.deepEqual([stats.pdfCapacity, stats.overloadRefusals], [4, 0]);
  });

  it('bad values of the new flags stop with exit code 2 and a message', TIME_LIMIT, async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--variant', 'loose'], /--variant must be cacheable, strict/],
      [['--rename', 'reportButton,nothing'], /unknown fact nothing/],
      [['--initial-filter', 'color=red'], /--initial-filter knows stock and make/],
      [['--capacity-change', '5'], /--capacity-change needs n:m/],
      [['--error-body', 'forever'], /--error-body must be complete, slow, endless/],
    ];
    for (const [args, message] of cases) {
      const child = spawn(process.execPath, ['sim/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      const [code] = (await once(child, 'exit')) as [number];
      assert.equal(code, 2, args.join(' '));
      assert.match(stderr, message);
    }
  });
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
