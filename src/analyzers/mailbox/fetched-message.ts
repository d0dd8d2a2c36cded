// Messages a client downloads from its mailbox (POP3 RETR/TOP, IMAP FETCH BODY[]/RFC822): their bytes taken out of
// the stream (dot-unstuffed for POP3, a literal's octets for IMAP) and handed over in the shape of an SMTP message, so
// that they take the same MIME path (message record, parts hashed, typed, stored and inspected).
import type { Session } from '../../flow/session.js';
import type { SmtpMessage } from '../smtp/smtp-analyzer.js';
import { MessageBytes } from '../message-bytes.js';

/**
 * A fetched message's bytes kept for MIME decoding: the SMTP analyzer's bound (MAX_MESSAGE there, as HTTP keeps the
 * first 64 MiB of a body); a longer message keeps its start, the rest is counted (data_bytes) and an anomaly says so.
 */
export const MAILBOX_MAX_MESSAGE = 64 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const CR_BYTE = new Uint8Array([CR]);

/**
 * A POP3 multi-line response body read byte by byte (RFC 1939 §3): lines that begin with "." lose it (byte-stuffing),
 * a line that is "." alone ends the body. Line endings are kept as sent, so the bytes are the message as the client
 * stores it. Any split of the stream gives the same bytes.
 */
export class DotBody {
  readonly content: MessageBytes;
  /** lines of the body (the terminating "." line not counted) */
  lines = 0;
  private atLineStart = true;
  /** 1: the line began with "."; 2: with ".\r" */
  private dotPending = 0;

  constructor(max: number) {
    this.content = new MessageBytes(max);
  }

  /**
   * Reads b[start, ...): the offset just after the terminating line when the body ended there, else -1 (all of b
   * was read).
   */
  push(b: Uint8Array, start: number): number {
    const c = this.content;
    let p = start;
    while (p < b.length) {
      if (this.dotPending > 0) {
        const x = b[p]!;
        if (x === LF) {
          this.dotPending = 0;
          this.atLineStart = true;
          return p + 1;
        }
        if (this.dotPending === 1 && x === CR) {
          this.dotPending = 2;
          p++;
          continue;
        }
        // not the end: the leading dot was stuffing (dropped); a CR held after it is content
        if (this.dotPending === 2) c.push(CR_BYTE, 0, 1);
        this.dotPending = 0;
        this.atLineStart = false;
        continue;
      }
      if (this.atLineStart && b[p] === DOT) {
        this.dotPending = 1;
        p++;
        continue;
      }
      const nl = b.indexOf(LF, p);
      const e = nl < 0 ? b.length : nl + 1;
      c.push(b, p, e);
      this.atLineStart = nl >= 0;
      if (nl >= 0) this.lines++;
      p = e;
    }
    return -1;
  }

  /** `len` bytes of the body were lost: counted, and the next byte is not taken for a line start. */
  gap(len: number): void {
    this.content.missing += len;
    this.dotPending = 0;
    this.atLineStart = false;
  }
}

/**
 * Where the messages handed over lie in the server's stream (stream offsets as the analyzer is given them): `open`
 * at a message's first byte, `close` after its last (POP3: after the "." line; IMAP: the literal's end). A message
 * opened is always handed over (at the latest when the session ends), so the raw stream inspection leaves these
 * bytes to the MIME path (pipeline/inspect.ts).
 */
export interface MessageSpans {
  open(start: number): void;
  close(end: number): void;
}

/** How a message was fetched: the protocol, the command (IMAP's with its tag), and whether it is the whole message. */
export interface Fetch {
  via: 'pop3' | 'imap';
  /** the fetching command as sent (POP3 `RETR 1`, `TOP 1 10`; IMAP `A5 UID FETCH 1 (BODY.PEEK[])`) */
  command: string;
  /** only part of the message came (POP3 TOP, IMAP BODY[]<0>): its parts are inspected but not hashed as files */
  partial: boolean;
}

/** A fetched message in the SMTP analyzer's shape (no envelope: the SMTP fields are empty). */
export function fetchedMessage(
  session: Session, depth: number, ts: number, content: MessageBytes, reply: string | null, user: string | null, fetch: Fetch,
): SmtpMessage {
  return {
    session, transDepth: depth, ts, endTs: session.last, helo: null, mailFrom: null, rcptTo: [],
    data: content.bytes(), dataBytes: content.total, missingBytes: content.missing, lastReply: reply, starttls: false,
    authMechanism: null, authUser: user, fetched: fetch,
  };
}
