// A LOLRMM domain entry as a host pattern: normalised (case, trailing dot, scheme, path, port dropped) or
// rejected with its reason (placeholders, IP addresses, bad labels, a wildcard over a public suffix).
// Patterns: `host.example` (that name), `*.example` (any name strictly below it, one label or more), a `*`
// inside a label or as a later label (`px-*.getscreen.me`: any run of label characters; `a.*.b.com`: one
// label), and a character class with a count (`relay-[a-f0-9]{8}.net.anydesk.com`, the one regular expression
// form the catalogue uses). Pure.
import { getPublicSuffix } from 'tldts';

/** A DNS name is at most 253 characters written with dots (RFC 1035 §3.1: 255 octets on the wire). */
export const MAX_HOST_CHARS = 253;
/** A label is at most 63 octets (RFC 1035 §2.3.4). */
export const MAX_LABEL_CHARS = 63;

/** How a pattern matches. */
export type PatternKind = 'exact' | 'wildcard' | 'glob';

export interface HostPattern {
  /** the normalised pattern, as matched (lower case, no trailing dot, no scheme, path or port) */
  readonly text: string;
  readonly kind: PatternKind;
  /**
   * the labels right of the last label holding a wildcard (the whole name for `exact`): every name the
   * pattern matches ends with "." + this (or is it, for `exact`); the index key
   */
  readonly fixed: string;
  /** glob only: the whole-name test */
  readonly re: RegExp | null;
  /** what normalising changed ("port dropped", ...), empty when nothing */
  readonly changes: readonly string[];
}

export type PatternResult = { ok: true; pattern: HostPattern } | { ok: false; reason: string };

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
/** one label of a pattern: label characters, `*`, and `[class]{n}` / `[class]{n,m}` with a class of [a-z0-9-] */
const GLOB_LABEL = /^(?:[a-z0-9_-]|\*|\[(?:[a-z0-9](?:-[a-z0-9])?)+\]\{\d{1,2}(?:,\d{1,2})?\})+$/;
const PLAIN_LABEL = /^[a-z0-9_-]+$/;

/** Options for tldts: names are host names already (no URL parsing), the ICANN section only. */
const PSL_ICANN = { extractHostname: false, validateHostname: false, detectIp: false, allowPrivateDomains: false } as const;

/** The name as matched: lower case, no trailing dot, trimmed; "" for none. */
export function normaliseHost(name: string): string {
  let s = name.trim().toLowerCase();
  if (s.endsWith('.')) s = s.slice(0, -1);
  return s;
}

/** A catalogue entry as a pattern, or the reason it cannot be one. */
export function hostPattern(raw: unknown): PatternResult {
  if (typeof raw !== 'string') return { ok: false, reason: `not a string (${raw === null ? 'null' : typeof raw})` };
  let s = raw.trim().toLowerCase();
  const changes: string[] = [];
  if (s === '') return { ok: false, reason: 'empty' };
  if (s === 'user_managed' || s === 'user-managed') return { ok: false, reason: 'user-managed: the tool has no fixed domain' };
  if (s.startsWith('<') || /\s/.test(s)) return { ok: false, reason: 'a placeholder, not a host name' };
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//.exec(s);
  if (scheme !== null) {
    s = s.slice(scheme[0].length);
    changes.push('scheme dropped');
  }
  const cut = s.search(/[/?#]/);
  if (cut >= 0) {
    s = s.slice(0, cut);
    changes.push('path dropped');
  }
  const at = s.lastIndexOf('@');
  if (at >= 0) {
    s = s.slice(at + 1);
    changes.push('user dropped');
  }
  if (s.startsWith('[') || (s.match(/:/g)?.length ?? 0) > 1) return { ok: false, reason: 'an IP address, not a host name' };
  const port = /:(\d{1,5})$/.exec(s);
  if (port !== null) {
    s = s.slice(0, port.index);
    changes.push('port dropped');
  }
  if (s.endsWith('.')) {
    s = s.slice(0, -1);
    changes.push('trailing dot dropped');
  }
  if (IPV4.test(s)) return { ok: false, reason: 'an IP address, not a host name' };
  if (s.length > MAX_HOST_CHARS) return { ok: false, reason: `longer than ${MAX_HOST_CHARS} characters` };
  const labels = s.split('.');
  if (labels.length < 2) return { ok: false, reason: 'a single label, not a domain' };
  let lastWild = -1;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l === '') return { ok: false, reason: 'an empty label' };
    if (!GLOB_LABEL.test(l)) return { ok: false, reason: 'a label with characters a host name cannot have' };
    if (!PLAIN_LABEL.test(l)) lastWild = i;
    else if (l.length > MAX_LABEL_CHARS) return { ok: false, reason: `a label longer than ${MAX_LABEL_CHARS} characters` };
    else if (l.startsWith('-') || l.endsWith('-')) return { ok: false, reason: 'a label that begins or ends with a hyphen' };
  }
  if (lastWild === labels.length - 1) return { ok: false, reason: 'a wildcard in the top-level label' };
  const fixed = labels.slice(lastWild + 1).join('.');
  if (lastWild >= 0 && getPublicSuffix(fixed, PSL_ICANN) === fixed) return { ok: false, reason: 'a wildcard over a public suffix' };
  if (lastWild < 0) return { ok: true, pattern: { text: s, kind: 'exact', fixed, re: null, changes } };
  if (lastWild === 0 && labels[0] === '*') return { ok: true, pattern: { text: s, kind: 'wildcard', fixed, re: null, changes } };
  return { ok: true, pattern: { text: s, kind: 'glob', fixed, re: globRegExp(labels), changes } };
}

/**
 * A glob's whole-name test: a leading `*` label is one label or more, a later `*` label exactly one, `*` in a
 * label any run of non-dot characters; a class with a count as written. Labels never match a dot, so the
 * expression cannot backtrack across labels.
 */
function globRegExp(labels: readonly string[]): RegExp {
  const parts = labels.map((l, i) => {
    if (l === '*') return i === 0 ? '(?:[^.]+\\.)*[^.]+' : '[^.]+';
    // literal runs are [a-z0-9_-] (GLOB_LABEL), nothing a regular expression reads specially
    return l.replace(/\*/g, '[^.]*');
  });
  return new RegExp(`^${parts.join('\\.')}$`);
}
