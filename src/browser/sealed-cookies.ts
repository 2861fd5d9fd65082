import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import type { Cookie } from 'playwright-core';

/**
 * Session cookies, encrypted (AES-256-GCM) with a key derived from the credentials, so they can
 * be kept on disk for a crashed run to take its session back, yet are useless to anyone who
 * does not already know the password. The credentials themselves are never stored.
 */
export function sealCookies(cookies: readonly Cookie[], secret: string): Uint8Array {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', scryptSync(secret, salt, 32), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(cookies), 'utf8'), cipher.final()]);
  return Buffer.concat([salt, iv, cipher.getAuthTag(), body]);
}

/** The cookies, or null when the blob was sealed with other credentials or is damaged. */
export function unsealCookies(sealed: Uint8Array, secret: string): Cookie[] | null {
  try {
    const data = Buffer.from(sealed);
    const decipher = createDecipheriv(
      'aes-256-gcm',
      scryptSync(secret, data.subarray(0, 16), 32),
      data.subarray(16, 28),
    );
    decipher.setAuthTag(data.subarray(28, 44));
    const text = Buffer.concat([decipher.update(data.subarray(44)), decipher.final()]).toString('utf8');
    return JSON.parse(text) as Cookie[];
  } catch {
    return null;
  }
}
