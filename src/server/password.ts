// Password hashes: scrypt from node:crypto, with its parameters and salt stored in the hash text so that they can
// be raised later without invalidating accounts; comparison in constant time.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { HaystackError } from '../core/errors.js';

/**
 * scrypt cost: N = 2^15, r = 8, p = 1 (32 MiB and ~50-100 ms a hash here), OWASP's minimum recommendation for
 * scrypt being N = 2^17 with r = 8 at p = 1 or N = 2^15 with more work elsewhere; login throttling (throttle.ts)
 * bounds online guessing, and this bounds offline guessing of a stolen users file.
 */
const N = 1 << 15;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** scrypt needs 128·N·r bytes; Node's default maxmem (32 MiB) is exactly that and refuses, so leave headroom */
const MAXMEM = 128 * N * R * 2;
/** The most memory a stored hash's parameters may ask of one verification (a tampered file cannot exhaust RAM). */
const MAX_SCRYPT_BYTES = 256 << 20;
/** A password longer than this is refused: scrypt's cost does not depend on it, but nobody types 1 KiB. */
export const MAX_PASSWORD_BYTES = 1024;
export const MIN_PASSWORD_CHARS = 10;

function derive(password: string, salt: Buffer, o: { N: number; r: number; p: number }): Promise<Buffer> {
  const opts: ScryptOptions = { N: o.N, r: o.r, p: o.p, maxmem: Math.max(MAXMEM, 128 * o.N * o.r * 2) };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, opts, (err, key) => (err !== null ? reject(err) : resolve(key)));
  });
}

/** Refuses a password that is too short or too long (the user is told which). */
export function checkNewPassword(password: string): void {
  if ([...password].length < MIN_PASSWORD_CHARS) {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `the password must have at least ${MIN_PASSWORD_CHARS} characters`);
  }
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `the password must be at most ${MAX_PASSWORD_BYTES} bytes`);
  }
}

/** `scrypt$N$r$p$salt$key` (base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, { N, r: R, p: P });
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** A hash of a random password: verifying against it costs what a real one does (no timing oracle for names). */
let dummy: Promise<string> | null = null;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(24).toString('base64url'));
  return dummy;
}

/** Whether `password` matches `stored`; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) return false;
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (m === null) return false;
  const [n, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // parameters from the file are bounded: a tampered hash cannot make a login allocate gigabytes
  if (!(n >= 1024 && (n & (n - 1)) === 0 && r >= 1 && p >= 1 && p <= 16 && 128 * n * r <= MAX_SCRYPT_BYTES)) return false;
  const want = Buffer.from(m[5]!, 'base64url');
  if (want.length !== KEY_BYTES) return false;
  const got = await derive(password, Buffer.from(m[4]!, 'base64url'), { N: n, r, p });
  return timingSafeEqual(got, want);
}
