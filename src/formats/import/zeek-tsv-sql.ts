// The import of a whole Zeek TSV log as SQL (DuckDB reads and maps the file itself): the same rows the JS path
// (zeek-tsv.ts -> zeekToRecord -> fill, withhold, bounds in pipeline/import.ts) writes, from the same column
// definitions' SQL inverses. All or nothing: a header this cannot map gives a reason (and the file goes the JS
// way), and the insert stops with GUARD_ERROR at any row the SQL would not map exactly as the JS path does, or
// where the JS path would write an anomaly (its transaction is then rolled back and the file goes the JS way).
import { ICMP4_PAIRS, ICMP6_PAIRS } from '../../flow/community-id.js';
import { PROTO_NAMES } from '../../flow/session-record.js';
import type { FieldDef, RecordSchema } from '../../schema/schema.js';
import { sqlIdent, sqlJson, sqlMap, sqlString, zeekSqlDecode, type SqlKind } from '../zeek/zeek-sql.js';
import { zeekLogsByPath } from '../zeek/zeek-logs.js';
import { isSecretKey } from './withhold.js';

/** What a Zeek TSV file's header says (the fast path takes only Zeek's default separators and markers). */
export interface ZeekTsvHeader {
  /** #path, else the file's name (conn.log -> conn) */
  log: string;
  fields: readonly string[];
  /** #types (a column without one is text) */
  types: readonly string[];
}

/** The SQL of one file's import. */
export interface ZeekSqlPlan {
  schema: RecordSchema;
  /**
   * One row: n (rows), first and last (the time field's µs), and for the k-th field of `fillable`, n_k (rows the
   * fill gives it a value). Read after the insert, which has refused any row the JS path would map otherwise.
   */
  statsSql: string;
  /**
   * The first row (`any`: the first row where one of `fields` is null, in the file's order): f_k, whether the
   * k-th of `fields` is null there (for the order in which the JS path's fill counts get their keys).
   */
  firstFilledSql(fields: readonly string[], any: boolean): string;
  /**
   * The rows: the schema's fields but capture_id, by name, in the table's types. A row the JS path would map
   * otherwise (or mark with an anomaly) stops the statement with an error whose message holds GUARD_ERROR.
   */
  selectSql: string;
  /** required fields the importer may fill (fill.ts), in schema order */
  fillable: readonly string[];
}

/** The message of the error that stops the insert at a row the SQL would not map as the JS path does. */
export const GUARD_ERROR = 'haystack: a row the SQL does not map as the JS path does';

/** A header the SQL maps, or why not. */
export type ZeekSqlAnswer = { plan: ZeekSqlPlan } | { reason: string };

/** Our field type a decoded kind is, for the columns that are a field of ours unchanged. */
const KIND_OF: Partial<Record<FieldDef['type'], SqlKind>> = { string: 'text', int: 'int', float: 'float', bool: 'bool', timestamp: 'time', 'string[]': 'text[]', 'int[]': 'int[]' };

/** A JS array index ("0", "17"): an object's keys of that form come first, whatever the order they were set. */
const INDEX_KEY = /^(?:0|[1-9]\d*)$/;

/**
 * The plan of a file whose read_csv is `source` (columns c0..cN as VARCHAR, `-` read as NULL), or why it goes
 * the JS way. `sensor`: the rows' sensor; `origin`: zeek.
 */
export function zeekSqlPlan(header: ZeekTsvHeader, source: string, sensor: string | null): ZeekSqlAnswer {
  const logs = zeekLogsByPath(header.log);
  if (logs.length !== 1) return { reason: logs.length === 0 ? `no mapping of the log ${header.log}` : `${header.log} maps to more than one table` };
  const spec = logs[0]!;
  if (spec.path === 'x509') return { reason: 'x509 rows are merged into tls rows' };
  // the JS path redacts credentials in http rows' URLs (pipeline/import.ts redactHttpUrls)
  if (spec.schema.name === 'http') return { reason: 'http rows have their URLs redacted' };
  if (spec.finish !== undefined && spec.sqlFinish === undefined) return { reason: `${spec.path}: its finish has no SQL form` };
  const { fields, types } = header;
  if (fields.length === 0) return { reason: 'no #fields' };
  if (new Set(fields).size !== fields.length) return { reason: 'a column name repeats' };
  if (fields.some((f) => INDEX_KEY.test(f) || f === '__proto__')) return { reason: 'a column name an object would reorder' };
  const schema = spec.schema;
  const byName = new Map(schema.fields.map((f) => [f.name, f]));
  const index = new Map(fields.map((f, i) => [f, i]));
  /**
   * conditions on stage 1's columns (the texts), and on stage 2's (the decoded values). They are only ever ORed and
   * read by the insert's CASE WHEN, where NULL is not true: a NULL condition counts as false without coalesce()
   * (an OR is true when one of its terms is, whatever the others; ~40 coalesce() calls a row measured ~0.1-0.2 s).
   */
  const textBads: string[] = [];
  const bads: string[] = ['__bad1'];

  // stage 1: the columns decoded by their #types
  const decoded = fields.map((_f, i) => zeekSqlDecode(types[i] ?? 'string', `c${i}`));
  for (const [i, d] of decoded.entries()) {
    if (d === null) return { reason: `column ${fields[i]}: type ${types[i]} is not decoded in SQL` };
    textBads.push(`(${d.bad})`);
  }
  const v = (i: number): string => `v${i}`;
  const stage1 = `SELECT ${decoded.map((d, i) => `${d!.value} AS ${v(i)}`).join(', ')}, ${textBads.join(' OR ')} AS __bad1 FROM ${source}`;

  // stage 2: the log's columns' inverses, in the log's order (a later column's value wins, as its set() is later)
  const cur = new Map<string, string>(schema.fields.map((f) => [f.name, 'NULL']));
  const get = (f: string): string => {
    const e = cur.get(f);
    if (e === undefined) throw new Error(`zeek-tsv-sql: ${spec.path} sets ${f}, not a field of ${schema.name}`);
    return e;
  };
  const extra: string[] = [];
  const extraKeys: string[] = [];
  const addExtra = (name: string, i: number): string | null => {
    const d = decoded[i]!;
    const json = sqlJson(d.kind, v(i));
    if (json === null) return `column ${name}: a ${types[i]} in extra is not written in SQL`;
    extra.push(`CASE WHEN ${v(i)} IS NULL THEN NULL ELSE ${sqlString(`${JSON.stringify(name)}:`)} || ${json} END`);
    extraKeys.push(name);
    // a credential in clear is withheld by the JS path (withhold.ts): such a file goes that way
    if (isSecretKey(name)) bads.push(d.kind.endsWith('[]') ? `coalesce(len(${v(i)}) > 0, false)` : d.kind === 'text' ? `coalesce(${v(i)} NOT IN ('', '-'), false)` : `${v(i)} IS NOT NULL`);
    return null;
  };
  for (const c of spec.columns) {
    const i = index.get(c.name);
    if (i === undefined) continue;
    if (c.set === undefined) {
      const why = addExtra(c.name, i);
      if (why !== null) return { reason: why };
      continue;
    }
    if (c.sqlSet === undefined) return { reason: `column ${c.name} has no SQL inverse` };
    if ((types[i] ?? 'string') !== c.type) return { reason: `column ${c.name}: type ${types[i] ?? '(none)'}, the log's is ${c.type}` };
    if (c.field !== undefined && KIND_OF[byName.get(c.field)?.type ?? 'json'] !== decoded[i]!.kind) return { reason: `column ${c.name}: a ${c.type} is not a ${byName.get(c.field)?.type}` };
    const set = c.sqlSet(v(i), get);
    for (const [f, e] of Object.entries(set)) {
      get(f);
      cur.set(f, e === v(i) && get(f) === 'NULL' ? e : `CASE WHEN ${v(i)} IS NULL THEN ${get(f)} ELSE ${e} END`);
    }
  }
  const known = new Set(spec.columns.map((c) => c.name));
  for (const [i, f] of fields.entries()) {
    if (known.has(f)) continue;
    const why = addExtra(f, i);
    if (why !== null) return { reason: why };
  }
  // withholdSecrets also takes {name: <a secret's name>, value}: left to the JS path
  if (extraKeys.includes('name') && extraKeys.includes('value')) return { reason: 'extra has a name and a value' };
  const extraSql = extra.length === 0 ? 'NULL' : `CASE WHEN concat_ws(',', ${extra.join(', ')}) = '' THEN NULL ELSE '{' || concat_ws(',', ${extra.join(', ')}) || '}' END`;
  const stage2 = `SELECT ${schema.fields.map((f) => `${get(f.name)} AS ${sqlIdent(f.name)}`).join(', ')}, ${extraSql} AS __extra, ${bads.join(' OR ')} AS __bad FROM (${stage1})`;

  // stage 3: the log's finish
  const col = (f: string): string => sqlIdent(f);
  let stage3 = stage2;
  const fin = spec.sqlFinish?.(col);
  if (fin !== undefined) {
    const names = schema.fields.map((f) => `${fin.set[f.name] ?? col(f.name)} AS ${col(f.name)}`);
    stage3 = `SELECT ${names.join(', ')}, __extra, ${fin.bad === undefined ? '__bad' : `__bad OR (${fin.bad})`} AS __bad FROM (${stage2})`;
  }

  // stage 4: what pipeline/import.ts does to each row: origin, extra, sensor, required fields filled (fill.ts),
  // and the rows it would cut or refuse (bounds.ts, its row check) marked bad
  const required = schema.fields.filter((f) => !f.nullable && f.name !== 'capture_id');
  const cid = required.some((f) => f.name === 'community_id');
  // a field the log never sets is NULL here: its bound cannot be passed (a check of it costs per row all the same);
  // not `extra`, which no column sets but __extra fills (its bound is on __extra)
  const unset = (f: FieldDef): boolean => f.name !== 'extra' && get(f.name) === 'NULL' && fin?.set[f.name] === undefined;
  const checks: string[] = ['__bad', `${col(schema.timeField)} IS NULL`, ...schema.fields.filter((f) => !unset(f)).map((f) => boundBad(f)).filter((b): b is string => b !== null)];
  // an address communityIdSql leaves to the JS path (an IPv6 one with an IPv4 tail), where the fill computes one
  const v4tail = (a: string): string => `(contains(${col(a)}, ':') AND contains(${col(a)}, '.'))`;
  if (cid) checks.push(`${col('community_id')} IS NULL AND (${v4tail('src_ip')} OR ${v4tail('dst_ip')})`);
  const stage4 = cid ? communityIdSql(col, stage3) : `SELECT *, NULL AS __cid FROM (${stage3})`;
  const hasSensor = schema.fields.some((f) => f.name === 'sensor');
  const out = schema.fields.filter((f) => f.name !== 'capture_id').map((f) => {
    let e = col(f.name);
    if (f.name === 'origin') e = sqlString('zeek');
    else if (f.name === 'extra') e = '__extra';
    else if (f.name === 'sensor' && hasSensor && sensor !== null) e = sqlString(sensor);
    else if (!f.nullable) e = `coalesce(${e}, ${fillSql(schema, f)})`;
    if (f.type === 'timestamp') e = `make_timestamp(${e})`;
    return `${e} AS ${col(f.name)}`;
  });
  const fillable = required.filter((f) => f.name !== schema.timeField).map((f) => f.name);
  const stats = fillable.map((f, k) => `count(*) FILTER (WHERE ${col(f)} IS NULL) AS n_${k}`);
  const statsSql = `SELECT count(*) AS n, min(${col(schema.timeField)}) AS first, max(${col(schema.timeField)}) AS last${stats.length > 0 ? `, ${stats.join(', ')}` : ''} FROM (${stage3})`;
  const firstFilledSql = (fs: readonly string[], any: boolean): string => `SELECT ${fs.map((f, k) => `${col(f)} IS NULL AS f_${k}`).join(', ')} FROM (${stage3})` +
    `${any ? ` WHERE ${fs.map((f) => `${col(f)} IS NULL`).join(' OR ')}` : ''} LIMIT 1`;
  // the file is read once, by the insert: a row the SQL would not map as the JS path does stops it (the capture's
  // transaction is rolled back, and the file goes the JS way), so no unchecked row is ever written
  const guard = `CASE WHEN ${checks.map((c) => `(${c})`).join(' OR ')} THEN error(${sqlString(GUARD_ERROR)}) ELSE true END`;
  return { plan: { schema, statsSql, selectSql: `SELECT ${out.join(', ')} FROM (${stage4}) WHERE ${guard}`, fillable, firstFilledSql } };
}

/** What fill.ts gives a required field the row leaves null (the Community ID from stage 4's __cid). */
function fillSql(schema: RecordSchema, f: FieldDef): string {
  if (f.name === 'community_id') return `coalesce(__cid, '')`;
  switch (f.type) {
    case 'int': return '0';
    case 'float': return '0.0::DOUBLE';
    case 'string': return `''`;
    case 'bool': return 'false';
    case 'string[]': return '[]::VARCHAR[]';
    case 'int[]': return '[]::BIGINT[]';
    case 'json': return `'{}'`;
    case 'timestamp': return sqlIdent(schema.timeField);
  }
}

/** The largest number of JSON bytes a text's escapes add: 5 per character JSON.stringify escapes (\u00XX). */
function jsonBytesAtMost(t: string): string {
  return `(strlen(${t}) + 2 + 5 * (length(${t}) - length(regexp_replace(${t}, '[\\x00-\\x1f"\\\\]', '', 'g'))))`;
}

/**
 * True on a value bounds.ts would cut (or the importer's `own` text cut): the file goes the JS way, which writes
 * the cut and its anomaly. Conservative (a value that might not fit counts as one that does not).
 */
function boundBad(f: FieldDef): string | null {
  const b = f.bound;
  const c = sqlIdent(f.name);
  if (b === undefined) return null;
  if (f.name === 'extra') return `strlen(__extra) * 2 + 2 > ${b.bytes}`;
  if (b.kind === 'text') {
    // the cheap test first: a text of n characters weighs at most 6n + 2 bytes of JSON
    if (f.type === 'json') return `strlen(${c}) * 6 + 2 > ${b.bytes}`;
    return `(strlen(${c}) * 6 + 2 > ${b.bytes} AND ${jsonBytesAtMost(c)} > ${b.bytes})`;
  }
  if (f.type === 'int[]') return `(len(${c}) > ${b.items} OR 2 + len(${c}) * 18 > ${b.bytes})`;
  // a list of texts: each entry's JSON weight, commas and brackets, when no entry needs an escape
  return `(len(${c}) > ${b.items} OR list_bool_or(list_transform(${c}, e -> regexp_matches(e, '[\\x00-\\x1f"\\\\]') OR strlen(e) + 2 > ${b.itemBytes})) ` +
    `OR 1 + list_sum(list_transform(${c}, e -> strlen(e) + 3)) > ${b.bytes})`;
}

/** IP protocol numbers of sessions' proto names (fill.ts protoNumber). */
const PROTO_NUMBER = new Map([...PROTO_NAMES].map(([n, name]) => [name, n]));

/**
 * An address's bytes as upper-case hex, as core/ip.ts parses it; NULL where it does not; 'x' where SQL does not say.
 * `v4`: the address split on '.'.
 */
function addressHex(a: string, v4: string): string {
  const octet = (k: number): string => `CAST(${v4}[${k}] AS BIGINT)`;
  const dbl = `strpos(${a}, '::')`;
  const head = `substr(${a}, 1, ${dbl} - 1)`;
  const rest = `substr(${a}, ${dbl} + 2)`;
  const groups = (t: string): string => `CASE WHEN ${t} = '' THEN []::VARCHAR[] ELSE string_split(${t}, ':') END`;
  const hex = (t: string): string => `array_to_string(list_transform(${groups(t)}, g -> lpad(upper(g), 4, '0')), '')`;
  const GROUPS = `'([0-9a-fA-F]{1,4}(:[0-9a-fA-F]{1,4})*)?'`;
  return `CASE WHEN regexp_full_match(${a}, '\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}') THEN ` +
    `CASE WHEN greatest(${octet(1)}, ${octet(2)}, ${octet(3)}, ${octet(4)}) <= 255 THEN lpad(to_hex((${octet(1)} << 24) | (${octet(2)} << 16) | (${octet(3)} << 8) | ${octet(4)}), 8, '0') END ` +
    `WHEN strlen(${a}) = 0 OR strlen(${a}) > 45 OR NOT contains(${a}, ':') THEN NULL ` +
    // an IPv4 tail (::ffff:1.2.3.4): left to the JS path
    `WHEN contains(${a}, '.') THEN 'x' ` +
    `WHEN ${dbl} > 0 THEN CASE WHEN contains(substr(${a}, ${dbl} + 1), '::') OR NOT regexp_full_match(${head}, ${GROUPS}) OR NOT regexp_full_match(${rest}, ${GROUPS}) ` +
    `OR len(${groups(head)}) + len(${groups(rest)}) > 7 THEN NULL ELSE ${hex(head)} || repeat('0000', 8 - len(${groups(head)}) - len(${groups(rest)})) || ${hex(rest)} END ` +
    `WHEN regexp_full_match(${a}, '[0-9a-fA-F]{1,4}(:[0-9a-fA-F]{1,4}){7}') THEN ${hex(a)} ELSE NULL END`;
}

/**
 * The Community ID fill.ts rowCommunityId computes from a row's (pre-fill) src_ip, dst_ip, src_port, dst_port
 * and proto, as flow/community-id.ts, as __cid over `from`: NULL where it gives null; the text 'x' where an
 * address is one SQL leaves to the JS path (the insert's guard refuses such rows). In steps (each a projection over
 * the last), so that no expression is written twice.
 */
function communityIdSql(col: (f: string) => string, from: string): string {
  const proto = col('proto');
  const p = sqlMap(`lower(${proto})`, PROTO_NUMBER, `CASE WHEN regexp_full_match(${proto}, '\\d{1,3}') AND CAST(${proto} AS INTEGER) < 256 THEN CAST(${proto} AS INTEGER) END`);
  const sp = col('src_port');
  const dp = col('dst_port');
  const step0 = `SELECT *, string_split(${col('src_ip')}, '.') AS __sa, string_split(${col('dst_ip')}, '.') AS __sb FROM (${from})`;
  const step1 = `SELECT * EXCLUDE (__sa, __sb), ${addressHex(col('src_ip'), '__sa')} AS __ha, ${addressHex(col('dst_ip'), '__sb')} AS __hb, ${p} AS __p FROM (${step0})`;
  const peer = `CASE WHEN __p = 58 THEN ${sqlMap(sp, ICMP6_PAIRS, 'NULL')} WHEN __p = 1 THEN ${sqlMap(sp, ICMP4_PAIRS, 'NULL')} END`;
  // the tuple's ports: ICMP's type and counterpart (or code: one-way), the others' own
  const step2 = `SELECT *, ${peer} AS __peer, __p IN (6, 17, 132, 1, 58) AS __hasports FROM (${step1})`;
  const icmp = `__p IN (1, 58)`;
  const oneWay = `(${icmp} AND __peer IS NULL)`;
  const pb = `CASE WHEN ${icmp} THEN coalesce(__peer, ${dp}) ELSE ${dp} END`;
  const step3 = `SELECT *, ${pb} AS __pb, (NOT ${oneWay} AND (__ha > __hb OR (__ha = __hb AND __hasports AND ${sp} > ${pb}))) AS __swap FROM (${step2})`;
  // (printf costs twice lpad(to_hex()) here: the hex digits are upper case, in both addresses alike)
  const ports = `CASE WHEN NOT __hasports THEN '' WHEN __swap THEN lpad(to_hex(((__pb & 65535) << 16) | (${sp} & 65535)), 8, '0') ` +
    `ELSE lpad(to_hex(((${sp} & 65535) << 16) | (__pb & 65535)), 8, '0') END`;
  const buf = `'0000' || CASE WHEN __swap THEN __hb || __ha ELSE __ha || __hb END || lpad(to_hex(__p), 2, '0') || '00' || ${ports}`;
  const cid = `CASE WHEN __ha = 'x' OR __hb = 'x' THEN 'x' ` +
    `WHEN __p IS NULL OR __ha IS NULL OR __hb IS NULL OR strlen(__ha) <> strlen(__hb) THEN NULL ` +
    `WHEN (__p IN (1, 58, 6, 17, 132)) AND (${sp} IS NULL OR ${dp} IS NULL) THEN NULL ` +
    `ELSE '1:' || to_base64(unhex(sha1(unhex(${buf})))) END`;
  return `SELECT * EXCLUDE (__ha, __hb, __p, __peer, __hasports, __pb, __swap), ${cid} AS __cid FROM (${step3})`;
}
