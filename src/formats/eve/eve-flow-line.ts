// The `flow` event of a session as one JSON line, written straight to text: sessions are most of any capture's
// records, and this is the same text as JSON.stringify(flowEvent(r)) without the object (test/eve-roundtrip.test.ts).
import type { SessionRecord } from '../../schema/sessions.js';
import { FLOW_STATE } from './eve-events.js';
import { eveIp, eveProto, eveTcpFlags, eveTime, flowId } from './eve-values.js';
import { own } from '../../core/own.js';

const US_PER_S = 1_000_000;
const q = JSON.stringify;

/** The TCP flag bits Suricata names in a flow's `tcp` object, in its order. */
const NAMED_FLAGS: readonly [number, string][] = [[0x02, 'syn'], [0x01, 'fin'], [0x04, 'rst'], [0x08, 'psh'], [0x10, 'ack'], [0x20, 'urg'], [0x40, 'ecn'], [0x80, 'cwr']];

/** One flow event as text (no newline). */
export function flowLine(r: SessionRecord): string {
  let s = `{"timestamp":"${eveTime(r.end_time)}","flow_id":${flowId(r.uid)},"event_type":"flow","src_ip":${q(eveIp(r.src_ip))},"src_port":${r.src_port},"dest_ip":${q(eveIp(r.dst_ip))},"dest_port":${r.dst_port},"proto":${q(eveProto(r.proto))}`;
  if (r.vlan !== null) s += `,"vlan":[${r.vlan}]`;
  if (r.app_proto !== null) s += `,"app_proto":${q(r.app_proto)}`;
  s += `,"community_id":${q(r.community_id)},"flow":{"pkts_toserver":${r.src_pkts},"pkts_toclient":${r.dst_pkts},"bytes_toserver":${r.src_frame_bytes},"bytes_toclient":${r.dst_frame_bytes},"start":"${eveTime(r.start_time)}","end":"${eveTime(r.end_time)}","age":${Math.floor(r.end_time / US_PER_S) - Math.floor(r.start_time / US_PER_S)}`;
  const state = r.proto === 'tcp' ? own(FLOW_STATE, r.state) : r.dst_pkts > 0 ? 'established' : 'new';
  s += state !== undefined ? `,"state":"${state}"}` : '}';
  if (r.proto === 'tcp' && r.tcp_flags_src !== null && r.tcp_flags_dst !== null) {
    const all = r.tcp_flags_src | r.tcp_flags_dst;
    s += `,"tcp":{"tcp_flags":"${eveTcpFlags(all)}","tcp_flags_ts":"${eveTcpFlags(r.tcp_flags_src)}","tcp_flags_tc":"${eveTcpFlags(r.tcp_flags_dst)}"`;
    for (const [bit, name] of NAMED_FLAGS) if ((all & bit) !== 0) s += `,"${name}":true`;
    s += '}';
  }
  return `${s}}`;
}
