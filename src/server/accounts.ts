// Account changes shared by `haystack users` and the admin API: add, change password, role, restriction,
// disable/enable; each checks its inputs and stamps `changed`, which ends the account's open sessions.
import { HaystackError } from '../core/errors.js';
import { parseFilter } from '../query/filter.js';
import { RECORD_SCHEMAS } from '../schema/registry.js';
import { checkNewPassword, hashPassword } from './password.js';
import { isRole, ROLES, type Role } from './roles.js';
import { checkUserName, type User, type UserStore } from './users.js';

/** The longest row restriction (it is ANDed into every query of the user). */
export const MAX_RESTRICT_CHARS = 4096;

/**
 * A restriction must be a valid filter for at least one table; on a table whose schema lacks one of its fields
 * the user sees no rows (the server fails closed).
 */
export function checkRestrict(expr: string): void {
  if (expr.length > MAX_RESTRICT_CHARS) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `the restriction is longer than ${MAX_RESTRICT_CHARS} characters`);
  const errors: string[] = [];
  for (const s of RECORD_SCHEMAS) {
    try {
      parseFilter(expr, s, 'restriction');
      return;
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `the restriction fits no table: ${errors[0] ?? ''}`);
}

export function checkRole(role: string): Role {
  if (!isRole(role)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `not a role: ${JSON.stringify(role.slice(0, 40))} (one of ${ROLES.join(', ')})`);
  return role;
}

export interface NewAccount {
  name: string;
  role: Role;
  password: string;
  restrict: string | null;
}

export async function addAccount(users: UserStore, a: NewAccount, nowUs: number): Promise<User> {
  checkUserName(a.name);
  checkNewPassword(a.password);
  if (a.restrict !== null) checkRestrict(a.restrict);
  if ((await users.get(a.name)) !== null) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `user ${a.name} exists (use passwd, role or enable)`);
  const u: User = { name: a.name, role: a.role, hash: await hashPassword(a.password), disabled: false, restrict: a.restrict, created: nowUs, changed: nowUs };
  await users.put(u);
  return u;
}

export interface AccountChange {
  role?: Role;
  password?: string;
  disabled?: boolean;
  /** null removes the restriction */
  restrict?: string | null;
}

export async function changeAccount(users: UserStore, name: string, ch: AccountChange, nowUs: number): Promise<User> {
  const u = await users.get(name);
  if (u === null) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `no user ${JSON.stringify(name.slice(0, 64))}`);
  const next: User = { ...u, changed: nowUs };
  if (ch.role !== undefined) next.role = ch.role;
  if (ch.disabled !== undefined) next.disabled = ch.disabled;
  if (ch.restrict !== undefined) {
    if (ch.restrict !== null) checkRestrict(ch.restrict);
    next.restrict = ch.restrict;
  }
  if (ch.password !== undefined) {
    checkNewPassword(ch.password);
    next.hash = await hashPassword(ch.password);
  }
  if (u.role === 'admin' && (next.role !== 'admin' || next.disabled) && !(await users.list()).some((x) => x.name !== name && x.role === 'admin' && !x.disabled)) {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `${name} is the last enabled admin: add another admin first`);
  }
  await users.put(next);
  return next;
}

/** An account as shown (no hash). */
export function publicAccount(u: User): Omit<User, 'hash'> {
  return { name: u.name, role: u.role, disabled: u.disabled, restrict: u.restrict, created: u.created, changed: u.changed };
}

/** Whether an enabled admin exists (the server refuses to start without one). */
export async function hasAdmin(users: UserStore): Promise<boolean> {
  return (await users.list()).some((u) => u.role === 'admin' && !u.disabled);
}
