// The checks made after every fault scenario (and the soak), from outside the downloader: files on
// disk and the simulated portal's own stats. Never the downloader's report about itself.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { SimPortal } from '../../sim/index.ts';
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

export interface Check {
  name: string;
  ok: boolean;
  /** What was found, in a few words. */
  detail: string;
}

const few = (items: readonly string[]) =>
  items.length <= 5 ? items.join(', ') : `${items.slice(0, 5).join(', ')} and ${items.length - 5} more`;

function check(name: string, problems: readonly string[], okDetail: string): Check {
  return { name, ok: problems.length === 0, detail: problems.length === 0 ? okDetail : few(problems) };
}

/** Every check of the outcome of a run folder, each with what was found. */
export async function outcomeChecks(folder: string, portal: SimPortal, expect: Expectations = {}): Promise<Check[]> {
  const disk = await checkPdfsOnDisk(folder, portal);
  const failedForGood = new Set(expect.failedForGood ?? []);
  const servable = [
    ...new Set(portal.inventory.map((vehicle) => vehicle.ref).filter((ref) => !failedForGood.has(ref))),
  ];
  const proven = new Set(disk.proven);
  const failures = failureRows(folder);
  const listed = new Set(failures.map((row) => row.reference));
  const stats = portal.stats();
  let extraGenerations = 0;
  for (const [ref, count] of Object.entries(stats.pdf.byRef)) {
    if (!failedForGood.has(ref)) extraGenerations += Math.max(0, count - 1);
  }
  const allowed = expect.extraGenerationsAllowed ?? 0;
  const temp = join(folder, 'run_data', 'tmp');
  const debris = existsSync(temp) ? readdirSync(temp) : [];
  return [
    check(
      'no partial, non-PDF or wrong-vehicle file under pdfs/',
      disk.bad.map((bad) => `${bad.file}: ${bad.why}`),
      `${disk.bad.length} bad files`,
    ),
    check(
      'every vehicle the portal can serve has exactly one proven PDF',
      servable.filter((ref) => !proven.has(ref)).map((ref) => `${ref} missing`),
      `${proven.size} of ${servable.length}`,
    ),
    check(
      'vehicles that failed for good are listed with a reason',
      [
        ...[...failedForGood].filter((ref) => !listed.has(ref)).map((ref) => `${ref} not listed`),
        ...failures
          .filter((row) => !failedForGood.has(row.reference ?? ''))
          .map((row) => `${row.reference} listed: ${row.reason}`),
        ...failures.filter((row) => (row.reason ?? '').length <= 5).map((row) => `${row.reference} has no reason`),
      ],
      `${failures.length} listed`,
    ),
    check(
      'no session left alive at the end',
      stats.sessionsAlive === 0 ? [] : [`${stats.sessionsAlive} alive`],
      '0 alive',
    ),
    check(
      'never two sessions alive at once',
      stats.peakSessionsAlive <= 1 ? [] : [`peak ${stats.peakSessionsAlive}`],
      `peak ${stats.peakSessionsAlive}`,
    ),
    check(
      'no PDF generated more often than its faults explain',
      extraGenerations <= allowed ? [] : [`${extraGenerations} extra generations, ${allowed} allowed`],
      `${extraGenerations} extra (allowed ${allowed})`,
    ),
    check('no temporary debris left', debris, 'none'),
  ];
}

export async function assertOutcome(ws: Workspace, expect: Expectations = {}): Promise<void> {
  for (const result of await outcomeChecks(runFolderOf(ws.downloads), ws.portal, expect)) {
    assert.ok(result.ok, `${result.name}: ${result.detail}`);
  }
}

function failureRows(folder: string): Array<Record<string, string>> {
  const file = join(folder, 'run_data', 'failures.csv');
  return existsSync(file) ? (parse(readFileSync(file), { columns: true }) as Array<Record<string, string>>) : [];
}

/** Count of injected faults whose name matches. */
export function injected(portal: SimPortal, name: RegExp): number {
  return Object.entries(portal.stats().faultsInjected)
    .filter(([fault]) => name.test(fault))
    .reduce((sum, [, count]) => sum + count, 0);
}
