// The normalized request URI that http_uri / http.uri inspect (http_raw_uri / http.uri.raw see the bytes as
// sent). What Snort's http_inspect and Suricata's libhtp both do by default, so that "/etc/passwd" in a rule
// matches "/a/..//etc/%70asswd" on the wire:
// - %XX decoded (an invalid escape stays as it is), IIS %uXXXX decoded (to the byte, or UTF-8 above 0xFF);
// - in the path only: "\" read as "/", runs of "/" made one, "/./" dropped, "/x/../" resolved (never above
//   the root);
// - the query (after the first "?" of the raw URI) is %-decoded but otherwise left alone.
// Decoding happens once (no double decoding: an encoded "%" stays a "%"), as both engines' defaults.

const SLASH = 0x2f;
const DOT = 0x2e;
const BACKSLASH = 0x5c;
const utf8 = new TextEncoder();

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** Appends the %-decoded bytes of raw[start, end) to out. */
function decode(raw: Uint8Array, start: number, end: number, out: number[]): void {
  for (let i = start; i < end; i++) {
    const c = raw[i]!;
    if (c === 0x25 && i + 2 < end) {
      const h = hex(raw[i + 1]!);
      const l = hex(raw[i + 2]!);
      if (h >= 0 && l >= 0) {
        out.push(h * 16 + l);
        i += 2;
        continue;
      }
    }
    if (c === 0x25 && i + 5 < end && (raw[i + 1]! | 0x20) === 0x75) {
      let v = 0;
      let ok = true;
      for (let k = 2; k <= 5; k++) {
        const d = hex(raw[i + k]!);
        if (d < 0) ok = false;
        v = v * 16 + d;
      }
      if (ok) {
        if (v <= 0xff) out.push(v);
        else out.push(...utf8.encode(String.fromCharCode(v)));
        i += 5;
        continue;
      }
    }
    out.push(c);
  }
}

/** Path bytes with "\\" as "/", one "/" per run, "." segments dropped and ".." segments resolved. */
function normalizePath(p: number[]): number[] {
  const segs: number[][] = [];
  let cur: number[] = [];
  let lastWasDots = false;
  const end = (): void => {
    lastWasDots = false;
    if (cur.length === 1 && cur[0] === DOT) lastWasDots = true;
    else if (cur.length === 2 && cur[0] === DOT && cur[1] === DOT) {
      segs.pop();
      lastWasDots = true;
    } else if (cur.length > 0) segs.push(cur);
    cur = [];
  };
  for (const b of p) {
    if (b === SLASH || b === BACKSLASH) end();
    else cur.push(b);
  }
  const endsWithSlash = p.length > 0 && (p[p.length - 1] === SLASH || p[p.length - 1] === BACKSLASH);
  end();
  const out: number[] = [];
  const absolute = p.length > 0 && (p[0] === SLASH || p[0] === BACKSLASH);
  if (absolute) out.push(SLASH);
  segs.forEach((seg, k) => {
    if (k > 0) out.push(SLASH);
    for (const b of seg) out.push(b);
  });
  if (segs.length > 0 && (endsWithSlash || lastWasDots)) out.push(SLASH);
  return out;
}

/** The normalized form of a request URI's bytes. */
export function normalizeUri(raw: Uint8Array): Uint8Array {
  let q = raw.indexOf(0x3f);
  if (q < 0) q = raw.length;
  const path: number[] = [];
  decode(raw, 0, q, path);
  // an absolute-form URI (proxy request: "http://host/path") keeps its scheme and authority as they are
  let prefix: number[] = [];
  let body = path;
  const text = String.fromCharCode(...path.slice(0, Math.min(path.length, 16))).toLowerCase();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//.exec(text);
  if (scheme !== null) {
    const afterScheme = scheme[0].length;
    let slash = path.indexOf(SLASH, afterScheme);
    if (slash < 0) slash = path.length;
    prefix = path.slice(0, slash);
    body = path.slice(slash);
  }
  const out = prefix;
  for (const b of normalizePath(body)) out.push(b);
  if (q < raw.length) decode(raw, q, raw.length, out);
  return Uint8Array.from(out);
}
