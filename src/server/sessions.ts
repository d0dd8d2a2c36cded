// Login sessions, in the server's memory: a random id (the cookie) per login, an idle and an absolute timeout
// on an injectable clock, a CSRF token per session; a server restart logs everyone out.
import { randomBytes } from 'node:crypto';
import type { Role } from './roles.js';

export interface Session {
  id: string;
  user: string;
  role: Role;
  /** ms on the server clock */
  created: number;
  lastSeen: number;
  /** the token every state-changing request of this session must carry (X-CSRF-Token) */
  csrf: string;
  ip: string;
}

export interface SessionLimits {
  /** ms without a request after which the session ends (default 30 min) */
  idleMs: number;
  /** ms after login at which the session ends whatever happens (default 12 h) */
  absoluteMs: number;
}

export const DEFAULT_LIMITS: SessionLimits = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 };
/** Sessions one server keeps; past it new logins are refused (a login flood cannot grow memory without end). */
export const MAX_SESSIONS = 10_000;
/** Sessions of one account; its oldest goes first past it (one account cannot push out everyone else's). */
export const MAX_SESSIONS_PER_USER = 20;
/** 256-bit ids and tokens, base64url */
const ID_BYTES = 32;

export function newToken(): string {
  return randomBytes(ID_BYTES).toString('base64url');
}

export class SessionStore {
  private readonly byId = new Map<string, Session>();

  constructor(readonly limits: SessionLimits, private readonly now: () => number) {}

  /**
   * A new session (a new id at every login: an id known before login is never promoted); null when the server
   * holds MAX_SESSIONS. An account past MAX_SESSIONS_PER_USER loses its own oldest session.
   */
  create(user: string, role: Role, ip: string): Session | null {
    const t = this.now();
    this.sweep(t);
    const own = [...this.byId.values()].filter((x) => x.user === user);
    for (const x of own.slice(0, Math.max(0, own.length - MAX_SESSIONS_PER_USER + 1))) this.byId.delete(x.id);
    if (this.byId.size >= MAX_SESSIONS) return null;
    const s: Session = { id: newToken(), user, role, created: t, lastSeen: t, csrf: newToken(), ip };
    this.byId.set(s.id, s);
    return s;
  }

  /** The live session of an id, its idle clock restarted; null when unknown or timed out (then removed). */
  touch(id: string | undefined): Session | null {
    if (id === undefined) return null;
    const s = this.byId.get(id);
    if (s === undefined) return null;
    const t = this.now();
    if (this.expired(s, t)) {
      this.byId.delete(id);
      return null;
    }
    s.lastSeen = t;
    return s;
  }

  destroy(id: string): void {
    this.byId.delete(id);
  }

  /** Ends every session of a user (disabled, password or role changed). */
  destroyUser(user: string): void {
    for (const [id, s] of this.byId) if (s.user === user) this.byId.delete(id);
  }

  get size(): number {
    return this.byId.size;
  }

  private expired(s: Session, t: number): boolean {
    return t - s.lastSeen >= this.limits.idleMs || t - s.created >= this.limits.absoluteMs;
  }

  private sweep(t: number): void {
    for (const [id, s] of this.byId) if (this.expired(s, t)) this.byId.delete(id);
  }
}
