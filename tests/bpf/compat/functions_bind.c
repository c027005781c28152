// SPDX-License-Identifier: MIT
// Windows-style bind program whose functions are written as eBPF for Windows programs write them: a plain C99 inline
// function (not static), a noinline function given the context, a non-static function given a map value, and a
// handler marked optnone that denies the port the test names. Each acts only on the test's own binds.
#include "bpf_helpers.h"
#include "ebpf_nethooks.h"

#include "functions_shared.h"

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, FN_SLOTS);
} fn_state SEC(".maps");

static uint64_t*
slot(uint32_t index)
{
    return bpf_map_lookup_elem(&fn_state, &index);
}

// Plain C99 inline: only an inline definition unless something makes it external.
inline uint64_t
inline_port_and_process(bind_md_t* ctx)
{
    uint64_t port = bpf_ntohs(*(uint16_t*)&ctx->socket_address[2]);
    uint64_t pid_tgid = bpf_get_current_pid_tgid();
    uint64_t start_key = bpf_get_current_process_start_key();
    uint64_t* target = slot(FN_TARGET);
    if (!target || start_key == 0)
        return 0;
    return port + (pid_tgid >> 32);
}

// Reads the context without a NULL check: as its caller's argument it cannot be NULL.
__attribute__((noinline)) int
record_port(bind_md_t* ctx)
{
    uint64_t* port = slot(FN_PORT);
    if (!port)
        return 0;
    *port = bpf_ntohs(*(uint16_t*)&ctx->socket_address[2]);
    return 1;
}

// Writes a map value the caller checked.
__attribute__((noinline)) void
add_to_value(uint64_t* value, uint64_t amount)
{
    *value += amount;
}

static int
is_target(bind_md_t* ctx)
{
    uint64_t* target = slot(FN_TARGET);
    return target && *target == ctx->process_id;
}

SEC("bind")
bind_action_t
FunctionsHandler(bind_md_t* ctx)
{
    if (!is_target(ctx) || ctx->operation != BIND_OPERATION_BIND)
        return BIND_PERMIT;
    record_port(ctx);
    uint64_t* adds = slot(FN_VALUE_ADDS);
    if (adds)
        add_to_value(adds, 5);
    uint64_t* inlined = slot(FN_INLINE);
    if (inlined)
        *inlined = inline_port_and_process(ctx);
    return BIND_PERMIT;
}

SEC("bind")
__attribute__((optnone)) bind_action_t
OptnoneHandler(bind_md_t* ctx)
{
    if (!is_target(ctx) || ctx->operation != BIND_OPERATION_BIND)
        return BIND_PERMIT;
    uint64_t* seen = slot(FN_OPTNONE);
    if (seen)
        *seen += 1;
    uint64_t* deny = slot(FN_DENY_PORT);
    if (deny && *deny == bpf_ntohs(*(uint16_t*)&ctx->socket_address[2]))
        return BIND_DENY;
    return BIND_PERMIT;
}
