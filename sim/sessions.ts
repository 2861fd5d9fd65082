import { randomBytes } from 'node:crypto';
import type { LicenseMode } from './options.ts';
import type { Stats } from './stats.ts';

export interface Session {
  id: string;
  user: string;
  createdAt: number;
  lastSeen: number;
  licenseDue: boolean;
}

export interface GridFilter {
  make?: string;
  stockNumber?: string;
}

export type LoginResult = { ok: true; session: Session } | { ok: false; message: string };

export interface SessionSettings {
  credentials: { username: string; password: string };
  lockoutMs: number;
  idleTimeoutMs: number;
  license: LicenseMode;
}

/**
 * One active session per user: a second login while one lives is refused and locks the user out
 * for `lockoutMs`, unless the live session logs out. Grid filters are stored per user.
 */
export class SessionStore {
  #settings: SessionSettings;
  #stats: Stats;
  #sessions = new Map<string, Session>();
  #lockedUntil = new Map<string, number>();
  #licenseAcceptedAt = new Map<string, number>();
  #filters = new Map<string, GridFilter>();

  constructor(settings: SessionSettings, stats: Stats, initialFilter: GridFilter | null) {
    this.#settings = settings;
    this.#stats = stats;
    if (initialFilter) this.#filters.set(settings.credentials.username, { ...initialFilter });
  }

  /** The live session behind a cookie value, touched; undefined when missing, expired or ended. */
  touch(id: string | undefined, now = Date.now()): Session | undefined {
    this.expireIdle(now);
    const session = id ? this.#sessions.get(id) : undefined;
    if (session) session.lastSeen = now;
    return session;
  }

  expireIdle(now = Date.now()): void {
    for (const session of this.#sessions.values()) {
      if (now - session.lastSeen > this.#settings.idleTimeoutMs) this.#end(session, 'expired');
    }
  }

  isAlive(session: Session): boolean {
    return this.#sessions.get(session.id) === session;
  }

  get aliveCount(): number {
    this.expireIdle();
    return this.#sessions.size;
  }

  login(username: string, password: string, now = Date.now()): LoginResult {
    this.expireIdle(now);
    const { credentials } = this.#settings;
    if (username !== credentials.username || password !== credentials.password) {
      this.#stats.logins.wrongCredentials += 1;
      return { ok: false, message: 'Invalid user name or password. Please try again.' };
    }
    const live = [...this.#sessions.values()].find((session) => session.user === username);
    const minutes = Math.max(1, Math.ceil(this.#settings.lockoutMs / 60_000));
    if (live) {
      this.#lockedUntil.set(username, now + this.#settings.lockoutMs);
      this.#stats.logins.refusedActiveSession += 1;
      return {
        ok: false,
        message: `There is already an active session for this user. Log out of the other session, or try again in ${minutes} minutes.`,
      };
    }
    const lockedUntil = this.#lockedUntil.get(username) ?? 0;
    if (lockedUntil > now) {
      this.#stats.logins.refusedLockedOut += 1;
      const left = Math.ceil((lockedUntil - now) / 60_000);
      return {
        ok: false,
        message: `This user is locked out after an active session conflict. Try again in ${left} minutes.`,
      };
    }
    const session: Session = {
      id: randomBytes(24).toString('hex'),
      user: username,
      createdAt: now,
      lastSeen: now,
      licenseDue: this.#licenseDueAtLogin(username, now),
    };
    this.#sessions.set(session.id, session);
    this.#stats.logins.accepted += 1;
    this.#stats.noteSessions(this.#sessions.size);
    return { ok: true, session };
  }

  #licenseDueAtLogin(user: string, now: number): boolean {
    const mode = this.#settings.license;
    const accepted = this.#licenseAcceptedAt.get(user);
    if (mode === 'never') return false;
    if (mode === 'every-login') return true;
    if (mode === 'first-login') return accepted === undefined;
    return accepted === undefined || now - accepted > mode.everyMinutes * 60_000;
  }

  /** Whether this session must see the license page before anything else. */
  licenseDue(session: Session, now = Date.now()): boolean {
    const mode = this.#settings.license;
    if (!session.licenseDue && typeof mode === 'object') {
      const accepted = this.#licenseAcceptedAt.get(session.user) ?? 0;
      if (now - accepted > mode.everyMinutes * 60_000) session.licenseDue = true;
    }
    return session.licenseDue;
  }

  acceptLicense(session: Session, now = Date.now()): void {
    session.licenseDue = false;
    this.#licenseAcceptedAt.set(session.user, now);
    this.#stats.licenseAcceptances += 1;
  }

  logout(session: Session): void {
    this.#lockedUntil.delete(session.user);
    this.#end(session, 'loggedOut');
    this.#stats.logouts += 1;
  }

  /** Ends every live session, as an idle expiry (`expired`) or a login elsewhere (`kicked`) would. */
  endAll(reason: 'expired' | 'kicked'): void {
    for (const session of [...this.#sessions.values()]) this.#end(session, reason);
  }

  requireLicenseAgain(): void {
    for (const session of this.#sessions.values()) session.licenseDue = true;
  }

  filterOf(user: string): GridFilter {
    return this.#filters.get(user) ?? {};
  }

  setFilter(user: string, filter: GridFilter): void {
    this.#filters.set(user, filter);
  }

  #end(session: Session, reason: 'expired' | 'kicked' | 'loggedOut'): void {
    if (!this.#sessions.delete(session.id)) return;
    this.#stats.sessionsEnded[reason] += 1;
  }
}
