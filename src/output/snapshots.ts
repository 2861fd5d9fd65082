import { mkdirSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What a snapshot holds: a page's cleaned HTML and, when one could be taken, its screenshot. */
export interface Snapshot {
  html: string;
  png: Buffer | null;
  /** The page's address, without its query. */
  address: string;
}

export interface SnapshotScene {
  at: number;
  reference: string;
  step: string | undefined;
  kind: string;
  reason: string;
}

export interface SnapshotLimits {
  perKind: number;
  perRun: number;
}

/** `<time>_<reference>_<step>_<kind>`: the parts of a snapshot's file name. */
const NAME = /^(\d{8}-\d{6}-\d{3})_([A-Za-z0-9-]+)_([a-z0-9-]+)_([a-z]+)(?:-\d+)?\.html$/;

/** One part of a file name: letters, digits and '-' only, at most `max` characters. */
function part(text: string, max: number): string {
  return (
    text
      .replace(/[^A-Za-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, max) || 'none'
  );
}

function stamp(at: number): string {
  const date = new Date(at);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return (
    `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-` +
    `${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}-${pad(date.getMilliseconds(), 3)}`
  );
}

/** A failure's message with what varies between vehicles (numbers, what the page showed) left out. */
function signature(kind: string, reason: string): string {
  return `${kind}:${reason
    .split(';')[0]!
    .replace(/[0-9]+/g, '#')
    .replace(/\s+/g, ' ')}`;
}

/**
 * The error snapshots of a run, in `run_data/snapshots/`: the first occurrence of each distinct
 * failure, at most `perKind` of each kind of failure and `perRun` in all (also over the run's
 * earlier invocations: the files already there count).
 */
export class SnapshotStore {
  readonly folder: string;
  #limits: SnapshotLimits;
  #byKind = new Map<string, number>();
  #total = 0;
  #seen = new Set<string>();

  constructor(folder: string, limits: SnapshotLimits) {
    this.folder = folder;
    this.#limits = limits;
    for (const file of listSnapshots(folder)) {
      const kind = NAME.exec(file)?.[4];
      if (!kind) continue;
      this.#total += 1;
      this.#byKind.set(kind, (this.#byKind.get(kind) ?? 0) + 1);
    }
  }

  /** Keeps a place for a snapshot of this failure: false when one like it was taken, or a limit is reached. */
  claim(kind: string, reason: string): boolean {
    const key = signature(kind, reason);
    const ofKind = this.#byKind.get(kind) ?? 0;
    if (this.#seen.has(key) || ofKind >= this.#limits.perKind || this.#total >= this.#limits.perRun) return false;
    this.#seen.add(key);
    this.#byKind.set(kind, ofKind + 1);
    this.#total += 1;
    return true;
  }

  /** Gives a claimed place back (the snapshot could not be taken); a later failure like it may take it. */
  unclaim(kind: string, reason: string): void {
    this.#seen.delete(signature(kind, reason));
    this.#byKind.set(kind, Math.max(0, (this.#byKind.get(kind) ?? 0) - 1));
    this.#total = Math.max(0, this.#total - 1);
  }

  /** Writes the snapshot's files; returns their names (relative to the folder). */
  async save(scene: SnapshotScene, snapshot: Snapshot): Promise<string[]> {
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
    const base = `${stamp(scene.at)}_${part(scene.reference, 24)}_${part(scene.step ?? 'none', 24).toLowerCase()}_${part(scene.kind, 12).toLowerCase()}`;
    let name = base;
    for (let n = 2; listSnapshots(this.folder).includes(`${name}.html`); n += 1) name = `${base}-${n}`;
    const header =
      `<!-- bookout: snapshot of ${escapeComment(snapshot.address)} when ${escapeComment(scene.reference)} failed ` +
      `in "${escapeComment(scene.step ?? '')}" (${escapeComment(scene.kind)}: ${escapeComment(scene.reason)}); ` +
      'scripts, field values and the session removed -->\n';
    const files = [`${name}.html`];
    await writeFile(join(this.folder, files[0]!), header + snapshot.html, { mode: 0o600 });
    if (snapshot.png) {
      files.push(`${name}.png`);
      await writeFile(join(this.folder, files[1]!), snapshot.png, { mode: 0o600 });
    }
    return files;
  }
}

function escapeComment(text: string): string {
  return text.replace(/--+/g, '-').replace(/[<>]/g, '');
}

/** The snapshot files of a run (HTML and PNG), oldest first; none when there is no folder. */
export function listSnapshots(folder: string): string[] {
  try {
    return readdirSync(folder)
      .filter((file) => /\.(html|png)$/.test(file))
      .sort();
  } catch {
    return [];
  }
}
