// DNS question names: plain, compressed, and what malformed messages give.
import { describe, expect, it } from 'vitest';
import { dnsQuestions } from './dns-message.js';

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
