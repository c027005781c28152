/* SPDX-License-Identifier: MIT */
/*
 * TCP header as eBPF for Windows' net/tcp.h declares it: struct tcphdr with Linux field names (fields in network byte
 * order; flag bits little-endian). vmlinux.h has its own struct tcphdr, so the Windows one is struct winbpf_tcphdr
 * under the name tcphdr in programs that include this header. TCP_HEADER names the same type.
 */
#pragma once

#include "bpf_helpers.h"

#define tcphdr winbpf_tcphdr

struct tcphdr {
    uint16_t source;
    uint16_t dest;
    uint32_t seq;
    uint32_t ack_seq;
    uint16_t ns : 1;
    uint16_t reserved : 3;
    uint16_t doff : 4; ///< Header length in 32-bit words.
    uint16_t fin : 1;
    uint16_t syn : 1;
    uint16_t rst : 1;
    uint16_t psh : 1;
    uint16_t ack : 1;
    uint16_t urg : 1;
    uint16_t ece : 1;
    uint16_t cwr : 1;
    uint16_t window;
    uint16_t check;
    uint16_t urg_ptr;
};
_Static_assert(sizeof(struct tcphdr) == 20, "TCP header is 20 bytes");

typedef struct tcphdr TCP_HEADER;
