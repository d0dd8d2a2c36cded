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
      if (f === undefined) {
        nullable = true;
        return 'NULL';
      }
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

/**
 * A JSON line as one concat() of its pieces, when its first member is always there (a constant, or a NOT NULL field
 * as it is: every log's ts): each member's JSON text is a column of a projection of its own (`texts`), and a member
 * that may be unset writes its key and comma only when its text is not NULL (a CASE of constants: no string is
 * built per member). concat_ws of `"key":` || value members built every member's string first: 2x the CPU of the
 * line (20 conn.log members, 861,000 rows, 0.64-0.98 against 0.42-0.47 CPU s). Null when the first member may be
 * unset (the commas would depend on the row): concat_ws then.
 */
function jsonConcatLine(log: ZeekLog, parts: readonly Part[], ref: (i: number, sql: string) => string, texts: string[]): string | null {
  const consts = log.columns.map((c, i) => {
    const p = parts[i]!;
    return 'text' in p ? jsonConstant(p.text, c.type) : undefined;
  });
  // the first member written (a constant that is not null, or a value) must be one that is always there
  const first = log.columns.findIndex((_, i) => !('text' in parts[i]!) || consts[i] !== null);
  const p0 = parts[first];
  if (p0 === undefined || ('sql' in p0 && p0.nullable)) return null;
  const pieces: ({ text: string } | { sql: string })[] = [{ text: '{' }];
  log.columns.forEach((c, i) => {
    const p = parts[i]!;
    const key = `${i > first ? ',' : ''}${JSON.stringify(c.name)}:`;
    if ('text' in p) {
      const t = consts[i];
      if (t !== null && t !== undefined) pieces.push({ text: `${key}${t}` });
      return;
    }
    const j = ident(`j${i}`);
    texts.push(`${zeekJsonValueSql(c.type, ref(i, p.sql))} AS ${j}`);
    // a value of a NOT NULL field as it is has a text on every row (zeekJsonValueSql: NULL only for NULL)
    pieces.push(p.nullable ? { sql: `CASE WHEN ${j} IS NOT NULL THEN ${lit(key)} END` } : { text: key }, { sql: j });
  });
  pieces.push({ text: '}' });
  return concatSql(pieces);
}

/** The SELECT of a log's lines from `source`: the values computed once per row, then formatted and joined. */
function linesSql(log: ZeekLog, parts: readonly Part[], json: boolean, source: string, where: string | null): string {
  const values: string[] = [];
  const ref = (i: number, sql: string): string => {
    values.push(`${sql} AS ${ident(`v${i}`)}`);
    return ident(`v${i}`);
  };
  let line: string;
  // zeek-json's member texts, a projection between the values and the line (jsonConcatLine)
  const texts: string[] = [];
  const concatLine = json ? jsonConcatLine(log, parts, ref, texts) : null;
  if (concatLine !== null) line = concatLine;
  else if (json) {
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
  const middle = texts.length === 0 ? inner : `SELECT ${texts.join(', ')} FROM (${inner}) AS ${ident('y')}`;
  return `SELECT ${line} AS ${ident('line')} FROM (${middle}) AS ${ident('z')}`;
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
