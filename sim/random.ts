import { createHash } from 'node:crypto';

/** A number in [0, 1) that depends only on its inputs: the same seed and key give the same draw. */
export function unit(...parts: Array<string | number>): number {
  const digest = createHash('sha1').update(parts.join('\u0000')).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/** 40 hex digits that depend only on the inputs. */
export function hexDigest(...parts: Array<string | number>): string {
  return createHash('sha1').update(parts.join('\u0000')).digest('hex');
}

/** Log-normal draw around `median`, capped at 4 x median. */
export function logNormal(median: number, sigma: number, u1: number, u2: number): number {
  if (median <= 0) return 0;
  if (sigma <= 0) return median;
  const gaussian = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  return Math.min(median * 4, median * Math.exp(sigma * gaussian));
}

/** A fast seeded generator for bulk bytes (image noise). */
export function* byteStream(seed: number): Generator<number> {
  let state = seed >>> 0 || 0x9e3779b9;
  for (;;) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    yield state & 0xff;
  }
}
