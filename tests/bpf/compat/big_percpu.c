// SPDX-License-Identifier: MIT
// Windows-style process program in the manner of ntosebpfext's process monitor: a per-CPU scratch array with a 64-bit
// key and a 65,520-byte value (over Linux's 32 KiB per-CPU limit). On each CREATE of the test's process it clears the
// whole value with memset, fills it, checks every byte, copies the whole value with memcpy into copy[0], and records
// the outcome in results[0].
#include "bpf_helpers.h"
#include "ebpf_ntos_hooks.h"

#include "compat_target.h"

#define FILL 0xa5

typedef struct
{
    uint8_t bytes[COMPAT_BIG_VALUE];
} scratch_t;

struct
{
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, uint64_t);
    __type(value, scratch_t);
    __uint(max_entries, 1);
} temp SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, scratch_t);
    __uint(max_entries, 1);
} copy SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, struct compat_big_result);
    __uint(max_entries, 1);
} results SEC(".maps");

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 1);
} target SEC(".maps");

struct count_state
{
    scratch_t* scratch;
    uint64_t equal;
};

static long
count_fill(uint64_t index, void* context)
{
    struct count_state* state = context;
    if (index >= COMPAT_BIG_VALUE)
        return 1;
    if (state->scratch->bytes[index] == FILL)
        state->equal++;
    return 0;
}

SEC("process")
int
BigPerCpu(process_md_t* ctx)
{
    uint32_t zero32 = 0;
    uint64_t zero = 0;
    uint64_t* pid = bpf_map_lookup_elem(&target, &zero32);
    if (ctx->operation != PROCESS_OPERATION_CREATE || !pid || *pid != ctx->process_id)
        return 0;
    struct compat_big_result* result = bpf_map_lookup_elem(&results, &zero32);
    scratch_t* scratch = bpf_map_lookup_elem(&temp, &zero);
    scratch_t* again = bpf_map_lookup_elem(&temp, &zero);
    scratch_t* out = bpf_map_lookup_elem(&copy, &zero32);
    if (!result || !scratch || !again || !out)
        return 0;
    result->runs++;
    result->cpu = bpf_get_smp_processor_id();
    result->same_pointer = scratch == again;

    memset(scratch, 0, sizeof(*scratch));
    result->memset_first = scratch->bytes[0];
    memset(scratch->bytes, FILL, sizeof(scratch->bytes));
    struct count_state state = {.scratch = scratch};
    bpf_loop(COMPAT_BIG_VALUE, count_fill, &state, 0);
    result->filled_bytes = state.equal;
    result->memcpy_result = bpf_memcpy_s(out, sizeof(*out), scratch, sizeof(*scratch));
    scratch->bytes[0] = (uint8_t)result->cpu; // the CPU's own value: the test reads it back at its element
    return 0;
}
