import { timingSafeEqual } from 'node:crypto';

/** Extracts the key from an `Authorization: Bearer <key>` header; null when absent or malformed. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** Accepts only the configured secret key, or any non-empty key when none is configured. */
export function isAcceptedKey(token: string | null, secretKey: string | undefined): token is string {
  if (token === null || token.length === 0) return false;
  if (secretKey === undefined || secretKey === '') return true;
  const given = Buffer.from(token);
  const expected = Buffer.from(secretKey);
  // Constant-time compare so the emulator does not teach clients to rely on timing.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
