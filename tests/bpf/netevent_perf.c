// SPDX-License-Identifier: MIT
// Windows-style netevent_monitor program that outputs through a perf event array, declared as on Windows (max_entries
// in bytes): bpf_perf_event_output(ctx, &map, EBPF_MAP_FLAG_CURRENT_CPU, data, size) with the whole event buffer.
#include "bpf_helpers.h"
#include "ebpf_netevent_hooks.h"

#include "netevent_record.h"

struct
{
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(max_entries, 4096);
} netevent_perf_events SEC(".maps");

SEC("netevent_monitor")
int
NeteventPerf(netevent_event_md_t* ctx)
{
    uint64_t size = ctx->data_end - ctx->data_meta;
    if (size > NETEVENT_RECORD_BYTES_MAX)
        size = NETEVENT_RECORD_BYTES_MAX;
    barrier_var(size);
    if (size)
        bpf_perf_event_output(ctx, &netevent_perf_events, EBPF_MAP_FLAG_CURRENT_CPU, ctx->data_meta, size);
    return 0;
}
