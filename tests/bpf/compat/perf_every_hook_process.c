// SPDX-License-Identifier: MIT
// Windows-style process program: sends a record through a perf event array sized in bytes, as on Windows, for every
// CREATE and DELETE of the process the test names in target[0].
#include "bpf_helpers.h"
#include "ebpf_ntos_hooks.h"

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

SEC("process")
int
PerfProcess(process_md_t* ctx)
{
    uint32_t zero = 0;
    uint64_t* pid = bpf_map_lookup_elem(&target, &zero);
    if (!pid || *pid != ctx->process_id)
        return 0;
    struct perf_every_hook_record record = {
        .magic = PERF_EVERY_HOOK_MAGIC,
        .hook = PERF_HOOK_PROCESS,
        .process_id = ctx->process_id,
        .detail = ctx->operation,
    };
    bpf_perf_event_output(ctx, &perf_events, EBPF_MAP_FLAG_CURRENT_CPU, &record, sizeof(record));
    return 0;
}
