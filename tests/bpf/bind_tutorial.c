// SPDX-License-Identifier: MIT
// A bind program written as the eBPF-for-Windows tutorial and bindmonitor sample write it, unchanged: a hash map
// keyed by process id, the app id copied with memcpy and a run-time length, BIND_PERMIT.
#include "bpf_helpers.h"
#include "ebpf_nethooks.h"

#define MAX_NAME_LENGTH 64

typedef struct _process_entry
{
    uint32_t count;
    uint8_t name[MAX_NAME_LENGTH];
} process_entry_t;

struct
{
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, uint64_t);
    __type(value, process_entry_t);
    __uint(max_entries, 1024);
} process_map SEC(".maps");

inline process_entry_t*
find_or_create_process_entry(bind_md_t* ctx)
{
    uint64_t key = ctx->process_id;
    process_entry_t value = {0};
    process_entry_t* entry = bpf_map_lookup_elem(&process_map, &key);
    if (entry)
        return entry;
    if (ctx->operation != BIND_OPERATION_BIND)
        return entry;
    if (!ctx->app_id_start || !ctx->app_id_end)
        return entry;
    uint64_t length = ctx->app_id_end - ctx->app_id_start;
    if (length > MAX_NAME_LENGTH)
        length = MAX_NAME_LENGTH;
    memcpy(value.name, ctx->app_id_start, length);
    bpf_map_update_elem(&process_map, &key, &value, 0);
    return bpf_map_lookup_elem(&process_map, &key);
}

SEC("bind")
bind_action_t
BindMonitor(bind_md_t* ctx)
{
    process_entry_t* entry = find_or_create_process_entry(ctx);
    if (!entry)
        return BIND_PERMIT;
    switch (ctx->operation) {
    case BIND_OPERATION_BIND:
        entry->count++;
        break;
    case BIND_OPERATION_UNBIND:
        if (entry->count > 0)
            entry->count--;
        break;
    default:
        break;
    }
    return BIND_PERMIT;
}
