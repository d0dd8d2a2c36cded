// The runner's self-test target: byte strings where one starting with "T" throws a TypeError (shrinks to
// "T"), one starting with "H" never returns, and one starting with "S" recurses without end. Only with
// HAYSTACK_FUZZ_SELFTEST=1.
import fc from 'fast-check';
import type { FuzzTarget } from '../target.js';

function deep(n: number): number {
  return n === -1 ? 0 : deep(n + 1) + 1;
}

export function make(): FuzzTarget<Uint8Array> {
  const mode = process.env.HAYSTACK_FUZZ_SELFTEST_MODE ?? 'T';
  return {
    name: 'selftest',
    about: 'the runner self-test (TypeError, hang, stack overflow)',
    arbitrary: fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => {
      b[0] = b[0]! < 128 ? mode.charCodeAt(0) : b[0]!;
      return b;
    }),
    check: (b) => {
      const c = String.fromCharCode(b[0]!);
      if (c === 'T') throw new TypeError(`cannot read properties of null (reading ${b.length})`);
      if (c === 'H') for (;;) b[1] = (b[1] ?? 0) + 1;
      if (c === 'S') deep(0);
    },
    encode: (b) => ({ bin: b }),
    decode: (e) => e.bin,
  };
}
