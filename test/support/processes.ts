// Process trees on Linux (tests, benchmark and soak run there): find the browser a run started,
// kill it, and measure memory of a process and all its descendants.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

interface ProcessRow {
  pid: number;
  ppid: number;
  rssKb: number;
  command: string;
}

function processTable(): ProcessRow[] {
  const text = execFileSync('ps', ['-eo', 'pid=,ppid=,rss=,comm='], { encoding: 'utf8' });
  return text
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .map(([pid, ppid, rss, ...command]) => ({
      pid: Number(pid),
      ppid: Number(ppid),
      rssKb: Number(rss),
      command: command.join(' '),
    }));
}

/** `root` and every process below it. */
export function processTree(root: number): ProcessRow[] {
  const table = processTable();
  const tree = table.filter((row) => row.pid === root);
  for (let index = 0; index < tree.length; index += 1) {
    tree.push(...table.filter((row) => row.ppid === tree[index]!.pid));
  }
  return tree;
}

/** Resident memory of `root` and its descendants, in MB. */
export function treeMemoryMb(root: number): number {
  return processTree(root).reduce((sum, row) => sum + row.rssKb, 0) / 1024;
}

/**
 * Proportional memory of `root` and its descendants, in MB: each shared page counts once, split
 * between the processes that share it (Chromium's processes share a lot, so RSS counts it many times).
 * `tree` saves a second ps call when the caller has it.
 */
export function treePssMb(root: number, tree = processTree(root)): number {
  return tree.reduce((sum, row) => sum + processPssKb(row.pid), 0) / 1024;
}

/** Proportional memory of one process in kB (Linux 4.14+), 0 once it has ended. */
export function processPssKb(pid: number): number {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** The browser's main process: the first chrom* process below `root` whose parent is not a chrom* process. */
export function browserProcess(root: number): number | undefined {
  const tree = processTree(root);
  const isChrome = (row: ProcessRow | undefined) => !!row && /chrom/i.test(row.command);
  return tree.find((row) => isChrome(row) && !isChrome(tree.find((parent) => parent.pid === row.ppid)))?.pid;
}

/** Processes whose command matches, anywhere on the machine (to look for leftovers). */
export function processesNamed(pattern: RegExp): number[] {
  return processTable()
    .filter((row) => pattern.test(row.command))
    .map((row) => row.pid);
}
