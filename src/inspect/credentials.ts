// Credentials sent in clear: HTTP Authorization headers read and redacted, and the finding that says a login
// crossed the wire readable (HTTP Basic, SMTP AUTH PLAIN/LOGIN, FTP USER/PASS, POP3, IMAP LOGIN). The secret
// itself is never kept: only the scheme and the user name, which records already hold.
import { base64Bytes } from '../core/base64.js';
import { latin1 } from '../core/latin1.js';
import type { Confidence } from './types.js';

/** Header names that carry credentials (RFC 9110 §11.6.2, §11.7.2). */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization']);

/** A user name longer than this is not one (a Basic payload that is not user:password): it is not shown. */
export const MAX_USER_CHARS = 256;

export interface HttpCredential {
  /** the scheme as sent, lower case: basic, bearer, digest, ntlm, negotiate, ... */
  readonly scheme: string;
  /** the user name of Basic (before the first colon) and Digest (its username parameter); null otherwise */
  readonly user: string | null;
  /** the password or token travels readable (Basic, and any bearer token on plain HTTP) */
  readonly clear: boolean;
}

function base64Text(s: string): string | null {
  const b = s === '' ? null : base64Bytes(s);
  return b === null ? null : latin1(b);
}

/** The credential a header carries, when it is Authorization or Proxy-Authorization; null otherwise. */
export function httpCredential(name: string, value: string): HttpCredential | null {
  if (!CREDENTIAL_HEADERS.has(name.toLowerCase())) return null;
  const v = value.trim();
  const sp = v.search(/\s/);
  const scheme = (sp < 0 ? v : v.slice(0, sp)).toLowerCase();
  const rest = sp < 0 ? '' : v.slice(sp).trim();
  if (scheme === 'basic') {
    const plain = base64Text(rest);
    const colon = plain === null ? -1 : plain.indexOf(':');
    const user = plain !== null && colon >= 0 && colon <= MAX_USER_CHARS ? plain.slice(0, colon) : null;
    return { scheme, user, clear: true };
  }
  if (scheme === 'digest') {
    const m = /(?:^|[\s,])username\s*=\s*"([^"]{0,256})"/i.exec(rest);
    // the response is a hash of the password, not the password: a weaker exposure
    return { scheme, user: m === null ? null : m[1]!, clear: false };
  }
  return { scheme, user: null, clear: scheme === 'bearer' };
}

/** The header's value as records keep it: the scheme and, for Basic and Digest, the user; never the secret. */
export function redactedCredentialHeader(c: HttpCredential): string {
  return c.user === null ? `${c.scheme} [redacted]` : `${c.scheme} [redacted; user ${c.user}]`;
}

/** A cookie value kept in a record: its length only (a session cookie is a bearer credential). */
const redactedCookieValue = (v: string): string => `[redacted ${v.length} chars]`;

/**
 * A Cookie header's value as records keep it: each cookie's name, and its value's length in place of the value
 * (`sid=[redacted 32 chars]; lang=[redacted 2 chars]`). Cookie names tell an analyst what the site or a beacon
 * sets; the values themselves stay in the capture, for carving.
 */
export function redactedCookieHeader(value: string): string {
  return value.split(';').map((part) => {
    const eq = part.indexOf('=');
    // a part without a name is a value all the same
    const head = eq < 0 ? part.slice(0, part.length - part.trimStart().length) : `${part.slice(0, eq)}=`;
    const v = (eq < 0 ? part : part.slice(eq + 1)).trim();
    if (v === '') return part;
    // a value redacted already (a record exported and imported again) stays as it is
    return `${head}${REDACTED_COOKIE.test(v) ? v : redactedCookieValue(v)}`;
  }).join(';');
}

const REDACTED_COOKIE = /^\[redacted \d+ chars\]$/;
/** A credential header as redactedCredentialHeader writes it. */
const REDACTED_CREDENTIAL = /^[^\s]+ \[redacted(?:; user [^\]]*)?\]$/;

/**
 * A request header's value as records keep it: credentials (Authorization, Proxy-Authorization) as their scheme
 * and user, cookies as their names and lengths, a Referer with its credential parameters redacted; never the
 * secret. Idempotent: a value kept so already comes back unchanged (imports of our own exports).
 */
export function keptRequestHeader(name: string, value: string): string {
  const cred = httpCredential(name, value);
  // only a credential header may come as redacted already: any other value is redacted by its own rule
  if (cred !== null) return REDACTED_CREDENTIAL.test(value) ? value : redactedCredentialHeader(cred);
  if (isCookieHeader(name)) return redactedCookieHeader(value);
  return name.toLowerCase() === 'referer' ? redactedUri(value) : value;
}

/** Whether a header's value is a cookie (Cookie, and Set-Cookie where one is kept). */
export function isCookieHeader(name: string): boolean {
  const n = name.toLowerCase();
  return n === 'cookie' || n === 'set-cookie' || n === 'cookie2' || n === 'set-cookie2';
}

/**
 * Query parameter names whose value is a credential (a password, token, key or signature put in a URL): their
 * values are not kept in records (the URI's other parameters are). Matched on the name folded to lower case with
 * `-` and `.` as `_`, whole or as its last `_` part (`user_password`, `x-api-key`).
 */
const SECRET_PARAMS = new Set([
  'password', 'passwd', 'pwd', 'pass', 'passphrase', 'secret', 'client_secret', 'token', 'access_token', 'refresh_token',
  'id_token', 'auth', 'auth_token', 'authtoken', 'apikey', 'api_key', 'key', 'session', 'sessionid', 'session_id', 'sid',
  'jsessionid', 'phpsessid', 'sig', 'signature', 'x_amz_signature', 'x_amz_security_token', 'x_amz_credential',
]);

function isSecretParam(name: string): boolean {
  let n: string;
  try {
    n = decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    n = name;
  }
  n = n.toLowerCase().replace(/[-.\s]/g, '_');
  if (SECRET_PARAMS.has(n)) return true;
  const last = n.lastIndexOf('_');
  return last >= 0 && SECRET_PARAMS.has(n.slice(last + 1));
}

const REDACTED = '[redacted]';

/**
 * A URI (request target or Referer) as records keep it: the values of query parameters named as credentials
 * (`?user=al&password=x` -> `?user=al&password=[redacted]`) and the password of a `user:password@` authority
 * are replaced; the rest is as sent. A URI without `?` or `@` is returned as it is.
 */
export function redactedUri(uri: string): string {
  let out = uri;
  const at = out.indexOf('@');
  if (at >= 0) {
    // scheme://user:password@host: only in the authority, before the path; the password up to the last @ (it may hold one)
    const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@:]*):([^/?#]*)@/i.exec(out);
    if (m !== null) out = `${m[1]}${m[2]}:${REDACTED}@${out.slice(m[0].length)}`;
  }
  const q = out.indexOf('?');
  if (q < 0) return out;
  const hash = out.indexOf('#', q);
  const query = hash < 0 ? out.slice(q + 1) : out.slice(q + 1, hash);
  let changed = false;
  const parts = query.split(/([&;])/).map((p, i) => {
    if (i % 2 === 1) return p;
    const eq = p.indexOf('=');
    if (eq <= 0 || eq === p.length - 1 || !isSecretParam(p.slice(0, eq))) return p;
    changed = true;
    return `${p.slice(0, eq + 1)}${REDACTED}`;
  });
  if (!changed) return out;
  return `${out.slice(0, q + 1)}${parts.join('')}${hash < 0 ? '' : out.slice(hash)}`;
}

/** The finding's parts for a login seen in clear (the pipeline adds the session's place). */
export interface CredentialFinding {
  readonly detector: 'cleartext_credentials';
  readonly category: 'credential';
  readonly confidence: Confidence;
  /** "basic auth for user alice over http", "PASS for user bob over ftp" */
  readonly note: string;
  /** the user name (never secret: the records show it), the value the finding's hmac follows */
  readonly user: string | null;
}

/**
 * A login that crossed in clear. high: the secret itself was readable (Basic, PLAIN, LOGIN, USER/PASS, IMAP
 * LOGIN); medium: a hash of it or a challenge answer (Digest, APOP, CRAM-MD5), which an observer can attack
 * offline; low: a bearer token whose kind is unknown.
 */
export function credentialFinding(via: string, method: string, user: string | null, strength: 'secret' | 'digest' | 'token'): CredentialFinding {
  const confidence: Confidence = strength === 'secret' ? 'high' : strength === 'digest' ? 'medium' : 'low';
  const who = user === null ? 'an unknown user' : `user ${user.slice(0, MAX_USER_CHARS)}`;
  return { detector: 'cleartext_credentials', category: 'credential', confidence, note: `${method} for ${who} over ${via}`, user };
}
