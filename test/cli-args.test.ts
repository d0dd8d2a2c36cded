// Numeric and time arguments: every numeric option of every verb refuses what is not a whole number in range
// with an error naming it (exit 2, never a store error quoting SQL); times from year 1 to 9999 are accepted by
// --from/--to/--day and the filter language alike, and mean what they say for every record.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, scratchDir } from './helpers/cli.js';
import { GEN } from './helpers/run.js';

const dir = scratchDir('args');
const db = join(dir, 'h.duckdb');
const log = join(dir, 'x.log');
const pcap = join(GEN, 'http-put.pcap');

beforeAll(async () => {
  expect((await cli('ingest', pcap, '--db', db)).code).toBe(0);
  writeFileSync(log, 'Jan 12 10:00:01 mx postfix/smtpd[1]: connect from a[10.0.0.1]\n');
});

/** verb arguments before the option, the option, and how the error names it */
const NUMERIC: [string[], string][] = [
  [['top', '--db', db], '--limit'],
  [['mail', 'a@example.com', '--db', db], '--limit'],
  [['trends', 'alerts', '--db', db], '--min-count'],
  [['trends', 'alerts', '--db', db], '--min-ratio'],
  [['logs', 'parse', log], '--year'],
  [['logs', 'parse', log], '--line-timeout'],
  [['ingest', log, '--db', join(dir, 'i.duckdb')], '--year'],
  [['ingest', log, '--db', join(dir, 'i.duckdb')], '--line-timeout'],
];

describe('numeric options', () => {
  for (const [args, option] of NUMERIC) {
    for (const value of ['99999999999999999999', '9007199254740993', '-1', '1.5e3', 'ten', '']) {
      it(`${args[0]} ${option} ${JSON.stringify(value)}: exit 2 naming the option`, async () => {
        const r = await cli(...args, `${option}=${value}`);
        expect(r.code).toBe(2);
        expect(r.err).toContain(`${option} must be`);
        expect(r.err).toContain(JSON.stringify(value));
        expect(r.err).not.toMatch(/SELECT|INT128|internal error/);
      });
    }
  }

  it('values in range are taken', async () => {
    expect((await cli('top', '--db', db, '--limit', '3', '--home-net', '127.0.0.0/8')).code).toBe(0);
    expect((await cli('trends', 'alerts', '--db', db, '--min-count', '0', '--min-ratio', '2.5')).code).toBe(0);
    expect((await cli('logs', 'parse', log, '--year', '2026', '--line-timeout', '2147483647')).code).toBe(0);
    expect((await cli('logs', 'parse', log, '--line-timeout', '2147483648')).code).toBe(2);
  });

  it('durations past the query range name their option', async () => {
    for (const [args, option] of [[['counts', 'sessions', '--by', 'day'], '--since'], [['trends', 'alerts'], '--window']] as const) {
      const r = await cli(...args, '--db', db, option, '99999999999999999999d');
      expect(r).toMatchObject({ code: 2, err: expect.stringContaining(`${option}: "99999999999999999999d" is longer than`) as unknown });
    }
  });
});

describe('times from year 1 to 9999', () => {
  const days = async (...window: string[]): Promise<string> => {
    const r = await cli('counts', 'sessions', '--by', 'day', '--db', db, '--format', 'csv', ...window);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    return r.out;
  };

  it('--from/--to at the ends of the calendar count what no bound counts', async () => {
    const all = await days();
    expect(all).toBe('bucket,count\n2026-11-22T00:00:00.000000Z,20\n');
    expect(await days('--from', '0001-01-01')).toBe(all);
    expect(await days('--to', '9999-12-31T23:59:59.999999Z')).toBe(all);
    expect(await days('--from', '0001-01-01', '--to', '9999-12-31')).toBe(all);
    expect(await days('--from', '0001-01-01', '--to', '0002-01-01')).toBe('bucket,count\n');
    expect(await days('--from', '9999-01-01')).toBe('bucket,count\n');
  });

  it('the filter language and --where agree on them', async () => {
    const count = async (expr: string): Promise<[number, number]> => {
      const f = await cli('sessions', pcap, '--format', 'jsonl', '--filter', expr);
      const out = join(dir, 'w.jsonl');
      const w = await cli('export', 'sessions', '--format', 'jsonl', '-o', out, '--where', expr, '--db', db);
      expect([f.code, w.code, f.err]).toEqual([0, 0, '']);
      return [f.out === '' ? 0 : f.out.trim().split('\n').length, Number(/(\d+) rows/.exec(w.err)?.[1])];
    };
    expect(await count('start_time > "0001-01-01" and start_time < "9999-12-31T23:59:59"')).toEqual([20, 20]);
    expect(await count('start_time < "0001-01-01T00:00:00"')).toEqual([0, 0]);
    expect(await count('start_time >= "9999-12-31"')).toEqual([0, 0]);
  });
});
