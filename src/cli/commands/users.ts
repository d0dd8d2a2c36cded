// `haystack users`: the console's accounts (add, passwd, role, restrict, disable, enable, list), kept with the
// store (--db picks both). Passwords are read from the terminal or stdin, never from the command line.
import { HaystackError } from '../../core/errors.js';
import { addAccount, changeAccount, checkRole, publicAccount, type AccountChange } from '../../server/accounts.js';
import { accountsInStore, userStoreOf } from '../../server/user-store-of.js';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/store.js';
import type { UserStore } from '../../server/users.js';
import { isoMicros } from '../../core/time.js';
import { parse, stringOption } from '../args.js';
import { EXIT_USAGE, type CliIo } from '../io.js';
import { DB_OPTION } from '../store-args.js';

export const usage = `haystack users add NAME --role viewer|analyst|admin [--restrict EXPR] [--db URL]
haystack users passwd NAME | role NAME --role R | restrict NAME [--restrict EXPR] | disable NAME | enable NAME
haystack users list [--format jsonl]
Passwords: typed at a prompt (no echo), or the first line of stdin. --restrict: a filter ANDed into every
query of the user (e.g. 'sensor = "gw1"'); restrict without --restrict removes it. Changes end the user's
open console sessions. Accounts live beside the DuckDB file (<db>.users.json, mode 0600).`;

const SUBS = ['add', 'passwd', 'role', 'restrict', 'disable', 'enable', 'list'] as const;

async function newPassword(io: CliIo, name: string): Promise<string> {
  if (io.readSecret === undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'no terminal or stdin to read a password from');
  const p = await io.readSecret(`password for ${name}: `);
  if (io.stderrIsTty) {
    const again = await io.readSecret('again: ');
    if (again !== p) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'the passwords differ');
  }
  return p;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('users', argv, { ...DB_OPTION, role: { type: 'string' }, restrict: { type: 'string' }, format: { type: 'string' } });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  const [sub, name, ...extra] = positionals;
  if (sub === undefined || !(SUBS as readonly string[]).includes(sub) || extra.length > 0 || (sub !== 'list' && name === undefined)) {
    io.stderr(`haystack users: ${sub === undefined ? 'give a subcommand' : `unexpected: ${positionals.join(' ')}`}\n${usage}\n`);
    return EXIT_USAGE;
  }
  const db = stringOption(values.db);
  // on ClickHouse the accounts are a table of the store; a DuckDB store's file is not opened (a running server holds it)
  const store: Store | null = accountsInStore(db) ? await openStore(db) : null;
  try {
    if (store !== null) await store.init();
    return await change(sub as (typeof SUBS)[number], name, userStoreOf(db, store), values, io);
  } finally {
    await store?.close();
  }
}

async function change(sub: (typeof SUBS)[number], name: string | undefined, users: UserStore, values: Record<string, unknown>, io: CliIo): Promise<number> {
  const now = Date.now() * 1000;
  if (sub === 'list') {
    const all = (await users.list()).map(publicAccount);
    if (stringOption(values.format) === 'jsonl') {
      for (const u of all) io.stdout(`${JSON.stringify({ ...u, created: isoMicros(u.created), changed: isoMicros(u.changed) })}\n`);
    } else {
      for (const u of all) io.text(`${u.name.padEnd(20)} ${u.role.padEnd(8)} ${u.disabled ? 'disabled' : 'enabled '} ${u.restrict ?? ''}\n`);
    }
    return 0;
  }
  if (sub === 'add') {
    const role = stringOption(values.role);
    if (role === undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'users add: --role is required (viewer, analyst or admin)');
    const u = await addAccount(users, { name: name!, role: checkRole(role), password: await newPassword(io, name!), restrict: stringOption(values.restrict) ?? null }, now);
    io.stderr(`haystack users: added ${u.name} (${u.role}) in ${users.location}\n`);
    return 0;
  }
  if ((await users.get(name!)) === null) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `no user ${JSON.stringify(name!.slice(0, 64))}`);
  const ch: AccountChange = {};
  if (sub === 'passwd') ch.password = await newPassword(io, name!);
  else if (sub === 'disable') ch.disabled = true;
  else if (sub === 'enable') ch.disabled = false;
  else if (sub === 'restrict') ch.restrict = stringOption(values.restrict) ?? null;
  else {
    const role = stringOption(values.role);
    if (role === undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'users role: --role is required');
    ch.role = checkRole(role);
  }
  const u = await changeAccount(users, name!, ch, now);
  io.stderr(`haystack users: ${sub} ${u.name}: done (open console sessions of ${u.name} end)\n`);
  return 0;
}
