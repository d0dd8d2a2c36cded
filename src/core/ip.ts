// IP address formatting and parsing: IPv4 as unsigned 32-bit numbers, IPv6 as 16 bytes.

export function formatIpv4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** RFC 5952 text form: lower case, leading zeros dropped, the longest run (>= 2) of zero groups as `::`. */
export function formatIpv6(b: Uint8Array, off = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!);
  // IPv4-mapped ::ffff:a.b.c.d keeps the dotted tail (RFC 5952 §5)
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (x: number): string => x.toString(16);
  if (bestStart < 0) return g.map(hex).join(':');
  const head = g.slice(0, bestStart).map(hex).join(':');
  const tail = g.slice(bestStart + bestLen).map(hex).join(':');
  return `${head}::${tail}`;
}

/** Parses dotted-quad IPv4; returns null when the text is not one. */
export function parseIpv4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v >>> 0;
}

/** Parses an IPv6 address (with `::` and an optional dotted IPv4 tail) into 16 bytes; null when invalid. */
export function parseIpv6(s: string): Uint8Array | null {
  if (s.length === 0 || s.length > 45) return null;
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (lastColon < 0) return null;
  if (text.includes('.', lastColon)) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === null) return null;
    text = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const parseGroups = (t: string): number[] | null => {
    if (t === '') return [];
    const out: number[] = [];
    for (const p of t.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
      out.push(parseInt(p, 16));
    }
    return out;
  };
  const dbl = text.indexOf('::');
  let groups: number[];
  if (dbl >= 0) {
    if (text.includes('::', dbl + 1)) return null;
    const head = parseGroups(text.slice(0, dbl));
    const rest = parseGroups(text.slice(dbl + 2));
    if (head === null || rest === null) return null;
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return null;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else {
    const all = parseGroups(text);
    if (all === null || all.length !== 8) return null;
    groups = all;
  }
  const out = new Uint8Array(16);
  groups.forEach((x, i) => {
    out[2 * i] = x >>> 8;
    out[2 * i + 1] = x & 255;
  });
  return out;
}

/** tcpflow's file-name form of an IPv4 address: each octet zero-padded to 3 digits. */
export function formatIpv4Padded(a: number): string {
  const p = (x: number): string => String(x).padStart(3, '0');
  return `${p(a >>> 24)}.${p((a >>> 16) & 255)}.${p((a >>> 8) & 255)}.${p(a & 255)}`;
}
