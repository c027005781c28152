/* SPDX-License-Identifier: MIT */
/* What tests/bpf/xdp_actions.c records of the last packet (seen_map's value), shared with tests/hooks/xdp. */
#pragma once

#ifdef __cplusplus
#include <cstdint>
#else
#include <stdint.h>
#endif

struct xdp_seen {
    uint32_t length;          /* data_end - data, bytes */
    uint32_t ingress_ifindex; /* xdp_md_t.ingress_ifindex */
    uint16_t ethernet_type;   /* ETHERNET_HEADER.Type, host order */
    uint8_t next_header;      /* IPV6_HEADER.NextHeader of an IPv6 packet */
    uint8_t reserved;
    int32_t adjust_result; /* what bpf_xdp_adjust_head returned (0 when not called) */
};
