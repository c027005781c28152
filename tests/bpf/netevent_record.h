/* SPDX-License-Identifier: MIT */
/* Shared by tests/bpf/netevent_*.c and the netevent-hook tests (tests/hooks/netevent): one record per event a
 * netevent_monitor handler saw, with the whole event buffer (data_meta .. data_end) copied. */
#pragma once

/* netevent_data_header_t (4) + the pktmon header (0x35) + the largest DROP payload (256). */
#define NETEVENT_RECORD_BYTES_MAX (4 + 0x35 + 256)

struct netevent_record {
    uint32_t size;         /* bytes copied: data_end - data_meta (older spelling: event_data_end - event_data_start) */
    uint32_t header_size;  /* data - data_meta (0 in the older spelling's record: it has no data pointer) */
    uint32_t payload_size; /* data_end - data (0 in the older spelling's record) */
    uint32_t reserved;
    uint8_t bytes[NETEVENT_RECORD_BYTES_MAX];
};
