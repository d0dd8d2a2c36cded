// What an imported row gets for the fields our schema requires and the log does not carry (Zeek's unset
// columns, EVE's missing counters): zero, the empty text or list, false; a required time is the row's own
// time field; a missing Community ID is computed from the endpoints and protocol, else the empty text.
import { parseIpv4, parseIpv6 } from '../../core/ip.js';
import { communityId, icmpPorts } from '../../flow/community-id.js';
import { PROTO_NAMES } from '../../flow/session-record.js';
import type { FieldDef, RecordSchema } from '../../schema/schema.js';

/** IP protocol numbers by our names (sessions' proto: tcp, icmpv6, gre, ... or the number itself) */
const PROTOS: ReadonlyMap<string, number> = new Map([...PROTO_NAMES].map(([n, name]) => [name, n]));
const ICMP = 1;
const ICMPV6 = 58;
/** Protocols whose Community ID includes the ports (TCP, UDP, SCTP). */
const PORTED: ReadonlySet<number> = new Set([6, 17, 132]);

function protoNumber(proto: string): number | undefined {
  const p = proto.toLowerCase();
  const n = PROTOS.get(p);
  if (n !== undefined) return n;
  return /^\d{1,3}$/.test(p) && Number(p) < 256 ? Number(p) : undefined;
}

function ipBytes(s: string): Uint8Array | null {
  const v4 = parseIpv4(s);
  if (v4 !== null) return new Uint8Array([v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255]);
  return parseIpv6(s);
}

/**
 * The Community ID v1 (seed 0) of a row's endpoints: TCP, UDP and SCTP with their ports, ICMP and ICMPv6 with type
 * and counterpart type (or code) as Zeek's id.orig_p and id.resp_p hold them, any other protocol by its number
 * without ports; null when the row has no two addresses of one family or no known protocol.
 */
export function rowCommunityId(row: Record<string, unknown>): string | null {
  const { src_ip: si, dst_ip: di, src_port: sp, dst_port: dp, proto } = row;
  if (typeof si !== 'string' || typeof di !== 'string' || typeof proto !== 'string') return null;
  const p = protoNumber(proto);
  const a = ipBytes(si);
  const b = ipBytes(di);
  if (p === undefined || a === null || b === null || a.length !== b.length) return null;
  const ports = typeof sp === 'number' && typeof dp === 'number';
  if (p === ICMP || p === ICMPV6) {
    if (!ports) return null;
    const i = icmpPorts(p === ICMPV6, sp, dp);
    return communityId(a, b, p, i.sport, i.dport, i.oneWay);
  }
  if (PORTED.has(p) && !ports) return null;
  return communityId(a, b, p, ports ? sp : 0, ports ? dp : 0);
}

const required = new Map<RecordSchema, FieldDef[]>();

/** The fields a row of the schema must have (not capture_id: the store sets it). */
function requiredFields(schema: RecordSchema): FieldDef[] {
  let r = required.get(schema);
  if (r === undefined) {
    r = schema.fields.filter((f) => !f.nullable && f.name !== 'capture_id');
    required.set(schema, r);
  }
  return r;
}

/**
 * Fills the required fields the row leaves null or out; `filled(field)` is told each one. A required time with
 * no time of the row to take stays null (the row is then refused as incomplete).
 */
export function fillRequired(schema: RecordSchema, row: Record<string, unknown>, filled: (field: string) => void): void {
  for (const f of requiredFields(schema)) {
    if (row[f.name] !== null && row[f.name] !== undefined) continue;
    let v: unknown;
    if (f.name === 'community_id') v = rowCommunityId(row) ?? '';
    else {
      switch (f.type) {
        case 'int':
        case 'float':
          v = 0;
          break;
        case 'string':
          v = '';
          break;
        case 'bool':
          v = false;
          break;
        case 'string[]':
        case 'int[]':
          v = [];
          break;
        case 'json':
          v = '{}';
          break;
        case 'timestamp':
          v = f.name === schema.timeField ? null : (row[schema.timeField] ?? null);
          break;
      }
    }
    if (v === null) continue;
    row[f.name] = v;
    filled(f.name);
  }
}
