import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { legacySchemeOf, verifyLegacyPassword } from './legacy-hashes.js';

const KEY_LENGTH = 64;
// Node's defaults (N=16384, r=8, p=1): about 50 ms a hash, slow enough to make guessing costly.
const PARAMS = { N: 16384, r: 8, p: 1 };

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/**
 * Salted scrypt hash, stored with its parameters so they can be raised later.
 *
 * @example
 * const stored = await hashPassword('Str1ngst!'); // 'scrypt$16384$8$1$<salt>$<hash>'
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return [
    'scrypt',
    PARAMS.N,
    PARAMS.r,
    PARAMS.p,
    salt.toString('base64'),
    key.toString('base64'),
  ].join('$');
}

/**
 * Compares in constant time; a malformed stored hash simply does not match. Hashes migrated from
 * the original app (passlib `sha256_crypt`, `bcrypt`) are verified too: see {@link needsRehash}.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (legacySchemeOf(stored) !== null) return verifyLegacyPassword(password, stored);
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(password, Buffer.from(salt, 'base64'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * Whether a stored hash should be replaced by {@link hashPassword}'s once the password is known
 * (after a successful login): a migrated scheme, or scrypt with other parameters than today's.
 */
export function needsRehash(stored: string): boolean {
  const [scheme, n, r, p] = stored.split('$');
  return (
    scheme !== 'scrypt' ||
    Number(n) !== PARAMS.N ||
    Number(r) !== PARAMS.r ||
    Number(p) !== PARAMS.p
  );
}
