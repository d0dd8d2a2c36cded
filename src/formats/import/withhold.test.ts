import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSecretKey, WITHHELD, withholdSecrets } from './withhold.js';

describe('withholdSecrets', () => {
  it('names Zeek\'s and EVE\'s credential columns, not their neighbours', () => {
    for (const k of ['password', 'passwd', 'pass', 'auth_token', 'api-key', 'apikey', 'Authorization', 'cookie', 'set-cookie', 'client_secret', 'credentials']) expect(isSecretKey(k), k).toBe(true);
    for (const k of ['username', 'user', 'passive', 'bypass', 'tokens_seen', 'compass', 'trans_depth', 'secretary']) expect(isSecretKey(k), k).toBe(false);
  });

  it('replaces values at any depth, leaves unset ones, counts what it withheld', () => {
    const extra = { password: 'hunter2', user: 'bob', http: { request_headers: [{ name: 'x', authorization: 'Basic Ym9iOmh1bnRlcjI=' }] }, token: '-', secret: null };
    expect(withholdSecrets(extra)).toBe(2);
    expect(extra).toEqual({ password: WITHHELD, user: 'bob', http: { request_headers: [{ name: 'x', authorization: WITHHELD }] }, token: '-', secret: null });
  });

  it('withholds the value of a name/value pair whose name is a secret one (EVE\'s header lists)', () => {
    const extra = { http: { response_headers: [{ name: 'Set-Cookie', value: 'sid=1' }, { name: 'Server', value: 'nginx' }, { name: 'Authorization', value: '' }] } };
    expect(withholdSecrets(extra)).toBe(1);
    expect(extra.http.response_headers).toEqual([{ name: 'Set-Cookie', value: WITHHELD }, { name: 'Server', value: 'nginx' }, { name: 'Authorization', value: '' }]);
  });

  it('a planted value under a secret key is withheld wherever it sits', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 4 }).filter((s) => !s.includes(WITHHELD) && s !== '-'), fc.constantFrom('password', 'pwd', 'x.token'), (v, k) => {
        const o: Record<string, unknown> = { a: { [k]: v }, list: [{ [k]: v }] };
        withholdSecrets(o);
        expect(o).toEqual({ a: { [k]: WITHHELD }, list: [{ [k]: WITHHELD }] });
      }),
    );
  });
});
