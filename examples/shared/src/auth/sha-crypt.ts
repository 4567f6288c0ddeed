import { createHash, timingSafeEqual } from 'node:crypto';

// SHA-256-crypt (`$5$`), as Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512" specifies it
// and passlib's `sha256_crypt` stores it. Only verification: the app hashes with its own scheme.

const ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DEFAULT_ROUNDS = 5000;
const MIN_ROUNDS = 1000;
const MAX_ROUNDS = 999_999_999;
const MAX_SALT = 16;
// Rounds between two turns of the event loop: a passlib hash has 535,000 of them (about a
// second), which must not stall every other request while one migrated user logs in.
const ROUNDS_PER_TURN = 10_000;

/** The byte order of the encoded digest (the spec's `b64_from_24bit` calls for SHA-256). */
const GROUPS: readonly (readonly [number, number, number])[] = [
  [0, 10, 20],
  [21, 1, 11],
  [12, 22, 2],
  [3, 13, 23],
  [24, 4, 14],
  [15, 25, 5],
  [6, 16, 26],
  [27, 7, 17],
  [18, 28, 8],
  [9, 19, 29],
];

/** A `$5$` hash taken apart; `null` when the text is not one. */
export interface ShaCryptHash {
  rounds: number;
  /** Whether the hash names its rounds (`rounds=N$`); the default 5000 otherwise. */
  explicitRounds: boolean;
  salt: string;
  checksum: string;
}

/** Parses `$5$[rounds=N$]salt$checksum`; the salt is cut to 16 characters, as the spec does. */
export function parseShaCrypt(stored: string): ShaCryptHash | null {
  const match = /^\$5\$(?:rounds=(\d{1,9})\$)?([^$]*)\$([./0-9A-Za-z]{43})$/.exec(stored);
  if (!match) return null;
  const [, rounds, salt = '', checksum = ''] = match;
  return {
    rounds:
      rounds === undefined ? DEFAULT_ROUNDS : Math.min(MAX_ROUNDS, Math.max(MIN_ROUNDS, +rounds)),
    explicitRounds: rounds !== undefined,
    salt: salt.slice(0, MAX_SALT),
    checksum,
  };
}

const sha256 = (...parts: Buffer[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** `block` repeated to `length` bytes. */
function stretch(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let at = 0; at < length; at += block.length) block.copy(out, at, 0, length - at);
  return out;
}

function encode(digest: Buffer): string {
  let out = '';
  const put = (word: number, chars: number) => {
    for (let i = 0; i < chars; i++, word >>= 6) out += ALPHABET[word & 0x3f];
  };
  for (const [a, b, c] of GROUPS) put((digest[a]! << 16) | (digest[b]! << 8) | digest[c]!, 4);
  put((digest[31]! << 8) | digest[30]!, 3);
  return out;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The 43-character checksum of `password` with this salt and these rounds. Async so that long
 * round counts yield to the event loop.
 */
export async function shaCryptChecksum(
  password: string,
  salt: string,
  rounds: number,
): Promise<string> {
  const p = Buffer.from(password, 'utf8');
  const s = Buffer.from(salt, 'utf8').subarray(0, MAX_SALT);

  const b = sha256(p, s, p);
  const a = createHash('sha256').update(p).update(s);
  a.update(stretch(b, p.length));
  for (let length = p.length; length > 0; length >>= 1) a.update(length & 1 ? b : p);
  let c = a.digest();

  const pBytes = stretch(sha256(...Array<Buffer>(p.length).fill(p)), p.length);
  const sBytes = stretch(sha256(...Array<Buffer>(16 + c[0]!).fill(s)), s.length);

  for (let round = 0; round < rounds; round++) {
    if (round > 0 && round % ROUNDS_PER_TURN === 0) await nextTurn();
    const hash = createHash('sha256');
    hash.update(round & 1 ? pBytes : c);
    if (round % 3 !== 0) hash.update(sBytes);
    if (round % 7 !== 0) hash.update(pBytes);
    hash.update(round & 1 ? c : pBytes);
    c = hash.digest();
  }
  return encode(c);
}

/**
 * Whether `password` matches a `$5$` SHA-256-crypt hash (passlib `sha256_crypt`), compared in
 * constant time. A malformed hash does not match.
 *
 * @example
 * await verifyShaCrypt('Hello world!', '$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZF9KmM3IC'); // true
 */
export async function verifyShaCrypt(password: string, stored: string): Promise<boolean> {
  const parsed = parseShaCrypt(stored);
  if (!parsed) return false;
  const actual = Buffer.from(await shaCryptChecksum(password, parsed.salt, parsed.rounds));
  const expected = Buffer.from(parsed.checksum);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
