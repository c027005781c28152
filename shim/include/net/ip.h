/* SPDX-License-Identifier: MIT */
/*
 * IPv4 header as eBPF for Windows' net/ip.h names it, with the Linux field names in unions beside the Windows ones,
 * and the protocol and address family numbers a Windows program uses (AF_INET6 is Windows' 23).
 */
#pragma once

#include "bpf_helpers.h"
#include "net/ipv6.h"

#ifndef IPPROTO_IPV4
#define IPPROTO_IPV4 4
#endif
#ifndef IPPROTO_TCP
#define IPPROTO_TCP 6
#endif
#ifndef IPPROTO_UDP
#define IPPROTO_UDP 17
#endif
#ifndef IPPROTO_IPV6
#define IPPROTO_IPV6 41
#endif
#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 23
#endif

typedef struct _IPV4_HEADER {
    union {
        uint8_t VersionAndHeaderLength;
        struct {
            uint8_t HeaderLength : 4; ///< In 32-bit words.
            uint8_t Version : 4;
        };
        struct {
            uint8_t ihl : 4;
            uint8_t version : 4;
        };
    };
    union {
        uint8_t TypeOfServiceAndEcnField;
        uint8_t tos;
        struct {
            uint8_t EcnField : 2;
            uint8_t TypeOfService : 6;
        };
    };
    union {
        uint16_t TotalLength; ///< Network order.
        uint16_t tot_len;
    };
    union {
        uint16_t Identification;
        uint16_t id;
    };
    union {
        uint16_t FlagsAndOffset;
        uint16_t frag_off;
        struct {
            uint16_t DontUse1 : 5; ///< High bits of the fragment offset.
            uint16_t MoreFragments : 1;
            uint16_t DontFragment : 1;
            uint16_t Reserved : 1;
            uint16_t DontUse2 : 8; ///< Low bits of the fragment offset.
        };
    };
    union {
        uint8_t TimeToLive;
        uint8_t ttl;
    };
    union {
        uint8_t Protocol;
        uint8_t protocol;
    };
    union {
        uint16_t HeaderChecksum;
        uint16_t check;
    };
    union {
        uint32_t SourceAddress; ///< Network order.
        uint32_t saddr;
    };
    union {
        uint32_t DestinationAddress;
        uint32_t daddr;
    };
} IPV4_HEADER, *PIPV4_HEADER;
_Static_assert(sizeof(IPV4_HEADER) == 20, "IPv4 header is 20 bytes");

/* Linux spelling (vmlinux.h's struct iphdr is not used then). */
#define iphdr _IPV4_HEADER
