// SPDX-License-Identifier: MIT
//
// droppacket_unsafe: bpf/droppacket.c without the bounds check of the UDP header, as eBPF for Windows' demo shows
// the verifier refusing it: `show verification droppacket_unsafe.o xdp` fails at the line that reads
// udp_header->length, and `add program` fails.
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
    // The demo's mistake: no check that the UDP header is inside the packet before reading its length.

    if (ntohs(udp_header->length) <= sizeof(UDP_HEADER)) {
        uint64_t* count = bpf_map_lookup_elem(&dropped_packet_map, &key);
        if (count)
            __sync_fetch_and_add(count, 1);
        rc = XDP_DROP;
    }
Done:
    return rc;
}
