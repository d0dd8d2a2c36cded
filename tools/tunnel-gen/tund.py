#!/usr/bin/env python3
"""A userspace tunnel endpoint for making test captures (the kernel here has only VXLAN built in).

Reads inner packets from a TUN (IP) or TAP (Ethernet) device, wraps them in the tunnel's header and sends
them over the underlay to the peer; unwraps what the peer sends and writes it to the device. Headers are
built from the specifications (RFC 2784/2890 GRE, RFC 2637 PPTP GRE, RFC 8086 GRE-in-UDP, ERSPAN II/III
(draft-foschiano-erspan), RFC 8926 Geneve, RFC 2003/4213/2473 IP-in-IP, RFC 4380 Teredo, AYIYA, 3GPP TS
29.281 GTP-U). Usage: tund.py MODE DEV LOCAL REMOTE SIDE(a|b)
"""
import fcntl, os, select, socket, struct, sys

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_TAP, IFF_NO_PI = 0x0001, 0x0002, 0x1000

mode, dev, local, remote, side = sys.argv[1:6]
TAP = mode in ('gretap', 'erspan2', 'erspan3', 'geneve')
UDP_PORTS = {'greudp': 4754, 'geneve': 6081, 'teredo': 3544, 'ayiya': 5072, 'gtpu': 2152}
RAW_PROTO = {'gre': 47, 'gretap': 47, 'erspan2': 47, 'erspan3': 47, 'pptp': 47, '4in4': 4, '6in4': 41, '4in6': 4, '6in6': 41}
V6_UNDERLAY = mode in ('4in6', '6in6')

fd = os.open('/dev/net/tun', os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', dev.encode(), (IFF_TAP if TAP else IFF_TUN) | IFF_NO_PI))

if mode in UDP_PORTS:
    port = UDP_PORTS[mode]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # Teredo: the client talks from an ephemeral port to the server's 3544
    my_port = 40000 if (mode == 'teredo' and side == 'a') else port
    peer_port = 40000 if (mode == 'teredo' and side == 'b') else port
    sock.bind((local, my_port))
    peer = (remote, peer_port)
else:
    fam = socket.AF_INET6 if V6_UNDERLAY else socket.AF_INET
    sock = socket.socket(fam, socket.SOCK_RAW, RAW_PROTO[mode])
    peer = (remote, 0)

seq = 0


def ip_ethertype(pkt):
    return 0x86DD if pkt[0] >> 4 == 6 else 0x0800


def wrap(pkt):
    global seq
    seq += 1
    if mode == 'gre':
        return struct.pack('!HHI', 0x2000, ip_ethertype(pkt), 5) + pkt
    if mode == 'gretap':
        return struct.pack('!HH', 0, 0x6558) + pkt
    if mode == 'erspan2':
        # GRE with sequence number, ERSPAN type II: ver 1, VLAN 10, COS 0, En 0, T 0, session 1, index 0
        return struct.pack('!HHI', 0x1000, 0x88BE, seq) + struct.pack('!HHI', (1 << 12) | 10, 1, 0) + pkt
    if mode == 'erspan3':
        # ERSPAN type III: ver 2, VLAN 20, session 3, timestamp, SGT 0, no optional subheader (O = 0)
        return struct.pack('!HHI', 0x1000, 0x22EB, seq) + struct.pack('!HHIHH', (2 << 12) | 20, 3, seq * 1000, 0, 0) + pkt
    if mode == 'pptp':
        # enhanced GRE: K and S set, version 1, PPP; key = payload length + call id; PPP address/control + IPv4
        ppp = b'\xff\x03' + struct.pack('!H', 0x0021 if pkt[0] >> 4 == 4 else 0x0057) + pkt
        call = 0x1234 if side == 'a' else 0x4321
        return struct.pack('!HHHHI', 0x3001, 0x880B, len(ppp), call, seq) + ppp
    if mode == 'greudp':
        return struct.pack('!HH', 0, ip_ethertype(pkt)) + pkt
    if mode == 'geneve':
        # version 0, 8 bytes of options (one option: class 0x0102 type 0x80, 4 bytes), TEB, VNI 7
        opt = struct.pack('!HBB', 0x0102, 0x80, 1) + b'\x00\x00\x00\x2a'
        return struct.pack('!BBHI', len(opt) // 4, 0, 0x6558, 7 << 8) + opt + pkt
    if mode in ('4in4', '6in4', '4in6', '6in6'):
        return pkt
    if mode == 'teredo':
        if side == 'b':
            # origin indication (RFC 4380 5.1.1): port and address of the peer, obfuscated
            return struct.pack('!HH', 0, 40000 ^ 0xFFFF) + bytes(b ^ 0xFF for b in socket.inet_aton(remote)) + pkt
        return pkt
    if mode == 'ayiya':
        ident = bytes(range(16))
        return bytes([0x41, 0x52, 0x11, 41]) + struct.pack('!I', 1700000000 + seq) + ident + bytes(20) + pkt
    if mode == 'gtpu':
        teid = 0x100 if side == 'a' else 0x200
        if side == 'a':
            return struct.pack('!BBHI', 0x30, 0xFF, len(pkt), teid) + pkt
        # with the sequence number field (S), no extension header
        return struct.pack('!BBHIHBB', 0x32, 0xFF, len(pkt) + 4, teid, seq & 0xFFFF, 0, 0) + pkt
    raise SystemExit(mode)


def unwrap(data):
    if not V6_UNDERLAY and mode in RAW_PROTO:
        data = data[(data[0] & 15) * 4:]
    if mode == 'gre':
        return data[8:]
    if mode == 'gretap':
        return data[4:]
    if mode == 'erspan2':
        return data[16:]
    if mode == 'erspan3':
        return data[20:]
    if mode == 'pptp':
        return data[12 + 4:]
    if mode == 'greudp':
        return data[4:]
    if mode == 'geneve':
        return data[8 + (data[0] & 0x3F) * 4:]
    if mode in ('4in4', '6in4', '4in6', '6in6'):
        return data
    if mode == 'teredo':
        return data[8:] if data[:2] == b'\x00\x00' else data
    if mode == 'ayiya':
        return data[8 + 16 + 20:]
    if mode == 'gtpu':
        return data[12:] if data[0] & 7 else data[8:]
    raise SystemExit(mode)


while True:
    r, _, _ = select.select([fd, sock], [], [])
    if fd in r:
        pkt = os.read(fd, 65535)
        if not TAP and pkt[0] >> 4 not in (4, 6):
            continue
        # IP-in-IP carries one version: protocol 4 IPv4, protocol 41 IPv6 (as the kernel's ipip/sit/ip6tnl)
        if mode in ('4in4', '4in6') and pkt[0] >> 4 != 4 or mode in ('6in4', '6in6') and pkt[0] >> 4 != 6:
            continue
        sock.sendto(wrap(pkt), peer)
    if sock in r:
        data, addr = sock.recvfrom(65535)
        if addr[0] != remote:
            continue
        try:
            os.write(fd, unwrap(data))
        except OSError:
            pass
