#!/usr/bin/env python3
# bench/ref/zeek_conn_ref.py — the reference of bench/formats.mjs's export case: haystack's sessions as JSON lines
# (`haystack export sessions --format jsonl`) to a Zeek conn.log in TSV, the conversion a user would script without
# our writer: json.loads per line, the columns of conn.log formatted as Zeek writes them (epoch seconds with six
# decimals, `-` for unset, `(empty)` for an empty set), one write per 4096 lines.
#
#   python3 bench/ref/zeek_conn_ref.py SESSIONS.jsonl OUT.log      prints the number of rows written
import json
import sys
from datetime import datetime

COLS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration',
        'orig_bytes', 'resp_bytes', 'conn_state', 'missed_bytes', 'history', 'orig_pkts', 'orig_ip_bytes',
        'resp_pkts', 'resp_ip_bytes', 'community_id']


def epoch(iso):
    # ISO 8601 UTC with microseconds, as the JSON lines export writes times
    return None if iso is None else datetime.fromisoformat(iso.replace('Z', '+00:00')).timestamp()


def ts(t):
    return '-' if t is None else '%.6f' % t


def s(v):
    if v is None:
        return '-'
    if v == '':
        return '(empty)'
    return str(v).replace('\\', '\\\\').replace('\t', '\\x09').replace('\n', '\\x0a')


def n(v):
    return '-' if v is None else str(v)


def line(r):
    start = epoch(r.get('start_time'))
    dur = '-' if r.get('duration') is None else '%.6f' % r['duration']
    proto = s(r.get('proto'))
    return '\t'.join([
        ts(start), s(r.get('uid')), s(r.get('src_ip')), n(r.get('src_port')), s(r.get('dst_ip')), n(r.get('dst_port')),
        proto, s(r.get('app_proto')), dur, n(r.get('src_bytes')), n(r.get('dst_bytes')), s(r.get('state')),
        n(r.get('missed_bytes')), '-', n(r.get('src_pkts')), n(r.get('src_ip_bytes')),
        n(r.get('dst_pkts')), n(r.get('dst_ip_bytes')), s(r.get('community_id')),
    ])


def main():
    src, dst = sys.argv[1], sys.argv[2]
    rows = 0
    with open(src, 'r', encoding='utf-8') as f, open(dst, 'w', encoding='utf-8') as out:
        out.write('#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n')
        out.write('#fields\t' + '\t'.join(COLS) + '\n')
        buf = []
        for raw in f:
            buf.append(line(json.loads(raw)))
            rows += 1
            if len(buf) == 4096:
                out.write('\n'.join(buf) + '\n')
                buf = []
        if buf:
            out.write('\n'.join(buf) + '\n')
    print(rows)


main()
