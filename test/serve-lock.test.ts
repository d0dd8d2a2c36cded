// The DuckDB file a server holds: another process's ingest, logs ingest, init and queries are refused in one line
// naming the server's pid and URL, and write nothing; a lock file left by a dead server blocks nothing.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/store/open.js';
import { claimServerLock, readServerLock, serverLockPath } from '../src/store/writer-lock.js';
import { cli, scratchDir } from './helpers/cli.js';
import { GEN, ROOT } from './helpers/run.js';

const dir = scratchDir('serve-lock');
const URL = 'http://127.0.0.1:8450';
const MAILLOG = join(dir, 'maillog');
writeFileSync(MAILLOG, 'Nov 22 08:00:01 mx postfix/smtpd[1234]: connect from unknown[192.0.2.1]\n');

/** A process holding `db` for writing as `haystack serve` does (its lock claimed unless noClaim). */
async function holder(db: string, opts: { watch?: string; noClaim?: boolean } = {}): Promise<{ child: ChildProcessWithoutNullStreams; exited: Promise<number | null> }> {
  const args = ['--import', join(ROOT, 'test/fuzz/register.mjs'), join(ROOT, 'test/helpers/hold-store.ts'), db, URL];
  if (opts.watch !== undefined) args.push(opts.watch);
  if (opts.noClaim === true) args.push('--no-claim');
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    void exited.then(() => reject(new Error(`holder exited before it was ready: ${err}`)));
  });
  return { child, exited };
}

/** Rows of the captures table and of sessions (read while nobody holds the file). */
async function counts(db: string): Promise<{ captures: number; sessions: number; logs: number }> {
  const s = await openStore(db, { readOnly: true });
  try {
    const r = await s.select('SELECT (SELECT count(*) FROM captures) AS c, (SELECT count(*) FROM sessions) AS s, (SELECT count(*) FROM logs) AS l');
    const row = r.rows[0]!;
    return { captures: Number(row.c), sessions: Number(row.s), logs: Number(row.l) };
  } finally {
    await s.close();
  }
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const c = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => c.on('exit', resolve));
  return c.pid!;
}

describe('a DuckDB file held by haystack serve', () => {
  it('ingest, logs ingest, init and top each say who holds it in one line, and nothing is written', async () => {
    const db = join(dir, 'held.duckdb');
    expect((await cli('ingest', join(GEN, 'mixed-home.pcap'), '--db', db)).code).toBe(0);
    const before = await counts(db);
    const watch = join(dir, 'drop');
    const h = await holder(db, { watch });
    const pid = h.child.pid!;
    try {
      const held = `${db} is held by haystack serve (pid ${pid}, ${URL})`;
      const ing = await cli('ingest', join(GEN, 'http-put.pcap'), '--db', db);
      expect(ing.code).toBe(1);
      expect(ing.err).toBe(`haystack ingest: ${held}: upload through the console or put the file in ${watch} (the server's --watch directory)\n`);
      const logs = await cli('logs', 'ingest', MAILLOG, '--db', db);
      expect(logs.code).toBe(1);
      expect(logs.err).toBe(`haystack logs ingest: ${held}: upload through the console or put the file in ${watch} (the server's --watch directory)\n`);
      const init = await cli('init', '--db', db);
      expect(init.err).toMatch(new RegExp(`^haystack init: ${held.replace(/[.()/]/g, '\\$&')}: upload through the console`));
      const top = await cli('top', '--db', db);
      expect(top.code).toBe(1);
      expect(top.err).toBe(`haystack top: ${held}: query it through the server's console or API, or stop the server first\n`);
    } finally {
      h.child.stdin.end();
      expect(await h.exited).toBe(0);
    }
    // released on close: the sidecar is gone and the data is what it was
    expect(existsSync(serverLockPath(db))).toBe(false);
    expect(await counts(db)).toEqual(before);
    expect(before.captures).toBe(1);
  });

  it('the lock file is private, and names the server only while its process lives', async () => {
    const db = join(dir, 'claim.duckdb');
    const lock = claimServerLock(db, { url: URL });
    expect(statSync(lock.path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toEqual({ pid: process.pid, url: URL, started: lock.info.started, watch: null });
    expect(readServerLock(db)).toEqual(lock.info);
    lock.release();
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    writeFileSync(serverLockPath(db), JSON.stringify({ pid: await deadPid(), url: URL, started: new Date().toISOString(), watch: null }));
    expect(readServerLock(db)).toBeNull();
    writeFileSync(serverLockPath(db), '{"pid": "1; rm -rf /"');
    expect(readServerLock(db)).toBeNull();
  });

  it('a server killed with SIGKILL leaves its lock file behind, which blocks nothing', async () => {
    const db = join(dir, 'killed.duckdb');
    const h = await holder(db);
    h.child.kill('SIGKILL');
    await h.exited;
    expect(existsSync(serverLockPath(db))).toBe(true);
    const r = await cli('ingest', join(GEN, 'http-put.pcap'), '--db', db);
    expect(r.err).toMatch(/1 capture ingested/);
    expect(r.code).toBe(0);
    // a new server takes the file over, replacing the stale lock
    const again = claimServerLock(db, { url: 'http://127.0.0.1:9999' });
    expect(readServerLock(db)?.url).toBe('http://127.0.0.1:9999');
    again.release();
    expect(existsSync(serverLockPath(db))).toBe(false);
  });

  it('a lock file naming a live process that is not the one DuckDB names gives DuckDB\'s own message', async () => {
    const db = join(dir, 'other.duckdb');
    const h = await holder(db, { noClaim: true });
    // a sidecar naming this (live) test process: not the holder DuckDB reports
    const lock = claimServerLock(db, { url: URL });
    try {
      const r = await cli('ingest', join(GEN, 'http-put.pcap'), '--db', db);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`the database is in use by another process \\(.*PID ${h.child.pid}\\)\\); DuckDB allows one writer per file\\n$`));
      expect(r.err).not.toMatch(/haystack serve/);
    } finally {
      lock.release();
      h.child.stdin.end();
      await h.exited;
    }
  });
});
