/* SPDX-License-Identifier: MIT */
/* Ethernet header as eBPF for Windows' net/if_ether.h names it (fields in network byte order). */
#pragma once

#include "bpf_helpers.h"

typedef uint8_t mac_address_t[6];

#define ETHERNET_TYPE_IPV4 0x0800
#define ETHERNET_TYPE_IPV6 0x86dd

typedef struct _ETHERNET_HEADER {
    uint8_t Destination[6];
    uint8_t Source[6];
    union {
        uint16_t Type;   ///< EtherType (Ethernet II), network order.
        uint16_t Length; ///< Length (IEEE 802.3).
    };
} ETHERNET_HEADER, *PETHERNET_HEADER;
_Static_assert(sizeof(ETHERNET_HEADER) == 14, "Ethernet header is 14 bytes");

/* The Linux spellings Windows maps for cross-platform programs (vmlinux.h's struct ethhdr is not used then). */
#define ethhdr _ETHERNET_HEADER
#define h_proto Type
#ifndef ETH_P_IP
#define ETH_P_IP ETHERNET_TYPE_IPV4
#endif
