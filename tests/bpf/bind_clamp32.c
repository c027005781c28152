// SPDX-License-Identifier: MIT
// A bind program that clamps a 32-bit length before memcpy, as Windows programs do (uint32_t size; if (size > N)
// size = N;). clang may keep the clamp on a register other than the one the copy uses; the shim's memcpy bounds the
// copy by the destination's size itself, so this loads unchanged.
#include "bpf_helpers.h"
#include "ebpf_nethooks.h"

typedef struct
{
    uint32_t name_size;
    uint8_t name[64];
} app_entry_t;

struct
{
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, uint64_t);
    __type(value, app_entry_t);
    __uint(max_entries, 64);
} app_map SEC(".maps");

SEC("bind")
bind_action_t
Clamp32(bind_md_t* ctx)
{
    app_entry_t entry = {};
    uint32_t size = (uint32_t)(ctx->app_id_end - ctx->app_id_start);
    if (size > 511)
        size = 511;
    if (size > sizeof(entry.name))
        size = sizeof(entry.name);
    entry.name_size = size;
    if (size)
        memcpy(entry.name, ctx->app_id_start, size);
    uint64_t key = ctx->process_id;
    bpf_map_update_elem(&app_map, &key, &entry, BPF_ANY);
    return BIND_PERMIT;
}
