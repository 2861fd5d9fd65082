// A portal whose capacity changes during a run: fewer (or more) PDF slots after some PDFs, answer
// times that grow with the load, and refusals when too many PDF requests wait. Checked over HTTP.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { startPortal, type PortalOptions, type SimPortal } from '../../sim/index.ts';
import { HttpSession, INVENTORY } from './http-session.ts';

const TIME_LIMIT = { timeout: 30_000 };

async function start(t: TestContext, options: Partial<PortalOptions>): Promise<SimPortal> {
  const portal = await startPortal({ vehicles: 12, ...options });
  t.after(() => portal.stop());
  return portal;
}

async function signedIn(portal: SimPortal): Promise<HttpSession> {
  const client = new HttpSession(portal);
  assert.ok((await client.login()).ok);
  return client;
}

/** Report paths of `count` vehicles from `from` on, opened one by one. */
async function reportPaths(client: HttpSession, portal: SimPortal, from: number, count: number): Promise<string[]> {
  const paths: string[] = [];
  for (const vehicle of portal.inventory.slice(from, from + count)) paths.push(await client.reportPath(vehicle.ref));
  return paths;
}

describe('simulated portal: capacity that changes during a run', () => {
  it('capacityChange: once n PDFs were served, only m are generated at once', TIME_LIMIT, async (t) => {
    const portal = await start(t, {
      profile: 'fast',
      pdfCapacity: 3,
      capacityChange: { afterPdfs: 3, pdfCapacity: 1 },
    });
    const client = await signedIn(portal);
    assert.equal(portal.stats().pdfCapacity, 3);
    const before = await Promise.all((await reportPaths(client, portal, 0, 3)).map((path) => client.fetchPdf(path)));
    assert.ok(before.every((answer) => answer.status === 200));
    let stats = portal.stats();
    assert.equal(stats.pdf.peakConcurrent, 3, 'three at once before the change');
    assert.equal(stats.pdfCapacity, 1);
    assert.equal(stats.faultsInjected.capacityChange, 1);

    portal.resetStats();
    const after = await Promise.all((await reportPaths(client, portal, 3, 4)).map((path) => client.fetchPdf(path)));
    assert.ok(after.every((answer) => answer.status === 200));
    stats = portal.stats();
    assert.equal(stats.pdf.peakConcurrent, 1, 'one at once after it');
    assert.ok(stats.pdf.queuedPeak >= 2, `queued ${stats.pdf.queuedPeak}`);
    assert.equal(stats.pdfCapacity, 1, 'the capacity survives a reset of the counters');
  });

  it('capacityChange can also raise the capacity: the waiting requests start at once', TIME_LIMIT, async (t) => {
    const portal = await start(t, {
      profile: 'fast',
      pdfCapacity: 1,
      capacityChange: { afterPdfs: 1, pdfCapacity: 4 },
    });
    const client = await signedIn(portal);
    const answers = await Promise.all((await reportPaths(client, portal, 0, 6)).map((path) => client.fetchPdf(path)));
    assert.ok(answers.every((answer) => answer.status === 200));
    const stats = portal.stats();
    assert.equal(stats.pdfCapacity, 4);
    assert.ok(stats.pdf.peakConcurrent >= 3, `peak ${stats.pdf.peakConcurrent}`);
  });

  it(
    'loadLatency: above the knee every delay is multiplied by in-flight / knee; at or below, unchanged',
    TIME_LIMIT,
    async (t) => {
      // Hung dialog requests hold requests in flight: with 4 of them, an inventory request makes 5.
      const options: Partial<PortalOptions> = {
        profile: 'fast',
        seed: 3,
        faults: { hang: { rate: 1, steps: ['report'] } },
      };
      const loaded = await start(t, { ...options, loadLatency: { knee: 2 } });
      const reference = await start(t, options);
      const delays: number[] = [];
      for (const portal of [loaded, reference]) {
        const client = await signedIn(portal);
        const holding = new AbortController();
        const held = Array.from({ length: 4 }, () =>
          client
            .request('/ValuesOnline/Reports/Dialog', { method: 'POST', body: '{}', signal: holding.signal })
            .catch(() => null),
        );
        await waitFor(() => portal.stats().requests.byRoute.report === 4);
        portal.resetStats();
        for (let request = 0; request < 3; request += 1) await (await client.request(INVENTORY)).arrayBuffer();
        delays.push(portal.stats().serverTimeMs.byStep.inventory!);
        holding.abort();
        await Promise.all(held);
      }
      const [stretched, plain] = delays as [number, number];
      assert.ok(plain > 0);
      assert.ok(Math.abs(stretched - plain * 2.5) <= 3, `stretched ${stretched} ms vs ${plain} ms x 2.5`);

      // One request at a time stays under the knee: the same delays as without it.
      const quiet = await start(t, { profile: 'fast', seed: 3, loadLatency: { knee: 2 } });
      const quietReference = await start(t, { profile: 'fast', seed: 3 });
      const quietDelays: number[] = [];
      for (const portal of [quiet, quietReference]) {
        const client = await signedIn(portal);
        for (let request = 0; request < 3; request += 1) await (await client.request(INVENTORY)).arrayBuffer();
        quietDelays.push(portal.stats().serverTimeMs.byStep.inventory!);
      }
      assert.equal(quietDelays[0], quietDelays[1]);
    },
  );

  it('overload: with maxQueued PDF requests waiting, a new one answers 503 with Retry-After', TIME_LIMIT, async (t) => {
    const portal = await start(t, {
      profile: 'fast',
      timeScale: 4,
      pdfCapacity: 1,
      overload: { maxQueued: 1, retryAfterSeconds: 3 },
    });
    const client = await signedIn(portal);
    const paths = await reportPaths(client, portal, 0, 4);
    const answers = await Promise.all(paths.map((path) => client.fetchPdf(path)));
    const statuses = answers.map((answer) => answer.status).sort();
    assert.deepEqual(statuses, [200, 200, 503, 503]);
    for (const refused of answers.filter((answer) => answer.status === 503)) {
      assert.equal(refused.headers.get('retry-after'), '3');
      assert.match(refused.bytes.toString(), /Service Unavailable/);
    }
    const stats = portal.stats();
    assert.equal(stats.overloadRefusals, 2);
    assert.equal(stats.faultsInjected.overload, 2);
    assert.equal(stats.pdf.generations, 2);
    const again = await client.fetchPdf(paths[answers.findIndex((answer) => answer.status === 503)]!);
    assert.equal(again.status, 200, 'a retry once the line is short is served');
  });

  it('overload with maxQueued 0: no PDF request waits; the default Retry-After is 2 s', TIME_LIMIT, async (t) => {
    const portal = await start(t, { profile: 'fast', timeScale: 4, pdfCapacity: 2, overload: { maxQueued: 0 } });
    const client = await signedIn(portal);
    const answers = await Promise.all((await reportPaths(client, portal, 0, 3)).map((path) => client.fetchPdf(path)));
    assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 200, 503]);
    assert.equal(answers.find((answer) => answer.status === 503)!.headers.get('retry-after'), '2');
    assert.equal(portal.stats().pdf.queuedPeak, 0);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
