// SPDX-License-Identifier: MIT
// Windows-style process program (ntosebpfext hook) whose arrays are declared with 8-byte keys, as eBPF for Windows
// allows: on each CREATE of the test's process it counts a hit in counters[(uint32_t)key] for the key the test put
// into key_config, looked up with a 64-bit key whose high half is not zero, and writes slot 3 with an update.
#include "bpf_helpers.h"
#include "ebpf_ntos_hooks.h"

#include "compat_target.h"

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint64_t);
    __type(value, uint64_t);
    __uint(max_entries, 2);
} key_config SEC(".maps"); // [0]: target tgid, [1]: the 64-bit key to look up

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint64_t);
    __type(value, struct compat_slot);
    __uint(max_entries, 4);
} counters SEC(".maps");

SEC("process")
int
ArrayKey64(process_md_t* ctx)
{
    uint64_t target_key = 0, lookup_key_key = 1;
    uint64_t* target = bpf_map_lookup_elem(&key_config, &target_key);
    uint64_t* lookup_key = bpf_map_lookup_elem(&key_config, &lookup_key_key);
    if (ctx->operation != PROCESS_OPERATION_CREATE || !target || !lookup_key || *target != ctx->process_id)
        return 0;
    uint64_t key = *lookup_key;
    struct compat_slot* slot = bpf_map_lookup_elem(&counters, &key);
    if (slot) {
        slot->hits++;
        slot->process_id = ctx->process_id;
    }
    uint64_t three = 3 | (7ull << 32); // slot 3: the high half is ignored, as on Windows
    struct compat_slot written = {.hits = 1000, .process_id = ctx->process_id};
    bpf_map_update_elem(&counters, &three, &written, BPF_ANY);
    return 0;
}
