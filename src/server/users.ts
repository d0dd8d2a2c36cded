// Console accounts: name, role, scrypt hash, disabled flag and an optional row restriction (a filter ANDed into
// every query of the user). Kept with the store they guard: a file beside a DuckDB file, written atomically
// with mode 0600; the file is re-read when it changes, so `haystack users` acts on a running server.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync, chmodSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { HaystackError } from '../core/errors.js';
import { isRole, type Role } from './roles.js';

export interface User {
  name: string;
  role: Role;
  /** password hash (password.ts) */
  hash: string;
  disabled: boolean;
  /** filter expression ANDed into every query of this user, or null */
  restrict: string | null;
  /** µs */
  created: number;
  /** µs of the last change (password, role, disable): sessions started before it end */
  changed: number;
}

export interface UserStore {
  /** where the accounts are, printable */
  readonly location: string;
  get(name: string): Promise<User | null>;
  list(): Promise<User[]>;
  /** adds or replaces an account */
  put(user: User): Promise<void>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** Refuses a user name that is not 1-64 of letters, digits and . _ @ - (it appears in logs and the audit). */
export function checkUserName(name: string): void {
  if (!NAME.test(name)) {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `not a valid user name: ${JSON.stringify(name.slice(0, 80))} (1-64 letters, digits, . _ @ -, starting with a letter or digit)`);
  }
}

/** The users file of a DuckDB store file. */
export function usersFileOf(dbPath: string): string {
  return `${dbPath}.users.json`;
}

interface FileShape {
  version: 1;
  users: User[];
}

function validUser(u: unknown): u is User {
  if (typeof u !== 'object' || u === null) return false;
  const x = u as Record<string, unknown>;
  return typeof x.name === 'string' && NAME.test(x.name) && isRole(x.role) && typeof x.hash === 'string' && typeof x.disabled === 'boolean' &&
    (x.restrict === null || typeof x.restrict === 'string') && typeof x.created === 'number' && typeof x.changed === 'number';
}

/** Accounts in a JSON file (mode 0600, replaced atomically by rename). */
export class FileUserStore implements UserStore {
  readonly location: string;
  private cache: { key: string; users: User[] } | null = null;

  constructor(readonly path: string) {
    this.location = path;
  }

  private read(): User[] {
    let st;
    try {
      st = statSync(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new HaystackError('HAYSTACK_IO', `cannot read ${this.path}: ${(e as Error).message}`, { file: this.path, cause: e });
    }
    const key = `${st.mtimeMs}:${st.size}:${st.ino}`;
    if (this.cache?.key === key) return this.cache.users;
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch (e) {
      throw new HaystackError('HAYSTACK_IO', `cannot read ${this.path}: ${(e as Error).message}`, { file: this.path, cause: e });
    }
    const users = (data as Partial<FileShape>)?.users;
    if (!Array.isArray(users) || !users.every(validUser)) {
      throw new HaystackError('HAYSTACK_IO', `${this.path} is not a Haystack users file`, { file: this.path });
    }
    this.cache = { key, users };
    return users;
  }

  get(name: string): Promise<User | null> {
    return Promise.resolve(this.read().find((u) => u.name === name) ?? null);
  }

  list(): Promise<User[]> {
    return Promise.resolve([...this.read()]);
  }

  put(user: User): Promise<void> {
    const users = this.read().filter((u) => u.name !== user.name);
    users.push(user);
    users.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    writeAtomic(this.path, `${JSON.stringify({ version: 1, users } satisfies FileShape, null, 1)}\n`);
    this.cache = null;
    return Promise.resolve();
  }
}

/** Writes `text` to a new file beside `path` (mode 0600), flushes it, and renames it over `path`. */
export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'wx', 0o600);
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    chmodSync(tmp, 0o600); // the umask cannot widen it, but be explicit
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed or never created
    }
    throw new HaystackError('HAYSTACK_OUTPUT', `cannot write ${path}: ${(e as Error).message}`, { file: path, cause: e });
  }
}
