// SPDX-License-Identifier: MIT
// Windows-style netevent_monitor program whose first handler tail-calls the handler the test puts at index 1 of
// netevent_programs (winbpf::Object::set_tail_call), for dropped datagrams whose payload starts with the test's magic.
// net_state counts: [1] NetFirst runs, [2] NetFirst went on after the call, [3] NetSecond reached by the call
// (a per-CPU flag tells), [4] the event type NetSecond saw. [0]: the magic (test).
#include "bpf_helpers.h"
#include "ebpf_netevent_hooks.h"

#define UDP4_PAYLOAD 28

struct
{
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __type(key, uint32_t);
    __type(value, uint32_t);
    __uint(max_entries, 2);
} netevent_programs SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 5);
} net_state SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 1);
} net_jumping SEC(".maps");

static __always_inline int
is_test_drop(netevent_event_md_t* ctx)
{
    uint32_t zero = 0;
    uint64_t* magic = bpf_map_lookup_elem(&net_state, &zero);
    if (!magic || *magic == 0 || ctx->data + UDP4_PAYLOAD + sizeof(uint64_t) > ctx->data_end)
        return 0;
    uint64_t seen;
    __builtin_memcpy(&seen, ctx->data + UDP4_PAYLOAD, sizeof(seen));
    return seen == *magic;
}

static __always_inline void
count(uint32_t slot, uint64_t value)
{
    uint64_t* counter = bpf_map_lookup_elem(&net_state, &slot);
    if (counter)
        __sync_fetch_and_add(counter, value);
}

SEC("netevent_monitor/0")
int
NetFirst(netevent_event_md_t* ctx)
{
    uint32_t zero = 0;
    uint64_t* flag = bpf_map_lookup_elem(&net_jumping, &zero);
    if (!flag || !is_test_drop(ctx))
        return 0;
    count(1, 1);
    *flag = 1;
    bpf_tail_call(ctx, &netevent_programs, 1);
    *flag = 0;
    count(2, 1);
    return 0;
}

SEC("netevent_monitor/1")
int
NetSecond(netevent_event_md_t* ctx)
{
    uint32_t zero = 0;
    uint64_t* flag = bpf_map_lookup_elem(&net_jumping, &zero);
    if (!flag || !*flag)
        return 0;
    *flag = 0;
    count(3, 1);
    count(4, ((netevent_data_header_t*)ctx->data_meta)->type);
    return 0;
}
