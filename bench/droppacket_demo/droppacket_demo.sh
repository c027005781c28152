#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# droppacket_demo.sh [SECONDS]: eBPF for Windows' DNS-flood demo on Linux, with winbpf (as root, after the build).
#
# Two network namespaces it creates and removes, joined by a veth pair: "attacker" (10.214.0.1) floods the
# "defender" (10.214.0.2) with UDP datagrams without payload to port 53. The defender's received-datagram rate
# (what reached its UDP stack: Udp InDatagrams + NoPorts of /proc/net/snmp in its namespace) is printed
#   1. with nothing attached,
#   2. after `winbpf add program droppacket.o interface=<defender's interface>` (droppacket drops them in XDP and
#      counts them in dropped_packet_map), and
#   3. after `winbpf delete program ID`.
# Traffic stays between the two namespaces.
set -euo pipefail

SECONDS_PER_PHASE=${1:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${WINBPF_BIN:-$HERE}
WINBPF=$BIN/winbpf
FLOOD=$BIN/udp_flood
OBJECT=${DROPPACKET_OBJECT:-$BIN/../bpf/droppacket.o}
for file in "$WINBPF" "$FLOOD" "$OBJECT"; do
    [ -e "$file" ] || { echo "droppacket_demo: $file is missing: build winbpf first (cmake --build build)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "droppacket_demo: must run as root (network namespaces, XDP)" >&2; exit 1; }

ATTACKER=winbpf-demo-attacker-$$
DEFENDER=winbpf-demo-defender-$$
IF_ATTACKER=wbdemo$$a
IF_DEFENDER=wbdemo$$d
ID=
cleanup() {
    [ -n "$ID" ] && "$WINBPF" delete program "$ID" >/dev/null 2>&1 || true
    ip netns del "$ATTACKER" 2>/dev/null || true
    ip netns del "$DEFENDER" 2>/dev/null || true
}
trap cleanup EXIT

ip netns add "$ATTACKER"
ip netns add "$DEFENDER"
ip link add "${IF_ATTACKER:0:15}" netns "$ATTACKER" type veth peer name "${IF_DEFENDER:0:15}" netns "$DEFENDER"
IF_ATTACKER=${IF_ATTACKER:0:15}
IF_DEFENDER=${IF_DEFENDER:0:15}
ip -n "$ATTACKER" addr add 10.214.0.1/24 dev "$IF_ATTACKER"
ip -n "$DEFENDER" addr add 10.214.0.2/24 dev "$IF_DEFENDER"
for ns in "$ATTACKER" "$DEFENDER"; do ip -n "$ns" link set lo up; done
ip -n "$ATTACKER" link set "$IF_ATTACKER" up
ip -n "$DEFENDER" link set "$IF_DEFENDER" up

# UDP datagrams the defender's stack received so far (delivered or refused for want of a socket).
received() {
    nsenter --net="/run/netns/$DEFENDER" awk '/^Udp: [0-9]/ { print $2 + $3; exit }' /proc/net/snmp
}

# Floods for SECONDS_PER_PHASE and prints the rates of one phase.
phase() {
    local before after sent
    before=$(received)
    sent=$(nsenter --net="/run/netns/$ATTACKER" "$FLOOD" 10.214.0.2 53 "$SECONDS_PER_PHASE" 0)
    sleep 0.2
    after=$(received)
    awk -v name="$1" -v sent="$sent" -v got="$((after - before))" -v s="$SECONDS_PER_PHASE" \
        'BEGIN { printf "%-34s attacker sent %10.0f/s   defender received %10.0f/s\n", name, sent / s, got / s }'
}

echo "Flooding $DEFENDER ($IF_DEFENDER, 10.214.0.2) from $ATTACKER with 0-byte UDP datagrams, ${SECONDS_PER_PHASE} s per phase"
phase "1. nothing attached:"
ID=$(nsenter --net="/run/netns/$DEFENDER" "$WINBPF" add program "$OBJECT" interface="$IF_DEFENDER" |
    sed -n 's/^Loaded with ID \([0-9]*\)$/\1/p')
[ -n "$ID" ] || { echo "droppacket_demo: winbpf add program failed" >&2; exit 1; }
echo "   winbpf add program droppacket.o interface=$IF_DEFENDER: Loaded with ID $ID"
phase "2. droppacket attached:"
dropped=$("$WINBPF" show map dropped_packet_map 2>/dev/null | sed -n 's/^key: .*value: (uint64_t)//p')
echo "   winbpf show map dropped_packet_map: ${dropped:-?} datagrams dropped"
"$WINBPF" delete program "$ID" >/dev/null
echo "   winbpf delete program $ID"
ID=
phase "3. after delete program:"
