// What a role may read beyond records: payload bytes (an alert's payload excerpt) are for analysts and admins;
// a viewer's answers leave them out. The user's row restriction, parsed per table, fails closed.
import { HaystackError } from '../core/errors.js';
import { parseFilter, type Expr } from '../query/filter.js';
import type { FieldDef, RecordSchema } from '../schema/schema.js';
import type { Row } from '../store/store.js';
import { roleAtLeast, type Role } from './roles.js';
import type { User } from './users.js';

/** Fields that hold traffic payload, by table: not shown to viewers. */
export const PAYLOAD_FIELDS: Readonly<Record<string, readonly string[]>> = {
  alerts: ['payload_excerpt'],
};

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
