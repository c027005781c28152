// SPDX-License-Identifier: MIT
//
// droppacket: a Windows-style XDP program (eBPF for Windows' drop-packet sample and DNS-flood demo). It drops UDP
// datagrams without payload (UDP length 8) and counts them in dropped_packet_map; every other packet passes. When
// interface_index_map holds a non-zero interface index, only packets received on that interface are looked at.
//
//   make -f Makefile.bpf SRC=bpf/droppacket.c OUT=droppacket.o
//   winbpf add program droppacket.o interface=eth0
#include "bpf_endian.h"
#include "bpf_helpers.h"
#include "net/if_ether.h"
#include "net/ip.h"
#include "net/udp.h"
#include "xdp_hooks.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t); // datagrams dropped
    __uint(max_entries, 1);
} dropped_packet_map SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint32_t); // interface index to limit the program to; 0: every interface it is attached to
    __uint(max_entries, 1);
} interface_index_map SEC(".maps");

SEC("xdp")
int DropPacket(xdp_md_t* ctx)
{
    int rc = XDP_PASS;
    uint32_t key = 0;

    uint32_t* interface_index = bpf_map_lookup_elem(&interface_index_map, &key);
    if (interface_index && *interface_index != 0 && *interface_index != ctx->ingress_ifindex)
        goto Done;

    ETHERNET_HEADER* ethernet_header = (ETHERNET_HEADER*)ctx->data;
    if ((char*)ctx->data + sizeof(ETHERNET_HEADER) + sizeof(IPV4_HEADER) > (char*)ctx->data_end)
        goto Done;
    if (ntohs(ethernet_header->Type) != ETHERNET_TYPE_IPV4)
        goto Done;

    IPV4_HEADER* ipv4_header = (IPV4_HEADER*)(ethernet_header + 1);
    if (ipv4_header->Protocol != IPPROTO_UDP)
        goto Done;

    UDP_HEADER* udp_header = (UDP_HEADER*)((char*)ipv4_header + ipv4_header->HeaderLength * 4);
    if ((char*)(udp_header + 1) > (char*)ctx->data_end)
        goto Done;

    if (ntohs(udp_header->length) <= sizeof(UDP_HEADER)) {
        uint64_t* count = bpf_map_lookup_elem(&dropped_packet_map, &key);
        if (count)
            __sync_fetch_and_add(count, 1);
        rc = XDP_DROP;
    }
Done:
    return rc;
}
