// SPDX-License-Identifier: MIT
// Windows-style bind program in the shape of eBPF for Windows' tail call limit test: a caller and a chain of
// MAX_TAIL_CALL_CNT + 2 callees in a program array initialised in the source with the handlers. On a BIND of the
// test's process the caller first tail-calls an empty slot (the call returns: its value is recorded), then the chain
// starts; callee i calls callee i + 1, and the callee whose call fails records the call's return value and denies the
// bind (its fallback). Run directly by the hook (each handler is attached too), the callees permit.
#include "bpf_helpers.h"
#include "ebpf_nethooks.h"

#include "functions_shared.h"

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, CHAIN_SLOTS);
} chain_state SEC(".maps");

// Set while a chain started by the caller runs on this CPU.
struct
{
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 1);
} chain_active SEC(".maps");

static uint64_t*
state(uint32_t slot)
{
    return bpf_map_lookup_elem(&chain_state, &slot);
}

static uint64_t*
active_flag(void)
{
    uint32_t zero = 0;
    return bpf_map_lookup_elem(&chain_active, &zero);
}

#define CALLEE_DECLARE(i) bind_action_t callee##i(bind_md_t* ctx);
#define CALLEES(X)                                                                                                   \
    X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) X(16) X(17) X(18) X(19)   \
        X(20) X(21) X(22) X(23) X(24) X(25) X(26) X(27) X(28) X(29) X(30) X(31) X(32) X(33) X(34)
CALLEES(CALLEE_DECLARE)

#define CALLEE_SLOT(i) [i] = &callee##i,
struct
{
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __type(key, uint32_t);
    __uint(max_entries, 48);
    __array(values, bind_hook_t);
} chain_programs SEC(".maps") = {.values = {CALLEES(CALLEE_SLOT)}};

SEC("bind")
bind_action_t
ChainCaller(bind_md_t* ctx)
{
    uint64_t* target = state(CHAIN_TARGET);
    uint64_t* active = active_flag();
    if (!target || *target != ctx->process_id || ctx->operation != BIND_OPERATION_BIND || !active)
        return BIND_PERMIT;
    long empty = bpf_tail_call(ctx, &chain_programs, CHAIN_EMPTY_SLOT);
    uint64_t* empty_return = state(CHAIN_EMPTY_RETURN);
    if (empty_return)
        *empty_return = (uint64_t)empty;
    *active = 1;
    long result = bpf_tail_call(ctx, &chain_programs, 0);
    // Only reached when callee 0 could not be called.
    *active = 0;
    uint64_t* failed_return = state(CHAIN_FAILED_RETURN);
    if (failed_return)
        *failed_return = (uint64_t)result;
    return BIND_DENY;
}

static __always_inline bind_action_t
chain_step(bind_md_t* ctx, uint32_t me)
{
    uint64_t* active = active_flag();
    if (!active || !*active || ctx->operation != BIND_OPERATION_BIND)
        return BIND_PERMIT; // run by the hook, not by the chain
    uint64_t* reached = state(CHAIN_REACHED);
    if (reached)
        *reached += 1;
    long result = bpf_tail_call(ctx, &chain_programs, me + 1);
    // The call failed: this callee's own fallback.
    *active = 0;
    uint64_t* failed_at = state(CHAIN_FAILED_AT);
    uint64_t* failed_return = state(CHAIN_FAILED_RETURN);
    if (failed_at)
        *failed_at = me + 1;
    if (failed_return)
        *failed_return = (uint64_t)result;
    return BIND_DENY;
}

#define CALLEE_DEFINE(i)                                                                                              \
    SEC("bind/" #i)                                                                                                    \
    bind_action_t callee##i(bind_md_t* ctx) { return chain_step(ctx, i); }
CALLEES(CALLEE_DEFINE)
