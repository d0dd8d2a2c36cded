// The inspection's record paths: a card number in a DNS name and in a GET's query string is found, masked and
// keyed-hashed; a short ordinary name is not.
import { createHmac } from 'node:crypto';
import { redactedUri } from '../inspect/credentials.js';
import { describe, expect, it } from 'vitest';
import { AnomalyLog } from '../core/anomaly.js';
import { builtinDetectors } from '../inspect/builtin.js';
import type { DnsRecord } from '../schema/dns.js';
import type { FindingRecord } from '../schema/findings.js';
import type { HttpRecord } from '../schema/http.js';
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
