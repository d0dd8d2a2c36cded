// A resource record as the dns record shows it: one line of text per record (the way Zeek's dns.log writes
// answers, for the types it writes) and a typed JSON object (rrs).
import type { DnsRr } from './dns-message.js';
import { nameText } from './dns-name.js';
import { T } from './dns-rdata.js';
import { typeName } from './dns-names.js';

/** The record as text, or null for types whose data the record does not show as text (rrs has them). */
export function rrText(rr: DnsRr): string | null {
  const d = rr.data;
  switch (d.kind) {
    case 'address': return d.address;
    case 'name': return d.target;
    case 'mx': return d.exchange;
    case 'srv': return d.target;
    case 'soa': return d.mname;
    case 'txt': {
      const label = rr.type === T.SPF ? 'SPF' : 'TXT';
      return d.strings.map((s, i) => `${label} ${d.lengths[i]} ${s}`).join(' ');
    }
    case 'caa': return `CAA ${d.flags} ${d.tag} ${d.value}`;
    case 'svcb': {
      const params: string[] = [];
      if (d.alpn !== null) params.push(`alpn=${d.alpn.join(',')}`);
      if (d.port !== null) params.push(`port=${d.port}`);
      if (d.ipv4hint !== null) params.push(`ipv4hint=${d.ipv4hint.join(',')}`);
      if (d.ech !== null) params.push('ech');
      if (d.ipv6hint !== null) params.push(`ipv6hint=${d.ipv6hint.join(',')}`);
      return [typeName(rr.type), String(d.priority), d.target, ...params].join(' ');
    }
    case 'dnskey': return `DNSKEY ${d.algorithm}`;
    case 'rrsig': return `RRSIG ${d.typeCovered} ${d.signer}`;
    case 'nsec': return `NSEC ${nameText(rr.name)} ${d.next}`;
    case 'nsec3': return 'NSEC3';
    case 'nsec3param': return 'NSEC3PARAM';
    case 'ds': return `DS ${d.algorithm} ${d.digestType}`;
    case 'sshfp': return `SSHFP: ${d.fingerprint}`;
    case 'other': case 'malformed': return null;
  }
}

/** The record typed: owner name, type name, class, ttl, and the fields of its data. */
export function rrJson(rr: DnsRr): Record<string, unknown> {
  const { kind, ...data } = rr.data;
  return { name: nameText(rr.name), type: typeName(rr.type), class: rr.class, ttl: rr.ttl, ...(kind === 'malformed' ? { malformed: true } : {}), ...data };
}
