// The record tables and their fields as the server describes them (GET /api/tables), fetched once.
import { signal } from '@preact/signals';
import { get } from './api.js';

export interface FieldInfo {
  name: string;
  type: string;
  doc: string;
}

export interface TableInfo {
  name: string;
  doc: string;
  time_field: string;
  fields: FieldInfo[];
}

export const tables = signal<Map<string, TableInfo> | null>(null);
let asked = false;

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
