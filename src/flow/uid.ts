// Session uids: "C" + 17 base62 characters, derived from the flow key, start time and position, so that the
// same capture always gives the same uids (re-ingest, golden tests) and different sessions never collide
// in practice (~100 bits).

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Characters of a uid: "C" and 17 digits. */
const UID_LENGTH = 18;
/** The uid's character codes, filled in place for each uid. */
const codes = new Uint8Array(UID_LENGTH);

export function makeUid(parts: readonly number[], salt: number): string {
  codes[0] = 0x43; // C
  let n = 1;
  let h = fmix(salt ^ 0x9e3779b9);
  // 3 mixed words (each pass goes on from the last) -> 17 base62 digits (62^17 > 2^96 is false by a hair; 17
  // digits of 3 mixed words is plenty); a word's digits are written as soon as it is mixed
  for (let w = 0; w < 3; w++) {
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      h = fmix((h ^ (p >>> 0)) + w * 0x7f4a7c15 + ((p / 4294967296) >>> 0));
    }
    let x = h;
    for (let i = 0; i < 6 && n < UID_LENGTH; i++) {
      codes[n++] = B62.charCodeAt(x % 62);
      x = Math.floor(x / 62);
    }
  }
  // one flat string: built by `+=`, it would be a chain of six cons strings (~200 bytes) for as long as the
  // session lives, 40 MB of a full session table; the 18 codes as arguments, not spread (an iterator per uid
  // made this function ~6x slower)
  const c = codes;
  return String.fromCharCode(
    c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!,
  );
}
