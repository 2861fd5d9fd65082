// Runs in a worker thread: samples memory and CPU time of a process tree without blocking the
// main thread, which serves the simulated portal (ps and /proc reads are synchronous).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { processPssKb, processTree } from './processes.ts';

export interface SamplerInput {
  root: number;
  intervalMs: number;
}

export interface MemorySample {
  at: number;
  pssMb: number;
  rssMb: number;
  /** PSS in MB by kind of process: node, browser, renderer, gpu-process, utility, zygote... */
  pssByKindMb: Record<string, number>;
  processesByKind: Record<string, number>;
  /**
   * CPU seconds used so far by the tree's processes (each one's last value seen, so what a
   * process used after the sample before it ended is missed), the product's node apart.
   */
  cpuS: { node: number; browser: number };
  /** CPU seconds of the whole machine so far, busy and in total (all CPUs). */
  machineCpuS: { busy: number; total: number };
  /** Browser processes in the tree now, to find leftovers once the product has ended. */
  browserPids: number[];
}

const { root, intervalMs } = workerData as SamplerInput;
const ticksPerS = clockTicks();
const cpuTicksByPid = new Map<number, number>();

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** "node" for the product, Chromium's --type=... for its helpers, "browser" for its main process. */
function kindOf(pid: number, command: string): string {
  if (pid === root) return 'node';
  if (!/chrom/i.test(command)) return command;
  try {
    // Chromium rewrites its helpers' command lines into one space-separated string.
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
    return args.find((arg) => arg.startsWith('--type='))?.slice('--type='.length) ?? 'browser';
  } catch {
    return 'browser';
  }
}

/** utime + stime of a process, in clock ticks. */
function processCpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

function machineCpuS(): MemorySample['machineCpuS'] {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = ticks;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy: busy / ticksPerS, total: (busy + idle + iowait) / ticksPerS };
}

function sample(): void {
  const at = Date.now();
  const tree = processTree(root);
  if (tree.length === 0) return;
  const pssByKindMb: Record<string, number> = {};
  const processesByKind: Record<string, number> = {};
  let pssKb = 0;
  for (const row of tree) {
    const kb = processPssKb(row.pid);
    const kind = kindOf(row.pid, row.command);
    pssKb += kb;
    pssByKindMb[kind] = (pssByKindMb[kind] ?? 0) + kb / 1024;
    processesByKind[kind] = (processesByKind[kind] ?? 0) + 1;
    const ticks = processCpuTicks(row.pid);
    if (ticks !== undefined) cpuTicksByPid.set(row.pid, ticks);
  }
  let browserTicks = 0;
  for (const [pid, ticks] of cpuTicksByPid) if (pid !== root) browserTicks += ticks;
  parentPort!.postMessage({
    at,
    pssMb: pssKb / 1024,
    rssMb: tree.reduce((sum, row) => sum + row.rssKb, 0) / 1024,
    pssByKindMb,
    processesByKind,
    cpuS: { node: (cpuTicksByPid.get(root) ?? 0) / ticksPerS, browser: browserTicks / ticksPerS },
    machineCpuS: machineCpuS(),
    browserPids: tree.filter((row) => /chrom/i.test(row.command)).map((row) => row.pid),
  } satisfies MemorySample);
}

sample();
setInterval(sample, intervalMs);
