/* SPDX-License-Identifier: MIT */
/* IPv6 header as eBPF for Windows names it (net/ip.h there; also includable alone here). */
#pragma once

#include "bpf_helpers.h"

typedef uint8_t ipv6_address_t[16];

typedef struct _IPV6_HEADER {
    union {
        uint32_t VersionClassFlow; ///< Version (4 bits), traffic class (8), flow label (20), network order.
        struct {
            uint32_t : 4;
            uint32_t Version : 4;
            uint32_t : 24;
        };
    };
    uint16_t PayloadLength; ///< Network order.
    uint8_t NextHeader;     ///< IPPROTO_* of the next header.
    uint8_t HopLimit;
    ipv6_address_t SourceAddress;
    ipv6_address_t DestinationAddress;
} IPV6_HEADER, *PIPV6_HEADER;
_Static_assert(sizeof(IPV6_HEADER) == 40, "IPv6 header is 40 bytes");
