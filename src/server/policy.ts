// What a role may read beyond records: payload bytes (an alert's payload excerpt) are for analysts and admins;
// a viewer's answers leave them out. The user's row restriction, parsed per table, fails closed.
import { HaystackError } from '../core/errors.js';
import { parseFilter, type Expr } from '../query/filter.js';
import type { FieldDef, RecordSchema } from '../schema/schema.js';
import { RECORD_SCHEMAS } from '../schema/registry.js';
import type { Row } from '../store/store.js';
import { HttpError } from './errors.js';
import { roleAtLeast, type Role } from './roles.js';
import type { User } from './users.js';

/**
 * Fields for analysts and up, by table: traffic payload (an alert's excerpt), and where captures lie on the
 * server's disk. A viewer gets none of them: not as a column, nor to sort, filter or count by.
 */
export const PAYLOAD_FIELDS: Readonly<Record<string, readonly string[]>> = withExtra({
  alerts: ['payload_excerpt'],
  // redacted, but still the words around a card number or a key
  findings: ['excerpt_redacted'],
  captures: ['path'],
});

/**
 * Every record table's `extra` is for analysts too: it holds what an imported Zeek log or EVE event carried
 * that has no column, and that may be payload (EVE's `payload`, `http_request_body`) whatever the table.
 */
function withExtra(own: Record<string, readonly string[]>): Record<string, readonly string[]> {
  const out: Record<string, readonly string[]> = { ...own };
  for (const s of RECORD_SCHEMAS) if (s.fields.some((f) => f.name === 'extra')) out[s.name] = [...(own[s.name] ?? []), 'extra'];
  return out;
}

/** The fields an expression names. */
export function exprFields(e: Expr, out: Set<string> = new Set()): Set<string> {
  const stack: Expr[] = [e];
  while (stack.length > 0) {
    const x = stack.pop()!;
    switch (x.kind) {
      case 'and':
      case 'or':
        stack.push(...x.items);
        break;
      case 'not':
        stack.push(x.expr);
        break;
      case 'cmp':
      case 'set':
        out.add(x.field.name);
    }
  }
  return out;
}

/** Refuses (403) a viewer's filter or sort that names a field for analysts. */
export function checkFieldsFor(role: Role, table: string, names: Iterable<string>): void {
  if (roleAtLeast(role, 'analyst')) return;
  for (const n of names) {
    if (isPayloadField(table, n)) throw new HttpError(403, `${table}.${n} is for analysts: a viewer cannot show, sort, filter or count by it`);
  }
}

export function isPayloadField(table: string, field: string): boolean {
  return PAYLOAD_FIELDS[table]?.includes(field) === true;
}

/** The fields of a table a role may read. */
export function visibleFields(schema: RecordSchema, role: Role): FieldDef[] {
  if (roleAtLeast(role, 'analyst')) return [...schema.fields];
  return schema.fields.filter((f) => !isPayloadField(schema.name, f.name));
}

/** A row with the fields the role may not read removed. */
export function visibleRow(table: string, row: Row, role: Role): Row {
  const hidden = roleAtLeast(role, 'analyst') ? undefined : PAYLOAD_FIELDS[table];
  if (hidden === undefined) return row;
  const out: Row = { ...row };
  for (const f of hidden) delete out[f];
  return out;
}

/**
 * The user's restriction as conditions on a table; null when the restriction names a field the table lacks
 * (the user then sees nothing of that table).
 */
export function restrictionFor(user: User, schema: RecordSchema): Expr[] | null {
  if (user.restrict === null) return [];
  try {
    return [parseFilter(user.restrict, schema, 'restriction')];
  } catch (e) {
    if (e instanceof HaystackError) return null;
    throw e;
  }
}
