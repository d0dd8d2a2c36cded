// `haystack users`: accounts beside the DuckDB file, passwords read as a secret (never argv), the checks on
// names, roles, passwords and restrictions, the last admin kept, and the file private.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { verifyPassword } from '../../src/server/password.js';
import { FileUserStore, usersFileOf } from '../../src/server/users.js';
import { scratchDir } from '../helpers/cli.js';

const dir = scratchDir('users-cli');
const db = join(dir, 'h.duckdb');

async function users(secret: string | null, ...argv: string[]): Promise<{ code: number; out: string; err: string; asked: string[] }> {
  let out = '';
  let err = '';
  const asked: string[] = [];
  const code = await main(['users', ...argv, '--db', db], {
    stdout: (s) => void (out += s), stderr: (s) => void (err += s), stdoutIsTty: false, stderrIsTty: false,
    readSecret: (p) => {
      asked.push(p);
      return secret === null ? Promise.reject(new Error('no secret expected')) : Promise.resolve(secret);
    },
  });
  return { code, out, err, asked };
}

describe('haystack users', () => {
  it('adds accounts with a password read as a secret, into <db>.users.json (0600), hashed with scrypt', async () => {
    const r = await users('correct horse battery', 'add', 'alice', '--role', 'admin');
    expect(r.code).toBe(0);
    expect(r.asked).toEqual(['password for alice: ']);
    const file = usersFileOf(db);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('correct horse battery');
    const u = await new FileUserStore(file).get('alice');
    expect(u).toMatchObject({ name: 'alice', role: 'admin', disabled: false, restrict: null });
    expect(await verifyPassword('correct horse battery', u!.hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', u!.hash)).toBe(false);
    expect((await users('another password', 'add', 'bob', '--role', 'viewer', '--restrict', 'sensor = "gw1"')).code).toBe(0);
    expect((await new FileUserStore(file).get('bob'))!.restrict).toBe('sensor = "gw1"');
  });

  it('lists accounts without hashes', async () => {
    const r = await users(null, 'list', '--format', 'jsonl');
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => [x.name, x.role, x.disabled])).toEqual([['alice', 'admin', false], ['bob', 'viewer', false]]);
    expect(r.out).not.toMatch(/scrypt|hash/);
  });

  it('refuses bad names, roles, short passwords, bad restrictions, duplicates and a password on the command line', async () => {
    expect((await users('long enough pw', 'add', '../etc', '--role', 'viewer')).err).toMatch(/not a valid user name/);
    expect((await users('long enough pw', 'add', 'carol', '--role', 'root')).err).toMatch(/not a role: "root"/);
    expect((await users('short', 'add', 'carol', '--role', 'viewer')).err).toMatch(/at least 10 characters/);
    expect((await users('long enough pw', 'add', 'carol', '--role', 'viewer', '--restrict', "x = '1' or")).err).toMatch(/restriction/);
    expect((await users('long enough pw', 'add', 'alice', '--role', 'viewer')).err).toMatch(/user alice exists/);
    const r = await users('long enough pw', 'add', 'carol', '--role', 'viewer', '--password', 'x');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--password/);
    expect((await new FileUserStore(usersFileOf(db)).get('carol'))).toBeNull();
  });

  it('changes password, role, restriction and state, and keeps the last enabled admin', async () => {
    expect((await users('a new password!', 'passwd', 'bob')).code).toBe(0);
    const store = new FileUserStore(usersFileOf(db));
    expect(await verifyPassword('a new password!', (await store.get('bob'))!.hash)).toBe(true);
    expect((await users(null, 'role', 'bob', '--role', 'analyst')).code).toBe(0);
    expect((await users(null, 'restrict', 'bob')).code).toBe(0);
    expect(await store.get('bob')).toMatchObject({ role: 'analyst', restrict: null });
    const last = await users(null, 'disable', 'alice');
    expect(last.code).toBe(2);
    expect(last.err).toMatch(/alice is the last enabled admin/);
    expect((await users(null, 'role', 'bob', '--role', 'admin')).code).toBe(0);
    expect((await users(null, 'disable', 'alice')).code).toBe(0);
    expect((await store.get('alice'))!.disabled).toBe(true);
    expect((await users(null, 'passwd', 'nobody')).err).toMatch(/no user "nobody"/);
  });
});
