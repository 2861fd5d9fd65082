import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Cookie } from 'playwright-core';

const VERSION = 2;

/**
 * Session cookies, encrypted (AES-256-GCM) with a random key that is kept elsewhere (see
 * SessionKey), and bound to their account (`account` is authenticated data): useless to anyone who
 * can read the sealed file but not the key, and never to be opened as another account's session.
 */
export function sealCookies(cookies: readonly Cookie[], key: Buffer, account: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(account, 'utf8'));
  const body = Buffer.concat([cipher.update(JSON.stringify(cookies), 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
}

/** The cookies, or null when the blob was sealed with another key or account, or is damaged. */
export function unsealCookies(sealed: Uint8Array, key: Buffer, account: string): Cookie[] | null {
  try {
    const data = Buffer.from(sealed);
    if (data[0] !== VERSION) return null;
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(1, 13));
    decipher.setAAD(Buffer.from(account, 'utf8'));
    decipher.setAuthTag(data.subarray(13, 29));
    const text = Buffer.concat([decipher.update(data.subarray(29)), decipher.final()]).toString('utf8');
    return JSON.parse(text) as Cookie[];
  } catch {
    return null;
  }
}
