// The quick time ranges every screen offers: spans of the newest data (latest-…: captures are often old) or
// before now (now-…), as the API takes them; one list for the search's picker and the reports' select.
export const SPANS = [['15m', '15 min'], ['1h', '1 hour'], ['24h', '24 hours'], ['7d', '7 days'], ['30d', '30 days']] as const;

/** [value for `from`, label]; '' is all time. */
export const QUICK: readonly (readonly [string, string])[] = [
  ...SPANS.map(([d, label]) => [`latest-${d}`, `last ${label} of data`] as const),
  ...SPANS.map(([d, label]) => [`now-${d}`, `past ${label}`] as const),
  ['', 'all time'],
];
