// SPDX-License-Identifier: MIT
// Windows-style bind program whose first handler tail-calls the handler the test puts at index 1 of bind_programs
// (winbpf::Object::set_tail_call, by program fd), at every operation of the test's own sockets. TailSecond denies,
// when tail-called, a BIND to the port in tail_state[DENY_PORT]; run directly (it is attached too) it permits.
// tail_state counts what happened; a per-CPU flag tells TailSecond whether TailFirst jumped to it.
#include "bpf_helpers.h"
#include "ebpf_nethooks.h"

#include "tail_call_bind.h"

struct
{
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __type(key, uint32_t);
    __type(value, uint32_t);
    __uint(max_entries, 4);
} bind_programs SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, TAIL_STATE_SLOTS);
} tail_state SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 1);
} jumping SEC(".maps");

static __always_inline uint64_t*
state(uint32_t slot)
{
    return bpf_map_lookup_elem(&tail_state, &slot);
}

static __always_inline void
count(uint32_t slot)
{
    uint64_t* value = state(slot);
    if (value)
        __sync_fetch_and_add(value, 1);
}

static __always_inline int
is_target(bind_md_t* ctx)
{
    uint64_t* target = state(TAIL_TARGET);
    return target && *target == ctx->process_id;
}

SEC("bind/0")
bind_action_t
TailFirst(bind_md_t* ctx)
{
    uint32_t zero = 0;
    uint64_t* flag = bpf_map_lookup_elem(&jumping, &zero);
    if (!is_target(ctx) || !flag)
        return BIND_PERMIT;
    count(TAIL_FIRST_RUNS);
    *flag = 1;
    bpf_tail_call(ctx, &bind_programs, 1);
    // Only reached when slot 1 is empty, as on Windows.
    *flag = 0;
    count(TAIL_FALLTHROUGH);
    return BIND_PERMIT;
}

SEC("bind/1")
bind_action_t
TailSecond(bind_md_t* ctx)
{
    uint32_t zero = 0;
    uint64_t* flag = bpf_map_lookup_elem(&jumping, &zero);
    if (!is_target(ctx) || !flag || !*flag)
        return BIND_PERMIT; // run directly
    *flag = 0;
    count(TAIL_SECOND_BIND + (ctx->operation > BIND_OPERATION_UNBIND ? 0 : ctx->operation));
    uint64_t* deny_port = state(TAIL_DENY_PORT);
    if (ctx->operation == BIND_OPERATION_BIND && deny_port &&
        bpf_ntohs(*(uint16_t*)&ctx->socket_address[2]) == *deny_port)
        return BIND_DENY;
    return BIND_PERMIT;
}
