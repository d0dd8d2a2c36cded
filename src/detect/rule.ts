// A parsed Snort 2.9 / Suricata rule: header, metadata, and the detection options in rule order, each bound to
// the buffer it inspects. Pure data; the parser builds it, the engine reads it.

export type Action = 'alert' | 'log' | 'pass' | 'drop' | 'reject' | 'sdrop';
/** Transport (or, Suricata style, the application protocol whose buffers the rule inspects). */
export type RuleProto = 'tcp' | 'udp' | 'icmp' | 'ip' | 'http' | 'tls' | 'quic' | 'smtp' | 'dns';

/** One address term: a CIDR (IPv4 or IPv6, as bytes and prefix length) or any, possibly negated. */
export interface AddrTerm {
  negated: boolean;
  /** null = any */
  net: { v6: boolean; bytes: Uint8Array; bits: number } | null;
}

/** An address list: matches when some positive term matches (or there is none) and no negated term does. */
export interface AddrSpec {
  terms: AddrTerm[];
  /** the text as written (variables expanded), for messages */
  text: string;
}

export interface PortRange {
  negated: boolean;
  lo: number;
  hi: number;
}

export interface PortSpec {
  /** empty = any */
  ranges: PortRange[];
  text: string;
}

/** Named inspection buffers (Snort's http_* modifiers and Suricata's sticky buffers map onto these). */
export type BaseBuffer =
  | 'pkt' | 'raw' | 'http.method' | 'http.uri' | 'http.uri.raw' | 'http.header' | 'http.header.raw' | 'http.cookie'
  | 'http.request_body' | 'http.response_body' | 'http.stat_code' | 'http.stat_msg' | 'http.user_agent' | 'http.host'
  | 'http.referer' | 'http.content_type' | 'http.header_names' | 'http.protocol' | 'http.request_line' | 'http.response_line'
  | 'http.accept' | 'http.accept_enc' | 'http.accept_lang' | 'http.connection' | 'http.content_len' | 'http.host.raw'
  | 'http.server' | 'http.location' | 'dns.query' | 'tls.sni' | 'tls.cert_serial' | 'tls.cert_subject' | 'tls.cert_issuer'
  | 'tls.cert_fingerprint' | 'tls.certs' | 'ja3.hash' | 'ja3.string' | 'ja3s.hash' | 'ja4.hash' | 'file.data'
  | 'email.subject' | 'email.from' | 'email.to' | 'email.cc' | 'email.date' | 'email.message_id' | 'email.x_mailer';

/** Suricata transforms: applied in order to a sticky buffer before the options that follow inspect it. */
export type Transform =
  | 'strip_whitespace' | 'compress_whitespace' | 'dotprefix' | 'to_lowercase' | 'to_uppercase' | 'url_decode'
  | 'to_md5' | 'to_sha1' | 'to_sha256';

/** A buffer, or a buffer seen through transforms ("tls.sni|dotprefix"). */
export type BufferName = BaseBuffer | `${BaseBuffer}|${string}`;

export interface ContentMatch {
  kind: 'content';
  buffer: BufferName;
  bytes: Uint8Array;
  negated: boolean;
  nocase: boolean;
  offset: number | null;
  depth: number | null;
  distance: number | null;
  within: number | null;
  /** Suricata startswith / endswith */
  startsWith: boolean;
  endsWith: boolean;
  fastPattern: boolean;
  /** the bytes' border table (parse-rule.ts), for a search linear in the buffer's length */
  border: Int32Array;
}

export interface PcreMatch {
  kind: 'pcre';
  buffer: BufferName;
  re: RegExp;
  negated: boolean;
  /** R: starts where the previous match ended */
  relative: boolean;
  source: string;
}

export interface ByteTest {
  kind: 'byte_test';
  buffer: BufferName;
  bytes: number;
  op: '<' | '>' | '=' | '!' | '&' | '^' | '<=' | '>=';
  negated: boolean;
  value: number;
  offset: number;
  relative: boolean;
  bigEndian: boolean;
  /** null = binary; else the number is ASCII text in this base */
  base: 8 | 10 | 16 | null;
  bitmask: number | null;
}

export interface ByteJump {
  kind: 'byte_jump';
  buffer: BufferName;
  bytes: number;
  offset: number;
  relative: boolean;
  bigEndian: boolean;
  base: 8 | 10 | 16 | null;
  multiplier: number;
  align: boolean;
  fromBeginning: boolean;
  postOffset: number;
  bitmask: number | null;
}

export interface IsDataAt {
  kind: 'isdataat';
  buffer: BufferName;
  offset: number;
  relative: boolean;
  negated: boolean;
}

/** Size of a buffer (Suricata bsize, Snort urilen on the URI, dsize on the payload). */
export interface SizeCheck {
  kind: 'size';
  buffer: BufferName;
  op: '=' | '<' | '>' | '<>' | '<=' | '>=';
  lo: number;
  hi: number;
}

export type Match = ContentMatch | PcreMatch | ByteTest | ByteJump | IsDataAt | SizeCheck;

export interface FlowSpec {
  toServer: boolean;
  toClient: boolean;
  established: boolean;
  notEstablished: boolean;
  stateless: boolean;
  onlyStream: boolean;
  noStream: boolean;
}

export interface Flowbit {
  op: 'set' | 'unset' | 'isset' | 'isnotset' | 'toggle' | 'noalert';
  /** names; `any` (|) or `all` (&) for a group test */
  names: string[];
  mode: 'any' | 'all';
}

export interface Threshold {
  type: 'limit' | 'threshold' | 'both' | 'detection_filter';
  track: 'by_src' | 'by_dst' | 'by_rule' | 'by_both';
  count: number;
  seconds: number;
}

export interface HeaderChecks {
  flags: { mode: 'exact' | 'any' | 'all' | 'not'; flags: number; ignore: number } | null;
  ipProto: { op: '=' | '!' | '<' | '>'; value: number } | null;
  itype: { op: '=' | '<' | '>' | '<>'; lo: number; hi: number } | null;
  icode: { op: '=' | '<' | '>' | '<>'; lo: number; hi: number } | null;
  sameip: boolean;
}

export interface Rule {
  action: Action;
  proto: RuleProto;
  src: AddrSpec;
  srcPorts: PortSpec;
  /** true for `<>` */
  bidirectional: boolean;
  dst: AddrSpec;
  dstPorts: PortSpec;
  gid: number;
  sid: number;
  rev: number;
  msg: string;
  classtype: string | null;
  priority: number;
  references: string[];
  metadata: string[];
  flow: FlowSpec | null;
  matches: Match[];
  flowbits: Flowbit[];
  threshold: Threshold | null;
  detectionFilter: Threshold | null;
  header: HeaderChecks;
  /** the content chosen for the multi-pattern prefilter (null: the rule is always evaluated) */
  fastPattern: ContentMatch | null;
  /** Suricata's `alert` keyword on a pass rule: it passes and is alerted on */
  alsoAlert: boolean;
  /** where it was read */
  file: string;
  line: number;
  text: string;
}
