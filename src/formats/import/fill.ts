// What an imported row gets for the fields our schema requires and the log does not carry (Zeek's unset
// columns, EVE's missing counters): zero, the empty text or list, false; a required time is the row's own
// time field; a missing Community ID is computed from the endpoints (TCP, UDP, SCTP), else the empty text.
import { parseIpv4, parseIpv6 } from '../../core/ip.js';
import { communityId } from '../../flow/community-id.js';
import type { FieldDef, RecordSchema } from '../../schema/schema.js';
import { own } from '../../core/own.js';

const PROTOS: Readonly<Record<string, number>> = { tcp: 6, udp: 17, sctp: 132 };

function ipBytes(s: string): Uint8Array | null {
  const v4 = parseIpv4(s);
  if (v4 !== null) return new Uint8Array([v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255]);
  return parseIpv6(s);
}

/** The Community ID v1 (seed 0) of a row's endpoints; null when they are not a TCP/UDP/SCTP 5-tuple. */
export function rowCommunityId(row: Record<string, unknown>): string | null {
  const { src_ip: si, dst_ip: di, src_port: sp, dst_port: dp, proto } = row;
  if (typeof si !== 'string' || typeof di !== 'string' || typeof sp !== 'number' || typeof dp !== 'number' || typeof proto !== 'string') return null;
  const p = own(PROTOS, proto.toLowerCase());
  const a = ipBytes(si);
  const b = ipBytes(di);
  if (p === undefined || a === null || b === null || a.length !== b.length) return null;
  return communityId(a, b, p, sp, dp);
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
