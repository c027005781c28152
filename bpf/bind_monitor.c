// SPDX-License-Identifier: MIT
//
// winbpf's bind monitor: a Windows `bind` hook program (in the style of eBPF for Windows' bindmonitor sample)
// compiled through the shim.
//
// Keeps a count of bound sockets per process (process_map, with the app id) and denies a bind once a process holds
// `limit` bound sockets (limits_map; 0: no limit). A socket counts from its POST_BIND (it is then really bound; a
// bind that fails later, e.g. on a port in use, takes nothing) until its UNBIND; an entry goes when its count
// reaches 0. Every event becomes one record in bind_ringbuf (layout in bind_monitor.h); records that do not fit are
// counted by the shim (winbpf_lost) and reported by userspace.
#include "bpf_helpers.h"
#include "ebpf_nethooks.h"

#include "bind_monitor.h"

typedef struct
{
    uint32_t count;     // bound sockets
    uint32_t name_size; // bytes of name
    uint8_t name[64];   // app id, UTF-16LE, cut at 64 bytes
} process_entry_t;

struct
{
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, uint64_t);
    __type(value, process_entry_t);
    __uint(max_entries, 16384);
} process_map SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint32_t);
    __uint(max_entries, 1);
} limits_map SEC(".maps");

// 16 MiB: three records (about 100 bytes each) per bind, at over 100,000 binds/s here; a 4 MiB ring overflowed in a
// 100,000-bind storm while the reader of the monitor's output fell behind.
struct
{
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 16 * 1024 * 1024);
} bind_ringbuf SEC(".maps");

// Per-CPU space to assemble one record.
struct
{
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, uint32_t);
    __uint(value_size, sizeof(struct bind_monitor_event) + BIND_MONITOR_APP_ID_MAX);
    __uint(max_entries, 1);
} record_scratch SEC(".maps");

// Bytes of app id to copy, at most limit. 64-bit throughout, so the verifier sees the bound on the register the copy
// uses.
static __always_inline uint64_t
app_id_size(bind_md_t* ctx, uint64_t limit)
{
    uint64_t size = ctx->app_id_end - ctx->app_id_start;
    if (size > limit)
        size = limit;
    barrier_var(size);
    return size;
}

static __always_inline void
emit(bind_md_t* ctx, uint8_t action, uint32_t count)
{
    uint32_t zero = 0;
    struct bind_monitor_event* event = bpf_map_lookup_elem(&record_scratch, &zero);
    if (!event)
        return;
    event->timestamp_ns = bpf_ktime_get_boot_ns();
    event->process_id = ctx->process_id;
    memcpy(event->socket_address, ctx->socket_address, 16);
    if (ctx->socket_address_length > 16)
        memcpy(event->socket_address + 16, WINBPF_BIND_SOCKADDR_IN6(ctx) + 16, 12);
    else
        memset(event->socket_address + 16, 0, 12);
    event->socket_address_length = ctx->socket_address_length;
    event->operation = (uint8_t)ctx->operation;
    event->protocol = ctx->protocol;
    event->action = action;
    event->bind_count = count;
    event->reserved = 0;
    uint64_t size = app_id_size(ctx, BIND_MONITOR_APP_ID_MAX);
    event->app_id_size = (uint16_t)size;
    uint8_t* app_id = (uint8_t*)(event + 1);
    if (size)
        memcpy(app_id, ctx->app_id_start, size);
    bpf_ringbuf_output(&bind_ringbuf, event, sizeof(*event) + size, 0);
}

SEC("bind")
bind_action_t
BindMonitor(bind_md_t* ctx)
{
    uint32_t zero = 0;
    uint32_t* limit = bpf_map_lookup_elem(&limits_map, &zero);
    uint32_t max = limit ? *limit : BIND_MONITOR_NO_LIMIT;
    uint64_t key = ctx->process_id;
    process_entry_t* entry = bpf_map_lookup_elem(&process_map, &key);
    uint32_t count = entry ? entry->count : 0;

    switch (ctx->operation) {
    case BIND_OPERATION_BIND:
        if (max != BIND_MONITOR_NO_LIMIT && count >= max) {
            emit(ctx, BIND_MONITOR_ACTION_DENY, count);
            return BIND_DENY;
        }
        break;
    case BIND_OPERATION_POST_BIND:
        if (!entry) {
            process_entry_t fresh = {};
            uint64_t size = app_id_size(ctx, sizeof(fresh.name));
            fresh.name_size = (uint32_t)size;
            if (size)
                memcpy(fresh.name, ctx->app_id_start, size);
            bpf_map_update_elem(&process_map, &key, &fresh, BPF_NOEXIST);
            entry = bpf_map_lookup_elem(&process_map, &key);
        }
        if (entry) {
            __sync_fetch_and_add(&entry->count, 1);
            count = entry->count;
        }
        break;
    case BIND_OPERATION_UNBIND:
        if (entry && count > 0) {
            __sync_fetch_and_add(&entry->count, -1);
            count = entry->count;
            if (count == 0)
                bpf_map_delete_elem(&process_map, &key);
        }
        break;
    }
    emit(ctx, BIND_MONITOR_ACTION_PERMIT, count);
    return BIND_PERMIT;
}
