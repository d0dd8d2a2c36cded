// A session's two ends as the records write them.
import { formatIpv4, formatIpv6 } from '../core/ip.js';
import type { Session } from '../flow/session.js';

export interface Endpoints {
  src_ip: string;
  src_port: number;
  dst_ip: string;
  dst_port: number;
}

export function endpoints(s: Session): Endpoints {
  return {
    src_ip: s.v6 ? formatIpv6(s.a6!) : formatIpv4(s.a4),
    src_port: s.aPort,
    dst_ip: s.v6 ? formatIpv6(s.b6!) : formatIpv4(s.b4),
    dst_port: s.bPort,
  };
}
