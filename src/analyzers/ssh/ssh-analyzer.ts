// SSH over a reassembled TCP stream, found by its version lines on any port: the two version lines, the
// clear-text binary packets up to NEWKEYS (KEXINIT, the server's host key), then only how many bytes each side
// sends encrypted, from which authentication is inferred as Zeek infers it. One `ssh` record per session.
import type { AnomalyLog } from '../../core/anomaly.js';
import { formatIpv4, formatIpv6 } from '../../core/ip.js';
import { latin1 } from '../../core/latin1.js';
import type { Session } from '../../flow/session.js';
import { ORIG, type Dir, type StreamAnalyzer } from '../../reassembly/stream-analyzer.js';
import { bounded } from '../../schema/bounds.js';
import { SSH, type SshRecord } from '../../schema/ssh.js';
import { AuthGuess, SSH_MAX_AUTH_FLIGHTS } from './ssh-auth.js';
import {
  chooseAlgorithm, hassh, hostKeyFingerprint, hostKeyMessage, parseKexinit, SSH_MSG_KEX_31, SSH_MSG_KEX_DH_GEX_REPLY,
  SSH_MSG_KEXINIT, SSH_MSG_NEWKEYS, type Kexinit,
} from './ssh-messages.js';

/**
 * A version line is at most 255 characters with its CR LF (RFC 4253 §4.2); longer ones are read up to this
 * many bytes (some servers append long comments) and then cut, with `ssh_version_line_too_long`.
 */
export const SSH_MAX_BANNER_LINE = 4096;
/**
 * Lines a server may send before its version line (RFC 4253 §4.2: banners, Zeek's pre-banner trace has an ASCII
 * picture of ~1.5 KB). Past this many bytes without a version line the side is not read further.
 */
export const SSH_MAX_PRE_BANNER = 64 * 1024;
/**
 * A clear-text packet (before NEWKEYS) longer than this is not buffered: RFC 4253 §6.1 asks for 35000 bytes;
 * a KEXINIT with hundreds of names per list (Zeek's kex-quadratic trace) is ~60 KB.
 */
export const SSH_MAX_PACKET = 256 * 1024;
/** Clear-text packets of a side before NEWKEYS: a key exchange takes 3 to 5 (plus IGNORE/DEBUG); more is noise. */
export const SSH_MAX_CLEAR_PACKETS = 256;

const EMPTY = new Uint8Array(0);
/** "SSH-" */
const PREFIX = [0x53, 0x53, 0x48, 0x2d];

const BANNER = 0;
const PACKETS = 1;
const ENCRYPTED = 2;
const DONE = 3;

class Side {
  phase = BANNER;
  /** the current line while it may be the version line (kept whole, up to SSH_MAX_BANNER_LINE) */
  line: Uint8Array = EMPTY;
  lineLen = 0;
  /** the current line is not the version line (it does not start with "SSH-"): only counted */
  other = false;
  /** bytes of the current line when `other` */
  lineBytes = 0;
  /** bytes of whole lines before the version line */
  pre = 0;
  banner: string | null = null;
  /** clear-text packet bytes not parsed yet */
  buf: Uint8Array = EMPTY;
  bufLen = 0;
  packets = 0;
  kexinit: Kexinit | null = null;
  ended = false;
}

export interface SshAnalyzerOptions {
  session: Session;
  anomalies: AnomalyLog;
  emit(r: SshRecord): void;
  /** only the session's protocol is wanted (a probe for app_proto): stop as soon as it is decided */
  probe?: boolean | undefined;
}

export class SshAnalyzer implements StreamAnalyzer {
  private readonly o: SshAnalyzerOptions;
  private readonly sides = [new Side(), new Side()];
  /** null until a version line decides; false: not SSH */
  private ssh: boolean | null = null;
  private ts = 0;
  private hostKey: string | null = null;
  private readonly auth = new AuthGuess();
  private hadGap = false;
  private finished = false;

  constructor(o: SshAnalyzerOptions) {
    this.o = o;
  }

  /** True while the session may still be SSH and something is left to learn. */
  get active(): boolean {
    if (this.ssh === false || this.finished) return false;
    if (this.ssh === true && this.o.probe === true) return false;
    return !this.learned();
  }

  /** Nothing more to read: a gap, both sides past what is read, or authentication decided or undecidable. */
  private learned(): boolean {
    if (this.hadGap) return true;
    const [c, s] = this.sides as [Side, Side];
    if (c.phase === DONE && s.phase === DONE) return true;
    if (c.phase < ENCRYPTED || s.phase < ENCRYPTED) return false;
    // both sides encrypted: only sizes are left, for the authentication guess
    return this.auth.decided || this.auth.flights > SSH_MAX_AUTH_FLIGHTS || this.compressed();
  }

  deliver(dir: Dir, data: Uint8Array): void {
    if (this.ssh === false || this.finished || this.hadGap) return;
    const side = this.sides[dir]!;
    let off = 0;
    while (off < data.length && side.phase !== DONE && (this.ssh as boolean | null) !== false) {
      if (side.phase === BANNER) off = this.bannerBytes(dir, side, data, off);
      else if (side.phase === PACKETS) off = this.packetBytes(dir, side, data, off);
      else {
        this.encrypted(dir, data.length - off);
        off = data.length;
      }
    }
  }

  gap(dir: Dir): void {
    if (this.ssh === false || this.finished || this.hadGap) return;
    if (this.ssh === null) {
      this.ssh = false;
      return;
    }
    // as Zeek: nothing after a gap on either side is read (packet boundaries and sizes are lost)
    this.hadGap = true;
    this.o.anomalies.add(this.o.session.last, this.o.session.uid, 'ssh_gap', dir === ORIG ? 'client' : 'server');
  }

  end(dir: Dir): void {
    const side = this.sides[dir]!;
    if (side.ended) return;
    side.ended = true;
    if (this.sides[0]!.ended && this.sides[1]!.ended) this.finish();
  }

  // ---------------------------------------------------------------------------------------------- version lines

  /** Bytes of the version-line phase from `off`; returns where the side's next phase starts (or the end). */
  private bannerBytes(dir: Dir, side: Side, data: Uint8Array, off: number): number {
    for (let i = off; i < data.length; i++) {
      const b = data[i]!;
      if (b === 0x0a) {
        this.lineEnd(dir, side);
        return i + 1;
      }
      if (side.other) {
        if (side.pre + ++side.lineBytes > SSH_MAX_PRE_BANNER) {
          this.notSsh(side, 'ssh_pre_banner_too_long');
          return data.length;
        }
        continue;
      }
      if (side.lineLen < PREFIX.length && b !== PREFIX[side.lineLen]) {
        // not a version line: only the server may send other lines first (RFC 4253 §4.2)
        if (dir === ORIG) {
          this.notSsh(side, 'ssh_client_not_version_line');
          return data.length;
        }
        side.other = true;
        side.lineBytes = side.lineLen + 1;
        side.lineLen = 0;
        continue;
      }
      if (side.lineLen === SSH_MAX_BANNER_LINE) {
        this.anomaly('ssh_version_line_too_long', `${dir === ORIG ? 'client' : 'server'}: over ${SSH_MAX_BANNER_LINE} bytes`);
        this.lineEnd(dir, side);
        side.phase = DONE;
        return data.length;
      }
      if (side.lineLen === side.line.length) {
        // made on the line's first byte: a session that never sends one (most probed sessions) costs nothing
        const grown = new Uint8Array(Math.min(Math.max(64, side.line.length * 4), SSH_MAX_BANNER_LINE));
        grown.set(side.line);
        side.line = grown;
      }
      side.line[side.lineLen++] = b;
    }
    return data.length;
  }

  /** The side's current line is complete (LF seen, or cut): its version line, or a line before it. */
  private lineEnd(dir: Dir, side: Side): void {
    if (side.other || side.lineLen < PREFIX.length) {
      if (dir === ORIG) {
        this.notSsh(side, 'ssh_client_not_version_line');
        return;
      }
      side.pre += (side.other ? side.lineBytes : side.lineLen) + 1;
      side.other = false;
      side.lineBytes = 0;
      side.lineLen = 0;
      if (side.pre > SSH_MAX_PRE_BANNER) this.notSsh(side, 'ssh_pre_banner_too_long');
      return;
    }
    let end = side.lineLen;
    if (end > 0 && side.line[end - 1] === 0x0d) end--;
    side.banner = latin1(side.line, 0, end);
    side.line = EMPTY;
    side.lineLen = 0;
    if (this.ssh === null) {
      this.ssh = true;
      this.ts = this.o.session.last;
      this.o.session.appProto ??= 'ssh';
    }
    // SSH-1 packets (not 1.99, which is 2 with 1 for old peers) are not read: the version lines are all
    side.phase = protoVersion(side.banner) === '1' ? DONE : PACKETS;
    const v = this.version();
    if (v !== null && v !== 2) {
      this.sides[0]!.phase = DONE;
      this.sides[1]!.phase = DONE;
    }
  }

  /** A side that is not SSH: the session is not, unless the other side already said it is. */
  private notSsh(side: Side, anomaly: string): void {
    side.phase = DONE;
    if (this.ssh === true) this.anomaly(anomaly, null);
    else this.ssh = false;
  }

  // ---------------------------------------------------------------------------------------------- clear packets

  /**
   * Binary packets before NEWKEYS (RFC 4253 §6: uint32 packet_length, byte padding_length, payload, padding; no
   * MAC yet). A delivery's whole packets are read in place; a partial one is copied until it is complete.
   */
  private packetBytes(dir: Dir, side: Side, data: Uint8Array, off: number): number {
    let src = data;
    let pos = off;
    let end = data.length;
    if (side.bufLen > 0) {
      // join the buffered start with this delivery (bounded: a packet is at most SSH_MAX_PACKET)
      const need = side.bufLen + data.length - off;
      if (need > side.buf.length) {
        const grown = new Uint8Array(Math.min(Math.max(need, side.buf.length * 2), SSH_MAX_PACKET + 5 + data.length));
        grown.set(side.buf.subarray(0, side.bufLen));
        side.buf = grown;
      }
      side.buf.set(data.subarray(off), side.bufLen);
      src = side.buf;
      pos = 0;
      end = need;
      side.bufLen = 0;
    }
    while (end - pos >= 5) {
      const len = ((src[pos]! << 24) | (src[pos + 1]! << 16) | (src[pos + 2]! << 8) | src[pos + 3]!) >>> 0;
      const pad = src[pos + 4]!;
      if (len > SSH_MAX_PACKET || len < 1 || pad >= len) {
        this.anomaly(len > SSH_MAX_PACKET ? 'ssh_packet_too_long' : 'ssh_packet_malformed',
          `${dir === ORIG ? 'client' : 'server'}: packet_length ${len}, padding_length ${pad}`);
        side.phase = DONE;
        return data.length;
      }
      if (end - pos < 4 + len) break;
      const payload = src.subarray(pos + 5, pos + 4 + len - pad);
      pos += 4 + len;
      if (++side.packets > SSH_MAX_CLEAR_PACKETS) {
        this.anomaly('ssh_kex_too_long', `${dir === ORIG ? 'client' : 'server'}: over ${SSH_MAX_CLEAR_PACKETS} packets before NEWKEYS`);
        side.phase = DONE;
        return data.length;
      }
      if (payload.length > 0 && this.message(dir, side, payload)) {
        // NEWKEYS: what follows in this delivery is the side's first encrypted bytes
        const rest = end - pos;
        side.buf = EMPTY;
        side.phase = ENCRYPTED;
        if (rest > 0) this.encrypted(dir, rest);
        return data.length;
      }
    }
    // keep the incomplete packet's bytes (a copy: the delivery's view ends with this call)
    const left = end - pos;
    if (left > 0) {
      if (src === side.buf) side.buf.copyWithin(0, pos, end);
      else {
        if (side.buf.length < left) side.buf = new Uint8Array(Math.max(left, 2048));
        side.buf.set(src.subarray(pos, end));
      }
    }
    side.bufLen = left;
    return data.length;
  }

  /** One clear-text message; true when it was NEWKEYS. */
  private message(dir: Dir, side: Side, p: Uint8Array): boolean {
    const type = p[0]!;
    if (type === SSH_MSG_NEWKEYS) return true;
    if (type === SSH_MSG_KEXINIT) {
      if (side.kexinit !== null) return false; // a second KEXINIT in clear is a new key exchange: the first counts
      side.kexinit = parseKexinit(p);
      if (side.kexinit === null) this.anomaly('ssh_kexinit_malformed', dir === ORIG ? 'client' : 'server');
      return false;
    }
    if ((type === SSH_MSG_KEX_31 || type === SSH_MSG_KEX_DH_GEX_REPLY) && this.hostKey === null) {
      // the reply carrying K_S comes from the SSH server (either TCP side: reverse SSH exists)
      const kex = this.chosen((k) => k.kex, (k) => k.kex);
      if (kex !== null && hostKeyMessage(kex) === type) {
        this.hostKey = hostKeyFingerprint(p);
        if (this.hostKey === null) this.anomaly('ssh_kex_reply_malformed', dir === ORIG ? 'client' : 'server');
      }
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------- encrypted

  private encrypted(dir: Dir, n: number): void {
    if (this.version() !== 2) return;
    this.auth.bytes(dir, n);
  }

  private compressed(): boolean {
    const c2s = this.chosen((k) => k.compressionC2s, (k) => k.compressionC2s);
    const s2c = this.chosen((k) => k.compressionS2c, (k) => k.compressionS2c);
    // Zeek logs one value when both directions agree, a combined text otherwise (never "zlib" then)
    return c2s !== null && c2s === s2c && (c2s === 'zlib' || c2s === 'zlib@openssh.com');
  }

  /** An algorithm both KEXINITs settle (client's list, server's list); null without both or when none is shared. */
  private chosen(client: (k: Kexinit) => string, server: (k: Kexinit) => string): string | null {
    const c = this.sides[0]!.kexinit;
    const s = this.sides[1]!.kexinit;
    return c === null || s === null ? null : chooseAlgorithm(client(c), server(s));
  }

  /** Protocol version the two version lines agree on, as Zeek decides it; null without both. */
  private version(): number | null {
    const c = this.sides[0]!.banner;
    const s = this.sides[1]!.banner;
    if (c === null || s === null) return null;
    return agreedVersion(c, s);
  }

  private anomaly(name: string, detail: string | null): void {
    this.o.anomalies.add(this.o.session.last, this.o.session.uid, name, detail);
  }

  // ---------------------------------------------------------------------------------------------- the record

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.ssh !== true || this.o.probe === true) return;
    const s = this.o.session;
    const [c, sv] = this.sides as [Side, Side];
    const ch = c.kexinit === null ? null : hassh(c.kexinit, 'client');
    const sh = sv.kexinit === null ? null : hassh(sv.kexinit, 'server');
    const compressed = this.compressed();
    const version = this.version();
    const guess = compressed ? null : this.auth.result();
    const reason = guess !== null ? null
      : version !== 2 ? 'not_ssh2'
      : compressed ? 'compression'
      : c.phase < ENCRYPTED || sv.phase < ENCRYPTED || !this.auth.sawClient ? 'no_kex'
      : this.hadGap ? 'gap'
      : 'undecided';
    const rec: SshRecord = {
      uid: s.uid,
      ts: this.ts,
      src_ip: s.v6 ? formatIpv6(s.a6!) : formatIpv4(s.a4),
      src_port: s.aPort,
      dst_ip: s.v6 ? formatIpv6(s.b6!) : formatIpv4(s.b4),
      dst_port: s.bPort,
      version,
      client: c.banner,
      server: sv.banner,
      hassh: ch?.hash ?? null,
      hassh_algorithms: ch?.algorithms ?? null,
      hassh_server: sh?.hash ?? null,
      hassh_server_algorithms: sh?.algorithms ?? null,
      kex_alg: this.chosen((k) => k.kex, (k) => k.kex),
      host_key_alg: this.chosen((k) => k.hostKey, (k) => k.hostKey),
      cipher_c2s: this.chosen((k) => k.cipherC2s, (k) => k.cipherC2s),
      cipher_s2c: this.chosen((k) => k.cipherS2c, (k) => k.cipherS2c),
      mac_c2s: this.chosen((k) => k.macC2s, (k) => k.macC2s),
      mac_s2c: this.chosen((k) => k.macS2c, (k) => k.macS2c),
      compression_c2s: this.chosen((k) => k.compressionC2s, (k) => k.compressionC2s),
      compression_s2c: this.chosen((k) => k.compressionS2c, (k) => k.compressionS2c),
      host_key_fingerprint: this.hostKey,
      auth_success: guess === null ? null : guess.success,
      auth_attempts: guess === null ? 0 : guess.attempts,
      auth_reason: reason,
      capture_id: null,
    };
    if (c.kexinit !== null && sv.kexinit !== null && rec.kex_alg === null) this.anomaly('ssh_negotiation_failed', 'no key exchange algorithm in common');
    this.o.emit(bounded(SSH, rec, (name, detail) => this.anomaly(name, detail)));
  }
}

/** "2.0" of "SSH-2.0-OpenSSH_9.2" (the protocol version field); "" when there is none. */
function protoVersion(banner: string): string {
  const end = banner.indexOf('-', 4);
  const v = banner.slice(4, end < 0 ? banner.length : end);
  return v.startsWith('1.') && v !== '1.99' ? '1' : v;
}

/**
 * The major version two version lines can talk (Zeek's rule): 2 when both are 2.0 or one is 2.0 and the other
 * 1.99; 1 when both are 1.x (not both 1.99: that is 2); 0 when one is 1.x and the other 2.0 (they cannot).
 */
export function agreedVersion(client: string, server: string): number | null {
  if (client.length <= 4 || server.length <= 4) return null;
  const c = client[4];
  const sv = server[4];
  const is199 = (b: string): boolean => b.length > 7 && b[6] === '9' && b[7] === '9';
  if (c === '1' && sv === '2') return is199(client) ? 2 : 0;
  if (c === '2' && sv === '1') return is199(server) ? 2 : 0;
  if (c === '1' && sv === '1') return is199(server) && is199(client) ? 2 : 1;
  if (c === '2' && sv === '2') return 2;
  return null;
}
