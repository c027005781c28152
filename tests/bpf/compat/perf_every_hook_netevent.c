// SPDX-License-Identifier: MIT
// Windows-style netevent_monitor program: sends a record through a perf event array sized in bytes, as on Windows, for
// every dropped packet, with the first bytes after an IPv4 and UDP header (the datagram's payload, for the test's).
#include "bpf_helpers.h"
#include "ebpf_netevent_hooks.h"

#include "perf_every_hook.h"

struct
{
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(max_entries, 64 * 1024);
} perf_events SEC(".maps");

SEC("netevent_monitor")
int
PerfNetevent(netevent_event_md_t* ctx)
{
    netevent_data_header_t* header = (netevent_data_header_t*)ctx->data_meta;
    if (ctx->data + PERF_EVERY_HOOK_UDP4_PAYLOAD + PERF_EVERY_HOOK_PAYLOAD > ctx->data_end)
        return 0;
    struct perf_every_hook_record record = {
        .magic = PERF_EVERY_HOOK_MAGIC,
        .hook = PERF_HOOK_NETEVENT,
        .detail = header->type,
    };
    __builtin_memcpy(record.payload, ctx->data + PERF_EVERY_HOOK_UDP4_PAYLOAD, PERF_EVERY_HOOK_PAYLOAD);
    bpf_perf_event_output(ctx, &perf_events, EBPF_MAP_FLAG_CURRENT_CPU, &record, sizeof(record));
    return 0;
}
