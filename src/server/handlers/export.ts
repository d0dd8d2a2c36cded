// CSV or JSON-lines export of a search: every matching row (up to MAX_EXPORT_ROWS), page after page from the
// store, streamed as an attachment; the rows a viewer may see; text cells a spreadsheet would run as formulas
// neutralised in CSV. Audited with the row count and the hash of what was sent.
import { createHash } from 'node:crypto';
import { field } from '../../schema/schema.js';
import { RowWriter } from '../../cli/format/output.js';
import { records } from '../../store/search-records.js';
import type { Ctx, ServerDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { checkFieldsFor, isPayloadField, visibleFields } from '../policy.js';
import { enumParam, param } from '../request.js';
import { downloadName } from './downloads.js';
import { scopeOf } from './scope.js';

/** Rows one export may hold: a spreadsheet's limit is about this; larger pulls are `haystack export`'s job. */
export const MAX_EXPORT_ROWS = 1_000_000;
/** Rows read from the store at a time. */
const PAGE = 1000;

export async function getExport(c: Ctx, deps: ServerDeps): Promise<Response> {
  const s = await scopeOf(c, deps);
  const u = c.get('user');
  const format = enumParam(c, 'format', ['csv', 'jsonl'] as const, 'csv');
  const allowed = visibleFields(s.schema, u.role).map((f) => f.name);
  const asked = (param(c, 'fields') ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');
  for (const n of asked) if (isPayloadField(s.schema.name, n) && !allowed.includes(n)) throw new HttpError(403, `${s.schema.name}.${n} holds payload: it needs the analyst role`);
  const fields = asked.length > 0 ? asked : allowed;
  const order = enumParam(c, 'order', ['asc', 'desc'] as const, 'asc');
  const sort = param(c, 'sort');
  if (sort !== undefined) checkFieldsFor(u.role, s.schema.name, [sort]);
  const base = { ...s.scope, fields, order, limit: PAGE, ...(sort !== undefined && sort !== '' ? { sort } : {}) };
  // the first page before any byte is sent: a bad field or sort is still a 400
  const first = await records(deps.store, base).catch((e: unknown) => {
    throw e instanceof HttpError ? e : new HttpError(400, e instanceof Error ? e.message : String(e));
  });
  const cols = first.columns.map((col) => field(col.name, col.type, true, ''));
  const hash = createHash('sha256');
  const enc = new TextEncoder();
  const chunks: string[] = [];
  const writer = new RowWriter(cols, format, (x) => chunks.push(x), { spreadsheetSafe: true });
  let rows = 0;
  let page: typeof first | null = first;
  const send = (ctl: ReadableStreamDefaultController<Uint8Array>): void => {
    const bytes = enc.encode(chunks.splice(0).join(''));
    hash.update(bytes);
    if (bytes.length > 0) ctl.enqueue(bytes);
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(ctl) {
      try {
        if (page === null) {
          writer.end();
          send(ctl);
          ctl.close();
          await deps.audit({
            ts: deps.now(), user: u.name, role: u.role, ip: c.get('ip'), action: 'download', route: 'GET /api/export/:table', filter: s.q,
            range_from: s.range.from, range_to: s.range.to, rows, target: `${s.schema.name} (${format})`, sha256: hash.digest('hex'), outcome: 'ok',
          });
          return;
        }
        const take = page.rows.slice(0, MAX_EXPORT_ROWS - rows);
        for (const r of take) writer.row(r);
        writer.flush();
        rows += take.length;
        send(ctl);
        page = page.next !== null && rows < MAX_EXPORT_ROWS ? await records(deps.store, { ...base, after: page.next }) : null;
      } catch (e) {
        ctl.error(e);
      }
    },
  });
  const stamp = new Date(deps.now()).toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return new Response(stream, {
    status: 200,
    headers: {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="${downloadName(`haystack-${s.schema.name}-${stamp}.${format === 'csv' ? 'csv' : 'jsonl'}`)}"`,
    },
  });
}
