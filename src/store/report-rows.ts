// The reports' rows as printed: typed columns and values, shared by the CLI (table, JSON lines, CSV) and the
// server's API, so that both give exactly the same report.
import { field, type FieldDef } from '../schema/schema.js';
import type { SplitCount, Trend, TrendOptions } from './reports.js';
import { typedValue } from './search-common.js';
import type { QueryResult, Row } from './store.js';

export interface ReportRows {
  fields: FieldDef[];
  rows: Row[];
}

export function countsRows(rows: readonly { bucket: number; count: number }[]): ReportRows {
  return { fields: [field('bucket', 'timestamp', false, ''), field('count', 'int', false, '')], rows: [...rows] };
}

/** Split counts: the bucket, the split field's value (typed as the field) and the count. */
export function splitCountsRows(rows: readonly SplitCount[], split: FieldDef): ReportRows {
  const f = field(split.name, split.type, false, '');
  return { fields: [field('bucket', 'timestamp', false, ''), f, field('count', 'int', false, '')], rows: rows.map((r) => ({ bucket: r.bucket, [split.name]: typedValue(f, r.key), count: r.count })) };
}

export function trendsRows(rows: readonly Trend[], by: TrendOptions['by']): ReportRows {
  return {
    fields: [
      field(by, by === 'sid' ? 'int' : 'string', false, ''), field('latest_day', 'timestamp', false, ''), field('latest_count', 'int', false, ''),
      field('baseline_per_day', 'float', false, ''), field('ratio', 'string', false, ''), field('earlier_total', 'int', false, ''),
    ],
    rows: rows.map((r) => ({
      [by]: by === 'sid' ? Number(r.key) : r.key, latest_day: r.latest_day, latest_count: r.latest_count, baseline_per_day: r.baseline_per_day,
      ratio: r.ratio === null ? 'new' : r.ratio.toFixed(1), earlier_total: r.earlier_total,
    })),
  };
}

/** A query result's columns as fields; integers past 2^53 arrive as text and are printed as text. */
export function resultRows(r: QueryResult): ReportRows {
  return {
    fields: r.columns.map((c) => field(c.name, c.type === 'int' && r.rows.some((x) => typeof x[c.name] === 'string') ? 'string' : c.type, true, '')),
    rows: r.rows,
  };
}
