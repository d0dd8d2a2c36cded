// Record schemas as data: one field list per record type, from which the row types, JSON column order and
// (later) the DuckDB and ClickHouse DDL are derived.
import type { Bound } from './bounds.js';

export type FieldType = 'string' | 'int' | 'float' | 'bool' | 'timestamp' | 'string[]' | 'int[]' | 'json';

export interface FieldDef {
  readonly name: string;
  readonly type: FieldType;
  readonly nullable: boolean;
  readonly doc: string;
  /** how much of a traffic-given value a row keeps (text, list and json fields; src/schema/bounds.ts) */
  readonly bound?: Bound;
  /**
   * a row may leave it out (the stores write null): fields only some producers fill, such as the provenance of
   * imported records (provenance.ts), which the decoders of traffic never set
   */
  readonly optional?: boolean;
}

export interface RecordSchema {
  readonly name: string;
  readonly doc: string;
  /** the field time windows and time buckets use (reports, ClickHouse sort key) */
  readonly timeField: string;
  /** ClickHouse MergeTree sort key when the time field is nullable */
  readonly sortKey?: readonly string[];
  readonly fields: readonly FieldDef[];
}

interface TsTypes {
  string: string;
  int: number;
  float: number;
  bool: boolean;
  /** µs since the epoch in memory; ISO 8601 in JSON */
  timestamp: number;
  'string[]': string[];
  'int[]': number[];
  json: unknown;
}

type FieldValue<F extends FieldDef> = TsTypes[F['type']] | (F['nullable'] extends true ? null : never);

/** The row type of a schema: every field present, absent values null; `optional` fields may be left out. */
export type RowOf<S extends RecordSchema> = {
  [F in S['fields'][number] as F extends { readonly optional: true } ? never : F['name']]: FieldValue<F>;
} & {
  [F in S['fields'][number] as F extends { readonly optional: true } ? F['name'] : never]?: FieldValue<F>;
};

export function field<N extends string, T extends FieldType, B extends boolean>(
  name: N, type: T, nullable: B, doc: string, bound?: Bound,
): { name: N; type: T; nullable: B; doc: string; bound?: Bound } {
  return bound === undefined ? { name, type, nullable, doc } : { name, type, nullable, doc, bound };
}
