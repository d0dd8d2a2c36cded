// The record tables and their fields as the server describes them to this account (GET /api/tables: the
// fields its role may read, whether its row restriction applies), fetched once per login.
import { effect, signal } from '@preact/signals';
import { get, me } from './api.js';

export interface FieldInfo {
  name: string;
  type: string;
  doc: string;
}

export interface TableInfo {
  name: string;
  doc: string;
  time_field: string;
  /** false: the account's row restriction cannot apply to the table (the server refuses it) */
  readable: boolean;
  fields: FieldInfo[];
}

export const tables = signal<Map<string, TableInfo> | null>(null);
let asked = false;
let who: string | null = null;
// another account (a logout and a login in the same page) is told other fields
effect(() => {
  const u = me.value === null ? null : `${me.value.user}\n${me.value.role}\n${me.value.restrict ?? ''}`;
  if (u === who) return;
  who = u;
  asked = false;
  tables.value = null;
});

/** The table's description once loaded (the first call starts the fetch). */
export function tableInfo(name: string): TableInfo | undefined {
  if (!asked) {
    asked = true;
    void get<{ tables: TableInfo[] }>('/api/tables').then((r) => {
      tables.value = new Map(r.tables.map((t) => [t.name, t]));
    }, () => {
      asked = false;
    });
  }
  return tables.value?.get(name);
}

/**
 * Whether this account may read the table: always for an account without a row restriction; for one with,
 * what the server says (undefined until it has).
 */
export function canRead(table: string): boolean | undefined {
  if (me.value === null || me.value.restrict === null) return true;
  const t = tableInfo(table);
  return t !== undefined ? t.readable : tables.value === null ? undefined : false;
}
