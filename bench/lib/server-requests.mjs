// bench/lib/server-requests.mjs — the request set of bench/server.mjs (records, histogram and field values of
// sessions under FILTERS, over the hour and the week that end just after the newest session), and the same
// requests' store queries timed straight on the store in this process (the reference: no HTTP, no JSON, no audit).
import { URLSearchParams } from 'node:url';

/** The filters of the set: none, a common service, a rare one, one host (both restrict different columns). */
export const FILTERS = ['', 'dst_port = 443 and state = "SF"', 'app_proto = "smtp" or app_proto = "http"', 'src_ip = "127.0.1.3" and direction = "outbound"'];
/** Fields of the field-values requests: a number, an address, a nullable text */
const VALUE_FIELDS = ['dst_port', 'src_ip', 'app_proto'];
const WINDOWS = [['1h', 3600], ['7d', 7 * 86400]];
const RECORDS_LIMIT = 100;
const BUCKETS = 60;
const VALUES_LIMIT = 10;

const iso = (us) => new Date(Math.floor(us / 1000)).toISOString().replace(/\.\d+Z$/, '');

/**
 * Every combination of route, filter and window (the field-values requests take turns through VALUE_FIELDS).
 * Each request: kind ("records 1h"...), path, distinctPath(n) (the range ending n µs later: the same work, a
 * different query), and what the store functions take.
 */
export function requestSet(newestUs) {
  const toUs = (Math.floor(newestUs / 1e6) + 1) * 1e6;
  const out = [];
  let v = 0;
  for (const [w, seconds] of WINDOWS) {
    const fromUs = toUs - seconds * 1e6;
    for (const q of FILTERS) {
      for (const route of ['records', 'histogram', 'values']) {
        const field = route === 'values' ? VALUE_FIELDS[v++ % VALUE_FIELDS.length] : null;
        const base = route === 'records' ? '/api/records/sessions' : route === 'histogram' ? '/api/histogram/sessions' : `/api/values/sessions/${field}`;
        const extra = route === 'records' ? { limit: String(RECORDS_LIMIT) } : route === 'histogram' ? { buckets: String(BUCKETS) } : { limit: String(VALUES_LIMIT) };
        const make = (micro) => `${base}?${new URLSearchParams({ ...(q !== '' ? { q } : {}), from: `${iso(fromUs)}Z`, to: `${iso(toUs)}.${String(micro).padStart(6, '0')}Z`, ...extra })}`;
        out.push({ kind: `${route} ${w}`, route, q, field, fromUs, toUs, path: make(0), distinctPath: (n) => make(n % 1e6) });
      }
    }
  }
  out.filters = FILTERS.length;
  return out;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Each request's store queries (what its handler runs: records / histogram / fieldValues of dist/store) run
 * `runs` times one after another on the store, after one untimed run; the median per request, the mean of
 * those per kind, and the mean over the set (what a client picking requests at random waits on average).
 */
export async function directTimes(storeUrl, requests, runs) {
  const { openStore } = await import('../../dist/store/open.js');
  const { parseFilter } = await import('../../dist/query/filter.js');
  const { SESSIONS } = await import('../../dist/schema/sessions.js');
  const { records } = await import('../../dist/store/search-records.js');
  const { histogram } = await import('../../dist/store/search-histogram.js');
  const { fieldValues } = await import('../../dist/store/search-values.js');
  const store = await openStore(storeUrl, { readOnly: true });
  try {
    const times = [];
    for (const r of requests) {
      const scope = { table: 'sessions', where: r.q === '' ? [] : [parseFilter(r.q, SESSIONS, 'q')], from: r.fromUs, to: r.toUs };
      const run = () => r.route === 'records' ? records(store, { ...scope, order: 'desc', limit: RECORDS_LIMIT })
        : r.route === 'histogram' ? histogram(store, { ...scope, buckets: BUCKETS })
          : fieldValues(store, { ...scope, field: r.field, limit: VALUES_LIMIT });
      await run();
      const xs = [];
      for (let i = 0; i < runs; i++) {
        const t0 = process.hrtime.bigint();
        await run();
        xs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      times.push({ kind: r.kind, ms: median(xs) });
    }
    const byKind = {};
    for (const k of new Set(times.map((t) => t.kind))) {
      const ks = times.filter((t) => t.kind === k);
      byKind[k] = ks.reduce((a, t) => a + t.ms, 0) / ks.length;
    }
    return { byKind, mean: times.reduce((a, t) => a + t.ms, 0) / times.length, perRequest: times };
  } finally {
    await store.close();
  }
}
