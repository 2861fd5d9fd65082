import { DatabaseSync } from 'node:sqlite';

const SQLITE_BUSY = 5;

/**
 * One bookout process at a time per run folder. The lock is an exclusive SQLite lock on a small
 * file next to the ledger: the operating system drops it when the process ends in any way (kill -9
 * and power cuts included), so a crashed run never leaves a stale lock that blocks the next one.
 */
export class RunLock {
  #db: DatabaseSync;

  private constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Takes the lock, or returns null when another process holds it. */
  static acquire(path: string): RunLock | null {
    const db = new DatabaseSync(path, { timeout: 0 });
    try {
      db.exec('PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE');
      return new RunLock(db);
    } catch (error) {
      db.close();
      if ((error as { errcode?: number }).errcode === SQLITE_BUSY) return null;
      throw error;
    }
  }

  /** True while some process holds the lock (a run is working on the folder). */
  static isHeld(path: string): boolean {
    const lock = RunLock.acquire(path);
    lock?.release();
    return lock === null;
  }

  release(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
