// Console accounts in a store's `accounts` table (ClickHouse): appended rows, the newest per name is the account.
import { randomUUID } from 'node:crypto';
import { ACCOUNTS, type AccountRecord } from '../schema/accounts.js';
import { tableNamer } from './reports.js';
import { typedRow } from './search-common.js';
import { ident, quoteString } from './sql.js';
import type { Store } from './store.js';

/** Rows of the accounts table read at most (every change of every account; a console has tens). */
const MAX_ACCOUNT_ROWS = 100_000;

async function rows(store: Store, name: string | null): Promise<AccountRecord[]> {
  const t = tableNamer(store);
  const where = name === null ? '' : ` WHERE ${ident('name')} = ${quoteString(name, store.dialect)}`;
  const r = await store.select(`SELECT ${ACCOUNTS.fields.map((f) => ident(f.name)).join(', ')} FROM ${t(ACCOUNTS.name)}${where} ` +
    `ORDER BY ${ident('name')}, ${ident('ts')}, ${ident('id')} LIMIT ${MAX_ACCOUNT_ROWS}`);
  return r.rows.map((x) => typedRow(ACCOUNTS.fields, x) as AccountRecord);
}

/** The newest row of each account (of one name, or all), by name. */
export async function currentAccounts(store: Store, name: string | null = null): Promise<AccountRecord[]> {
  const latest = new Map<string, AccountRecord>();
  for (const r of await rows(store, name)) latest.set(r.name, r);
  return [...latest.values()];
}

export async function appendAccount(store: Store, a: Omit<AccountRecord, 'id' | 'ts'>, ts: number): Promise<void> {
  await store.appendApp(ACCOUNTS, [{ ...a, ts, id: randomUUID().replaceAll('-', '') }]);
}
