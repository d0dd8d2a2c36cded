// Lines of a text protocol's two directions (FTP, POP3, IMAP): bytes split at LF, a CR before it dropped, each
// line handed over as a string of one character per byte. A line longer than the limit is skipped whole and
// reported once; bytes are copied only while a line is incomplete across deliveries.
import { latin1 } from '../core/latin1.js';
import type { Dir } from '../reassembly/stream-analyzer.js';

const EMPTY = new Uint8Array(0);

export class LineSplitter {
  /** partial line of each side, grown up to max as needed */
  private readonly buf: [Uint8Array, Uint8Array] = [EMPTY, EMPTY];
  private readonly len: [number, number] = [0, 0];
  /** a line longer than max is being skipped */
  private readonly skipping: [boolean, boolean] = [false, false];

  /**
   * @param line a complete line of a side (without CR LF)
   * @param tooLong a line of a side went over max bytes: it is skipped
   */
  constructor(
    private readonly max: number,
    private readonly line: (dir: Dir, text: string) => void,
    private readonly tooLong: (dir: Dir) => void,
  ) {}

  /**
   * The bytes of a side, from `start`; `stop()` is asked after each line (a protocol that switches to TLS or to
   * raw data stops reading lines): the offset of the first byte not read is returned.
   */
  push(dir: Dir, b: Uint8Array, start = 0, stop?: () => boolean): number {
    let p = start;
    while (p < b.length) {
      const nl = b.indexOf(0x0a, p);
      const end = nl < 0 ? b.length : nl;
      this.append(dir, b, p, end);
      if (nl < 0) return b.length;
      p = nl + 1;
      const text = this.take(dir);
      if (text !== null) this.line(dir, text);
      if (stop?.() === true) return p;
    }
    return p;
  }

  /** Bytes of a side were lost: its partial line goes. */
  reset(dir: Dir): void {
    this.len[dir] = 0;
    this.skipping[dir] = false;
  }

  /** Bytes of the side's line not yet ended. */
  pending(dir: Dir): number {
    return this.len[dir];
  }

  private append(dir: Dir, b: Uint8Array, start: number, end: number): void {
    if (this.skipping[dir]) return;
    const n = end - start;
    if (this.len[dir] + n > this.max) {
      this.tooLong(dir);
      this.skipping[dir] = true;
      this.len[dir] = 0;
      return;
    }
    if (this.len[dir] + n > this.buf[dir].length) {
      const next = new Uint8Array(Math.min(this.max, Math.max(256, this.buf[dir].length * 2, this.len[dir] + n)));
      next.set(this.buf[dir].subarray(0, this.len[dir]));
      this.buf[dir] = next;
    }
    this.buf[dir].set(b.subarray(start, end), this.len[dir]);
    this.len[dir] += n;
  }

  private take(dir: Dir): string | null {
    if (this.skipping[dir]) {
      this.skipping[dir] = false;
      return null;
    }
    let n = this.len[dir];
    this.len[dir] = 0;
    const l = this.buf[dir];
    if (n > 0 && l[n - 1] === 0x0d) n--;
    return latin1(l, 0, n);
  }
}

/** The sender's side of a session as record fields. */
export { endpoints } from './endpoints.js';

/** Client bytes a line protocol (FTP, POP3, IMAP) looks through for its first command before giving up. */
export const MAX_UNDECIDED = 4096;

/**
 * What a client line says of a session whose protocol is not decided yet: `ours` (a first command of the
 * protocol, in a session no other analyzer named, or only its HTTP CONNECT prelude: app_proto is named now if unset), `wait` (an empty line, while less than
 * MAX_UNDECIDED bytes went by) or `not` (give up).
 * @param looked client bytes looked through so far, this line included
 * @param first the line is a command the protocol may open with, in the place it may (after its greeting, or on
 *   its port)
 */
export function firstCommand(session: { appProto: string | null; proxy?: string | null }, proto: string, first: boolean, text: string, looked: number): 'ours' | 'wait' | 'not' {
  // a stream opened by an HTTP CONNECT was named http by its prelude, which the HTTP analyzer reads itself: the
  // tunnelled protocol is still undecided (and app_proto stays http, as for SMTP behind CONNECT)
  const named = session.appProto !== null && session.appProto !== proto && !(session.appProto === 'http' && session.proxy?.startsWith('http-connect ') === true);
  if (!first || named) return text.length > 0 || looked > MAX_UNDECIDED ? 'not' : 'wait';
  session.appProto ??= proto;
  return 'ours';
}
