// The filter language (--filter, --where, the console's query bar): expressions over every record schema,
// mutated by token (operators, parentheses, quotes, keywords, long and deep nests) and by byte, parsed,
// evaluated on rows, and turned into SQL for both stores. Contract: a bad expression is a HaystackError
// (HAYSTACK_BAD_ARGUMENT) naming the column; evaluation and SQL generation never throw.
import fc from 'fast-check';
import { isHaystackError } from '../../../src/core/errors.js';
import { compileFilter, parseFilter } from '../../../src/query/filter.js';
import { RECORD_SCHEMAS } from '../../../src/schema/registry.js';
import type { FieldType } from '../../../src/schema/schema.js';
import { whereSql } from '../../../src/store/sql.js';
import { bytesText, mustNotThrow, mutatedText, textBytes, userInput, type FuzzTarget } from '../target.js';

const EXPRESSIONS = [
  'dst_port = 443 and sni ~ "example"', 'version == "TLSv13" and dst_port != 443', 'dst_port > 443 or not sni', 'not (dst_port < 100 or dst_port >= 8000)',
  "sni ~ 'example'", 'sni !~ "mail"', 'sni = null', 'ts >= "2026-01-12T10:00:00" and ts < 1768212000000000', 'alpn = "h2"', 'cipher_suites = 4865',
  'proto = "tcp" and (direction = "inbound" or direction = "outbound") and src_bytes > 1000000', 'app_proto = "http" and local_src = true',
  'subject ~ "İnvoice" or from ~ "\\"quoted\\""', 'rcpt_to = "a@b" and data_bytes >= 0', 'method = "PUT" and status_code = 201 and uri ~ "/upload"',
  'mime_type != declared_type and size > 0', 'sid = 2013365 and msg ~ "Defaced"', 'program = "postfix/smtpd" and parse_ok = false', 'name ~ "_truncated"', 'sensor',
];

const VOCABULARY = [
  ' ', '(', ')', '((((((((', '))))))))', '"', "'", '\\', '=', '==', '!=', '<', '<=', '>', '>=', '~', '!~', 'and', 'or', 'not', 'null', 'true', 'false',
  '-1', '0', '1e309', '99999999999999999999', '0x10', '1.5', '"2026-13-45T99:00:00"', '"x"', 'dst_port', 'ts', 'sni', 'no_such_field', '\u0130', '\ud800', ' or dst_port = 1',
];

export function make(): FuzzTarget<{ schema: number; expr: string }> {
  return {
    name: 'filter',
    about: 'parseFilter/compileFilter/whereSql on mutated expressions over every schema: HaystackError with column, no other throw',
    arbitrary: fc.record({ schema: fc.nat({ max: RECORD_SCHEMAS.length - 1 }), expr: mutatedText(EXPRESSIONS, VOCABULARY, 5) }),
    check: ({ schema, expr }) => {
      const s = RECORD_SCHEMAS[schema % RECORD_SCHEMAS.length]!;
      const e = userInput('parseFilter()', () => parseFilter(expr, s), (x) => isHaystackError(x, 'HAYSTACK_BAD_ARGUMENT') && /column \d+/.test(x.message));
      if (e === null) return;
      const f = mustNotThrow('compileFilter()', () => compileFilter(e));
      const empty = Object.fromEntries(s.fields.map((x) => [x.name, null]));
      const full = Object.fromEntries(s.fields.map((x) => [x.name, sample(x.type)]));
      mustNotThrow('filter evaluation', () => [f(empty), f(full)]);
      mustNotThrow('whereSql()', () => [whereSql(e, 'duckdb'), whereSql(e, 'clickhouse')]);
    },
    encode: (i) => ({ bin: textBytes(i.expr), extra: { schema: RECORD_SCHEMAS[i.schema % RECORD_SCHEMAS.length]!.name } }),
    decode: (e) => {
      const name = ((e.extra ?? {}) as { schema?: string }).schema;
      return { expr: bytesText(e.bin), schema: Math.max(0, RECORD_SCHEMAS.findIndex((s) => s.name === name)) };
    },
  };
}

function sample(type: FieldType): unknown {
  switch (type) {
    case 'string[]':
      return ['h2', 'x'];
    case 'int[]':
      return [4865, 0];
    case 'bool':
      return true;
    case 'string':
    case 'json':
      return 'www.example.com';
    case 'timestamp':
      return 1_768_212_000_000_000;
    case 'int':
    case 'float':
      return 443;
    default: {
      const never: never = type;
      throw new Error(`unknown field type ${String(never)}`);
    }
  }
}
