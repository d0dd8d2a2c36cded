// The inspection's record paths: a card number in a DNS name and in a GET's query string is found, masked and
// keyed-hashed; a short ordinary name is not. A session's facts are kept for the drain after its record (and
// while a DNS tunnel window names it), so memory follows the sessions per chunk, not the capture's length.
import { createHmac } from 'node:crypto';
import { redactedUri } from '../inspect/credentials.js';
import { describe, expect, it } from 'vitest';
import { AnomalyLog } from '../core/anomaly.js';
import { builtinDetectors } from '../inspect/builtin.js';
import type { DnsRecord } from '../schema/dns.js';
import type { FindingRecord } from '../schema/findings.js';
import type { HttpRecord } from '../schema/http.js';
import type { SessionRecord } from '../schema/sessions.js';
import { WINDOW_US } from '../inspect/names/dns-tunnel.js';
import { Inspection } from './inspect.js';

const KEY = new Uint8Array(32).fill(1);
const CARD = '4556737586899855';

function inspection(): { insp: Inspection; rows: FindingRecord[] } {
  const rows: FindingRecord[] = [];
  return { rows, insp: new Inspection({ key: KEY, detectors: builtinDetectors(), remoteAccess: null, emit: (f) => rows.push(f), anomalies: new AnomalyLog(() => undefined) }) };
}

describe('Inspection: record texts', () => {
  it('finds a card number smuggled in a DNS name, and nothing in an ordinary one', () => {
    const { insp, rows } = inspection();
    insp.dns({ uid: 'Cdns', ts: 1, query: `${CARD.slice(0, 4)}-${CARD.slice(4, 8)}-${CARD.slice(8, 12)}-${CARD.slice(12)}.exfil.example` } as DnsRecord);
    insp.dns({ uid: 'Cdns2', ts: 2, query: 'www.example.com' } as DnsRecord);
    insp.end();
    expect(rows.map((r) => [r.uid, r.detector, r.decode_path, r.masked])).toEqual([['Cdns', 'payment_card', 'dns › query', `${CARD.slice(0, 4)}-****-****-${CARD.slice(12)}`]]);
    expect(rows[0]!.value_hmac).toBe(createHmac('sha256', KEY).update(CARD).digest('hex'));
  });

  it('finds a card number in a GET\'s percent-encoded query string', () => {
    const { insp, rows } = inspection();
    insp.http({ uid: 'Chttp', ts: 1, trans_depth: 2, uri: `/pay?card=${CARD.slice(0, 4)}%20${CARD.slice(4, 8)}%20${CARD.slice(8, 12)}%20${CARD.slice(12)}&cvv=123`, host: null, request_headers: null } as unknown as HttpRecord);
    insp.end();
    expect(rows.map((r) => [r.detector, r.decode_path, r.side])).toEqual([['payment_card', 'http › request.2 › uri', 'client']]);
    expect(JSON.stringify(rows)).not.toContain(CARD);
  });

  it('reads the request target as sent, not the record\'s with its credential parameters redacted', () => {
    const { insp, rows } = inspection();
    const sent = `/pay?password=${CARD}&x=1`;
    insp.http({ uid: 'Chttp', ts: 1, trans_depth: 1, uri: redactedUri(sent), host: null, request_headers: null } as unknown as HttpRecord, sent);
    insp.end();
    expect(rows.map((r) => r.detector)).toEqual(['payment_card']);
    expect(JSON.stringify(rows)).not.toContain(CARD);
  });
});

/** A session record with just what the inspection keeps of it. */
function session(uid: string, src: string): SessionRecord {
  return { uid, community_id: `1:${uid}`, src_ip: src, src_port: 40000, dst_ip: '192.0.2.53', dst_port: 53, direction: 'outbound', app_proto: 'dns', proto: 'udp', end_time: 1 } as unknown as SessionRecord;
}

describe('Inspection: session facts follow the drains, not the capture length', () => {
  it('keeps a session\'s facts for the drain after its record, then forgets them', () => {
    const { insp, rows } = inspection();
    for (let i = 0; i < 10_000; i++) {
      insp.session(session(`C${i}`, `10.0.${i >> 8}.${i & 255}`));
      if (i % 100 === 99) {
        insp.settled();
        expect(insp.remembered).toBeLessThanOrEqual(200);
      }
    }
    // C9950's record came in the chunk just settled: a finding the drain makes for it still has its facts
    insp.dns({ uid: 'C9950', ts: 1, query: `${CARD}.exfil.example` } as DnsRecord);
    expect(rows.map((r) => [r.uid, r.src_ip])).toEqual([['C9950', `10.0.${9950 >> 8}.${9950 & 255}`]]);
    insp.settled();
    insp.settled();
    // two drains on, they are gone: a finding for it waits for a record that does not come, and goes out bare at the end
    insp.dns({ uid: 'C9951', ts: 2, query: `${CARD}.exfil.example` } as DnsRecord);
    expect(rows).toHaveLength(1);
    insp.end();
    expect(rows.map((r) => [r.uid, r.src_ip])).toEqual([['C9950', `10.0.${9950 >> 8}.${9950 & 255}`], ['C9951', null]]);
  });

  it('keeps the facts of the session a DNS tunnel window names until the window closes', () => {
    const { insp, rows } = inspection();
    const hex = (i: number): string => createHmac('sha256', KEY).update(String(i)).digest('hex');
    insp.session(session('Ctun', '10.9.9.9'));
    for (let i = 0; i < 60; i++) insp.dns({ uid: i === 0 ? 'Ctun' : `Cq${i}`, ts: 1000 + i, query: `${hex(i)}.t.example`, qtype: 16, rrs: null } as unknown as DnsRecord);
    for (let k = 0; k < 50; k++) {
      for (let i = 0; i < 100; i++) insp.session(session(`Cs${k}-${i}`, '10.1.1.1'));
      insp.settled();
    }
    expect(insp.remembered).toBeLessThanOrEqual(201);
    // the next hour's first query closes the window: its finding names Ctun, with Ctun's facts
    insp.dns({ uid: 'Cnext', ts: WINDOW_US + 1, query: 'www.example.com' } as DnsRecord);
    const tunnel = rows.filter((r) => r.detector === 'dns_tunnel');
    expect(tunnel.map((r) => [r.uid, r.src_ip, r.community_id])).toEqual([['Ctun', '10.9.9.9', '1:Ctun']]);
    insp.settled();
    insp.settled();
    expect(insp.remembered).toBe(0);
  });
});
