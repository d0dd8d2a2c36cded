// The store queries behind the search API (records, counts, histogram, field values, related records), one
// import for the server; each lives in its own file.
export { type SearchScope } from './search-common.js';
export { MAX_CURSOR_CHARS, type Order } from './search-keys.js';
export { MAX_PAGE_ROWS, records, summary, type RecordsOptions, type RecordsPage, type Summary } from './search-records.js';
export { BUCKET_LADDER, DEFAULT_BUCKETS, MAX_BUCKETS, SPLIT_VALUES, histogram, type Histogram, type HistogramOptions } from './search-histogram.js';
export { MAX_FIELD_VALUES, fieldValues, type FieldValueCount, type FieldValues, type FieldValuesOptions } from './search-values.js';
export {
  FLOW_LOOKBACK_US, FLOW_SLACK_US, MAX_LOOKUP_CHARS, MAX_RELATED_ROWS, PIVOT_KINDS, byUid, pivot, type PivotKind, type Related, type RelatedOptions, type UidOptions, type UidRecords,
} from './search-related.js';
