/** What the portal saw: tests and benchmarks judge the downloader from here. */
export interface SimStats {
  logins: { accepted: number; refusedActiveSession: number; refusedLockedOut: number; wrongCredentials: number };
  logouts: number;
  sessionsAlive: number;
  peakSessionsAlive: number;
  sessionsEnded: { expired: number; kicked: number; loggedOut: number };
  requests: { total: number; byRoute: Record<string, number>; byStatus: Record<string, number> };
  peakConcurrentRequests: number;
  pdf: { generations: number; byRef: Record<string, number>; peakConcurrent: number; queuedPeak: number };
  csvExports: number;
  faultsInjected: Record<string, number>;
  /** Deliberate server delays (PDF generation included), excluding time spent waiting for a PDF slot. */
  serverTimeMs: { total: number; byStep: Record<string, number>; byRef: Record<string, number> };
  licenseAcceptances: number;
  /** PDFs the portal generates at once now (it may change during a run: capacityChange). */
  pdfCapacity: number;
  /** PDF requests refused with 503 because too many were waiting (overload). */
  overloadRefusals: number;
}

const bump = (record: Record<string, number>, key: string, by = 1) => {
  record[key] = (record[key] ?? 0) + by;
};

export class Stats implements Omit<SimStats, 'sessionsAlive'> {
  logins = { accepted: 0, refusedActiveSession: 0, refusedLockedOut: 0, wrongCredentials: 0 };
  logouts = 0;
  peakSessionsAlive = 0;
  sessionsEnded = { expired: 0, kicked: 0, loggedOut: 0 };
  requests = { total: 0, byRoute: {} as Record<string, number>, byStatus: {} as Record<string, number> };
  peakConcurrentRequests = 0;
  pdf = { generations: 0, byRef: {} as Record<string, number>, peakConcurrent: 0, queuedPeak: 0 };
  csvExports = 0;
  faultsInjected: Record<string, number> = {};
  serverTimeMs = { total: 0, byStep: {} as Record<string, number>, byRef: {} as Record<string, number> };
  licenseAcceptances = 0;
  pdfCapacity: number;
  overloadRefusals = 0;
  #inFlight = 0;

  constructor(pdfCapacity = 0) {
    this.pdfCapacity = pdfCapacity;
  }

  /** Requests answered by nobody yet (hung ones included). */
  get inFlight(): number {
    return this.#inFlight;
  }

  requestStarted(route: string): void {
    this.requests.total += 1;
    bump(this.requests.byRoute, route);
    this.#inFlight += 1;
    this.peakConcurrentRequests = Math.max(this.peakConcurrentRequests, this.#inFlight);
  }

  requestEnded(status: number | 'hung'): void {
    this.#inFlight -= 1;
    bump(this.requests.byStatus, String(status));
  }

  fault(name: string): void {
    bump(this.faultsInjected, name);
  }

  serverTime(step: string, ms: number, ref?: string): void {
    this.serverTimeMs.total += ms;
    bump(this.serverTimeMs.byStep, step, ms);
    if (ref) bump(this.serverTimeMs.byRef, ref, ms);
  }

  pdfGenerated(ref: string): void {
    this.pdf.generations += 1;
    bump(this.pdf.byRef, ref);
  }

  noteSessions(alive: number): void {
    this.peakSessionsAlive = Math.max(this.peakSessionsAlive, alive);
  }

  /** Zero every counter; peaks restart from what is current. */
  reset(aliveNow: number): void {
    const fresh = new Stats();
    const inFlight = this.#inFlight;
    Object.assign(this, {
      logins: fresh.logins,
      logouts: 0,
      peakSessionsAlive: aliveNow,
      sessionsEnded: fresh.sessionsEnded,
      requests: fresh.requests,
      peakConcurrentRequests: inFlight,
      pdf: fresh.pdf,
      csvExports: 0,
      faultsInjected: {},
      serverTimeMs: fresh.serverTimeMs,
      licenseAcceptances: 0,
      overloadRefusals: 0,
    });
  }

  snapshot(sessionsAlive: number): SimStats {
    return structuredClone({
      logins: this.logins,
      logouts: this.logouts,
      sessionsAlive,
      peakSessionsAlive: this.peakSessionsAlive,
      sessionsEnded: this.sessionsEnded,
      requests: this.requests,
      peakConcurrentRequests: this.peakConcurrentRequests,
      pdf: this.pdf,
      csvExports: this.csvExports,
      faultsInjected: this.faultsInjected,
      serverTimeMs: this.serverTimeMs,
      licenseAcceptances: this.licenseAcceptances,
      pdfCapacity: this.pdfCapacity,
      overloadRefusals: this.overloadRefusals,
    });
  }
}
