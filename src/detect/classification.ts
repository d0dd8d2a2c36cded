// classtype -> priority: Snort 2.9's standard classification table built in, a classification.config
// (`config classification: name,description,priority`) loadable over it.
import { RuleSyntaxError } from './addresses.js';

export interface Classification {
  description: string;
  priority: number;
}

const BUILT_IN: readonly [string, string, number][] = [
  ['not-suspicious', 'Not Suspicious Traffic', 3], ['unknown', 'Unknown Traffic', 3], ['bad-unknown', 'Potentially Bad Traffic', 2],
  ['attempted-recon', 'Attempted Information Leak', 2], ['successful-recon-limited', 'Information Leak', 2],
  ['successful-recon-largescale', 'Large Scale Information Leak', 2], ['attempted-dos', 'Attempted Denial of Service', 2],
  ['successful-dos', 'Denial of Service', 2], ['attempted-user', 'Attempted User Privilege Gain', 1],
  ['unsuccessful-user', 'Unsuccessful User Privilege Gain', 1], ['successful-user', 'Successful User Privilege Gain', 1],
  ['attempted-admin', 'Attempted Administrator Privilege Gain', 1], ['successful-admin', 'Successful Administrator Privilege Gain', 1],
  ['rpc-portmap-decode', 'Decode of an RPC Query', 2], ['shellcode-detect', 'Executable code was detected', 1],
  ['string-detect', 'A suspicious string was detected', 3], ['suspicious-filename-detect', 'A suspicious filename was detected', 2],
  ['suspicious-login', 'An attempted login using a suspicious username was detected', 2], ['system-call-detect', 'A system call was detected', 2],
  ['tcp-connection', 'A TCP connection was detected', 4], ['trojan-activity', 'A Network Trojan was detected', 1],
  ['unusual-client-port-connection', 'A client was using an unusual port', 2], ['network-scan', 'Detection of a Network Scan', 3],
  ['denial-of-service', 'Detection of a Denial of Service Attack', 2], ['non-standard-protocol', 'Detection of a non-standard protocol or event', 2],
  ['protocol-command-decode', 'Generic Protocol Command Decode', 3], ['web-application-activity', 'access to a potentially vulnerable web application', 2],
  ['web-application-attack', 'Web Application Attack', 1], ['misc-activity', 'Misc activity', 3], ['misc-attack', 'Misc Attack', 2],
  ['icmp-event', 'Generic ICMP event', 3], ['inappropriate-content', 'Inappropriate Content was Detected', 1],
  ['policy-violation', 'Potential Corporate Privacy Violation', 1], ['default-login-attempt', 'Attempt to login by a default username and password', 2],
  ['sdf', 'Sensitive Data was Transmitted Across the Network', 2], ['file-format', 'Known malicious file or file based exploit', 1],
  ['malware-cnc', 'Known malware command and control traffic', 1], ['client-side-exploit', 'Known client side exploit attempt', 1],
];

export class Classifications {
  private readonly table = new Map<string, Classification>(BUILT_IN.map(([n, d, p]) => [n, { description: d, priority: p }]));

  get(name: string): Classification | undefined {
    return this.table.get(name);
  }

  /** The classtype a description belongs to (the first one, when two share it). */
  nameOf(description: string): string | undefined {
    for (const [n, c] of this.table) if (c.description === description) return n;
    return undefined;
  }

  /** Reads `config classification:` lines; returns how many were read. Errors name the line. */
  load(text: string, file: string): number {
    let n = 0;
    for (const [i, raw] of text.split(/\r?\n/).entries()) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const m = /^config\s+classification\s*:\s*([^,]+),([^,]*),\s*(\d+)\s*$/.exec(line);
      if (m === null) throw new RuleSyntaxError(`${file}:${i + 1}: not a "config classification: name,description,priority" line`);
      this.table.set(m[1]!.trim(), { description: m[2]!.trim(), priority: Number(m[3]) });
      n++;
    }
    return n;
  }
}
