/* SPDX-License-Identifier: MIT */
/* UDP header as eBPF for Windows' net/udp.h names it (fields in network byte order). */
#pragma once

#include "bpf_helpers.h"

typedef struct UDP_HEADER_ {
    uint16_t srcPort;
    uint16_t destPort;
    uint16_t length; ///< Header and payload, bytes.
    uint16_t checksum;
} UDP_HEADER;
_Static_assert(sizeof(UDP_HEADER) == 8, "UDP header is 8 bytes");
