import { resolve } from 'node:path';
import { KeychainUnavailable, passwordAccount, savedPassword, type Keychain } from '../config/keychain.ts';
import { SETTINGS, type Settings } from '../config/settings.ts';
import { UserError } from '../errors.ts';
import { runBookout, type RunRequest } from '../job/run-bookout.ts';
import type { RunEnd } from '../job/run-observer.ts';
import type { ConsoleOutput } from '../ui/console.ts';
import { notifyDesktop } from '../ui/notify.ts';
import { RunMonitor, type FormView } from './monitor.ts';
import type { WebApp } from './server.ts';

type Refusal = { ok: false; status: number; message: string };

/** The form's fields as the page sends them. */
interface Fields {
  user?: unknown;
  password?: unknown;
  remember?: unknown;
  folder?: unknown;
  maxDownloads?: unknown;
  workers?: unknown;
  headless?: unknown;
}

const asText = (value: unknown) => (typeof value === 'string' ? value : '');

/** The form's defaults: the settings (environment, .env), shown without any credential. */
export function formOf(settings: Settings, workers = ''): FormView {
  return {
    folder: resolve(settings.downloadFolder),
    maxDownloads: settings.maxDownloads === undefined ? '' : String(settings.maxDownloads),
    workers,
    autoWorkers: settings.workers,
    headless: settings.headless,
    userFromSettings: settings.username !== undefined,
    passwordFromSettings: settings.password !== undefined,
  };
}

/** The end of a run as one line for a desktop notification. */
export function endNotice(end: RunEnd): string {
  const m = end.metrics;
  const what = end.status === 'finished' ? 'finished' : end.status === 'failed' ? 'stopped by a problem' : 'stopped';
  if (!m) return `bookout ${what}: ${end.message ?? 'before the inventory was read'}`;
  return `Run ${end.paths.name} ${what}: ${m.succeeded} done, ${m.failed} failed, ${m.remaining} left.`;
}

export interface ControlDeps {
  /** The settings read when `bookout ui` started (no credential required): the form's defaults. */
  defaults: Settings;
  portalKind: RunRequest['portalKind'];
  output: ConsoleOutput;
  keychain: Keychain;
  /** Aborted by Ctrl-C in the terminal: the run stops as if Stop was pressed. */
  stopSignal: AbortSignal;
  /** Registers what to do when the user quits at once (a second Ctrl-C). */
  onQuit: (last: () => Promise<void>) => void;
}

/**
 * `bookout ui`: runs started and stopped from the page, one at a time, in this process. Stop is the
 * run's stop signal, as the first Ctrl-C: the tabs stop, the state is saved, the session logged out.
 */
export class RunControl implements WebApp {
  readonly monitor: RunMonitor;
  #deps: ControlDeps;
  #running: Promise<void> | undefined;
  #stop: AbortController | undefined;
  #quit: (() => Promise<void>) | undefined;

  constructor(deps: ControlDeps) {
    this.#deps = deps;
    this.monitor = new RunMonitor('control', formOf(deps.defaults));
    deps.onQuit(() => this.#quit?.() ?? Promise.resolve());
  }

  state() {
    return this.monitor.state();
  }

  reportPath(): string | undefined {
    return this.monitor.reportPath;
  }

  /** Resolves when no run is working. */
  async idle(): Promise<void> {
    await this.#running;
  }

  get busy(): boolean {
    return this.#running !== undefined;
  }

  async start(raw: unknown): Promise<{ ok: true } | Refusal> {
    if (this.#running) return { ok: false, status: 409, message: 'A run is already working; stop it first.' };
    if (this.#deps.stopSignal.aborted) return { ok: false, status: 409, message: 'bookout is shutting down.' };
    const fields = (typeof raw === 'object' && raw !== null ? raw : {}) as Fields;
    let settings: Settings;
    try {
      settings = await this.#settingsFrom(fields);
    } catch (error) {
      if (error instanceof UserError) return { ok: false, status: 400, message: error.message };
      throw error;
    }
    const typed = asText(fields.password);
    const remember = fields.remember === true && typed !== '';
    this.#stop = new AbortController();
    this.monitor.begin(formOf(settings, asText(fields.workers).trim()), {
      signedIn: remember ? (withPassword) => void this.#remember(settings, withPassword) : undefined,
      finished: (end) => void notifyDesktop('bookout', endNotice(end)),
    });
    this.#running = this.#run(settings).finally(() => {
      this.#running = undefined;
      this.#quit = undefined;
    });
    return { ok: true };
  }

  stop(): { ok: true } | Refusal {
    if (!this.#running || !this.#stop) return { ok: false, status: 409, message: 'No run is working.' };
    if (!this.#stop.signal.aborted) {
      this.#deps.output.line('Stopping cleanly (asked on the web page): saving state, logging out.');
      this.#stop.abort();
      this.monitor.stopping();
    }
    return { ok: true };
  }

  async #run(settings: Settings): Promise<void> {
    const stop = AbortSignal.any([this.#stop!.signal, this.#deps.stopSignal]);
    stop.addEventListener('abort', () => this.monitor.stopping(), { once: true });
    try {
      await runBookout({
        settings,
        portalKind: this.#deps.portalKind,
        output: this.#deps.output,
        progress: 'plain',
        stopSignal: stop,
        onQuit: (last) => {
          this.#quit = last;
        },
        observer: this.monitor,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#deps.output.line(`bookout: ${message}`);
      this.monitor.failed(this.#deps.output.clean(message));
    }
  }

  /** The run's settings: the defaults with the form's fields on top, each checked as its setting is. */
  async #settingsFrom(fields: Fields): Promise<Settings> {
    const defaults = this.#deps.defaults;
    const problems: string[] = [];
    const parse = <K extends keyof Settings>(key: K, raw: string, label: string, fallback: Settings[K]) => {
      if (raw.trim() === '') return fallback;
      try {
        return SETTINGS[key].parse(raw, label) as Settings[K];
      } catch (error) {
        problems.push((error as Error).message);
        return fallback;
      }
    };
    const username = parse('username', asText(fields.user), 'User', defaults.username);
    if (username === undefined) problems.push('User: type the portal user name (or set JD_USER in the settings)');
    const workersText = asText(fields.workers);
    const settings: Settings = {
      ...defaults,
      username,
      downloadFolder: parse('downloadFolder', asText(fields.folder), 'Folder', defaults.downloadFolder),
      maxDownloads: parse('maxDownloads', asText(fields.maxDownloads), 'Max downloads', undefined),
      workers: parse('workers', workersText, 'Workers', defaults.workers),
      headless: typeof fields.headless === 'boolean' ? fields.headless : defaults.headless,
    };
    if (problems.length > 0) throw new UserError(problems.join('; '));
    settings.password = await this.#password(asText(fields.password), settings);
    return settings;
  }

  /** The password typed, else the one saved in the keychain, else JD_PASS (for the settings' own user only). */
  async #password(typed: string, settings: Settings): Promise<string> {
    if (typed !== '') return typed;
    const saved = await savedPassword(this.#deps.keychain, settings.portalUrl, settings.username);
    if (saved) return saved;
    const defaults = this.#deps.defaults;
    if (defaults.password !== undefined && settings.username === defaults.username) return defaults.password;
    throw new UserError(
      'Password: type it (no password is saved in the OS keychain for this user, and JD_PASS is not set for it).',
    );
  }

  /** After the portal accepted the password typed: keep it in the keychain, as the user asked. */
  async #remember(settings: Settings, withPassword: boolean): Promise<void> {
    if (!withPassword) {
      const why = 'the session of an earlier run was still open, so the portal did not check the password';
      return this.monitor.say('warn', `the password was not saved in the OS keychain: ${why}`);
    }
    try {
      await this.#deps.keychain.set(passwordAccount(settings.portalUrl, settings.username), settings.password);
      this.monitor.say('info', 'the password is saved in the OS keychain (bookout forget-password removes it)');
    } catch (error) {
      const why = error instanceof KeychainUnavailable ? error.message : 'unknown problem';
      this.monitor.say(
        'warn',
        `the password could not be saved in the OS keychain (${why}); it was used for this run only`,
      );
    }
  }
}
