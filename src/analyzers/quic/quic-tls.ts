// TLS ClientHello and ServerHello inside QUIC Initial packets, per UDP session, on any port.
import type { AnomalyLog } from '../../core/anomaly.js';
import type { Session } from '../../flow/session.js';
import { ORIG, type Dir } from '../../reassembly/stream-analyzer.js';
import type { TlsRecord } from '../../schema/tls.js';
import type { HashCache } from '../tls/fingerprints.js';
import { answer, finished, helloRecord } from '../tls/record.js';
import {
  HT_CLIENT_HELLO, HT_SERVER_HELLO, parseClientHello, parseServerHello, type ParseProblem,
} from '../tls/hello.js';
import { CryptoStream, initialKeys, longHeader, openInitial, type InitialKeys, type QuicCrypto } from './quic-initial.js';

/** Initial packets looked at per direction before giving up on a handshake (retransmissions, padding). */
const MAX_INITIALS = 16;
/** QUIC handshakes read at once (at most 32 KiB of CRYPTO buffers each: 128 MiB in all). */
export const MAX_ACTIVE = 4096;

interface State {
  keys: { client: InitialKeys; server: InitialKeys } | null;
  streams: [CryptoStream, CryptoStream];
  seen: [number, number];
  record: TlsRecord | null;
  done: [boolean, boolean];
}

export interface QuicTlsOptions {
  crypto: QuicCrypto;
  anomalies: AnomalyLog;
  cache: HashCache;
  emit(r: TlsRecord): void;
}

export class QuicTls {
  private readonly states = new Map<Session, State | null>();
  private readonly o: QuicTlsOptions;
  private readonly problem: ParseProblem = { anomaly: null };
  /** handshakes in progress (states holding CRYPTO buffers) */
  private active = 0;

  constructor(o: QuicTlsOptions) {
    this.o = o;
  }

  /**
   * One UDP datagram's payload b[off, end) of session s, from `dir`.
   * @param b valid only for the duration of the call
   */
  datagram(s: Session, dir: Dir, b: Uint8Array, off: number, end: number): void {
    let st = this.states.get(s);
    if (st === null) return; // not QUIC, or done
    if (st === undefined) {
      // a session is QUIC when its client's first datagram starts with a v1/v2 long-header Initial
      const h = dir === ORIG ? longHeader(b, off, end) : null;
      if (h === null || h.type !== 0) {
        this.states.set(s, null);
        return;
      }
      if (this.active >= MAX_ACTIVE) {
        // each handshake in progress may hold 2 x 16 KiB of CRYPTO data: bound the total
        this.states.set(s, null);
        this.anomaly(s, 'quic_too_many_handshakes', `more than ${MAX_ACTIVE} QUIC handshakes in progress`);
        return;
      }
      this.active++;
      const keys = initialKeys(this.o.crypto, h.version, h.dcid);
      st = { keys, streams: [new CryptoStream(), new CryptoStream()], seen: [0, 0], record: null, done: [false, false] };
      this.states.set(s, st);
    }
    if (st.done[dir] || st.keys === null) return;
    if (++st.seen[dir] > MAX_INITIALS) {
      st.done[dir] = true;
      return this.finishIfDone(s, st);
    }
    // coalesced packets (RFC 9000 §12.2): Initial first, then Handshake or 1-RTT we cannot read
    for (let p = off; p < end;) {
      const h = longHeader(b, p, end);
      if (h === null) break;
      const cur = st.keys;
      if (cur === null) break;
      if (h.type === 3 && dir !== ORIG) {
        // a Retry: the client starts over with the server's new connection ID as destination, and the Initials
        // of both sides are protected with keys from that ID from now on (RFC 9001 §5.2)
        st.keys = initialKeys(this.o.crypto, h.version, h.scid);
      } else if (h.type === 0) {
        let plain = openInitial(this.o.crypto, dir === ORIG ? cur.client : cur.server, b, p, h);
        if (plain === null && dir === ORIG) {
          // after a Retry (RFC 9000 §17.2.5) the client starts over with the server's new connection ID: its
          // Initials, and the server's from then on, are protected with keys from that ID
          const keys = initialKeys(this.o.crypto, h.version, h.dcid);
          plain = keys === null ? null : openInitial(this.o.crypto, keys.client, b, p, h);
          if (plain !== null) st.keys = keys;
        }
        if (plain !== null && !st.streams[dir].addFrames(plain)) this.anomaly(s, 'quic_bad_frame', null);
      }
      p = h.end;
    }
    this.hellos(s, st, dir);
  }

  /** The session ended: a ClientHello whose answer never came is emitted now. */
  sessionEnded(s: Session): void {
    const st = this.states.get(s);
    this.states.delete(s);
    if (st == null) return;
    this.active--;
    if (st.record !== null) this.o.emit(finished(st.record, this.o.anomalies));
  }

  private hellos(s: Session, st: State, dir: Dir): void {
    const data = st.streams[dir].contiguous();
    if (data.length < 4) return;
    const len = (data[1]! << 16) | (data[2]! << 8) | data[3]!;
    if (data.length < 4 + len) return;
    const pr = this.problem;
    pr.anomaly = null;
    if (dir === ORIG && data[0] === HT_CLIENT_HELLO) {
      st.record = helloRecord(s, parseClientHello(data, 4, 4 + len, pr), 'quic', 1, 0, this.o.cache);
    } else if (dir !== ORIG && data[0] === HT_SERVER_HELLO && st.record !== null) {
      answer(st.record, parseServerHello(data, 4, 4 + len, pr), this.o.cache);
    }
    if (pr.anomaly !== null) this.anomaly(s, pr.anomaly, 'in a QUIC Initial');
    st.done[dir] = true;
    this.finishIfDone(s, st);
  }

  private finishIfDone(s: Session, st: State): void {
    if (!(st.done[0] && st.done[1])) return;
    if (st.record !== null) this.o.emit(finished(st.record, this.o.anomalies));
    this.active--;
    this.states.set(s, null); // nothing more to read: later datagrams cost one lookup
  }

  private anomaly(s: Session, name: string, detail: string | null): void {
    this.o.anomalies.add(s.last, s.uid, name, detail);
  }
}
