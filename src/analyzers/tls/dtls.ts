// DTLS 1.0/1.2 (RFC 6347) hellos over UDP, on any port: records with epoch and sequence, handshake messages
// with fragment offsets; ClientHello (with its cookie) and ServerHello to tls records (JA4 prefix "d").
import type { AnomalyLog } from '../../core/anomaly.js';
import type { Session } from '../../flow/session.js';
import { ORIG, type Dir } from '../../reassembly/stream-analyzer.js';
import type { TlsRecord } from '../../schema/tls.js';
import type { HashCache } from './fingerprints.js';
import { answer, finished, helloRecord } from './record.js';
import {
  CT_HANDSHAKE, HT_CLIENT_HELLO, HT_SERVER_HELLO, parseClientHello, parseServerHello, type ParseProblem,
} from './hello.js';

const RECORD_HEADER = 13;
const HANDSHAKE_HEADER = 12;
/** Datagrams looked at per direction before giving up (retransmitted flights). */
const MAX_DATAGRAMS = 16;
/** A fragmented hello is reassembled up to this size (a DTLS ClientHello is a few KB). */
const MAX_MESSAGE = 16 * 1024;
/** Bytes of fragment buffers across all sessions: past it new fragmented hellos are not reassembled. */
export const MAX_FRAGMENT_BYTES = 16 * 1024 * 1024;
/** ClientHellos per session: two is the protocol (after a HelloVerifyRequest). */
const MAX_HELLOS = 4;

interface Pending {
  type: number;
  buf: Uint8Array;
  /** bytes received so far (fragments may overlap; counted by a coverage map) */
  got: Uint8Array;
  have: number;
}

interface State {
  records: TlsRecord[];
  hellos: number;
  /** next handshake message_seq expected per direction (RFC 6347 §4.2.2: lower ones are retransmissions) */
  nextSeq: [number, number];
  seen: [number, number];
  done: [boolean, boolean];
  frag: [Pending | null, Pending | null];
}

export interface DtlsOptions {
  anomalies: AnomalyLog;
  cache: HashCache;
  emit(r: TlsRecord): void;
}

export class DtlsTls {
  private readonly states = new Map<Session, State | null>();
  private readonly problem: ParseProblem = { anomaly: null };
  private readonly o: DtlsOptions;
  /** bytes held in fragment buffers of all sessions */
  private fragBytes = 0;

  constructor(o: DtlsOptions) {
    this.o = o;
  }

  /** @param b valid only for the duration of the call */
  datagram(s: Session, dir: Dir, b: Uint8Array, off: number, end: number): void {
    let st = this.states.get(s);
    if (st === null) return;
    if (st === undefined) {
      if (dir !== ORIG || !isDtlsClientHello(b, off, end)) {
        this.states.set(s, null);
        return;
      }
      st = { records: [], hellos: 0, nextSeq: [0, 0], seen: [0, 0], done: [false, false], frag: [null, null] };
      this.states.set(s, st);
    }
    if (st.done[dir] || ++st.seen[dir] > MAX_DATAGRAMS) return;
    for (let p = off; p + RECORD_HEADER <= end;) {
      const len = (b[p + 11]! << 8) | b[p + 12]!;
      const body = p + RECORD_HEADER;
      if (body + len > end) break;
      const epoch = (b[p + 3]! << 8) | b[p + 4]!;
      // epoch 0 is plaintext; later epochs are encrypted
      if (b[p] === CT_HANDSHAKE && epoch === 0) this.handshake(s, st, dir, b, body, body + len);
      p = body + len;
    }
  }

  sessionEnded(s: Session): void {
    const st = this.states.get(s);
    this.states.delete(s);
    for (const f of st?.frag ?? []) if (f !== null) this.fragBytes -= 2 * f.buf.length;
    for (const r of st?.records ?? []) this.o.emit(finished(r, this.o.anomalies));
  }

  private handshake(s: Session, st: State, dir: Dir, b: Uint8Array, p: number, end: number): void {
    while (p + HANDSHAKE_HEADER <= end) {
      const type = b[p]!;
      const len = (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
      const seq = (b[p + 4]! << 8) | b[p + 5]!;
      const fOff = (b[p + 6]! << 16) | (b[p + 7]! << 8) | b[p + 8]!;
      const fLen = (b[p + 9]! << 16) | (b[p + 10]! << 8) | b[p + 11]!;
      const body = p + HANDSHAKE_HEADER;
      if (body + fLen > end || fOff + fLen > len) {
        this.anomaly(s, 'dtls_bad_fragment', `type ${type}, fragment ${fOff}+${fLen} of ${len}`);
        return;
      }
      if (seq < st.nextSeq[dir]) {
        // a retransmitted message (RFC 6347 §4.2.2): already handled
      } else if (fOff === 0 && fLen === len) {
        st.nextSeq[dir] = seq + 1;
        this.message(s, st, dir, type, b, body, body + len);
      } else if (len <= MAX_MESSAGE) {
        // a fragment: collect by offset until the message is whole
        let f = st.frag[dir];
        if (f === null || f.type !== type || f.buf.length !== len) {
          if (f !== null) this.fragBytes -= 2 * f.buf.length;
          if (this.fragBytes + 2 * len > MAX_FRAGMENT_BYTES) {
            this.anomaly(s, 'dtls_fragment_budget', `${len}-byte message not reassembled`);
            return;
          }
          f = { type, buf: new Uint8Array(len), got: new Uint8Array(len), have: 0 };
          this.fragBytes += 2 * len;
          st.frag[dir] = f;
        }
        f.buf.set(b.subarray(body, body + fLen), fOff);
        for (let i = fOff; i < fOff + fLen; i++) {
          if (f.got[i] === 0) {
            f.got[i] = 1;
            f.have++;
          }
        }
        if (f.have === len) {
          st.frag[dir] = null;
          this.fragBytes -= 2 * len;
          st.nextSeq[dir] = seq + 1;
          this.message(s, st, dir, type, f.buf, 0, len);
        }
      }
      p = body + fLen;
    }
  }

  private message(s: Session, st: State, dir: Dir, type: number, b: Uint8Array, start: number, end: number): void {
    const pr = this.problem;
    pr.anomaly = null;
    if (dir === ORIG && type === HT_CLIENT_HELLO) {
      if (st.hellos >= MAX_HELLOS) return;
      st.records.push(helloRecord(s, parseClientHello(b, start, end, pr, true), 'udp', ++st.hellos, 0, this.o.cache));
    } else if (dir !== ORIG && type === HT_SERVER_HELLO) {
      const sh = parseServerHello(b, start, end, pr);
      const r = st.records[st.records.length - 1];
      if (r !== undefined) {
        answer(r, sh, this.o.cache);
        for (const x of st.records) this.o.emit(finished(x, this.o.anomalies));
        st.records = [];
      }
      st.done[0] = st.done[1] = true;
    }
    if (pr.anomaly !== null) this.anomaly(s, pr.anomaly, 'in a DTLS handshake');
  }

  private anomaly(s: Session, name: string, detail: string | null): void {
    this.o.anomalies.add(s.last, s.uid, name, detail);
  }
}

/** A DTLS handshake record (22, 0xfeXX) whose first message is a ClientHello. */
function isDtlsClientHello(b: Uint8Array, off: number, end: number): boolean {
  return end - off >= RECORD_HEADER + HANDSHAKE_HEADER && b[off] === CT_HANDSHAKE && b[off + 1] === 0xfe &&
    b[off + RECORD_HEADER] === HT_CLIENT_HELLO;
}
