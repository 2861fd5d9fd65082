import { setTimeout as sleep } from 'node:timers/promises';
import { TaskFailure } from './failure.ts';

/** `work`'s result, or a transient failure naming `what` after `ms`. The work itself goes on. */
export async function withTimeout<V>(work: Promise<V>, ms: number, what: string): Promise<V> {
  const timer = new AbortController();
  const timeout = sleep(ms, undefined, { signal: timer.signal }).then(() => {
    throw new TaskFailure('transient', `${what} took longer than ${Math.round(ms / 1000)} s`);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    timer.abort();
    timeout.catch(() => undefined);
  }
}

/** Waits for `work` to settle, but at most `ms`. True when it settled in time. */
export async function settleWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  const settled = await Promise.race([
    work.then(
      () => true,
      () => true,
    ),
    sleep(ms, false, { signal: timer.signal }).catch(() => false),
  ]);
  timer.abort();
  return settled;
}

/** `work`, or a rejection with the signal's reason as soon as `signal` aborts (the work itself goes on). */
export function raceAbort<V>(work: Promise<V>, signal: AbortSignal): Promise<V> {
  return new Promise<V>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Sleeps `ms`; ends early (without error) when `signal` aborts. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return;
  await sleep(ms, undefined, { signal }).catch(() => undefined);
}
