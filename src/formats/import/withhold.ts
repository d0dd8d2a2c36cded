// Credentials an imported log carries in clear (Zeek http.log/ftp.log `password`, an EVE key holding a token,
// Suricata's logged request body, a {name, value} header whose name is Cookie or Authorization) are not kept: the
// value is replaced by a marker, as ingest keeps an Authorization header as its scheme and user only
// (inspect/credentials.ts).

/**
 * Key names whose values are secrets, whole or as a word of the key (`password`, `auth_token`, `api-key`); a
 * request body (Suricata's `http_request_body`, `http_request_body_printable`) is where a login form's password
 * travels.
 */
const SECRET_KEY = /(?:^|[_.\-\s])(?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|authorization|credentials?|cookie|set[_-]cookie|request[_-]body)(?:$|[_.\-\s])/i;

/** What a withheld value becomes: it says that one was there, not what it was. */
export const WITHHELD = '(withheld)';

/** Whether a key of an imported record names a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * Replaces, in place and at any depth, every non-empty value under a secret key, and the `value` of an object
 * whose `name` is a secret key, by WITHHELD; returns how many were replaced. Arrays are walked; a key's value
 * that is null, `-` or empty is left as it is (nothing sent).
 */
export function withholdSecrets(o: Record<string, unknown>): number {
  let n = 0;
  // a header as EVE lists them ({"name": "Authorization", "value": "..."}): the name says what the value is
  if (typeof o.name === 'string' && isSecretKey(o.name) && typeof o.value === 'string' && o.value !== '' && o.value !== '-') {
    o.value = WITHHELD;
    n++;
  }
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (isSecretKey(k)) {
      if (v !== null && v !== undefined && v !== '' && v !== '-' && !(Array.isArray(v) && v.length === 0)) {
        o[k] = WITHHELD;
        n++;
      }
      continue;
    }
    n += withholdIn(v);
  }
  // a header as Suricata logs it: {"name": "Authorization", "value": "Basic ..."}
  const name = o.name;
  if (typeof name === 'string' && isSecretKey(name) && typeof o.value === 'string' && o.value !== '' && o.value !== '-' && o.value !== WITHHELD) {
    o.value = WITHHELD;
    n++;
  }
  return n;
}

function withholdIn(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((a: number, x: unknown) => a + withholdIn(x), 0);
  if (v !== null && typeof v === 'object') return withholdSecrets(v as Record<string, unknown>);
  return 0;
}
