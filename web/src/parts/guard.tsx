// What a screen needs of the account, checked before it asks the server anything, so that the console never
// sends a request the server would refuse: tables its row restriction applies to (GET /api/tables says which),
// and the whole-store reports (top talkers, mail, trends), which a restricted account is not given.
import type { ComponentChildren, JSX } from 'preact';
import { me } from '../api.js';
import { canRead } from '../schemas.js';

export function NeedsTables({ tables, children }: { tables: string[]; children: ComponentChildren }): JSX.Element {
  for (const t of tables) {
    const ok = canRead(t);
    if (ok === undefined) return <p class="muted">…</p>;
    if (!ok) return <p class="error" role="alert" data-testid="not-for-you">Your account's row restriction does not apply to {t}: it is not shown to you.</p>;
  }
  return <>{children}</>;
}

export function NeedsWholeStore({ what, children }: { what: string; children: ComponentChildren }): JSX.Element {
  if (me.value?.restrict != null) return <p class="error" role="alert" data-testid="not-for-you">The {what} covers the whole store: it is not available to an account with a row restriction.</p>;
  return <>{children}</>;
}
