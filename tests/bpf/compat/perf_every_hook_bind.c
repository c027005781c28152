// SPDX-License-Identifier: MIT
// Windows-style bind program: sends a record through a perf event array sized in bytes, as on Windows, for every BIND
// of the process the test names in target[0], and permits it.
#include "bpf_helpers.h"
#include "ebpf_nethooks.h"

#include "perf_every_hook.h"

struct
{
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(max_entries, 64 * 1024);
} perf_events SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 1);
} target SEC(".maps");

SEC("bind")
bind_action_t
PerfBind(bind_md_t* ctx)
{
    uint32_t zero = 0;
    uint64_t* pid = bpf_map_lookup_elem(&target, &zero);
    if (!pid || *pid != ctx->process_id || ctx->operation != BIND_OPERATION_BIND)
        return BIND_PERMIT;
    struct perf_every_hook_record record = {
        .magic = PERF_EVERY_HOOK_MAGIC,
        .hook = PERF_HOOK_BIND,
        .process_id = ctx->process_id,
        .detail = bpf_ntohs(*(uint16_t*)&ctx->socket_address[2]),
    };
    bpf_perf_event_output(ctx, &perf_events, EBPF_MAP_FLAG_CURRENT_CPU, &record, sizeof(record));
    return BIND_PERMIT;
}
