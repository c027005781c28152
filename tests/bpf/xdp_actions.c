// SPDX-License-Identifier: MIT
// Windows-style XDP program for the xdp tests: moves the packet's head by action_map[1] bytes (bpf_xdp_adjust_head),
// returns the action in action_map[0] (a Windows xdp_action_t value, or any other number), and records what it saw
// of the packet in seen_map. It includes every network header a Windows
// XDP program may include, and checks their Windows layouts at compile time.
#include "bpf_endian.h"
#include "bpf_helpers.h"
#include "net/if_ether.h"
#include "net/ip.h"
#include "net/ipv6.h"
#include "net/tcp.h"
#include "net/udp.h"
#include "xdp_hooks.h"

#include "xdp_actions.h"

_Static_assert(__builtin_offsetof(IPV4_HEADER, Protocol) == 9, "IPV4_HEADER.Protocol at 9");
_Static_assert(__builtin_offsetof(IPV4_HEADER, DestinationAddress) == 16, "IPV4_HEADER.DestinationAddress at 16");
_Static_assert(__builtin_offsetof(struct iphdr, daddr) == 16, "Linux spelling of the same header");
_Static_assert(__builtin_offsetof(IPV6_HEADER, NextHeader) == 6, "IPV6_HEADER.NextHeader at 6");
_Static_assert(__builtin_offsetof(IPV6_HEADER, DestinationAddress) == 24, "IPV6_HEADER.DestinationAddress at 24");
_Static_assert(__builtin_offsetof(TCP_HEADER, window) == 14, "TCP_HEADER.window at 14");
_Static_assert(__builtin_offsetof(struct tcphdr, dest) == 2, "struct tcphdr.dest at 2");
_Static_assert(__builtin_offsetof(UDP_HEADER, length) == 4, "UDP_HEADER.length at 4");
_Static_assert(__builtin_offsetof(ETHERNET_HEADER, Type) == 12, "ETHERNET_HEADER.Type at 12");
_Static_assert(AF_INET6 == 23 && IPPROTO_UDP == 17 && XDP_PASS == 1 && XDP_DROP == 2 && XDP_TX == 3,
               "Windows numbers");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint32_t);
    __uint(max_entries, 2);
} action_map SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, struct xdp_seen);
    __uint(max_entries, 1);
} seen_map SEC(".maps");

SEC("xdp")
int XdpActions(xdp_md_t* ctx)
{
    uint32_t key = 0, adjust_key = 1;
    int32_t* adjust = bpf_map_lookup_elem(&action_map, &adjust_key);
    int32_t adjusted = adjust && *adjust ? (int32_t)bpf_xdp_adjust_head(ctx, *adjust) : 0;
    struct xdp_seen* seen = bpf_map_lookup_elem(&seen_map, &key);
    if (seen) {
        seen->length = (uint32_t)((char*)ctx->data_end - (char*)ctx->data);
        seen->ingress_ifindex = ctx->ingress_ifindex;
        seen->adjust_result = adjusted;
        ETHERNET_HEADER* ethernet = (ETHERNET_HEADER*)ctx->data;
        if ((char*)(ethernet + 1) <= (char*)ctx->data_end)
            seen->ethernet_type = ntohs(ethernet->Type);
        IPV6_HEADER* ipv6 = (IPV6_HEADER*)(ethernet + 1);
        if ((char*)(ipv6 + 1) <= (char*)ctx->data_end && seen->ethernet_type == ETHERNET_TYPE_IPV6)
            seen->next_header = ipv6->NextHeader;
    }
    uint32_t* action = bpf_map_lookup_elem(&action_map, &key);
    return action ? (int)*action : XDP_PASS;
}
