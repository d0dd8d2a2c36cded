// Credentials in clear: the Authorization header's scheme and user are read, its secret never survives redaction.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { credentialFinding, httpCredential, redactedCredentialHeader } from './credentials.js';

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
