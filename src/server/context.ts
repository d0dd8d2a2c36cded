// What every handler gets: the store, accounts, sessions, throttle, audit, clock and the server's own origin.
import type { Context } from 'hono';
import type { CursorSeal } from './cursor-seal.js';
import type { InFlight } from './limits.js';
import type { IngestOneSummary } from '../pipeline/ingest-one.js';
import type { Store } from '../store/store.js';
import type { AuditEvent } from './audit.js';
import type { Session, SessionStore } from './sessions.js';
import type { LoginThrottle } from './throttle.js';
import type { User, UserStore } from './users.js';

export interface ServerDeps {
  store: Store;
  users: UserStore;
  sessions: SessionStore;
  throttle: LoginThrottle;
  /** writes one audit row; a failure to audit fails the request (nothing unaudited happens) */
  audit(e: AuditEvent): Promise<void>;
  /** ms since the epoch (injectable for timeout tests) */
  now(): number;
  /** served under TLS: cookies are Secure and __Host- prefixed */
  secure: boolean;
  /** Host header values the server answers to (DNS rebinding: any other Host is refused) */
  allowedHosts(): ReadonlySet<string>;
  /** where extracted files are (content-addressed), or null */
  filesDir: string | null;
  /** where uploads are written before ingest, or null when uploads are off */
  uploadDir: string | null;
  /** the largest upload taken, bytes */
  uploadMaxBytes: number;
  /** ingests one file into the store (uploads); absent when the server cannot ingest */
  ingestFile?(path: string, name: string): Promise<IngestOneSummary>;
  /** the console's built files (dist/web), or null */
  webDir: string | null;
  /** seals page cursors (cursor-seal.ts) */
  cursors: CursorSeal;
  /** requests in flight, per account and in all (limits.ts) */
  inflight: InFlight;
}

export type Env = { Variables: { session: Session; user: User; ip: string } };
export type Ctx = Context<Env>;
