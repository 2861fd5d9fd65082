// The other commands, end to end: status (also while a run works), validate and validate --fix, demo.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  checkPdfsOnDisk,
  generations,
  openWorkspace,
  runCli,
  runFolderOf,
  startCli,
  type Workspace,
} from '../support/harness.ts';

describe('bookout status, validate and demo', () => {
  let ws: Workspace;
  before(async () => {
    ws = await openWorkspace({ vehicles: 12, profile: 'fast' });
  });
  after(() => ws.close());

  it('status shows a run in progress from another process, then the finished run', async () => {
    const run = startCli(['run', '--progress', 'plain'], ws.env({ WORKERS: '2' }), ws.dir);
    await run.waitForOutput(/downloading \d+ vehicles/);
    while (ws.portal.stats().pdf.generations < 2) await sleep(50);
    const during = await runCli(['status'], ws.env(), ws.dir);
    assert.equal(during.code, 0, during.stdout);
    assert.match(during.stdout, /running now/);
    assert.match(during.stdout, /of 12 done/);
    assert.equal((await run.done).code, 0);
    const afterwards = await runCli(['status'], ws.env(), ws.dir);
    assert.match(afterwards.stdout, /finished/);
    assert.match(afterwards.stdout, /12 of 12 done, 0 failed/);
  });

  it('validate proves every PDF from the files; --fix queues the bad and missing ones, and the next run fetches only those', async () => {
    const folder = runFolderOf(ws.downloads);
    const pdfs = join(folder, 'pdfs');
    const [first, second, third] = ws.portal.inventory.map((vehicle) => vehicle.ref);
    copyFileSync(join(pdfs, `${second}.pdf`), join(pdfs, `${first}.pdf`)); // another vehicle's PDF under this name
    writeFileSync(join(pdfs, `${second}.pdf`), '%PDF-1.4 cut off');
    rmSync(join(pdfs, `${third}.pdf`));

    const check = await runCli(['validate'], ws.env(), ws.dir);
    assert.equal(check.code, 1, check.stdout);
    assert.match(check.stdout, /9 PDFs proven, 3 bad or missing/);
    assert.match(check.stdout, new RegExp(`${first}: the PDF belongs to Stock # ${second}`));
    assert.match(check.stdout, new RegExp(`${third}: marked done, but the file is missing`));

    const fix = await runCli(['validate', '--fix'], ws.env(), ws.dir);
    assert.equal(fix.code, 0, fix.stdout);
    assert.match(fix.stdout, /3 vehicles are queued again/);
    assert.deepEqual(
      readdirSync(join(folder, 'run_data', 'rejected')).sort(),
      [`${first}.pdf`, `${second}.pdf`].sort(),
    );

    const before = generations(ws.portal);
    const again = await runCli(['run', '--progress', 'plain'], ws.env(), ws.dir);
    assert.equal(again.code, 0, again.stdout);
    assert.match(again.stdout, /continuing the run/);
    const disk = await checkPdfsOnDisk(folder, ws.portal);
    assert.deepEqual(disk.bad, []);
    assert.equal(disk.proven.length, 12);
    const after = generations(ws.portal);
    const fetchedAgain = [...after].filter(([ref, count]) => count !== (before.get(ref) ?? 0)).map(([ref]) => ref);
    assert.deepEqual(fetchedAgain.sort(), [first, second, third].sort(), 'only the three were downloaded again');
    assert.equal((await runCli(['validate'], ws.env(), ws.dir)).code, 0);
  });

  it('status and validate name the problem when there is no run', async () => {
    const empty = join(ws.dir, 'nothing-here');
    const status = await runCli(['status', '--out', empty], ws.env(), ws.dir);
    assert.equal(status.code, 2);
    assert.match(status.stdout, /There is no run in .* yet/);
    assert.equal(existsSync(empty), false, 'looking does not create the folder');
  });

  it('demo runs the whole job against the built-in portal and reports what the portal saw', async () => {
    const out = join(ws.dir, 'demo-output');
    const demo = await runCli(
      ['demo', '--vehicles', '6', '--workers', '2', '--out', out],
      { ...(process.env.BROWSER_PATH ? { BROWSER_PATH: process.env.BROWSER_PATH } : {}) },
      ws.dir,
    );
    assert.equal(demo.code, 0, demo.stdout + demo.stderr);
    assert.match(demo.stdout, /done:\s+6/);
    assert.match(demo.stdout, /1 login, 1 logout, 0 sessions still alive, 6 PDFs generated for 6 vehicles/);
    const bad = await runCli(['demo', '--vehicles', 'lots'], {}, ws.dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stdout, /--vehicles must be a whole number/);
  });
});
