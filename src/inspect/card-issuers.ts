// The card networks' IIN prefixes and lengths, and the published test numbers, from data/card-issuers.json.

import table from './data/card-issuers.json' with { type: 'json' };

interface Range {
  readonly network: string;
  /** digits of the prefix */
  readonly width: number;
  readonly lo: number;
  readonly hi: number;
  readonly lengths: readonly number[];
}

const ranges: Range[] = table.issuers.flatMap((iss) =>
  iss.prefixes.map((p) => {
    const [lo, hi = lo] = p.split('-') as [string, string?];
    if (lo.length !== hi.length) throw new Error(`card-issuers.json: ${p}: bounds of different widths`);
    return { network: iss.network, width: lo.length, lo: Number(lo), hi: Number(hi), lengths: iss.lengths };
  }),
);
// the most specific prefix first: 622126-622925 (Discover) before 62 (UnionPay)
ranges.sort((a, b) => b.width - a.width);

const tests = new Set<string>(table.testNumbers);

/** The network whose IIN range and lengths take this card number (digits only), or null. */
export function issuerOf(digits: string): string | null {
  for (const r of ranges) {
    if (digits.length < r.width) continue;
    const p = Number(digits.slice(0, r.width));
    if (p >= r.lo && p <= r.hi && r.lengths.includes(digits.length)) return r.network;
  }
  return null;
}

/** Is this one of the test numbers the processors publish (4111 1111 1111 1111, ...)? */
export function isTestCard(digits: string): boolean {
  return tests.has(digits);
}
