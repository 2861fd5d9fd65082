import { type ChildProcess, spawn } from 'node:child_process';

/** A helper process that keeps the computer from sleeping while it lives. */
export interface AwakePlan {
  command: string;
  args: string[];
  /** In its own process group (POSIX): a Ctrl-C in the terminal does not end it before bookout is done. */
  detached: boolean;
}

const WHY = 'bookout is downloading bookout PDFs';
/** ES_CONTINUOUS | ES_SYSTEM_REQUIRED: no sleep while the calling thread lives; the screen may turn off. */
const ES_CONTINUOUS_SYSTEM_REQUIRED = 0x80000001;

/** A shell loop that ends when process `pid` is gone (also after kill -9), checked every 5 s. */
export function whilePidLives(pid: number): string[] {
  return ['sh', '-c', `while kill -0 ${pid} 2>/dev/null; do sleep 5; done`];
}

/** The helper for this system, ending by itself when process `pid` ends; undefined where there is none. */
export function keepAwakePlan(platform: NodeJS.Platform, pid: number): AwakePlan | undefined {
  if (platform === 'win32') {
    const script = [
      "$ErrorActionPreference = 'Stop'",
      'Add-Type -Namespace Bookout -Name Power -MemberDefinition \'[DllImport("kernel32.dll")] public static extern uint SetThreadExecutionState(uint flags);\'',
      `if ([Bookout.Power]::SetThreadExecutionState([uint32]${ES_CONTINUOUS_SYSTEM_REQUIRED}) -eq 0) { exit 3 }`,
      `try { Wait-Process -Id ${pid} } catch { }`,
    ].join('\n');
    const encoded = Buffer.from(script, 'utf16le').toString('base64');
    return {
      command: 'powershell.exe',
      args: ['-NoProfile', '-NonInteractive', '-EncodedCommand', encoded],
      detached: false,
    };
  }
  if (platform === 'darwin') return { command: 'caffeinate', args: ['-i', '-w', String(pid)], detached: true };
  if (platform === 'linux') {
    const inhibit = ['--what=idle:sleep', '--who=bookout', `--why=${WHY}`, '--mode=block'];
    return { command: 'systemd-inhibit', args: [...inhibit, ...whilePidLives(pid)], detached: true };
  }
  return undefined;
}

/**
 * Runs an AwakePlan's helper while a run works. It cannot keep the computer awake (not installed,
 * refused): `onProblem` says why, once, and the run goes on.
 */
export class KeepAwake {
  readonly plan: AwakePlan;
  #child: ChildProcess;
  #stopping = false;
  #exited: Promise<void>;

  constructor(plan: AwakePlan, onProblem: (text: string) => void) {
    this.plan = plan;
    const child = spawn(plan.command, plan.args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: plan.detached,
      windowsHide: true,
    });
    this.#child = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString('utf8');
    });
    const why = `could not keep the computer awake: ${plan.command}`;
    child.on('error', (error: NodeJS.ErrnoException) => {
      onProblem(error.code === 'ENOENT' ? `${why} is not installed` : `${why} did not start (${error.message})`);
    });
    this.#exited = new Promise((resolve) =>
      child.on('close', (code, signal) => {
        const said = stderr.trim().split('\n')[0];
        if (!this.#stopping && child.pid !== undefined)
          onProblem(`${why} ended (${signal ?? `exit code ${code}`}${said ? `: ${said}` : ''})`);
        resolve();
      }),
    );
    // Neither the helper nor its pipe keeps bookout running.
    child.unref();
    (child.stderr as { unref?: () => void } | null)?.unref?.();
  }

  /** The helper's process id, once started. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Ends the helper (its whole process group on POSIX) and waits for it, at most `withinMs`. */
  async stop(withinMs = 2000): Promise<void> {
    this.#stopping = true;
    const child = this.#child;
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      if (this.plan.detached && process.platform !== 'win32') process.kill(-child.pid, 'SIGTERM');
      else child.kill();
    } catch {
      // already gone
    }
    child.ref(); // bookout waits for its end (and reaps it) unless that takes longer than withinMs
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#exited, new Promise((resolve) => (timer = setTimeout(resolve, withinMs)))]);
    clearTimeout(timer);
    child.unref();
  }
}
