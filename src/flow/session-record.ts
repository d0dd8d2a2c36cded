// Turns a finished Session into its `sessions` row: Community ID, conn_state, direction, sizes.
import { formatIpv4, formatIpv6 } from '../core/ip.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../decode/constants.js';
import type { SessionRecord } from '../schema/sessions.js';
import { communityId, communityIdV4 } from './community-id.js';
import { datagramConnState, tcpConnState, TCP_SYN_SENT, TCP_RESET } from './conn-state.js';
import { directionOf, type HomeNet } from './home-net.js';
import type { Session } from './session.js';

export const PROTO_NAMES: ReadonlyMap<number, string> = new Map([
  [IPPROTO_TCP, 'tcp'], [IPPROTO_UDP, 'udp'], [IPPROTO_ICMP, 'icmp'], [IPPROTO_ICMPV6, 'icmpv6'],
  [132, 'sctp'], [47, 'gre'], [50, 'esp'], [51, 'ah'], [2, 'igmp'], [89, 'ospf'], [103, 'pim'], [112, 'vrrp'],
]);


export interface SessionContext {
  homeNet: HomeNet | null;
  captureId: string | null;
  sensor: string | null;
}

export function sessionRecord(s: Session, ctx: SessionContext): SessionRecord {
  const srcB = s.v6 ? s.a6! : null;
  const dstB = s.v6 ? s.b6! : null;
  const tcp = s.proto === IPPROTO_TCP;
  const origBytes = tcp ? (s.origStream?.highest ?? 0) : s.origPayload;
  const respBytes = tcp ? (s.respStream?.highest ?? 0) : s.respPayload;
  const missed = (s.origStream?.missed ?? 0) + (s.respStream?.missed ?? 0);
  const state = tcp && s.origFlags | s.respFlags
    ? tcpConnState({
      orig: s.origState,
      resp: s.respState,
      origBytes,
      respBytes,
      origSynOnly: s.origSyn && !s.respSynAck && (s.origState === TCP_RESET || s.origState === TCP_SYN_SENT),
    })
    : tcp ? 'OTH' : s.proto === IPPROTO_UDP ? datagramConnState(s.origPkts, s.respPkts) : 'OTH';
  let localSrc: boolean | null = null;
  let localDst: boolean | null = null;
  let direction: SessionRecord['direction'] = null;
  const home = ctx.homeNet;
  if (home !== null && !home.empty) {
    localSrc = srcB !== null ? home.hasIpv6(srcB) : home.hasIpv4(s.a4);
    localDst = dstB !== null ? home.hasIpv6(dstB) : home.hasIpv4(s.b4);
    direction = directionOf(localSrc, localDst);
  }
  return {
    uid: s.uid,
    community_id: srcB !== null && dstB !== null
      ? communityId(srcB, dstB, s.proto, s.aPort, s.bPort, s.icmpOneWay)
      : communityIdV4(s.a4, s.b4, s.proto, s.aPort, s.bPort, s.icmpOneWay),
    start_time: s.start,
    end_time: s.last,
    duration: (s.last - s.start) / 1e6,
    proto: PROTO_NAMES.get(s.proto) ?? String(s.proto),
    src_ip: srcB !== null ? formatIpv6(srcB) : formatIpv4(s.a4),
    src_port: s.aPort,
    dst_ip: dstB !== null ? formatIpv6(dstB) : formatIpv4(s.b4),
    dst_port: s.bPort,
    src_pkts: s.origPkts,
    dst_pkts: s.respPkts,
    src_bytes: origBytes,
    dst_bytes: respBytes,
    src_ip_bytes: s.origIpBytes,
    dst_ip_bytes: s.respIpBytes,
    src_frame_bytes: s.origFrameBytes,
    dst_frame_bytes: s.respFrameBytes,
    state,
    tcp_flags_src: tcp ? s.origFlags : null,
    tcp_flags_dst: tcp ? s.respFlags : null,
    app_proto: s.appProto,
    local_src: localSrc,
    local_dst: localDst,
    direction,
    vlan: s.vlan >= 0 ? s.vlan : null,
    missed_bytes: missed,
    capture_id: ctx.captureId,
    sensor: ctx.sensor,
    pcap_start: s.pcapStart >= 0 ? s.pcapStart : null,
    pcap_end: s.pcapStart >= 0 ? s.pcapEnd : null,
    tunnel_parents: s.tunnelParents,
    encap: s.encap,
    control_uid: s.controlUid,
    proxy: s.proxy,
  };
}
