// What the name- and behaviour-based detectors return (L3, pure): findings about a host name, a session's
// port and protocol, or a registered domain's DNS queries. They are fed names and records, not buffers, so
// unlike a content Hit there is no offset or plaintext value: what they name (a host, a domain) is not secret.
import type { Category, Confidence } from '../types.js';

export type { Category, Confidence };

/** The detectors of this folder. */
export type NameDetector = 'remote_access' | 'protocol_port_mismatch' | 'dns_tunnel';

/** Where a host name was seen (the lead decides which record fields feed remote_access). */
export type NameSource = 'sni' | 'san' | 'dns' | 'http_host';

/** One finding of a name/behaviour detector; the caller adds ts, uid and the session's fields it knows. */
export interface NameFinding {
  readonly detector: NameDetector;
  readonly category: Category;
  readonly confidence: Confidence;
  /** for a reader, never secret: "tool AnyDesk", "ssh on 443", "1200 distinct subdomains, ..." */
  readonly note: string;
  /** what the finding is about: the host name, the session's service port ("tcp/443"), the registered domain */
  readonly subject: string;
  /** the checks that held, e.g. ["lolrmm:*.anydesk.com", "source:sni"], ["rule:foreign_protocol"] */
  readonly validations: readonly string[];
  /** records the finding stands for (dns_tunnel: queries of the domain in the window); 1 otherwise */
  readonly count: number;
  /** distinct values behind it (dns_tunnel: distinct subdomains); null when it does not apply */
  readonly distinctCount: number | null;
}
