/* SPDX-License-Identifier: MIT */
/*
 * Record of the perf_every_hook_* programs (one per hook), sent with
 * bpf_perf_event_output(ctx, &perf_events, EBPF_MAP_FLAG_CURRENT_CPU, &record, sizeof(record)) where ctx is the
 * hook's Windows context and perf_events is declared as on Windows: type and max_entries in bytes only.
 */
#pragma once

#ifndef __bpf__
#include <stdint.h>
#endif

#define PERF_EVERY_HOOK_MAGIC 0x57696e5065726621ull /* "!frePniW" */
#define PERF_EVERY_HOOK_PAYLOAD 16                  /* netevent: bytes of the dropped datagram's payload */
#define PERF_EVERY_HOOK_UDP4_PAYLOAD 28             /* offset of a UDP payload from the IPv4 header (no options) */

enum perf_every_hook_kind {
    PERF_HOOK_PROCESS = 1,
    PERF_HOOK_BIND = 2,
    PERF_HOOK_NETEVENT = 3,
};

struct perf_every_hook_record {
    uint64_t magic;
    uint64_t hook;       /* enum perf_every_hook_kind */
    uint64_t process_id; /* process, bind: the context's process_id; netevent: 0 */
    uint64_t detail;     /* process: operation; bind: the port (host order); netevent: the event type (100: DROP) */
    uint8_t payload[PERF_EVERY_HOOK_PAYLOAD];
};
