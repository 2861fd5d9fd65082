const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;
const SAFE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * Why `name` cannot be used as a file name on Windows, macOS and Linux, or null if it can.
 * Deliberately strict: letters, digits, '-' and '_' only, so no path tricks are possible.
 */
export function unsafeFileNameReason(name: string): string | null {
  if (name.length === 0) return 'it is blank';
  if (!SAFE.test(name)) return 'only letters, digits, "-" and "_" are allowed in a file name (at most 64)';
  if (WINDOWS_RESERVED.test(name)) return 'it is a reserved device name on Windows';
  return null;
}
