// DNS question names: plain, compressed, and what malformed messages give.
import { describe, expect, it } from 'vitest';
import { DNS_MAX_POINTERS, dnsQuestions, looksLikeDns, parseDnsMessage, readName } from './dns-message.js';
import { nameProblem } from './dns-name.js';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
function message(flags: number, qd: number, body: number[]): Uint8Array {
  return Uint8Array.from([0x12, 0x34, flags >> 8, flags & 0xff, 0, qd, 0, 0, 0, 0, 0, 0, ...body]);
}
const name = (s: string): number[] => [...s.split('.').flatMap((l) => [l.length, ...[...l].map((c) => c.charCodeAt(0))]), 0];

describe('dnsQuestions', () => {
  it('reads a query\'s names, and a response flag', () => {
    const q = dnsQuestions(message(0x0100, 1, [...name('www.Example.com'), 0, 1, 0, 1]))!;
    expect([q.response, q.id, q.names.map(text)]).toEqual([false, 0x1234, ['www.Example.com']]);
    expect(dnsQuestions(message(0x8180, 1, [...name('a.b'), 0, 1, 0, 1]))!.response).toBe(true);
  });

  it('follows compression pointers, stops pointer loops, and keeps the names read before damage', () => {
    // second question: "www" + pointer to the first name at offset 12
    const two = dnsQuestions(message(0x0100, 2, [...name('example.com'), 0, 1, 0, 1, 3, 0x77, 0x77, 0x77, 0xc0, 12, 0, 1, 0, 1]))!;
    expect(two.names.map(text)).toEqual(['example.com', 'www.example.com']);
    const loop = dnsQuestions(message(0x0100, 2, [...name('a.b'), 0, 1, 0, 1, 0xc0, 21, 0, 1, 0, 1]));
    expect(loop!.names.map(text)).toEqual(['a.b']);
    expect(dnsQuestions(message(0x0100, 1, [5, 0x61]))).toBeNull();
    expect(dnsQuestions(Uint8Array.of(1, 2, 3))).toBeNull();
    expect(dnsQuestions(message(0x0100, 0, []))).toBeNull();
    expect(dnsQuestions(message(0x0100, 1, [0, 0, 1, 0, 1]))!.names.map(text)).toEqual(['']);
  });
});

describe('parseDnsMessage', () => {
  const rr = (n: number[], type: number, ttl: number, data: number[]): number[] => [...n, type >> 8, type & 0xff, 0, 1, ttl >>> 24, (ttl >> 16) & 0xff, (ttl >> 8) & 0xff, ttl & 0xff, data.length >> 8, data.length & 0xff, ...data];
  function response(an: number[][], ar: number[][] = []): Uint8Array {
    return Uint8Array.from([0xab, 0xcd, 0x84, 0x00, 0, 1, 0, an.length, 0, 0, 0, ar.length, ...name('example.com'), 0, 1, 0, 1, ...an.flat(), ...ar.flat()]);
  }

  it('reads typed answers, with compression inside RDATA', () => {
    const m = parseDnsMessage(response([
      rr([0xc0, 12], 5, 60, [3, 0x77, 0x77, 0x77, 0xc0, 12]),
      rr([0xc0, 12], 1, 60, [192, 0, 2, 1]),
      rr([0xc0, 12], 15, 60, [0, 10, 2, 0x6d, 0x78, 0xc0, 12]),
      rr([0xc0, 12], 16, 60, [2, 0x68, 0x69, 1, 0x21]),
    ]))!;
    expect(m.problems).toEqual([]);
    expect(m.answers.map((a) => a.data)).toEqual([
      { kind: 'name', target: 'www.example.com' },
      { kind: 'address', address: '192.0.2.1' },
      { kind: 'mx', preference: 10, exchange: 'mx.example.com' },
      { kind: 'txt', strings: ['hi', '!'], lengths: [2, 1] },
    ]);
  });

  it('bounds compression: forward and self pointers, and chains longer than DNS_MAX_POINTERS, are problems', () => {
    expect(parseDnsMessage(response([rr([0xc0, 40], 1, 1, [1, 2, 3, 4])]))!.problems).toEqual(['dns_name_forward_pointer']);
    // a chain of 20 pointers, each to the one before it, the first to a name at 12
    const b = Uint8Array.from([...new Array<number>(12).fill(0), ...name('example.com'), ...Array.from({ length: 20 }, (_, i) => [0xc0, i === 0 ? 12 : 25 + 2 * (i - 1)]).flat()]);
    expect(readName(b, 25 + 2 * (DNS_MAX_POINTERS - 1))!.name.length).toBe(11);
    expect(readName(b, 25 + 2 * DNS_MAX_POINTERS)).toBeNull();
    expect(nameProblem.problem).toBe('dns_name_too_many_pointers');
  });

  it('reads EDNS: payload size, extended rcode, client subnet, cookies; a truncated option is a problem', () => {
    const opt = (opts: number[]): number[] => [0, 0, 41, 0x10, 0, 1, 0, 0x80, 0, opts.length >> 8, opts.length & 0xff, ...opts];
    const m = parseDnsMessage(response([], [opt([0, 8, 0, 7, 0, 1, 24, 0, 198, 51, 100, 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8])]))!;
    expect([m.edns?.udpSize, m.edns?.do, m.edns?.ecs, m.edns?.cookie, m.rcode]).toEqual([4096, true, '198.51.100.0/24/0', '0102030405060708', 16]);
    expect(parseDnsMessage(response([], [opt([0, 8, 0, 9, 0, 1])]))!.problems).toEqual(['dns_edns_truncated_option']);
    expect(parseDnsMessage(response([], [opt([0, 8, 0, 5, 0, 1, 33, 0, 1])]))!.problems).toEqual(['dns_edns_ecs_invalid']);
  });

  it('reads HTTPS parameters (alpn, ech), and calls a malformed alpn malformed', () => {
    const https = [0, 1, 0, 0, 1, 0, 6, 2, 0x68, 0x32, 2, 0x68, 0x33, 0, 5, 0, 3, 1, 2, 3];
    const m = parseDnsMessage(response([rr([0xc0, 12], 65, 300, https)]))!;
    expect(m.answers[0]!.data).toMatchObject({ kind: 'svcb', priority: 1, target: '.', alpn: ['h2', 'h3'], ech: 'AQID' });
    const bad = [...https];
    bad[7] = 9;
    expect(parseDnsMessage(response([rr([0xc0, 12], 65, 300, bad)]))!.problems).toEqual(['dns_rdata_malformed']);
  });

  it('takes a message on any port only when it parses clean (looksLikeDns)', () => {
    expect(looksLikeDns(message(0x0100, 1, [...name('example.com'), 0, 1, 0, 1]))).toBe(true);
    expect(looksLikeDns(message(0x0100, 1, [...name('example.com'), 0, 1, 0, 1, 9]))).toBe(false);
    expect(looksLikeDns(message(0x0100, 2, [...name('example.com'), 0, 1, 0, 1]))).toBe(false);
    expect(looksLikeDns(Uint8Array.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n', (c) => c.charCodeAt(0)))).toBe(false);
  });
});
