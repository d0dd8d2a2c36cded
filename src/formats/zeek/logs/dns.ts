// dns.log from `dns`: Zeek's default columns (base/protocols/dns), one line per query/response transaction.
import { DNS } from '../../../schema/dns.js';
import { computed, connColumns, same } from '../columns.js';
import type { Row, ZeekLog, ZeekValue } from '../zeek-types.js';

/** Zeek's response flags default to F when no response was seen */
const flag = (field: string) => (r: Row): ZeekValue => (r[field] ?? false) as boolean;
const setFlag = (field: string) => (v: ZeekValue, o: Row): void => { o[field] = v; };

export const DNS_LOG: ZeekLog = {
  path: 'dns',
  schema: DNS,
  columns: [
    ...connColumns('ts'),
    same('proto', 'enum', 'transport'),
    same('trans_id', 'count', 'trans_id'),
    same('rtt', 'interval', 'rtt'),
    same('query', 'string', 'query'),
    same('qclass', 'count', 'qclass'),
    same('qclass_name', 'string', 'qclass_name'),
    same('qtype', 'count', 'qtype'),
    same('qtype_name', 'string', 'qtype_name'),
    same('rcode', 'count', 'rcode'),
    same('rcode_name', 'string', 'rcode_name'),
    computed('AA', 'bool', flag('aa'), setFlag('aa'), ['aa']),
    computed('TC', 'bool', flag('tc'), setFlag('tc'), ['tc']),
    same('RD', 'bool', 'rd'),
    computed('RA', 'bool', flag('ra'), setFlag('ra'), ['ra']),
    same('Z', 'count', 'z'),
    computed('answers', 'vector[string]', (r) => ((r.answers as string[]).length === 0 ? null : (r.answers as string[])), (v, o) => { o.answers = [...(v as string[])]; }, ['answers']),
    computed('TTLs', 'vector[interval]', (r) => ((r.ttls as number[]).length === 0 ? null : (r.ttls as number[])), (v, o) => { o.ttls = (v as number[]).map((x) => Math.round(x)); }, ['ttls']),
    same('rejected', 'bool', 'rejected'),
    same('opcode', 'count', 'opcode'),
    same('opcode_name', 'string', 'opcode_name'),
  ],
  finish: (o) => {
    if (o.answers === null) o.answers = [];
    if (o.ttls === null) o.ttls = [];
    for (const f of ['auth', 'addl']) if (o[f] === null) o[f] = [];
    // without a response (no rcode) the flags are Zeek's defaults, not observations
    if (o.rcode === null) {
      o.aa = null;
      o.tc = null;
      o.ra = null;
    }
    o.outcome = o.rcode === null ? 'unanswered' : 'answered';
  },
};
