// Which EVE lines `import eve` may hand to DuckDB whole (formats/import/eve-flow-sql.ts maps them): a byte scan of
// one line that accepts only flow events of the plain shape Suricata and our export write, where the SQL mapping
// gives exactly what eveToRecords and the importer give. Anything else (another event type, a key we do not know,
// a value of another type or spelling, an escape, a byte past ASCII, white space, a duplicate key) is refused and
// the line goes the JS way: refusing is always safe, accepting must be exact.

/** The keys the scan knows, by object; each a mapped field, or one of EXTRA_KEYS (stored in `extra`). */
const TOP_KEYS = ['timestamp', 'flow_id', 'in_iface', 'event_type', 'src_ip', 'src_port', 'dest_ip', 'dest_port', 'proto', 'app_proto', 'community_id', 'vlan', 'flow', 'tcp'] as const;
const FLOW_KEYS = ['pkts_toserver', 'pkts_toclient', 'bytes_toserver', 'bytes_toclient', 'start', 'end', 'age', 'state', 'reason', 'alerted'] as const;
const TCP_KEYS = ['tcp_flags', 'tcp_flags_ts', 'tcp_flags_tc', 'syn', 'fin', 'rst', 'psh', 'ack', 'urg', 'ecn', 'cwr', 'state'] as const;

/**
 * The keys that go to `extra` (eveToRecords takes no field from them), in the order the SQL writes them: a line
 * whose extra keys come in another order goes the JS way (extra keeps the event's order).
 */
export const EXTRA_KEYS = ['in_iface', 'flow.age', 'flow.state', 'flow.reason', 'flow.alerted', 'tcp.state'] as const;

/** The flow counters a line may leave out (the importer then fills 0), as FlowLineScan.fills' bits 0-3. */
export const FILLABLE_COUNTERS = ['src_pkts', 'dst_pkts', 'src_frame_bytes', 'dst_frame_bytes'] as const;

/** Top-level keys a line must have to be taken (without them the importer fills or computes what SQL does not). */
const REQUIRED_TOP = ['timestamp', 'flow_id', 'event_type', 'src_ip', 'src_port', 'dest_ip', 'dest_port', 'proto', 'community_id'] as const;

/** Longest string value taken: far below every text bound of the sessions row (130 bytes for uids). */
const MAX_STRING = 64;
/** Digits of an integer taken: below 2^53, so JSON.parse keeps it exact (Number.isSafeInteger). */
const MAX_INT_DIGITS = 15;
/** Digits of a flow_id taken: below 2^64, DuckDB's UBIGINT (Suricata's ids are 64-bit). */
const MAX_FLOW_ID_DIGITS = 19;

const Q = 0x22; // "
const COLON = 0x3a;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const MINUS = 0x2d;
const D0 = 0x30;
const D9 = 0x39;

/** Byte classes of string values (bits): what each kind of value may hold, all of it printable ASCII without `"` or `\`. */
const C_ALNUM = 1;
const C_DOT = 2;
const C_DASH = 4;
const C_UNDER = 8;
const C_B64 = 16;
const C_COLON = 32;
const C_SPACE = 64;
const C_HEX = 128;
const CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  let k = 0;
  if (/[0-9A-Za-z]/.test(ch)) k |= C_ALNUM;
  if (ch === '.') k |= C_DOT;
  if (ch === '-') k |= C_DASH;
  if (ch === '_') k |= C_UNDER;
  if (ch === '+' || ch === '/' || ch === '=') k |= C_B64;
  if (ch === ':') k |= C_COLON;
  if (ch === ' ') k |= C_SPACE;
  if (/[0-9a-fA-F]/.test(ch)) k |= C_HEX;
  CLASS[c] = k;
}
/** addresses: IPv4 and names, no `:` (an IPv6 address is rewritten by ourIp: the JS way) */
const S_ADDR = C_ALNUM | C_DOT;
/** protocol names (TCP, IPv6-ICMP) */
const S_PROTO = C_ALNUM | C_DASH;
/** app_proto, flow.state, flow.reason, tcp.state */
const S_WORD = C_ALNUM | C_DASH | C_UNDER | C_DOT | C_SPACE;
/** Community ID: `1:` + base64 */
const S_CID = C_ALNUM | C_B64 | C_COLON;

/**
 * A key's index in its object's list, looked up by a hash of its bytes and checked byte by byte; the key after
 * the last one found is tried first (lines of one file list their keys in one order: no hash then).
 */
interface KeyTable { byHash: Map<number, number>; bytes: Uint8Array[]; next: number }

function keyTable(keys: readonly string[]): KeyTable {
  const byHash = new Map<number, number>();
  const bytes = keys.map((k) => Uint8Array.from(k, (c) => c.charCodeAt(0)));
  bytes.forEach((b, i) => {
    const h = hashOf(b, 0, b.length);
    if (byHash.has(h)) throw new Error(`eve-flow-scan: two keys hash alike (${keys[i]})`);
    byHash.set(h, i);
  });
  return { byHash, bytes, next: 0 };
}

function hashOf(b: Uint8Array, at: number, end: number): number {
  let h = end - at;
  for (let i = at; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

const TOP = keyTable(TOP_KEYS);
const FLOW = keyTable(FLOW_KEYS);
const TCP = keyTable(TCP_KEYS);
const top = (k: (typeof TOP_KEYS)[number]): number => TOP_KEYS.indexOf(k);
const K_TIMESTAMP = top('timestamp');
const K_FLOW_ID = top('flow_id');
const K_EVENT_TYPE = top('event_type');
const K_IN_IFACE = top('in_iface');
const K_SRC_IP = top('src_ip');
const K_SRC_PORT = top('src_port');
const K_DEST_IP = top('dest_ip');
const K_DEST_PORT = top('dest_port');
const K_PROTO = top('proto');
const K_APP_PROTO = top('app_proto');
const K_COMMUNITY_ID = top('community_id');
const K_VLAN = top('vlan');
const K_FLOW = top('flow');
const K_TCP = top('tcp');
const REQUIRED_MASK = REQUIRED_TOP.reduce((m, k) => m | (1 << top(k)), 0);
const F_START = FLOW_KEYS.indexOf('start');
const F_END = FLOW_KEYS.indexOf('end');
const F_STATE = FLOW_KEYS.indexOf('state');
const F_REASON = FLOW_KEYS.indexOf('reason');
const F_ALERTED = FLOW_KEYS.indexOf('alerted');
const F_AGE = FLOW_KEYS.indexOf('age');
/** FILLABLE_COUNTERS' keys in the flow object, by bit */
const F_COUNTERS = ['pkts_toserver', 'pkts_toclient', 'bytes_toserver', 'bytes_toclient'].map((k) => FLOW_KEYS.indexOf(k as (typeof FLOW_KEYS)[number]));
const T_FLAGS_TS = TCP_KEYS.indexOf('tcp_flags_ts');
const T_FLAGS_TC = TCP_KEYS.indexOf('tcp_flags_tc');
const T_FLAGS = TCP_KEYS.indexOf('tcp_flags');
const T_STATE = TCP_KEYS.indexOf('state');

const X_IN_IFACE = EXTRA_KEYS.indexOf('in_iface');
const X_FLOW_AGE = EXTRA_KEYS.indexOf('flow.age');
const X_FLOW_STATE = EXTRA_KEYS.indexOf('flow.state');
const X_FLOW_REASON = EXTRA_KEYS.indexOf('flow.reason');
const X_FLOW_ALERTED = EXTRA_KEYS.indexOf('flow.alerted');
const X_TCP_STATE = EXTRA_KEYS.indexOf('tcp.state');

const EVENT_FLOW = Uint8Array.from('flow', (c) => c.charCodeAt(0));
const FAILED = Uint8Array.from('failed', (c) => c.charCodeAt(0));

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Years a time is taken in (the JS way takes any Date.parse reads). */
const MIN_YEAR = 1970;
/** `YYYY-MM-DDTHH:MM:SS.ffffff+0000`: Suricata's and our export's spelling, the only one taken */
const TIME_LENGTH = 31;
const TIME_SHAPE = Uint8Array.from('dddd-dd-ddTdd:dd:dd.dddddd+0000', (c) => c.charCodeAt(0));
const DIGIT = 0x64; // d

/**
 * Scans lines; after a `scan` that returned true, `startUs` is the row's start_time (µs) and `fills` the
 * FILLABLE_COUNTERS the line leaves out (bits). One scanner per file: it keeps the last second it read.
 */
export class FlowLineScanner {
  startUs = 0;
  fills = 0;
  private b: Uint8Array = new Uint8Array(0);
  private i = 0;
  /** the EXTRA_KEYS index of the last extra key seen (their order must be EXTRA_KEYS') */
  private extraAt = -1;
  private readonly lastSecond = new Uint8Array(19);
  private lastBase = Number.NaN;

  /** Whether the line b[at, end) (no newline) is a flow event the SQL maps exactly as the JS path. */
  scan(b: Uint8Array, at: number, end: number): boolean {
    if (end - at < 2 || b[at] !== LBRACE || b[end - 1] !== RBRACE) return false;
    this.b = b;
    this.i = at + 1;
    this.extraAt = -1;
    let seen = 0;
    let ts = Number.NaN;
    let start = Number.NaN;
    let stop = Number.NaN;
    let flowSeen = 0;
    let tcpSeen = 0;
    for (;;) {
      const k = this.key(TOP);
      if (k < 0 || (seen & (1 << k)) !== 0) return false;
      seen |= 1 << k;
      switch (k) {
        case K_TIMESTAMP:
          ts = this.time();
          if (Number.isNaN(ts)) return false;
          break;
        case K_FLOW_ID:
          if (!this.int(MAX_FLOW_ID_DIGITS, false)) return false;
          break;
        case K_EVENT_TYPE:
          if (!this.literal(EVENT_FLOW)) return false;
          break;
        case K_IN_IFACE:
          if (!this.extra(X_IN_IFACE) || this.str(S_WORD) < 0) return false;
          break;
        case K_SRC_IP:
        case K_DEST_IP:
          if (this.str(S_ADDR) <= 0) return false;
          break;
        case K_SRC_PORT:
        case K_DEST_PORT:
          if (!this.int(MAX_INT_DIGITS, true)) return false;
          break;
        case K_PROTO: {
          // a number (`6`) is rewritten by ourProto (String(Number(p))): the JS way
          const from = this.i + 1;
          const n = this.str(S_PROTO);
          if (n <= 0 || allDigits(b, from, from + n)) return false;
          break;
        }
        case K_APP_PROTO: {
          // "failed" stays in extra
          const from = this.i;
          if (this.str(S_WORD) < 0 || this.same(from, FAILED)) return false;
          break;
        }
        case K_COMMUNITY_ID:
          if (this.str(S_CID) < 0) return false;
          break;
        case K_VLAN:
          // one id (a stack keeps its inner ids in extra: the JS way)
          if (b[this.i] !== LBRACKET) return false;
          this.i++;
          if (!this.int(MAX_INT_DIGITS, true) || b[this.i] !== RBRACKET) return false;
          this.i++;
          break;
        case K_FLOW: {
          if (b[this.i] !== LBRACE) return false;
          this.i++;
          if (b[this.i] === RBRACE) {
            this.i++;
            break;
          }
          for (;;) {
            const f = this.key(FLOW);
            if (f < 0 || (flowSeen & (1 << f)) !== 0) return false;
            flowSeen |= 1 << f;
            let ok: boolean;
            if (f === F_START || f === F_END) {
              const t = this.time();
              ok = !Number.isNaN(t);
              if (f === F_START) start = t;
              else stop = t;
            } else if (f === F_STATE) ok = this.extra(X_FLOW_STATE) && this.str(S_WORD) >= 0;
            else if (f === F_REASON) ok = this.extra(X_FLOW_REASON) && this.str(S_WORD) >= 0;
            else if (f === F_ALERTED) ok = this.extra(X_FLOW_ALERTED) && this.bool();
            else if (f === F_AGE) ok = this.extra(X_FLOW_AGE) && this.int(MAX_INT_DIGITS, true);
            else ok = this.int(MAX_INT_DIGITS, true);
            if (!ok) return false;
            const c = b[this.i++];
            if (c === RBRACE) break;
            if (c !== COMMA) return false;
          }
          break;
        }
        case K_TCP: {
          if (b[this.i] !== LBRACE) return false;
          this.i++;
          for (;;) {
            const f = this.key(TCP);
            if (f < 0 || (tcpSeen & (1 << f)) !== 0) return false;
            tcpSeen |= 1 << f;
            let ok: boolean;
            if (f === T_FLAGS_TS || f === T_FLAGS_TC || f === T_FLAGS) {
              const n = this.str(C_HEX);
              ok = n === 1 || n === 2;
            } else if (f === T_STATE) ok = this.extra(X_TCP_STATE) && this.str(S_WORD) >= 0;
            else ok = this.bool();
            if (!ok) return false;
            const c = b[this.i++];
            if (c === RBRACE) break;
            if (c !== COMMA) return false;
          }
          // the flags of both sides: the rest of the object but its state is then taken as said by them
          if ((tcpSeen & (1 << T_FLAGS_TS)) === 0 || (tcpSeen & (1 << T_FLAGS_TC)) === 0) return false;
          break;
        }
        default:
          return false;
      }
      const c = b[this.i++];
      if (c === RBRACE) break;
      if (c !== COMMA) return false;
    }
    if (this.i !== end || (seen & REQUIRED_MASK) !== REQUIRED_MASK) return false;
    const s = Number.isNaN(start) ? ts : start;
    const e = Number.isNaN(stop) ? ts : stop;
    // an end before the start is kept in extra: the JS way
    if (e < s) return false;
    this.startUs = s;
    let fills = 0;
    for (let j = 0; j < F_COUNTERS.length; j++) if ((flowSeen & (1 << F_COUNTERS[j]!)) === 0) fills |= 1 << j;
    this.fills = fills;
    return true;
  }

  /** An extra key met: whether it comes after the ones before it in EXTRA_KEYS' order. */
  private extra(n: number): boolean {
    if (n <= this.extraAt) return false;
    this.extraAt = n;
    return true;
  }

  /** `"key":` at i, its index in the table (-1: none of them), i after the colon. */
  private key(t: KeyTable): number {
    const b = this.b;
    if (b[this.i] !== Q) return -1;
    const from = this.i + 1;
    const guess = t.bytes[t.next];
    if (guess !== undefined) {
      const n = guess.length;
      let x = 0;
      while (x < n && guess[x] === b[from + x]) x++;
      if (x === n && b[from + n] === Q && b[from + n + 1] === COLON) {
        this.i = from + n + 2;
        return t.next++;
      }
    }
    let j = from;
    // keys we know are [a-z_]: a quote or an escape ends the search either way
    while (j < b.length && b[j] !== Q && b[j] !== 0x5c) j++;
    if (b[j] !== Q || b[j + 1] !== COLON) return -1;
    const k = t.byHash.get(hashOf(b, from, j));
    if (k === undefined) return -1;
    const kb = t.bytes[k]!;
    if (kb.length !== j - from) return -1;
    for (let x = 0; x < kb.length; x++) if (kb[x] !== b[from + x]) return -1;
    this.i = j + 2;
    t.next = k + 1;
    return k;
  }

  /** A string of bytes of the classes `cls`: its length (-1: not one), i after it. */
  private str(cls: number): number {
    const b = this.b;
    if (b[this.i] !== Q) return -1;
    const from = this.i + 1;
    let j = from;
    while (j - from <= MAX_STRING && (CLASS[b[j]!]! & cls) !== 0) j++;
    if (b[j] !== Q || j - from > MAX_STRING) return -1;
    this.i = j + 1;
    return j - from;
  }

  /** Whether the string at `from` (its opening quote) is `word`. */
  private same(from: number, word: Uint8Array): boolean {
    const b = this.b;
    if (this.i - from - 2 !== word.length) return false;
    for (let x = 0; x < word.length; x++) if (b[from + 1 + x] !== word[x]) return false;
    return true;
  }

  private literal(word: Uint8Array): boolean {
    const from = this.i;
    return this.str(C_ALNUM) >= 0 && this.same(from, word);
  }

  /** An integer as JSON writes it (no leading zero, no fraction or exponent: the next byte ends the value). */
  private int(maxDigits: number, signed: boolean): boolean {
    const b = this.b;
    let j = this.i;
    if (signed && b[j] === MINUS) j++;
    const from = j;
    while (j - from <= maxDigits && b[j]! >= D0 && b[j]! <= D9) j++;
    const n = j - from;
    if (n === 0 || n > maxDigits || (n > 1 && b[from] === D0)) return false;
    const c = b[j];
    if (c !== COMMA && c !== RBRACE && c !== RBRACKET) return false;
    this.i = j;
    return true;
  }

  private bool(): boolean {
    const b = this.b;
    const i = this.i;
    if (b[i] === 0x74 && b[i + 1] === 0x72 && b[i + 2] === 0x75 && b[i + 3] === 0x65) this.i += 4;
    else if (b[i] === 0x66 && b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x73 && b[i + 4] === 0x65) this.i += 5;
    else return false;
    const c = b[this.i];
    return c === COMMA || c === RBRACE;
  }

  /** A time in TIME_SHAPE (a real date, years from MIN_YEAR) as µs since the epoch; NaN: not one. */
  private time(): number {
    const b = this.b;
    const i = this.i;
    if (b[i] !== Q || b[i + TIME_LENGTH + 1] !== Q) return Number.NaN;
    const t = i + 1;
    for (let x = 0; x < TIME_LENGTH; x++) {
      const c = b[t + x]!;
      const want = TIME_SHAPE[x]!;
      if (want === DIGIT ? c < D0 || c > D9 : c !== want) return Number.NaN;
    }
    let same = true;
    const last = this.lastSecond;
    for (let x = 0; x < 19; x++) {
      if (last[x] !== b[t + x]) {
        same = false;
        break;
      }
    }
    if (!same) {
      const y = digits(b, t, 4);
      const mo = digits(b, t + 5, 2);
      const d = digits(b, t + 8, 2);
      const h = digits(b, t + 11, 2);
      const mi = digits(b, t + 14, 2);
      const s = digits(b, t + 17, 2);
      const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
      if (y < MIN_YEAR || mo < 1 || mo > 12 || d < 1 || d > DAYS[mo - 1]! + (mo === 2 && leap ? 1 : 0) || h > 23 || mi > 59 || s > 59) return Number.NaN;
      this.lastBase = Date.UTC(y, mo - 1, d, h, mi, s);
      for (let x = 0; x < 19; x++) last[x] = b[t + x]!;
    }
    this.i = i + TIME_LENGTH + 2;
    return this.lastBase * 1000 + digits(b, t + 20, 6);
  }
}

function digits(b: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let x = 0; x < n; x++) v = v * 10 + (b[at + x]! - D0);
  return v;
}

function allDigits(b: Uint8Array, at: number, end: number): boolean {
  for (let x = at; x < end; x++) if (b[x]! < D0 || b[x]! > D9) return false;
  return true;
}
