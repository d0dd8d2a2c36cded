// suricata-verify's expectations (expected.json, EVE dotted keys with count/match) read through our EVE output
// directly: each capture's records go through the `eve` writer, each expectation's keys are evaluated as paths on
// those events, and the count of matching events must be the expected count, as the native route (the corpus-*
// tests, through a key-to-record-field map) finds it. Where the two routes differ, the entry is listed in
// test/known-differences-eve.json with the reason (an entry that no longer differs fails the test).
// As a reader of EVE does, keys of another event type are found by flow_id: an alert's http.*/smtp.*/email.*/
// files[]/flow.* in the http, smtp, fileinfo and flow events of its flow (the transaction that started last at or
// before the alert), a fileinfo's smtp.*/email.* in its message's smtp event, an smtp event's attachments in the
// fileinfo events of the same message. The native route's value conventions and its field-level known differences
// (test/known-differences.json) apply to both routes alike.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseRules } from '../src/detect/rules-file.js';
import { parseEveTime } from '../src/formats/eve/eve-values.js';
import { captureRecords, eveOf } from './helpers/eve.js';
import { corpusDir, knownDifferences, readJson, ROOT, type KnownDifference } from './helpers/run.js';

const corpus = corpusDir();

interface Entry {
  file: string;
  kind: string;
  format?: string;
  test?: string;
  expect: { count: number; match: Record<string, unknown> };
  rules?: string[];
  requires?: Record<string, unknown>;
  test_requires?: Record<string, unknown>;
}

type Event = Record<string, unknown>;

interface EveDifference {
  /** the entry's index in expected.json */
  index: number;
  file: string;
  kind: string;
  /** the keys whose evaluation differs ('count' when the events are not there at all) */
  fields: string[];
  reason: string;
}

const eveKnown = readJson<{ differences: EveDifference[] }>(join(ROOT, 'test/known-differences-eve.json')).differences;
const nativeKnown = knownDifferences<string>();

/** Keys no EVE writer of ours could make (Suricata's run bookkeeping), skipped on both routes. */
const PEER_INTERNAL: Readonly<Record<string, string>> = {
  pcap_cnt: 'Suricata: number of the packet at which the record was written',
  pkt_src: 'Suricata: what made it write the record (a wire packet, a stream flush at flow timeout)',
  stream: 'Suricata: whether the logged payload is stream data or the packet\'s',
  'packet_info.linktype': 'Suricata: link type of the capture the logged packet came from',
  'packet_info.linktype_name': 'Suricata: name of that link type',
  'fileinfo.stored': 'Suricata: whether its filestore (a per-test setting) wrote the file',
  'files.stored': 'Suricata: whether its filestore wrote the file',
  'email.body_md5': 'Suricata: MD5 over its own line feed of the body; Haystack keeps no body digest (native route: the same)',
  'email.url': 'Suricata: URLs found in text bodies; Haystack does not extract URLs (native route: the same)',
  // an alert's flow counters are Suricata's snapshot at the alert (MANIFEST note 1); the flow event has the totals
  'flow.bytes_toserver@alert': 'Suricata: flow counter snapshot at the alert',
  'flow.bytes_toclient@alert': 'Suricata: flow counter snapshot at the alert',
  'flow.pkts_toserver@alert': 'Suricata: flow counter snapshot at the alert',
  'flow.pkts_toclient@alert': 'Suricata: flow counter snapshot at the alert',
};

/** Expectations of a Suricata older than the one the others describe (each has a newer twin). */
const OLDER = (e: Entry): boolean => e.requires?.['lt-version'] !== undefined || e.test_requires?.['lt-version'] !== undefined;

// ------------------------------------------------------------------------------------------------ our events

interface Observed {
  events: Event[];
  byFlow: Map<number, Event[]>;
}

const cache = new Map<string, Promise<Observed>>();

function observe(dir: string, e: Entry): Promise<Observed> {
  const key = `${e.file}|${(e.rules ?? []).join(',')}`;
  let p = cache.get(key);
  if (p === undefined) {
    p = (async () => {
      const rows = await captureRecords(join(dir, e.file), (e.rules ?? []).map((r) => join(dir, r)));
      const events = Object.entries(rows).flatMap(([table, records]) => eveOf(table, records));
      const byFlow = new Map<number, Event[]>();
      for (const ev of events) {
        if (typeof ev.flow_id !== 'number') continue;
        byFlow.set(ev.flow_id, [...(byFlow.get(ev.flow_id) ?? []), ev]);
      }
      return { events, byFlow };
    })();
    cache.set(key, p);
  }
  return p;
}

const time = (ev: Event): number => parseEveTime(ev.timestamp) ?? 0;

/** The event of a flow of one type that started last at or before `ts` (else its first). */
function flowEvent(o: Observed, ev: Event, type: string): Event | undefined {
  const same = (o.byFlow.get(ev.flow_id as number) ?? []).filter((x) => x.event_type === type).sort((a, b) => time(a) - time(b));
  return same.filter((x) => time(x) <= time(ev)).pop() ?? same[0];
}

/** The fileinfo events of an smtp event's message: same flow, after it and before the flow's next message. */
function messageFiles(o: Observed, smtp: Event): Event[] {
  const flow = o.byFlow.get(smtp.flow_id as number) ?? [];
  const next = flow.filter((x) => x.event_type === 'smtp' && time(x) > time(smtp)).map(time).sort((a, b) => a - b)[0] ?? Infinity;
  return flow.filter((x) => x.event_type === 'fileinfo' && time(x) >= time(smtp) && time(x) < next);
}

/** `email.attachment[0]` -> ['email', 'attachment', 0]. */
function pathOf(key: string): (string | number)[] {
  return key.split('.').flatMap((seg) => {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(seg)!;
    return [m[1]!, ...[...m[2]!.matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]))].filter((x) => x !== '');
  });
}

function at(v: unknown, path: (string | number)[]): unknown {
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

/** A key's value read through our events: on the event itself, or on the event of its flow that holds it. */
function read(o: Observed, ev: Event, key: string): unknown {
  const path = pathOf(key);
  const head = path[0] as string;
  const type = ev.event_type as string;
  // a file's endpoints are its flow's; its transaction is its message's
  if ((type === 'fileinfo' || type === 'anomaly') && ['src_ip', 'src_port', 'dest_ip', 'dest_port', 'proto'].includes(head) && ev[head] === undefined) {
    return flowEvent(o, ev, 'flow')?.[head];
  }
  if (type === 'fileinfo' && key === 'fileinfo.tx_id') return flowEvent(o, ev, 'smtp')?.tx_id;
  if (type === 'alert' && head === 'email' && path[1] === 'attachment') {
    const smtp = flowEvent(o, ev, 'smtp');
    const names = smtp === undefined ? [] : messageFiles(o, smtp).map((f) => (f.fileinfo as Event).filename).filter((n) => n !== undefined);
    return path.length === 2 ? names : names[path[2] as number];
  }
  // Suricata's MIME parse status: the message was seen (an email object) and its flow has no MIME anomaly event
  if ((type === 'smtp' || type === 'alert' || type === 'fileinfo') && key === 'email.status') {
    const smtp = type === 'smtp' ? ev : flowEvent(o, ev, 'smtp');
    if (smtp?.email === undefined) return undefined;
    const mime = (o.byFlow.get(smtp.flow_id as number) ?? []).some((x) => x.event_type === 'anomaly' && String((x.anomaly as Event).event).startsWith('MIME_'));
    return mime ? 'PARSE_ERROR' : 'PARSE_DONE';
  }
  if (type === 'alert' && ['http', 'smtp', 'email', 'flow'].includes(head)) {
    const other = flowEvent(o, ev, head === 'email' ? 'smtp' : head);
    return other === undefined ? undefined : at(other, path);
  }
  if (type === 'alert' && head === 'files') {
    const smtp = flowEvent(o, ev, 'smtp');
    const files = smtp === undefined ? [] : messageFiles(o, smtp);
    const f = files[path[1] as number];
    if (f === undefined) return undefined;
    return path[2] === 'tx_id' ? smtp!.tx_id : at(f, ['fileinfo', ...path.slice(2)]);
  }
  if (type === 'alert' && head === 'tx_id') {
    const other = flowEvent(o, ev, ev.app_proto as string);
    return other?.tx_id;
  }
  if (type === 'fileinfo' && (head === 'smtp' || head === 'email') && !(head === 'email' && path[1] === 'attachment')) {
    const smtp = flowEvent(o, ev, 'smtp');
    return smtp === undefined ? undefined : at(smtp, path);
  }
  if ((type === 'smtp' || type === 'fileinfo') && head === 'email' && path[1] === 'attachment') {
    const smtp = type === 'smtp' ? ev : flowEvent(o, ev, 'smtp');
    const names = smtp === undefined ? [] : messageFiles(o, smtp).map((f) => (f.fileinfo as Event).filename).filter((n) => n !== undefined);
    return path.length === 2 ? names : names[path[2] as number];
  }
  return at(ev, path);
}

// ------------------------------------------------------------------------------------------------ comparing

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
/** `<a@b>` -> `a@b`: Suricata prints the envelope as sent, the native route compares the address. */
const bare = (s: unknown): unknown => (typeof s === 'string' ? s.trim().replace(/^<(.*)>$/, '$1') : s);
/** The address of an address-list item (`Name <a@b>`, `<a@b>`, `a@b`), as the native route compares To and Cc. */
const addressOf = (s: unknown): unknown => (typeof s === 'string' ? (/<([^>]*)>/.exec(s)?.[1] ?? s).trim() : s);
/** The printable excerpt of bytes the native route compares an alert's payload as: up to 80 characters, others ".". */
const excerpt = (b64: unknown): unknown => (typeof b64 === 'string'
  ? Array.from(Buffer.from(b64, 'base64').subarray(0, 80), (x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('') : b64);

/** Value conventions of the native route, applied to both sides; and keys ours are read from. */
const CONVENTIONS: Readonly<Record<string, { ours?: string; norm?: (v: unknown) => unknown; theirs?: (v: unknown) => unknown }>> = {
  'smtp.mail_from': { norm: bare },
  'smtp.rcpt_to': { norm: bare },
  'email.to': { norm: addressOf },
  'email.cc': { norm: addressOf },
  // our alert's payload is a printable excerpt (written as payload_printable)
  payload: { ours: 'payload_printable', theirs: excerpt },
  payload_printable: { theirs: (v) => (typeof v === 'string' ? v.slice(0, 80) : v) },
};

const baseKey = (k: string): string => k.replace(/\[\d+\]/g, '');

function nativeKnownFor(e: Entry, key: string): KnownDifference<string> | undefined {
  const m = flat(e.expect.match);
  return nativeKnown.find((k) => k.kind === e.kind && (k.file === e.file || k.file === '*') && (k.field === key || k.field === '*') &&
    (k.match === undefined || Object.entries(k.match).every(([f, v]) => same(m[f], v))));
}

/** The match with nested objects (`http: {...}`) as dotted keys. */
function flat(m: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flat(v as Record<string, unknown>, `${prefix}${k}.`));
    else out[`${prefix}${k}`] = v;
  }
  return out;
}

/**
 * The native route's relaxed checks of a field-level known difference, on string values (corpus-smtp.test.ts);
 * a check not listed here is one of counts or of other records, which the native route verifies on its own.
 */
const RELAXED: Readonly<Record<string, (ours: string, theirs: string) => boolean>> = {
  whitespace: (a, b) => a.replace(/\s+/g, '') === b.replace(/\s+/g, ''),
  prefix255: (a, b) => b.length === 255 && a.length > 255 && a.startsWith(b),
  'last-line': (a, b) => a.split('\n').pop() === b,
  'same-top-type': (a, b) => a.split('/')[0] === b.split('/')[0],
};

/** The keys of an expectation that one of our events fails. */
function failures(o: Observed, e: Entry, ev: Event): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(flat(e.expect.match))) {
    if (k === 'has-key' || k === 'not-has-key') {
      for (const inner of [v].flat().map(String)) {
        if (PEER_INTERNAL[baseKey(inner)] !== undefined) continue;
        if ((read(o, ev, inner) !== undefined) !== (k === 'has-key')) out.push(`${k} ${inner}`);
      }
      continue;
    }
    const base = baseKey(k);
    if (PEER_INTERNAL[base] !== undefined || PEER_INTERNAL[`${base}@${String(ev.event_type)}`] !== undefined) continue;
    const c = CONVENTIONS[base];
    const ours = read(o, ev, c?.ours ?? k);
    const norm = c?.norm ?? ((x: unknown): unknown => x);
    const a = norm(ours);
    const b = norm(c?.theirs !== undefined ? c.theirs(v) : v);
    if (same(a, b)) continue;
    // the native route's known difference of this field (test/known-differences.json), with its relaxed check
    const nk = nativeKnownFor(e, k);
    if (nk !== undefined && (nk.check === undefined || (typeof a === 'string' && typeof b === 'string' && RELAXED[nk.check]?.(a, b) === true))) continue;
    out.push(k);
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ tests

describe.skipIf(corpus === null)('suricata-verify expectations read through our EVE', () => {
  const dir = corpus!;
  const all = readJson<{ entries: Entry[] }>(`${dir}/expected.json`).entries;
  const entries = all.filter((e) => e.format?.startsWith('suricata-eve') === true && !OLDER(e));

  /**
   * An alert expectation whose rules we do not load (the one it names by sid or message, a pass rule of its files,
   * or any rule when it names none): the native route reports it as not loaded (corpus-alerts), and so does this.
   */
  const notLoaded = (e: Entry): boolean => {
    if (e.rules === undefined) return false;
    const sid = e.expect.match['alert.signature_id'];
    const msg = e.expect.match['alert.signature'];
    const named = sid !== undefined || msg !== undefined;
    for (const r of e.rules) {
      const text = readFileSync(join(dir, r), 'utf8');
      const lines = text.split(/\r?\n/);
      const set = parseRules(text, r, { vars: {} });
      for (const bad of [...set.notLoaded, ...set.errors]) {
        const line = lines[bad.line - 1]?.trim() ?? '';
        const lineSid = Number(/[(;]\s*sid\s*:\s*(\d+)/.exec(line)?.[1]);
        const lineMsg = /[(;]\s*msg\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(line)?.[1]?.replace(/\\(.)/g, '$1');
        if (!named || line.startsWith('pass') || (sid !== undefined ? lineSid === sid : lineMsg === msg)) return true;
      }
    }
    return false;
  };

  it('has the expectations, and lists only known differences of entries that exist', () => {
    expect(entries.length).toBeGreaterThanOrEqual(100);
    for (const k of eveKnown) {
      const e = all[k.index];
      expect(e?.file, `known difference [${k.index}]`).toBe(k.file);
      expect(e?.kind, `known difference [${k.index}]`).toBe(k.kind);
      expect(k.reason.length, `known difference [${k.index}] has a reason`).toBeGreaterThan(20);
    }
  });

  for (const e of entries) {
    const index = all.indexOf(e);
    const m = e.expect.match;
    const name = `${e.kind} ${e.test ?? e.file} [${index}] ${Object.keys(m).filter((k) => k !== 'event_type').slice(0, 4).join(', ')} x${e.expect.count}`;
    if (e.kind === 'alert' || e.kind === 'alert_metadata') {
      if (notLoaded(e)) {
        it(`${name}: not loaded on either route`, () => {
          expect(eveKnown.some((k) => k.index === index), 'a not-loaded entry needs no EVE known difference').toBe(false);
          expect(notLoaded(e)).toBe(true);
        });
        continue;
      }
    }
    it(name, async () => {
      const o = await observe(dir, e);
      const cands = o.events.filter((ev) => m.event_type === undefined || ev.event_type === m.event_type);
      const results = cands.map((ev) => failures(o, e, ev));
      const hits = results.filter((f) => f.length === 0).length;
      const closest = [...results].sort((a, b) => a.length - b.length)[0] ?? ['count'];
      const known = eveKnown.find((k) => k.index === index);
      // the native route's known differences of counts and of checks on other records than these events (verified
      // there) are its answer for the entry: accepted here
      const nativeRelaxed = Object.keys(flat(m)).concat('count').some((k) => {
        const nk = nativeKnownFor(e, k);
        return nk !== undefined && (k === 'count' || (nk.check !== undefined && RELAXED[nk.check] === undefined));
      });
      const ok = hits === e.expect.count || nativeRelaxed;
      if (known === undefined) {
        expect(ok, `events matching: ${hits} (closest other fails ${closest.join(', ')})`).toBe(true);
        return;
      }
      // a listed difference must still be one, on exactly the listed keys
      expect(ok, `listed in known-differences-eve.json but both routes agree now (${hits} of ${e.expect.count})`).toBe(false);
      expect([...closest].sort()).toEqual([...known.fields].sort());
    });
  }
});
