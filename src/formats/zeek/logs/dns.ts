// dns.log from `dns`: Zeek's default columns (base/protocols/dns), one line per query/response transaction.
import { DNS } from '../../../schema/dns.js';
import { computed, connColumns, same } from '../columns.js';
import type { Row, SqlParts, ZeekLog, ZeekValue } from '../zeek-types.js';
import { nonEmptySql, renamedSql } from '../sql-values.js';
import { own } from '../../../core/own.js';

/** Zeek's response flags default to F when no response was seen */
const flag = (field: string) => (r: Row): ZeekValue => (r[field] ?? false) as boolean;
const flagSql = (field: string) => (s: SqlParts): string => `coalesce(${s.col(field)}, false)`;
const setFlag = (field: string) => (v: ZeekValue, o: Row): void => { o[field] = v; };

/** Zeek's class names (DNS::classes) where they differ from ours */
const CLASS: Readonly<Record<string, string>> = { IN: 'C_INTERNET', CH: 'C_CHAOS', HS: 'C_HESIOD', NONE: 'C_NONE', ANY: 'C_ANY' };
const OUR_CLASS = new Map(Object.entries(CLASS).map(([k, v]) => [v, k]));

/** Zeek's opcode names (DNS::opcodes) where they differ from ours */
const OPCODE: Readonly<Record<string, string>> = { iquery: 'inverse-query', update: 'dynamic-update' };
const OUR_OPCODE = new Map(Object.entries(OPCODE).map(([k, v]) => [v, k]));

/** Zeek's type names (DNS::query_types): ANY is `*`, an unnamed type `query-N` (ours TYPEN) */
function zeekQtype(name: string): string {
  if (name === 'ANY') return '*';
  return /^TYPE\d+$/.test(name) ? `query-${name.slice(4)}` : name;
}

function zeekQtypeSql(s: SqlParts, x: string): string {
  return `CASE WHEN ${x} = ${s.lit('ANY')} THEN ${s.lit('*')} WHEN regexp_full_match(${x}, ${s.lit('TYPE[0-9]+')}) THEN ${s.lit('query-')} || substr(${x}, 5) ELSE ${x} END`;
}

function ourQtype(name: string): string {
  if (name === '*') return 'ANY';
  return /^query-\d+$/.test(name) ? `TYPE${name.slice(6)}` : name;
}

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
    computed('qclass_name', 'string', (r) => (r.qclass_name === null ? null : own(CLASS, r.qclass_name as string) ?? (r.qclass_name as string)),
      (s) => renamedSql(s, s.col('qclass_name'), CLASS), (v, o) => {
      o.qclass_name = OUR_CLASS.get(v as string) ?? v;
    }, ['qclass_name']),
    same('qtype', 'count', 'qtype'),
    computed('qtype_name', 'string', (r) => (r.qtype_name === null ? null : zeekQtype(r.qtype_name as string)), (s) => zeekQtypeSql(s, s.col('qtype_name')),
      (v, o) => { o.qtype_name = ourQtype(v as string); }, ['qtype_name']),
    same('rcode', 'count', 'rcode'),
    same('rcode_name', 'string', 'rcode_name'),
    computed('AA', 'bool', flag('aa'), flagSql('aa'), setFlag('aa'), ['aa']),
    computed('TC', 'bool', flag('tc'), flagSql('tc'), setFlag('tc'), ['tc']),
    same('RD', 'bool', 'rd'),
    computed('RA', 'bool', flag('ra'), flagSql('ra'), setFlag('ra'), ['ra']),
    same('Z', 'count', 'z'),
    computed('answers', 'vector[string]', (r) => ((r.answers as string[]).length === 0 ? null : (r.answers as string[])), (s) => nonEmptySql(s.col('answers')), (v, o) => { o.answers = [...(v as string[])]; }, ['answers']),
    computed('TTLs', 'vector[interval]', (r) => ((r.ttls as number[]).length === 0 ? null : (r.ttls as number[])), (s) => nonEmptySql(s.col('ttls')), (v, o) => { o.ttls = (v as number[]).map((x) => Math.round(x)); }, ['ttls']),
    same('rejected', 'bool', 'rejected'),
    same('opcode', 'count', 'opcode'),
    computed('opcode_name', 'string', (r) => own(OPCODE, r.opcode_name as string) ?? (r.opcode_name as string), (s) => renamedSql(s, s.col('opcode_name'), OPCODE), (v, o) => { o.opcode_name = OUR_OPCODE.get(v as string) ?? v; }, ['opcode_name']),
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
