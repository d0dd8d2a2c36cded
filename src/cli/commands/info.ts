// `haystack info <capture...>`: format, link types, interfaces, packets, bytes, time span, anomalies.
import { isoMicros } from '../../core/time.js';
import { LINKTYPE_NAMES } from '../../decode/constants.js';
import { Engine, type InputResult } from '../../pipeline/engine.js';
import { parse, requireInputs } from '../args.js';
import { escapeControls } from '../format/escape.js';
import type { CliIo } from '../io.js';
import { reportDamage } from './report.js';

export const usage = `haystack info <capture...> [--json]`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('info', argv, { json: { type: 'boolean' } });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  const inputs = requireInputs('info', positionals);
  let code = 0;
  for (const path of inputs) {
    // one engine per input, so anomalies and sessions are per file
    const engine = new Engine({});
    const res = await engine.run([path]);
    const r = res.inputs[0]!;
    const facts = infoOf(r, res.sessions, res.anomalies, engine.flows.nonIp);
    if (values.json === true) io.stdout(`${JSON.stringify(facts)}\n`);
    else io.text(text(facts));
    // info lists the anomalies itself
    code = Math.max(code, reportDamage(io, res, false));
  }
  return code;
}

export interface CaptureInfo {
  file: string;
  format: string | null;
  compression: string | null;
  file_size: number | null;
  linktypes: string[];
  interfaces: { linktype: string; snaplen: number; name: string | null; tsresol: number; tsoffset: number }[];
  sections: number;
  blocks: Record<string, number>;
  packets: number;
  packet_bytes: number;
  /** packets without IP (ARP, STP, ...): counted, not in any session */
  non_ip_packets: number;
  first_ts: string | null;
  last_ts: string | null;
  duration: number | null;
  sessions: number;
  anomalies: Record<string, number>;
  damaged: string | null;
}

function ltName(t: number): string {
  return LINKTYPE_NAMES.get(t) ?? `LINKTYPE_${t}`;
}

export function infoOf(r: InputResult, sessions: number, anomalies: Map<string, number>, nonIp: number): CaptureInfo {
  return {
    file: r.path,
    format: r.format,
    compression: r.compression,
    file_size: r.fileSize,
    linktypes: [...new Set(r.interfaces.map((i) => ltName(i.linktype)))],
    interfaces: r.interfaces.map((i) => ({ linktype: ltName(i.linktype), snaplen: i.snaplen, name: i.name, tsresol: i.tsresol, tsoffset: i.tsoffset })),
    sections: r.sections,
    blocks: Object.fromEntries(r.blockCounts),
    packets: r.packets,
    packet_bytes: r.packetBytes,
    non_ip_packets: nonIp,
    first_ts: r.firstTs === null ? null : isoMicros(r.firstTs),
    last_ts: r.lastTs === null ? null : isoMicros(r.lastTs),
    duration: r.firstTs === null || r.lastTs === null ? null : (r.lastTs - r.firstTs) / 1e6,
    sessions,
    anomalies: Object.fromEntries([...anomalies].sort((a, b) => b[1] - a[1])),
    damaged: r.error?.message ?? null,
  };
}

function text(f: CaptureInfo): string {
  const lines = [
    `file:        ${escapeControls(f.file)}`,
    `format:      ${f.format ?? 'unknown'}${f.compression !== null && f.compression !== 'none' ? ` (${f.compression})` : ''}`,
    `link types:  ${f.linktypes.join(', ')}`,
    `interfaces:  ${f.interfaces.length}${f.interfaces.map((i, n) => `\n  #${n} ${i.linktype} snaplen ${i.snaplen}${i.name !== null ? ` ${escapeControls(i.name)}` : ''}${i.tsresol !== 6 ? ` tsresol ${i.tsresol}` : ''}${i.tsoffset !== 0 ? ` tsoffset ${i.tsoffset}s` : ''}`).join('')}`,
  ];
  if (Object.keys(f.blocks).length > 0) lines.push(`blocks:      ${Object.entries(f.blocks).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  lines.push(
    `packets:     ${f.packets}`,
    `bytes:       ${f.packet_bytes}`,
    `non-IP:      ${f.non_ip_packets} packets`,
    `first:       ${f.first_ts ?? '-'}`,
    `last:        ${f.last_ts ?? '-'}`,
    `duration:    ${f.duration === null ? '-' : `${f.duration.toFixed(6)} s`}`,
    `sessions:    ${f.sessions}`,
    `anomalies:   ${Object.keys(f.anomalies).length === 0 ? 'none' : Object.entries(f.anomalies).map(([k, v]) => `${k} ${v}`).join(', ')}`,
  );
  if (f.damaged !== null) lines.push(`damaged:     ${escapeControls(f.damaged)}`);
  return `${lines.join('\n')}\n`;
}
