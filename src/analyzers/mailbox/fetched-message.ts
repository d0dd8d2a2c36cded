// Messages a client downloads from its mailbox (POP3 RETR/TOP, IMAP FETCH BODY[]/RFC822): their bytes taken out of
// the stream (dot-unstuffed for POP3, a literal's octets for IMAP) and handed over in the shape of an SMTP message, so
// that they take the same MIME path (message record, parts hashed, typed, stored and inspected).
import type { Session } from '../../flow/session.js';
import type { SmtpMessage } from '../smtp/smtp-analyzer.js';
import type { MessageBytes } from '../message-bytes.js';

/**
 * A fetched message's bytes kept for MIME decoding: the SMTP analyzer's bound (MAX_MESSAGE there, as HTTP keeps the
 * first 64 MiB of a body); a longer message keeps its start, the rest is counted (data_bytes) and an anomaly says so.
 */
export const MAILBOX_MAX_MESSAGE = 64 * 1024 * 1024;

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
