// Credentials in clear: the Authorization header's scheme and user are read, its secret never survives redaction.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { credentialFinding, httpCredential, isCookieHeader, keptRequestHeader, redactedCookieHeader, redactedCredentialHeader, redactedUri } from './credentials.js';

const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`, 'latin1').toString('base64')}`;

describe('httpCredential', () => {
  it('reads the user of Basic and redacts the password', () => {
    const c = httpCredential('Authorization', basic('alice', 'S3cr3t-pw'))!;
    expect(c).toEqual({ scheme: 'basic', user: 'alice', clear: true });
    expect(redactedCredentialHeader(c)).toBe('basic [redacted; user alice]');
  });

  it('takes Proxy-Authorization, any case, and Digest users without their response', () => {
    expect(httpCredential('proxy-AUTHORIZATION', basic('bob', 'x'))?.user).toBe('bob');
    const d = httpCredential('Authorization', 'Digest username="carol", realm="r", nonce="n", response="6629fae49393a05397450978507c4ef1"')!;
    expect(d).toEqual({ scheme: 'digest', user: 'carol', clear: false });
    expect(redactedCredentialHeader(d)).not.toContain('6629fae4');
  });

  it('keeps a bearer token out and ignores other headers', () => {
    const b = httpCredential('Authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc')!;
    expect(redactedCredentialHeader(b)).toBe('bearer [redacted]');
    expect(httpCredential('X-Authorization-Hint', 'Basic abc')).toBeNull();
    expect(httpCredential('Host', 'example.com')).toBeNull();
  });

  it('a Basic payload that is not user:password gives no user', () => {
    expect(httpCredential('Authorization', 'Basic !!notbase64')?.user).toBeNull();
    expect(httpCredential('Authorization', `Basic ${Buffer.from('nocolon').toString('base64')}`)?.user).toBeNull();
  });

  it('never lets the password through, whatever it is', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 40 }).filter((u) => !u.includes(':')), fc.string({ minLength: 8, maxLength: 64 }), (user, pass) => {
      const c = httpCredential('Authorization', basic(user, pass));
      const shown = redactedCredentialHeader(c!);
      expect(shown.includes(pass) && !user.includes(pass) && !'basic [redacted; user ]'.includes(pass)).toBe(false);
    }));
  });
});

describe('credentialFinding', () => {
  it('rates a readable secret high and a digest medium, naming the user and the protocol', () => {
    expect(credentialFinding('ftp', 'USER/PASS', 'anonymous', 'secret')).toMatchObject({ confidence: 'high', note: 'USER/PASS for user anonymous over ftp' });
    expect(credentialFinding('pop3', 'APOP', null, 'digest')).toMatchObject({ confidence: 'medium', note: 'APOP for an unknown user over pop3' });
  });
});

describe('redactedUri', () => {
  it('replaces the values of credential parameters and keeps the rest as sent', () => {
    expect(redactedUri('/login.php?user=alice&password=S3cr3t&next=%2Fhome')).toBe('/login.php?user=alice&password=[redacted]&next=%2Fhome');
    expect(redactedUri('/api?X-Api-Key=abc123;q=1#frag')).toBe('/api?X-Api-Key=[redacted];q=1#frag');
    expect(redactedUri('/cb?access_token=ya29.a0Af&state=xyz')).toBe('/cb?access_token=[redacted]&state=xyz');
    expect(redactedUri('/x?user%5Fpassword=pw&page=2')).toBe('/x?user%5Fpassword=[redacted]&page=2');
    expect(redactedUri('http://bob:hunter2@example.com/a?b=c')).toBe('http://bob:[redacted]@example.com/a?b=c');
    expect(redactedUri('http://bob:p@ss@example.com/')).toBe('http://bob:[redacted]@example.com/');
  });

  it('leaves URIs without credentials untouched, the same string', () => {
    for (const u of ['/', '/index.html', '/search?q=password+reset&lang=en', '/a?token', '/a?token=', 'http://example.com/x@y', '/p?keyword=1&monkey=2']) {
      expect(redactedUri(u)).toBe(u);
    }
  });

  it('never lets a planted secret value through (property)', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9]{8,24}$/);
    const name = fc.constantFrom('password', 'PASSWD', 'api_key', 'apiKey', 'x-api-key', 'access_token', 'client_secret', 'sessionid', 'db.password');
    fc.assert(fc.property(name, secret, fc.array(fc.stringMatching(/^q[a-z]{0,5}=[a-z0-9]{0,6}$/), { maxLength: 4 }), (n, v, others) => {
      // the other parameters' names (q...) are none of the credential names: they stay as sent
      const uri = `/p?${[...others, `${n}=SECRET${v}`].join('&')}`;
      const r = redactedUri(uri);
      return !r.includes(`SECRET${v}`) && r.startsWith('/p?') && others.every((o) => r.includes(o));
    }));
  });
});

describe('keptRequestHeader', () => {
  it('takes a value as redacted already only for a credential header: any other is redacted by its own rule', () => {
    expect(keptRequestHeader('Authorization', 'basic [redacted; user alice]')).toBe('basic [redacted; user alice]');
    expect(keptRequestHeader('Cookie', 'sid=PLANTED1 [redacted]')).toBe('sid=[redacted 19 chars]');
    expect(keptRequestHeader('Referer', 'http://h/?token=PLANTED2 [redacted]')).toBe('http://h/?token=[redacted]');
    expect(keptRequestHeader('Host', 'example.com')).toBe('example.com');
  });
});

describe('redactedCookieHeader', () => {
  it('keeps each cookie name and the length of its value', () => {
    expect(redactedCookieHeader('PHPSESSID=0123456789abcdef; lang=en')).toBe('PHPSESSID=[redacted 16 chars]; lang=[redacted 2 chars]');
    expect(redactedCookieHeader('flag')).toBe('[redacted 4 chars]');
    expect(redactedCookieHeader(redactedCookieHeader('a=1; bare'))).toBe('a=[redacted 1 chars]; [redacted 4 chars]');
    expect(isCookieHeader('Cookie') && isCookieHeader('set-cookie') && !isCookieHeader('X-Cookie-Hint')).toBe(true);
  });
});
