// The `sessions` record: one row per session (Zeek conn.log, Suricata flow, SANCP), src = originator.
import { list, MAX_ID_BYTES, MAX_NAME_BYTES, own, text } from './bounds.js';
import { field, type RowOf } from './schema.js';
import { PROVENANCE_FIELDS } from './provenance.js';

/** A sensor name given at ingest (a label, like a host name of at most 253 characters); refused when longer. */
export const SESSION_MAX_SENSOR_BYTES = 1024;
/** The proxy prelude's text: its kind and a target of at most 255 characters (the prelude reader's cut) and a port. */
export const SESSION_MAX_PROXY_BYTES = 1024;
/** tunnel parents a session keeps (the engine's MAX_TUNNEL_PARENTS) */
export const SESSION_MAX_TUNNEL_PARENTS = 8;


export const SESSIONS = {
  name: 'sessions',
  doc: 'One row per TCP/UDP/ICMP/other-IP session; src is the originator.',
  timeField: 'start_time',
  fields: [
    field('uid', 'string', false, 'session id ("C" + 17 base62), stable for the same capture', own(MAX_ID_BYTES)),
    field('community_id', 'string', false, 'Community ID v1, seed 0', own(MAX_ID_BYTES)),
    field('start_time', 'timestamp', false, 'first packet'),
    field('end_time', 'timestamp', false, 'last packet'),
    field('duration', 'float', false, 'end_time - start_time in seconds'),
    field('proto', 'string', false, 'tcp, udp, icmp, icmpv6, or the IP protocol number', own(MAX_NAME_BYTES)),
    field('src_ip', 'string', false, 'originator address', own(MAX_NAME_BYTES)),
    field('src_port', 'int', false, 'originator port; ICMP: the type'),
    field('dst_ip', 'string', false, 'responder address', own(MAX_NAME_BYTES)),
    field('dst_port', 'int', false, 'responder port; ICMP: the counterpart type, or the code for one-way types'),
    field('src_pkts', 'int', false, 'packets from the originator'),
    field('dst_pkts', 'int', false, 'packets from the responder'),
    field('src_bytes', 'int', false, 'payload bytes from the originator (TCP: from sequence numbers, gaps included)'),
    field('dst_bytes', 'int', false, 'payload bytes from the responder'),
    field('src_ip_bytes', 'int', false, 'IP-level bytes from the originator (IP total length)'),
    field('dst_ip_bytes', 'int', false, 'IP-level bytes from the responder'),
    field('src_frame_bytes', 'int', false, 'link-layer frame bytes from the originator (wire length, as tshark sums frame.len)'),
    field('dst_frame_bytes', 'int', false, 'link-layer frame bytes from the responder'),
    field('state', 'string', false, 'Zeek conn_state: S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH', own(MAX_NAME_BYTES)),
    field('tcp_flags_src', 'int', true, 'OR of the TCP flags the originator sent'),
    field('tcp_flags_dst', 'int', true, 'OR of the TCP flags the responder sent'),
    field('app_proto', 'string', true, 'application protocol detected by content', own(MAX_NAME_BYTES)),
    field('local_src', 'bool', true, 'originator is in the home network (null without --home-net)'),
    field('local_dst', 'bool', true, 'responder is in the home network'),
    field('direction', 'string', true, 'inbound | outbound | internal | external (null without --home-net)', own(MAX_NAME_BYTES)),
    field('vlan', 'int', true, 'outermost VLAN id'),
    field('missed_bytes', 'int', false, 'TCP bytes never seen (gaps), both directions'),
    field('capture_id', 'string', true, 'capture the session came from (store ingest)', own(MAX_ID_BYTES)),
    field('sensor', 'string', true, 'sensor name given at ingest', own(SESSION_MAX_SENSOR_BYTES)),
    // fields added after the first release go last: a store made before gets them by ALTER TABLE ADD COLUMN
    field('pcap_start', 'int', true, 'byte offset of the record of the session\'s first packet in its capture (decompressed stream for gzip/zstd); null when not from one capture file'),
    field('pcap_end', 'int', true, 'byte offset just past the record of the session\'s last packet'),
    field('tunnel_parents', 'string[]', true, 'uids of the sessions whose tunnel carried this one (the layer right above, as Zeek\'s conn.log); null outside tunnels',
      list(SESSION_MAX_TUNNEL_PARENTS, SESSION_MAX_TUNNEL_PARENTS * 21 + 2, 'session_too_many_tunnel_parents', MAX_ID_BYTES)),
    field('encap', 'string', true, 'encapsulation chain, outermost first: vxlan(vni 42), gre>erspan2(session 1, vlan 10), 6in4; null outside tunnels', own(MAX_NAME_BYTES)),
    field('control_uid', 'string', true, 'uid of the control session that announced this session (an FTP data channel: PASV, EPSV, PORT, EPRT); null otherwise', own(MAX_ID_BYTES)),
    field('proxy', 'string', true, 'the proxy prelude the TCP stream opened with and its target: socks4|socks4a|socks5|http-connect host:port; null without one (or when no analyzer read the stream)', text(SESSION_MAX_PROXY_BYTES, 'session_proxy_truncated')),
    ...PROVENANCE_FIELDS,
  ],
} as const;

export type SessionRecord = RowOf<typeof SESSIONS>;
