#!/usr/bin/env python3
"""Expectations for a tunnel capture, all from tshark: per TCP stream (the inner HTTP fetches) and per UDP
conversation, packets, frame bytes and payload bytes each way, plus the protocol stack tshark dissected
(frame.protocols). Usage: expected.py CAPTURE > CAPTURE.json; the raw conversation tables go to .conv.txt."""
import json, subprocess, sys

cap = sys.argv[1]


def tshark(*args):
    return subprocess.run(['tshark', '-r', cap, *args], check=True, capture_output=True, text=True).stdout


def last(v):
    return v.split(',')[-1] if v else None


def sessions(proto):
    out = {}
    fields = ['frame.len', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', f'{proto}.srcport', f'{proto}.dstport', f'{proto}.stream',
              'tcp.len' if proto == 'tcp' else 'udp.length', 'frame.protocols', 'tcp.flags.syn' if proto == 'tcp' else 'frame.number']
    for line in tshark('-Y', proto, '-T', 'fields', '-E', 'occurrence=a', *sum((['-e', f] for f in fields), [])).splitlines():
        v = line.split('\t')
        flen, s4, d4, s6, d6, sp, dp, stream, plen, protos = v[:10]
        # the conversation is the last transport header tshark dissected, and the IP header right before it
        p = protos.split(':')
        t = max(i for i, x in enumerate(p) if x == proto)
        inner_ip = max(i for i in range(t) if p[i] in ('ip', 'ipv6'))
        nth = sum(1 for x in p[:inner_ip] if x == p[inner_ip])
        src = (s4 if p[inner_ip] == 'ip' else s6).split(',')[nth]
        dst = (d4 if p[inner_ip] == 'ip' else d6).split(',')[nth]
        sport, dport, stream = int(last(sp)), int(last(dp)), int(last(stream))
        payload = int(last(plen)) - (8 if proto == 'udp' else 0)
        s = out.get(stream)
        if s is None:
            s = out[stream] = {'proto': proto, 'orig_addr': src, 'orig_port': sport, 'resp_addr': dst, 'resp_port': dport,
                               'orig_pkts': 0, 'resp_pkts': 0, 'orig_bytes': 0, 'resp_bytes': 0,
                               'orig_payload_bytes': 0, 'resp_payload_bytes': 0, 'protocols': ':'.join(p[:t + 1]),
                               'icmp_quoted': {'orig_pkts': 0, 'resp_pkts': 0, 'orig_bytes': 0, 'resp_bytes': 0, 'orig_payload_bytes': 0, 'resp_payload_bytes': 0}}
        d = 'orig' if (src, sport) == (s['orig_addr'], s['orig_port']) else 'resp'
        # an ICMP error quoting the datagram's header: tshark adds it to the conversation; noted apart too
        if any(p[i] in ('icmp', 'icmpv6') for i in range(t)):
            q = s['icmp_quoted']
            q[f'{d}_pkts'] += 1
            q[f'{d}_bytes'] += int(flen)
            q[f'{d}_payload_bytes'] += payload
        s[f'{d}_pkts'] += 1
        s[f'{d}_bytes'] += int(flen)
        s[f'{d}_payload_bytes'] += payload
    return list(out.values())


conv = tshark('-q', '-z', 'conv,tcp', '-z', 'conv,udp')
open(cap.rsplit('.', 1)[0] + '.conv.txt', 'w').write(conv)
json.dump({
    'file': cap.split('/')[-1],
    'commands': [f'tshark -r {cap.split("/")[-1]} -Y tcp|udp -T fields -E occurrence=a -e frame.len -e ip.src ... -e frame.protocols',
                 f'tshark -r {cap.split("/")[-1]} -q -z conv,tcp -z conv,udp'],
    'tshark_version': subprocess.run(['tshark', '-v'], capture_output=True, text=True).stdout.splitlines()[0],
    'packets': len(tshark('-T', 'fields', '-e', 'frame.number').splitlines()),
    'sessions': sessions('tcp') + sessions('udp'),
}, sys.stdout, indent=1)
