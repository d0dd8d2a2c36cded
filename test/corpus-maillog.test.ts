// maillog A (real sendmail, postfix, opendkim and dovecot logs through rsyslog, in three header forms):
// every line parsed by a specific pattern of its recipe (no catch-all, no miss), and the fields equal to what
// expected.json took from the daemons' own output: sendmail from/to lines, postfix queue ids, NOQUEUE rejects
// and smtpd clients, opendkim signatures, dovecot logins and logouts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogParser, type LogParse } from '../src/logs/parse-log.js';
import { corpusDir } from './helpers/run.js';

const root = corpusDir();

interface Expected {
  summary: { log_lines: number; log_lines_per_program: Record<string, number> };
  sendmail_queue_ids: Record<string, { lines: { n: number }[]; from_line?: Record<string, string | number> | null; deliveries?: (Record<string, unknown> & { line_n: number })[] }>;
  postfix_queue_ids: Record<string, { lines: { n: number }[]; client?: { name: string; ip: string; port: number; line_n: number }; 'message-id'?: string; from?: string; size?: string; nrcpt?: string; deliveries?: (Record<string, unknown> & { line_n: number })[] }>;
  postfix_noqueue: (Record<string, unknown> & { line_n: number })[];
  opendkim: Record<string, { line_n: number; event: string; s?: string; d?: string }[]>;
  dovecot_sessions: Record<string, { login: boolean; user: string | null; method?: string; rip?: string; lip?: string; mpid?: number; login_line_n?: number; end_line_n?: number; logout_counters?: Record<string, number> }>;
}

describe.skipIf(root === null)('maillog A: recipes against the daemons\' own output', () => {
  const dir = join(root ?? '', 'maillog/A');
  const want = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
  const parse = (file: string): LogParse[] => {
    const p = new LogParser({ year: 2026 });
    return readFileSync(join(dir, file), 'utf8').split('\n').filter((l) => l !== '').map((l) => p.parse(l));
  };
  const forms = ['maillog.traditional.log', 'maillog.rfc5424.log', 'maillog.syslog-protocol23.log'];
  const parsed = Object.fromEntries(forms.map((f) => [f, parse(f)])) as Record<string, LogParse[]>;
  const trad = parsed['maillog.traditional.log']!;
  const at = (n: number): LogParse => trad[n - 1]!;

  it('parses every line of every form by a specific recipe pattern; the forms agree on everything but the sub-second time', () => {
    for (const f of forms) {
      const rs = parsed[f]!;
      expect(rs.length).toBe(want.summary.log_lines);
      expect(rs.filter((r) => !r.parse_ok || r.type!.endsWith('_other')).map((r) => r.message)).toEqual([]);
    }
    const iso = parsed['maillog.rfc5424.log']!;
    const frame = parsed['maillog.syslog-protocol23.log']!;
    trad.forEach((r, i) => {
      expect([iso[i]!.type, iso[i]!.fields, iso[i]!.message, iso[i]!.host, iso[i]!.pid], `line ${i + 1}`).toEqual([r.type, r.fields, r.message, r.host, r.pid]);
      expect([frame[i]!.type, frame[i]!.fields], `line ${i + 1}`).toEqual([r.type, r.fields]);
      expect(Math.floor(iso[i]!.ts! / 1e6)).toBe(r.ts! / 1e6);
      expect(frame[i]!.ts).toBe(iso[i]!.ts);
    });
  });

  it('counts lines per program as the summary does (dovecot by its sub-process)', () => {
    const per = new Map<string, number>();
    for (const r of trad) {
      const key = r.program === 'dovecot' ? `dovecot: ${/^([\w-]+)/.exec(r.message)![1]}` : r.program!;
      per.set(key, (per.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(per)).toEqual(want.summary.log_lines_per_program);
  });

  it('sendmail: every queue id line, from lines and deliveries field by field', () => {
    let deliveries = 0;
    for (const [qid, q] of Object.entries(want.sendmail_queue_ids)) {
      for (const l of q.lines) expect(at(l.n).fields?.queue_id, `line ${l.n}`).toBe(qid);
      if (q.from_line !== null && q.from_line !== undefined) {
        const { line_n, ...fields } = q.from_line;
        const r = at(Number(line_n));
        expect(r.type).toBe('sendmail_from');
        for (const [k, v] of Object.entries(fields)) expect(String(r.fields![k]), `${qid} ${k}`).toBe(String(v));
      }
      for (const d of q.deliveries ?? []) {
        const r = at(d.line_n);
        expect(r.type).toBe('sendmail_to');
        for (const [k, v] of Object.entries(d)) {
          if (k === 'line_n' || k === 'to_addresses') continue;
          expect(String(r.fields![k]), `${qid} line ${d.line_n} ${k}`).toBe(String(v));
        }
        deliveries++;
      }
    }
    expect(deliveries).toBeGreaterThan(30);
  });

  it('postfix: queue ids, clients, message-ids, qmgr and deliveries; NOQUEUE rejects', () => {
    for (const [qid, q] of Object.entries(want.postfix_queue_ids)) {
      for (const l of q.lines) expect(at(l.n).fields?.queue_id, `line ${l.n}`).toBe(qid);
      if (q.client !== undefined) {
        const f = at(q.client.line_n).fields!;
        expect([f.client_name, f.client_ip, f.client_port]).toEqual([q.client.name, q.client.ip, q.client.port]);
      }
      const mid = q.lines.map((l) => at(l.n)).find((r) => r.type === 'postfix_message_id');
      if (q['message-id'] !== undefined) expect(`<${mid?.fields?.message_id}>`).toBe(q['message-id']);
      const active = q.lines.map((l) => at(l.n)).find((r) => r.type === 'postfix_qmgr_active');
      if (q.from !== undefined) expect([active?.fields?.from, String(active?.fields?.size), String(active?.fields?.nrcpt)]).toEqual([q.from, q.size, q.nrcpt]);
      for (const d of q.deliveries ?? []) {
        const r = at(d.line_n);
        expect(r.type).toBe('postfix_delivery');
        for (const k of ['to', 'relay', 'delay', 'delays', 'dsn', 'status']) expect(r.fields![k], `${qid} ${k}`).toBe(d[k]);
        expect(r.fields!.response).toBe(d.status_text);
      }
    }
    expect(want.postfix_noqueue.length).toBe(2);
    for (const n of want.postfix_noqueue) {
      const r = at(n.line_n);
      expect(r.type).toBe('postfix_reject');
      const f = r.fields!;
      const unbracket = (v: unknown): unknown => (typeof v === 'string' ? v.replace(/^<(.*)>$/, '$1') : v);
      expect({
        stage: f.stage, client_name: f.client_name, client_ip: f.client_ip, client_port: f.client_port, code: f.code, dsn: f.dsn, text: f.text,
        from: unbracket(f.from), to: unbracket(f.to), proto: f.proto, helo: unbracket(f.helo),
      }).toEqual({
        stage: n.stage, client_name: n.client_name, client_ip: n.client_ip, client_port: n.client_port, code: n.code, dsn: n.dsn, text: n.text,
        from: n.from, to: n.to, proto: n.proto, helo: n.helo,
      });
    }
  });

  it('opendkim: each signature added with its selector and domain; every event on its queue id', () => {
    let signed = 0;
    for (const [qid, events] of Object.entries(want.opendkim)) {
      for (const e of events) {
        const r = at(e.line_n);
        expect(r.fields?.queue_id, `line ${e.line_n}`).toBe(qid);
        if (e.event === 'signed') {
          expect([r.type, r.fields!.selector, r.fields!.domain]).toEqual(['opendkim_signed', e.s, e.d]);
          signed++;
        }
      }
    }
    expect(signed).toBe(25);
  });

  it('dovecot: logins (user, method, addresses, mail process, session) and logout counters', () => {
    let logins = 0;
    for (const [session, s] of Object.entries(want.dovecot_sessions)) {
      if (s.login && s.login_line_n !== undefined) {
        const r = at(s.login_line_n);
        expect(r.type).toBe('dovecot_login');
        expect(r.fields).toMatchObject({ user: s.user, method: s.method, rip: s.rip, lip: s.lip, mpid: s.mpid, session });
        logins++;
      }
      if (s.logout_counters !== undefined && s.end_line_n !== undefined) {
        const r = at(s.end_line_n);
        expect(r.type).toBe('dovecot_logout');
        expect(r.fields).toMatchObject({ ...s.logout_counters, session, user: s.user });
      }
    }
    expect(logins).toBe(7);
  });
});
