// The checks made after every fault scenario, from outside the downloader: files on disk and the
// simulated portal's own stats. Never the downloader's report about itself.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { checkPdfsOnDisk, runFolderOf, type Workspace } from './harness.ts';

export interface Expectations {
  /** Vehicles the portal cannot serve: they must be listed as failed with a reason, not have a PDF. */
  failedForGood?: string[];
  /**
   * Extra PDF generations allowed beyond one per vehicle: each injected fault that ruins a PDF
   * answer costs one more generation; a kill may cost one per vehicle in flight.
   */
  extraGenerationsAllowed?: number;
}

export interface OutcomeSummary {
  proven: number;
  failed: string[];
  extraGenerations: number;
}

export async function assertOutcome(ws: Workspace, expect: Expectations = {}): Promise<OutcomeSummary> {
  const folder = runFolderOf(ws.downloads);
  const disk = await checkPdfsOnDisk(folder, ws.portal);
  assert.deepEqual(disk.bad, [], 'no partial, non-PDF or wrong-vehicle file under pdfs/');

  const failedForGood = new Set(expect.failedForGood ?? []);
  const servable = ws.portal.inventory.map((vehicle) => vehicle.ref).filter((ref) => !failedForGood.has(ref));
  assert.deepEqual([...disk.proven].sort(), [...new Set(servable)].sort(), 'every vehicle the portal can serve has exactly one proven PDF');

  const failuresFile = join(folder, 'run_data', 'failures.csv');
  const failures = existsSync(failuresFile) ? (parse(readFileSync(failuresFile), { columns: true }) as Array<Record<string, string>>) : [];
  assert.deepEqual(failures.map((row) => row.reference).sort(), [...failedForGood].sort(), 'vehicles that failed for good are listed');
  for (const row of failures) assert.ok((row.reason ?? '').length > 5, `a reason is given for ${row.reference}`);

  const stats = ws.portal.stats();
  assert.equal(stats.sessionsAlive, 0, 'no session left alive at the end');
  assert.ok(stats.peakSessionsAlive <= 1, 'never two sessions alive at once');
  let extraGenerations = 0;
  for (const [ref, count] of Object.entries(stats.pdf.byRef)) {
    if (!failedForGood.has(ref)) extraGenerations += Math.max(0, count - 1);
  }
  assert.ok(extraGenerations <= (expect.extraGenerationsAllowed ?? 0), `extra PDF generations: ${extraGenerations} > allowed ${expect.extraGenerationsAllowed ?? 0}`);

  const temp = join(folder, 'run_data', 'tmp');
  assert.deepEqual(existsSync(temp) ? readdirSync(temp) : [], [], 'no temporary debris left');
  return { proven: disk.proven.length, failed: [...failedForGood], extraGenerations };
}

/** Count of injected faults whose name matches. */
export function injected(ws: Workspace, name: RegExp): number {
  return Object.entries(ws.portal.stats().faultsInjected)
    .filter(([fault]) => name.test(fault))
    .reduce((sum, [, count]) => sum + count, 0);
}
