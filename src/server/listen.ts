// The server's address: parsed from --listen, loopback unless said otherwise; the Host header values it answers to.
import { isIP } from 'node:net';
import { HaystackError } from '../core/errors.js';

export const DEFAULT_LISTEN = '127.0.0.1:8450';

export interface ListenAddress {
  host: string;
  port: number;
}

/** `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (loopback); host names other than localhost are refused (bind to an address). */
export function parseListen(s: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(s);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !(port >= 0 && port <= 65535)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--listen ${s}: give ADDRESS:PORT, e.g. 127.0.0.1:8450 or [::1]:8450`);
  const host = m[1] ?? (m[2] === '' || m[2] === 'localhost' ? '127.0.0.1' : m[2]!);
  if (isIP(host) === 0) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--listen ${s}: ${host} is not an IP address`);
  return { host, port };
}

export function isLoopback(host: string): boolean {
  return host === '::1' || /^127\./.test(host);
}

/** Host header values for a server bound at host:port, plus names the operator adds (--allowed-host). */
export function allowedHosts(host: string, port: number, extra: readonly string[], secure: boolean): Set<string> {
  const names = new Set<string>([isIP(host) === 6 ? `[${host}]` : host, ...extra.map((e) => e.toLowerCase())]);
  if (isLoopback(host)) {
    names.add('localhost');
    names.add('127.0.0.1');
    names.add('[::1]');
  }
  const out = new Set<string>();
  const dflt = secure ? 443 : 80;
  for (const n of names) {
    out.add(`${n}:${port}`);
    if (port === dflt) out.add(n);
  }
  return out;
}
