// The SQL forms of `zeek` and `zeek-json`: a Zeek log's lines made by DuckDB, generated from the same column
// definitions the writers compile (formats/zeek/logs/*.ts): each column's value from its `sql`, formatted by its
// Zeek type as zeek-text.ts does (zeek-sql-text.ts), the columns joined as ZeekLogWriter joins them. A log with a
// column that has no SQL, or with a `keep` rule without its SQL (x509: once per certificate), has no form: its
// writer is used. A `keep` with SQL (ftp: the commands Zeek logs) is the inner SELECT's WHERE.
import { zeekLogsOf } from '../../formats/zeek/zeek-logs.js';
import { elementType, jsonString, zeekFieldText, zeekJsonSeconds, zeekJsonTime } from '../../formats/zeek/zeek-text.js';
import type { SqlParts, ZeekColumn, ZeekLog, ZeekScalar, ZeekType, ZeekValue } from '../../formats/zeek/zeek-types.js';
import { zeekHeader, zeekHeaderTime } from '../../formats/zeek/zeek-writer.js';
import type { RecordSchema } from '../../schema/schema.js';
import { ident, quoteString } from '../sql.js';
import type { ExternalSql, SqlFormBuilder } from './forms.js';
import { jsonMemberSql, jsonObjectSql } from './sql-json.js';
import { zeekJsonValueSql, zeekTsvFieldSql } from './zeek-sql-text.js';

const lit = (s: string): string => quoteString(s, 'duckdb');

/** A column as the line needs it: text known once (it reads no field), or a value computed per row. */
type Part = { text: ZeekValue } | { sql: string; nullable: boolean };

/** A column's value SQL over the schema's fields, or its constant value when it reads none; null: no SQL. */
function part(c: ZeekColumn, schema: RecordSchema): Part | null {
  if (c.sql === undefined) return null;
  let reads = false;
  let nullable = false;
  const parts: SqlParts = {
    col(field) {
      reads = true;
      const f = schema.fields.find((x) => x.name === field);
      if (f === undefined) return 'NULL';
      nullable ||= f.nullable;
      // the rows the writers get (typedRow) have null for an empty list of a nullable list field
      return f.nullable && f.type.endsWith('[]') ? `CASE WHEN len(${ident(field)}) > 0 THEN ${ident(field)} END` : ident(field);
    },
    lit,
  };
  const sql = c.sql(parts);
  // a column that reads no field is a constant (unfilled, fixed, a computed constant): its writer's value, as text
  if (!reads) return { text: c.get({}) };
  // a field as it is stays NOT NULL when the field is; anything computed may be NULL
  return { sql, nullable: c.field === undefined || nullable };
}

/** A constant's JSON text as compileJsonRow writes it (null: left out). */
function jsonConstant(v: ZeekValue, type: ZeekType): string | null {
  if (v === null) return null;
  const one = (x: ZeekScalar, t: string): string => {
    switch (t) {
      case 'time': return zeekJsonTime(x as number);
      case 'interval': case 'double': return zeekJsonSeconds(x as number);
      case 'count': case 'int': case 'port': case 'bool': return String(x);
      default: return jsonString(String(x));
    }
  };
  const el = elementType(type);
  return el === null ? one(v as ZeekScalar, type) : `[${(v as readonly ZeekScalar[]).map((x) => one(x, el)).join(',')}]`;
}

/** Literal text pieces merged, then concat() of the pieces (one call: no NULL among them). */
function concatSql(pieces: readonly ({ text: string } | { sql: string })[]): string {
  const out: string[] = [];
  let text = '';
  for (const p of pieces) {
    if ('text' in p) {
      text += p.text;
      continue;
    }
    if (text !== '') out.push(lit(text));
    text = '';
    out.push(p.sql);
  }
  if (text !== '') out.push(lit(text));
  return out.length === 1 ? out[0]! : `concat(${out.join(', ')})`;
}

/** The SELECT of a log's lines from `source`: the values computed once per row, then formatted and joined. */
function linesSql(log: ZeekLog, parts: readonly Part[], json: boolean, source: string, where: string | null): string {
  const values: string[] = [];
  const ref = (i: number, sql: string): string => {
    values.push(`${sql} AS ${ident(`v${i}`)}`);
    return ident(`v${i}`);
  };
  let line: string;
  if (json) {
    // members in column order, unset ones left out; constants' text merged (concat_ws puts the commas)
    const members: string[] = [];
    let text: string[] = [];
    const flush = (): void => {
      if (text.length > 0) members.push(lit(text.join(',')));
      text = [];
    };
    log.columns.forEach((c, i) => {
      const p = parts[i]!;
      if ('text' in p) {
        const t = jsonConstant(p.text, c.type);
        if (t !== null) text.push(`${JSON.stringify(c.name)}:${t}`);
        return;
      }
      flush();
      members.push(jsonMemberSql(c.name, zeekJsonValueSql(c.type, ref(i, p.sql))));
    });
    flush();
    line = jsonObjectSql(members);
  } else {
    const pieces: ({ text: string } | { sql: string })[] = [];
    log.columns.forEach((c, i) => {
      if (i > 0) pieces.push({ text: '\t' });
      const p = parts[i]!;
      pieces.push('text' in p ? { text: zeekFieldText(p.text, c.type) } : { sql: zeekTsvFieldSql(c.type, ref(i, p.sql), p.nullable) });
    });
    line = concatSql(pieces);
  }
  const from = `FROM ${source} AS ${ident('s')}${where === null ? '' : ` WHERE ${where}`}`;
  const inner = values.length === 0 ? `SELECT 1 AS ${ident('v')} ${from}` : `SELECT ${values.join(', ')} ${from}`;
  return `SELECT ${line} AS ${ident('line')} FROM (${inner}) AS ${ident('z')}`;
}

/**
 * The SQL form of one Zeek log, TSV or JSON (`now`: the header's #open and #close), or null when the log has none.
 * Head and tail as ZeekLogWriter writes them: the header and #close for TSV (an empty log has both), none for JSON.
 */
export function zeekSqlForm(log: ZeekLog, json: boolean, now: number): ExternalSql | null {
  if (log.keep !== undefined && log.sqlKeep === undefined) return null;
  // NULL (a command the store has not) is not kept, as the writer's keep of null
  const where = log.sqlKeep === undefined ? null : `coalesce(${log.sqlKeep({ col: (f) => (log.schema.fields.some((x) => x.name === f) ? ident(f) : 'NULL'), lit })}, false)`;
  const parts: Part[] = [];
  for (const c of log.columns) {
    const p = part(c, log.schema);
    if (p === null) return null;
    parts.push(p);
  }
  return {
    head: json ? '' : zeekHeader(log, now),
    tail: json ? '' : `#close\t${zeekHeaderTime(now)}\n`,
    lines: (source) => linesSql(log, parts, json, source, where),
  };
}

/** `--format zeek|zeek-json` of a table: its first log's form (ZeekFormat's writer writes that log). */
function builder(json: boolean): SqlFormBuilder {
  return (schema, opts) => {
    const log = zeekLogsOf(schema.name)[0];
    return log === undefined ? null : zeekSqlForm(log, json, opts.now);
  };
}

export const ZEEK_SQL_FORM: SqlFormBuilder = builder(false);
export const ZEEK_JSON_SQL_FORM: SqlFormBuilder = builder(true);
