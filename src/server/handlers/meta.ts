// Metadata for the console: the tables and their fields (names, types, docs), from the record schemas, as the
// account may read them: a viewer is not offered the fields for analysts (policy.ts), and `readable` says
// whether the account's row restriction applies to the table (false: every request for it is refused).
import { RECORD_SCHEMAS } from '../../schema/registry.js';
import type { Ctx } from '../context.js';
import { restrictionFor, visibleFields } from '../policy.js';

export function tables(c: Ctx): Response {
  const user = c.get('user');
  return c.json({
    tables: RECORD_SCHEMAS.map((s) => ({
      name: s.name, doc: s.doc, time_field: s.timeField, readable: restrictionFor(user, s) !== null,
      fields: visibleFields(s, user.role).map((f) => ({ name: f.name, type: f.type, doc: f.doc })),
    })),
  });
}
