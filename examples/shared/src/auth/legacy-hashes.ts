import bcrypt from 'bcryptjs';
import { verifyShaCrypt } from './sha-crypt.js';

/** The hash formats of the original FastAPI boilerplate that a migrated user row may hold. */
export type LegacyScheme = 'sha256_crypt' | 'bcrypt';

// passlib's bcrypt writes `$2b$`; older libraries `$2a$` and PHP `$2y$`: one algorithm.
const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** Which legacy scheme a stored hash is in, or `null` for any other text. */
export function legacySchemeOf(stored: string): LegacyScheme | null {
  if (stored.startsWith('$5$')) return 'sha256_crypt';
  if (BCRYPT.test(stored)) return 'bcrypt';
  return null;
}

/**
 * Verifies a password against a hash the original app stored: passlib `sha256_crypt` (its 0.5.0
 * releases) or `bcrypt` (later ones). Unknown or malformed hashes do not match.
 */
export async function verifyLegacyPassword(password: string, stored: string): Promise<boolean> {
  switch (legacySchemeOf(stored)) {
    case 'sha256_crypt':
      return verifyShaCrypt(password, stored);
    case 'bcrypt':
      return bcrypt.compare(password, stored);
    default:
      return false;
  }
}
