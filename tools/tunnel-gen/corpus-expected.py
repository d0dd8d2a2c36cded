#!/usr/bin/env python3
"""tshark's conversations of the corpus tunnel captures, inner and outer (test/tunnels-tshark.test.ts).

Usage: corpus-expected.py CORPUS_DIR OUT_DIR REL_PATH...   (one OUT_DIR/<rel path, '/' -> '__'>.json each)

The same derivation as expected.py (per packet: frame.len, the IP addresses, the transport ports, stream index and
length, frame.protocols), with one change: a packet counts in the conversation of EVERY transport header tshark
dissected in it, not only the innermost. expected.py's gen captures carry only TCP inside their tunnels; the corpus
has UDP inside UDP tunnels (DNS in VXLAN, GTP-U, Teredo), where taking only the innermost UDP header would leave
the outer VXLAN/GTP conversation short of those packets. That is what tshark's own `-z conv,udp` counts (every UDP
layer is tapped), and the frame counts are checked against that table here, which prints exact frames (its bytes
column is rounded above 10 kB). The capture is read in place; nothing is written beside it.
"""
import json, re, subprocess, sys

FIELDS = ['frame.number', 'frame.len', 'frame.protocols', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst',
          'tcp.srcport', 'tcp.dstport', 'tcp.stream', 'tcp.len', 'udp.srcport', 'udp.dstport', 'udp.stream', 'udp.length',
          'ip.fragment', 'ipv6.fragment']
CMD_FIELDS = ['tshark', '-n', '-r', 'CAPTURE', '-Y', 'tcp or udp', '-T', 'fields', '-E', 'occurrence=a',
              *sum((['-e', f] for f in FIELDS), [])]
CMD_CONV = ['tshark', '-n', '-r', 'CAPTURE', '-q', '-z', 'conv,tcp', '-z', 'conv,udp']


def run(cmd, cap):
    return subprocess.run([cap if a == 'CAPTURE' else a for a in cmd], check=True, capture_output=True, text=True).stdout


def split(v):
    return v.split(',') if v else []


def conversations(cap, frame_len):
    out = {}
    for line in run(CMD_FIELDS, cap).splitlines():
        v = dict(zip(FIELDS, line.split('\t')))
        protos = v['frame.protocols'].split(':')
        for proto in ('tcp', 'udp'):
            idx = [i for i, x in enumerate(protos) if x == proto]
            sp, dp, st = split(v[f'{proto}.srcport']), split(v[f'{proto}.dstport']), split(v[f'{proto}.stream'])
            ln = split(v['tcp.len' if proto == 'tcp' else 'udp.length'])
            if not idx:
                continue
            if not (len(idx) == len(sp) == len(dp) == len(st)):
                raise SystemExit(f'{cap} frame {v["frame.number"]}: {proto} layers and fields do not line up: {protos} {sp} {st}')
            for k, t in enumerate(idx):
                ip_at = [i for i in range(t) if protos[i] in ('ip', 'ipv6')]
                if not ip_at:
                    continue
                inner_ip = ip_at[-1]
                fam = protos[inner_ip]
                nth = sum(1 for x in protos[:inner_ip] if x == fam)
                src = split(v['ip.src' if fam == 'ip' else 'ipv6.src'])[nth]
                dst = split(v['ip.dst' if fam == 'ip' else 'ipv6.dst'])[nth]
                sport, dport, stream = int(sp[k]), int(dp[k]), int(st[k])
                quoted = any(protos[i] in ('icmp', 'icmpv6') for i in range(t))
                # a quoted header in an ICMP error has no length of its own worth counting
                payload = 0 if k >= len(ln) or quoted else int(ln[k]) - (8 if proto == 'udp' else 0)
                key = (proto, stream)
                s = out.get(key)
                if s is None:
                    s = out[key] = {'proto': proto, 'stream': stream, 'orig_addr': src, 'orig_port': sport, 'resp_addr': dst,
                                    'resp_port': dport, 'orig_pkts': 0, 'resp_pkts': 0, 'orig_bytes': 0, 'resp_bytes': 0,
                                    'orig_payload_bytes': 0, 'resp_payload_bytes': 0, 'protocols': ':'.join(protos[:t + 1]),
                                    # ICMP errors quoting this conversation's header: not in the counts above (they are the
                                    # ICMP session's packets, for Zeek and for us); tshark's table counts them in or not
                                    'icmp_quoted': {'orig_pkts': 0, 'resp_pkts': 0, 'orig_bytes': 0, 'resp_bytes': 0},
                                    'fragment_frame_bytes': {'orig': 0, 'resp': 0}}
                d = 'orig' if (src, sport) == (s['orig_addr'], s['orig_port']) else 'resp'
                if quoted:
                    s['icmp_quoted'][f'{d}_pkts'] += 1
                    s['icmp_quoted'][f'{d}_bytes'] += int(v['frame.len'])
                    continue
                s[f'{d}_pkts'] += 1
                s[f'{d}_bytes'] += int(v['frame.len'])
                # a datagram rebuilt from IP fragments: tshark counts the frame that completed it; the frames of
                # its other fragments are noted apart (fragment_frame_bytes)
                frags = {int(x) for x in split(v['ip.fragment']) + split(v['ipv6.fragment'])} - {int(v['frame.number'])}
                s['fragment_frame_bytes'][d] += sum(frame_len[x] for x in frags)
                s[f'{d}_payload_bytes'] += payload
    return list(out.values())


CONV_ROW = re.compile(r'^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+(\d+)\s+\S+ \S+\s+(\d+)\s+\S+ \S+\s+(\d+)\s')


def check_against_conv_table(cap, sessions):
    """Each row of tshark's -z conv table is one of ours with the same frames each way (A -> B is the first sender's)."""
    rows = []
    proto = None
    for line in run(CMD_CONV, cap).splitlines():
        if line.startswith('TCP Conversations'):
            proto = 'tcp'
        elif line.startswith('UDP Conversations'):
            proto = 'udp'
        m = CONV_ROW.match(line)
        if m:
            a, ap, b, bp, back, fwd, total = m.groups()
            rows.append((proto, a, int(ap), b, int(bp), int(fwd), int(back)))
    def ours(with_quoted):
        q = (lambda s, d: s['icmp_quoted'][f'{d}_pkts']) if with_quoted else (lambda s, d: 0)
        return sorted((s['proto'], s['orig_addr'], s['orig_port'], s['resp_addr'], s['resp_port'], s['orig_pkts'] + q(s, 'orig'),
                       s['resp_pkts'] + q(s, 'resp')) for s in sessions if with_quoted or s['orig_pkts'] + s['resp_pkts'] > 0)
    # tshark 4.0's table counts a header quoted in an ICMP error into its conversation in some captures, not in others
    if sorted(rows) == ours(False):
        return False
    if sorted(rows) == ours(True):
        return True
    raise SystemExit(f'{cap}: the per-packet count and the -z conv table disagree:\n{sorted(rows)}\n{ours(False)}')


def main():
    corpus, out_dir, rels = sys.argv[1], sys.argv[2], sys.argv[3:]
    version = subprocess.run(['tshark', '-v'], capture_output=True, text=True).stdout.splitlines()[0]
    for rel in rels:
        cap = f'{corpus}/{rel}'
        frames = run(['tshark', '-n', '-r', 'CAPTURE', '-T', 'fields', '-e', 'frame.number', '-e', 'frame.len'], cap).splitlines()
        frame_len = {int(n): int(ln) for n, ln in (x.split('\t') for x in frames)}
        sessions = conversations(cap, frame_len)
        quoted_in_table = check_against_conv_table(cap, sessions)
        sessions = [s for s in sessions if s['orig_pkts'] + s['resp_pkts'] > 0]
        packets = len(frames)
        with open(f'{out_dir}/{rel.replace("/", "__")}.json', 'w') as f:
            json.dump({'file': rel, 'commands': [' '.join(CMD_FIELDS).replace('tcp or udp', "'tcp or udp'"), ' '.join(CMD_CONV)],
                       'tshark_version': version, 'packets': packets,
                       'conv_table_counts_icmp_quoted': quoted_in_table, 'sessions': sessions}, f, indent=1)
            f.write('\n')


main()
