// Identical concurrent queries share one execution: the server's view of the store runs a SELECT whose exact
// text is already running once, and every caller gets its answer. Nothing is kept after it completes.
import type { QueryResult, Row, Store } from '../store/store.js';

/**
 * The store as the server's handlers use it. select() is shared while in flight, keyed by the SQL text, which
 * holds everything that decides the answer: table, fields, filter, the user's row restriction, time range,
 * order, cursor, limits (every value reaches it through sql.ts). Each caller but the first gets its own copy
 * of the rows (a handler may change what it was given). Everything else goes to the store as it is.
 */
export function sharedReads(store: Store): Store {
  const running = new Map<string, Promise<QueryResult>>();
  const select = (sql: string): Promise<QueryResult> => {
    const same = running.get(sql);
    if (same !== undefined) return same.then(copy);
    const run = store.select(sql).finally(() => running.delete(sql));
    running.set(sql, run);
    return run;
  };
  return {
    get dialect() {
      return store.dialect;
    },
    get location() {
      return store.location;
    },
    get idAtCommit() {
      return store.idAtCommit;
    },
    init: () => store.init(),
    appendApp: (schema, rows) => store.appendApp(schema, rows),
    findCapture: (sha256) => store.findCapture(sha256),
    begin: (captureId) => store.begin(captureId),
    query: (sql) => store.query(sql),
    select,
    ...(store.writeParquet !== undefined ? { writeParquet: (sql: string, path: string) => store.writeParquet!(sql, path) } : {}),
    scan: (sql) => store.scan(sql),
    close: () => store.close(),
  };
}

function copy(r: QueryResult): QueryResult {
  return { columns: r.columns.map((c) => ({ ...c })), rows: r.rows.map((x) => structuredClone(x) as Row) };
}
