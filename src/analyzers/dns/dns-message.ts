// A DNS message (RFC 1035 §4.1): header, questions, resource records (typed in dns-rdata.ts) and EDNS (RFC 6891).
// Pure syntax over one UDP payload (or one length-prefixed TCP message); a malformed message gives what was
// read before the damage and a named problem, never an exception. The signature buffer dns.query
// (dnsQuestions) and the dns record (parseDnsMessage) read names and questions through the same functions.
import { nameProblem, readName, type DnsProblem } from './dns-name.js';
import { parseOpt, readRdata, type DnsEdns, type DnsRdata } from './dns-rdata.js';

export { DNS_MAX_POINTERS, nameText, readName, type DnsProblem } from './dns-name.js';

export interface DnsQuestions {
  /** QR bit: a response */
  response: boolean;
  id: number;
  /** each question's name, dotted, bytes as sent (no trailing dot; the root is "") */
  names: Uint8Array[];
}

/** Questions read per message at most (a real query has one; mDNS packs a few). */
export const DNS_MAX_QUESTIONS = 16;
/** Resource records read per message at most: a UDP message of 64 KiB holds at most ~5,000 of 11 bytes. */
export const DNS_MAX_RRS = 4096;
export interface DnsHeader {
  id: number;
  /** QR bit: a response */
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  /** the three bits after RA (Z, AD, CD) as one number, as Zeek logs Z */
  z: number;
  ad: boolean;
  cd: boolean;
  /** the header's 4-bit RCODE (EDNS extends it: DnsMessage.rcode) */
  rcode: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

/** The 12-byte header, or null when b is shorter. */
export function readHeader(b: Uint8Array): DnsHeader | null {
  if (b.length < 12) return null;
  const flags = (b[2]! << 8) | b[3]!;
  return {
    id: (b[0]! << 8) | b[1]!,
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    z: (flags >> 4) & 0x7,
    ad: (flags & 0x0020) !== 0,
    cd: (flags & 0x0010) !== 0,
    rcode: flags & 0xf,
    qdcount: (b[4]! << 8) | b[5]!,
    ancount: (b[6]! << 8) | b[7]!,
    nscount: (b[8]! << 8) | b[9]!,
    arcount: (b[10]! << 8) | b[11]!,
  };
}

export interface DnsQuestion {
  name: Uint8Array;
  qtype: number;
  qclass: number;
}

/**
 * Questions from offset 12: those read whole before any damage, the offset after the last one, and the problem
 * that stopped the reading (null when all `count` were read).
 */
export function readQuestions(b: Uint8Array, count: number): { questions: DnsQuestion[]; end: number; problem: DnsProblem | null } {
  const questions: DnsQuestion[] = [];
  let p = 12;
  for (let i = 0; i < count && i < DNS_MAX_QUESTIONS; i++) {
    const n = readName(b, p);
    if (n === null) return { questions, end: p, problem: nameProblem.problem };
    if (n.end + 4 > b.length) return { questions, end: p, problem: 'dns_truncated_question' };
    questions.push({ name: n.name, qtype: (b[n.end]! << 8) | b[n.end + 1]!, qclass: (b[n.end + 2]! << 8) | b[n.end + 3]! });
    p = n.end + 4;
  }
  return { questions, end: p, problem: null };
}

/** The questions of a DNS message, or null when it is not one (too short, absurd counts, bad first name). */
export function dnsQuestions(b: Uint8Array): DnsQuestions | null {
  const h = readHeader(b);
  if (h === null || h.opcode > 6 || h.qdcount === 0 || h.qdcount > DNS_MAX_QUESTIONS) return null;
  const q = readQuestions(b, h.qdcount);
  if (q.questions.length === 0) return null;
  return { response: h.qr, id: h.id, names: q.questions.map((x) => x.name) };
}

/** One resource record. */
export interface DnsRr {
  name: Uint8Array;
  type: number;
  class: number;
  /** seconds (unsigned 32 bits) */
  ttl: number;
  data: DnsRdata;
}

export interface DnsMessage {
  header: DnsHeader;
  questions: DnsQuestion[];
  answers: DnsRr[];
  authority: DnsRr[];
  additional: DnsRr[];
  /** the OPT pseudo-RR of the additional section, when there is one */
  edns: DnsEdns | null;
  /** the 12-bit RCODE: the header's, extended by the OPT RR's upper 8 bits (RFC 6891 §6.1.3) */
  rcode: number;
  /** problems met, in order (each at most once); the message stands as far as it was read */
  problems: DnsProblem[];
}

/** What a message must look like to be taken as DNS on a port that is not a DNS port (see looksLikeDns). */
export interface ParseOptions {
  /** stop at the first problem instead of reading on (a validator's speed; the result is not used then) */
  strict?: boolean;
}

/**
 * A whole DNS message, or null when b is not one at all (shorter than a header). Sections are read in order;
 * a damaged section ends the reading there (the later ones stay empty) with its problem named.
 */
export function parseDnsMessage(b: Uint8Array, o: ParseOptions = {}): DnsMessage | null {
  const header = readHeader(b);
  if (header === null) return null;
  const problems: DnsProblem[] = [];
  const note = (p: DnsProblem | null): void => {
    if (p !== null && !problems.includes(p)) problems.push(p);
  };
  const m: DnsMessage = { header, questions: [], answers: [], authority: [], additional: [], edns: null, rcode: header.rcode, problems };
  const q = readQuestions(b, header.qdcount);
  m.questions = q.questions;
  note(q.problem);
  if (q.problem !== null || (o.strict === true && header.qdcount > DNS_MAX_QUESTIONS)) return m;
  let p = q.end;
  const sections: [DnsRr[], number][] = [[m.answers, header.ancount], [m.authority, header.nscount], [m.additional, header.arcount]];
  let total = 0;
  for (const [list, count] of sections) {
    for (let i = 0; i < count; i++) {
      if (++total > DNS_MAX_RRS) {
        note('dns_too_many_rrs');
        return m;
      }
      const n = readName(b, p);
      if (n === null) {
        note(nameProblem.problem);
        return m;
      }
      if (n.end + 10 > b.length) {
        note('dns_truncated_rr');
        return m;
      }
      const e = n.end;
      const type = (b[e]! << 8) | b[e + 1]!;
      const cls = (b[e + 2]! << 8) | b[e + 3]!;
      const ttl = ((b[e + 4]! << 24) | (b[e + 5]! << 16) | (b[e + 6]! << 8) | b[e + 7]!) >>> 0;
      const rdlen = (b[e + 8]! << 8) | b[e + 9]!;
      const start = e + 10;
      if (start + rdlen > b.length) {
        note('dns_rdata_past_end');
        return m;
      }
      if (type === 41 && list === m.additional) {
        // OPT: class is the UDP payload size, TTL the extended RCODE, version and flags
        const edns = parseOpt(b, start, start + rdlen, cls, ttl);
        note(edns.problem);
        m.edns = edns;
        m.rcode = (edns.extendedRcode << 4) | header.rcode;
      } else {
        const data = readRdata(b, type, start, start + rdlen);
        if (data.kind === 'malformed') {
          note('dns_rdata_malformed');
          if (o.strict === true) return m;
        }
        list.push({ name: n.name, type, class: cls, ttl, data });
      }
      p = start + rdlen;
    }
  }
  if (p < b.length) note('dns_trailing_bytes');
  return m;
}

/** Query classes a message on a port that is not a DNS port may ask for (IN, CH, HS, NONE, ANY; mDNS QU bit off). */
const PLAUSIBLE_CLASSES = new Set([1, 3, 4, 254, 255]);

/**
 * Is this datagram (or TCP message) DNS, by content alone? For ports that are not DNS ports: a standard query or
 * response (opcode 0), one question of a plausible class, counts that add up to the message exactly, nothing
 * malformed. A random payload passes this with odds far below one in a billion.
 */
export function looksLikeDns(b: Uint8Array): boolean {
  if (!headerLooksLikeDns(b)) return false;
  const m = parseDnsMessage(b, { strict: true });
  if (m === null || m.problems.length > 0 || m.questions.length !== 1) return false;
  const q = m.questions[0]!;
  return PLAUSIBLE_CLASSES.has(q.qclass) && q.qtype !== 0;
}

/** The header part of looksLikeDns, on the first 12 bytes of a message (false when there are fewer). */
export function headerLooksLikeDns(b: Uint8Array): boolean {
  const h = readHeader(b);
  if (h === null || h.opcode !== 0 || h.qdcount !== 1 || (h.z & 4) !== 0) return false;
  return h.qr || (h.ancount === 0 && h.nscount === 0 && h.arcount <= 2 && h.rcode === 0);
}

/** Is this a message a DNS port may carry, however damaged: a header whose opcode is one in use. */
export function plausibleOnDnsPort(b: Uint8Array): boolean {
  const h = readHeader(b);
  return h !== null && (h.opcode <= 2 || h.opcode === 4 || h.opcode === 5 || h.opcode === 6);
}
