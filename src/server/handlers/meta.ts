// Metadata for the console: the tables and their fields (names, types, docs), from the record schemas.
import { RECORD_SCHEMAS } from '../../schema/registry.js';
import type { Ctx } from '../context.js';

export function tables(c: Ctx): Response {
  return c.json({
    tables: RECORD_SCHEMAS.map((s) => ({
      name: s.name, doc: s.doc, time_field: s.timeField,
      fields: s.fields.map((f) => ({ name: f.name, type: f.type, doc: f.doc })),
    })),
  });
}
