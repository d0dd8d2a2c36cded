#!/bin/sh
# Makes test/fixtures/gen/tunnels.pcap: curl fetching a page from python's http.server through one tunnel
# after another, between two network namespaces joined by a veth pair; tcpdump on the underlay interface.
# VXLAN is the kernel's; the other tunnels are tund.py (userspace endpoints on TUN/TAP devices), because this
# kernel has no gre/geneve/ipip/sit/ip6tnl modules. Run as root: tools/tunnel-gen/make.sh OUT.pcap
set -eu
OUT=$(realpath "$1")
HERE=$(dirname "$(realpath "$0")")
PY=/usr/bin/python3
A="ip netns exec tgA"
B="ip netns exec tgB"
WWW=$(mktemp -d)
printf 'hello through a tunnel\n' > "$WWW/index.html"
cleanup() {
  for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
  ip netns del tgA 2>/dev/null || true
  ip netns del tgB 2>/dev/null || true
  rm -rf "$WWW"
}
trap cleanup EXIT
ip netns add tgA
ip netns add tgB
ip link add vA netns tgA type veth peer name vB netns tgB
$A ip addr add 10.99.0.1/24 dev vA
$B ip addr add 10.99.0.2/24 dev vB
$A ip addr add fd99::1/64 dev vA nodad
$B ip addr add fd99::2/64 dev vB nodad
for ns in tgA tgB; do ip -n $ns link set lo up; done
$A ip link set vA up
$B ip link set vB up
# whole checksums and segments no larger than the MTU in the capture
$A ethtool -K vA tx off tso off gso off gro off >/dev/null 2>&1 || true
$B ethtool -K vB tx off tso off gso off gro off >/dev/null 2>&1 || true
$A tcpdump -i vA -s 0 -U -w "$OUT" 'not arp and not icmp6' 2>/dev/null &
TCPDUMP=$!
sleep 1

# fetch INNER_B_ADDR: an HTTP GET from A to B through the tunnel just made
fetch() {
  (cd "$WWW" && exec $B $PY -m http.server 8000 --bind "$1" >/dev/null 2>&1) &
  SRV=$!
  sleep 0.7
  case "$1" in *:*) URL="http://[$1]:8000/" ;; *) URL="http://$1:8000/" ;; esac
  $A curl -s -g -o /dev/null --max-time 5 "$URL" || echo "fetch $1 failed" >&2
  sleep 0.3
  kill $SRV 2>/dev/null || true
  wait $SRV 2>/dev/null || true
}

# kernel VXLAN, VNI 42
$A ip link add vx0 type vxlan id 42 local 10.99.0.1 remote 10.99.0.2 dstport 4789 dev vA
$B ip link add vx0 type vxlan id 42 local 10.99.0.2 remote 10.99.0.1 dstport 4789 dev vB
$A ip addr add 10.100.1.1/24 dev vx0
$B ip addr add 10.100.1.2/24 dev vx0
$A ip link set vx0 up mtu 1400
$B ip link set vx0 up mtu 1400
fetch 10.100.1.2
$A ip link del vx0
$B ip link del vx0

# userspace tunnels: MODE INNER_A/PREFIX INNER_B UNDERLAY(4|6)
n=2
while read -r MODE IA IB UL; do
  if [ "$UL" = 6 ]; then LA=fd99::1; LB=fd99::2; else LA=10.99.0.1; LB=10.99.0.2; fi
  $A $PY "$HERE/tund.py" "$MODE" tn0 "$LA" "$LB" a &
  PA=$!
  $B $PY "$HERE/tund.py" "$MODE" tn0 "$LB" "$LA" b &
  PB=$!
  for _ in 1 2 3 4 5 6 7 8 9 10; do $A ip link show tn0 >/dev/null 2>&1 && $B ip link show tn0 >/dev/null 2>&1 && break; sleep 0.3; done
  $A ip addr add "$IA" dev tn0 nodad 2>/dev/null || $A ip addr add "$IA" dev tn0
  $B ip addr add "$IB" dev tn0 nodad 2>/dev/null || $B ip addr add "$IB" dev tn0
  $A ip link set tn0 up mtu 1400
  $B ip link set tn0 up mtu 1400
  sleep 0.3
  fetch "${IB%/*}"
  kill $PA $PB
  wait $PA $PB 2>/dev/null || true
  n=$((n + 1))
done <<LIST
gre 10.100.2.1/24 10.100.2.2/24 4
gretap 10.100.3.1/24 10.100.3.2/24 4
erspan2 10.100.4.1/24 10.100.4.2/24 4
erspan3 10.100.5.1/24 10.100.5.2/24 4
pptp 10.100.6.1/24 10.100.6.2/24 4
greudp 10.100.7.1/24 10.100.7.2/24 4
geneve 10.100.8.1/24 10.100.8.2/24 4
4in4 10.100.9.1/24 10.100.9.2/24 4
6in4 fd00:10::1/64 fd00:10::2/64 4
4in6 10.100.11.1/24 10.100.11.2/24 6
6in6 fd00:12::1/64 fd00:12::2/64 6
teredo 2001:0:a63:1::1/64 2001:0:a63:1::2/64 4
ayiya fd00:14::1/64 fd00:14::2/64 4
gtpu 10.100.15.1/24 10.100.15.2/24 4
LIST
sleep 1
kill $TCPDUMP
wait $TCPDUMP 2>/dev/null || true
