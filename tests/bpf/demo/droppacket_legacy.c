// SPDX-License-Identifier: MIT
//
// droppacket_legacy: eBPF for Windows' drop-packet sample as its older releases wrote it, with legacy map definitions
// (SEC("maps") struct bpf_map_def), built as its demo builds it: plain clang, one pass, -Wall and no -g, so the object
// has no BTF. It drops UDP datagrams without payload and counts them in dropped_packet_map; when interface_index_map
// holds a non-zero interface index, only packets received on that interface are looked at.
//
//   clang -target bpf -O2 -Wall -Werror -I <winbpf build>/include -c droppacket_legacy.c -o droppacket_legacy.o
//   winbpf add program droppacket_legacy.o xdp interface=eth0
#include "bpf_endian.h"
#include "bpf_helpers.h"
#include "net/if_ether.h"
#include "net/ip.h"
#include "net/udp.h"
#include "xdp_hooks.h"

SEC("maps")
struct bpf_map_def dropped_packet_map = {
    .type = BPF_MAP_TYPE_ARRAY, .key_size = sizeof(uint32_t), .value_size = sizeof(uint64_t), .max_entries = 1};

SEC("maps")
struct bpf_map_def interface_index_map = {
    .type = BPF_MAP_TYPE_ARRAY, .key_size = sizeof(uint32_t), .value_size = sizeof(uint32_t), .max_entries = 1};

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
