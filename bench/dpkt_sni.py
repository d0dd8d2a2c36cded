#!/usr/bin/env python3
"""dpkt_sni.py -- print the SNI of every TLS ClientHello in a capture, one per line.

    python3 bench/dpkt_sni.py CAPTURE.pcapng|CAPTURE.pcap > sni.txt

A per-packet reference for the `tls` case of bench/run.mjs (the kind of script described as (c) in
../shared/corpus/gen/expected/perf-baseline.md): for each Ethernet (or raw IP) -> IPv4/IPv6 -> TCP
packet whose payload starts with a TLS handshake record (0x16 0x03 ..) holding a ClientHello
(handshake type 1 at offset 5), it parses the record with dpkt.ssl and prints the server_name host
name, or an empty line when the hello has no SNI. There is no TCP reassembly: a ClientHello that
spans segments fails to parse and is not printed. Malformed packets are skipped one by one.
Needs dpkt (Debian: apt-get install python3-dpkt).
"""
import struct
import sys

import dpkt

EXT_SERVER_NAME = 0
NAME_TYPE_HOST = 0
DLT_RAW = (12, 14, 101)  # DLT_RAW's numbers across platforms / LINKTYPE_RAW
DLT_IPV4, DLT_IPV6 = 228, 229


def open_reader(f):
    magic = f.read(4)
    f.seek(0)
    if magic == b'\x0a\x0d\x0d\x0a':
        return dpkt.pcapng.Reader(f)
    return dpkt.pcap.Reader(f)


def ip_of(frame, linktype):
    """The IPv4/IPv6 packet of a frame, or None."""
    if linktype == dpkt.pcap.DLT_EN10MB:
        ip = dpkt.ethernet.Ethernet(frame).data  # VLAN tags are handled by dpkt
    elif linktype in DLT_RAW or linktype in (DLT_IPV4, DLT_IPV6):
        v = frame[0] >> 4 if frame else 0
        ip = dpkt.ip.IP(frame) if v == 4 else dpkt.ip6.IP6(frame) if v == 6 else None
    elif linktype == dpkt.pcap.DLT_LINUX_SLL:
        ip = dpkt.sll.SLL(frame).data
    else:
        return None
    return ip if isinstance(ip, (dpkt.ip.IP, dpkt.ip6.IP6)) else None


def server_name(ext_data):
    """Host name from a server_name extension body (RFC 6066 ServerNameList), '' if none."""
    (list_len,) = struct.unpack_from('!H', ext_data, 0)
    end = min(2 + list_len, len(ext_data))
    p = 2
    while p + 3 <= end:
        name_type = ext_data[p]
        (n,) = struct.unpack_from('!H', ext_data, p + 1)
        name = ext_data[p + 3:p + 3 + n]
        if len(name) != n:
            raise ValueError('server_name truncated')
        if name_type == NAME_TYPE_HOST:
            return name.decode('ascii', 'replace')
        p += 3 + n
    return ''


def sni_of_payload(payload):
    """SNI of the ClientHello at the start of a TCP payload; None if it is not a parseable ClientHello."""
    # cheap 3-byte check first: almost every segment is rejected here
    if len(payload) < 6 or payload[0] != 0x16 or payload[1] != 0x03 or payload[5] != 0x01:
        return None
    record = dpkt.ssl.TLSRecord(payload)  # raises NeedData if the record spans segments
    hs = dpkt.ssl.TLSHandshake(record.data)  # builds a dpkt.ssl.TLSClientHello
    hello = hs.data
    for ext_type, ext_data in getattr(hello, 'extensions', ()):
        if ext_type == EXT_SERVER_NAME:
            return server_name(ext_data)
    return ''


def main(argv):
    if len(argv) != 2:
        sys.stderr.write('usage: dpkt_sni.py CAPTURE\n')
        return 2
    out = []
    hellos = bad = 0
    status = 0
    with open(argv[1], 'rb') as f:
        try:
            reader = open_reader(f)
        except Exception as e:  # not a pcap/pcapng file
            sys.stderr.write('dpkt_sni: %s: not a pcap or pcapng file: %r\n' % (argv[1], e))
            return 1
        linktype = reader.datalink()
        frames = iter(reader)
        while True:
            try:
                _ts, frame = next(frames)
            except StopIteration:
                break
            except Exception as e:  # broken capture container (block/record framing): stop here
                sys.stderr.write('dpkt_sni: capture unreadable after %d ClientHellos: %r\n' % (hellos, e))
                status = 1
                break
            try:
                ip = ip_of(frame, linktype)
                if ip is None:
                    continue
                tcp = ip.data
                if not isinstance(tcp, dpkt.tcp.TCP):
                    continue
                sni = sni_of_payload(tcp.data)
            except Exception:  # malformed frame/record/hello: skip this packet
                bad += 1
                continue
            if sni is not None:
                hellos += 1
                out.append(sni)
                if len(out) >= 4096:
                    sys.stdout.write('\n'.join(out) + '\n')
                    out.clear()
    if out:
        sys.stdout.write('\n'.join(out) + '\n')
    sys.stderr.write('dpkt_sni: %d ClientHellos, %d packets skipped as malformed\n' % (hellos, bad))
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv))
