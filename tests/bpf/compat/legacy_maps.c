// SPDX-License-Identifier: MIT
// Windows-style process program with eBPF-for-Windows legacy map definitions (SEC("maps") struct bpf_map_def),
// including map-in-map: an ARRAY_OF_MAPS whose inner template is given by inner_map_idx and a HASH_OF_MAPS whose
// inner template is given by inner_id. On the CREATE of the test's process it counts the run in counters[1] and
// writes its pid into the inner maps the test put into outer_by_idx[0] (key 7) and outer_by_id[5] (key 9). It also
// fills its CPU's value of legacy_scratch, a legacy per-CPU array with a 65,520-byte value (over Linux's 32 KiB), and
// stores that CPU + 1 in counters[2].
#include "bpf_helpers.h"
#include "ebpf_ntos_hooks.h"

#define INNER_MAP_ID 10

SEC("maps")
struct bpf_map_def counters = {
    .type = BPF_MAP_TYPE_ARRAY, .key_size = sizeof(uint32_t), .value_size = sizeof(uint64_t), .max_entries = 4};

SEC("maps")
struct bpf_map_def inner_template = {
    .type = BPF_MAP_TYPE_HASH,
    .key_size = sizeof(uint32_t),
    .value_size = sizeof(uint64_t),
    .max_entries = 8,
    .id = INNER_MAP_ID};

SEC("maps")
struct bpf_map_def outer_by_idx = {
    .type = BPF_MAP_TYPE_ARRAY_OF_MAPS,
    .key_size = sizeof(uint32_t),
    .value_size = sizeof(uint32_t),
    .max_entries = 1,
    .inner_map_idx = 1}; // inner_template: the second map of the maps section

SEC("maps")
struct _ebpf_map_definition_in_file outer_by_id = {
    .type = BPF_MAP_TYPE_HASH_OF_MAPS,
    .key_size = sizeof(uint32_t),
    .value_size = sizeof(uint32_t),
    .max_entries = 10,
    .inner_id = INNER_MAP_ID};

SEC("maps")
struct bpf_map_def legacy_scratch = {
    .type = BPF_MAP_TYPE_PERCPU_ARRAY, .key_size = sizeof(uint32_t), .value_size = 65520, .max_entries = 1};

SEC("process")
int
LegacyMaps(process_md_t* ctx)
{
    uint32_t zero = 0, one = 1, five = 5, seven = 7, nine = 9;
    uint64_t* target = bpf_map_lookup_elem(&counters, &zero);
    uint64_t* runs = bpf_map_lookup_elem(&counters, &one);
    if (!target || !runs || *target != ctx->process_id || ctx->operation != PROCESS_OPERATION_CREATE)
        return 0;
    __sync_fetch_and_add(runs, 1);
    uint64_t pid = ctx->process_id;
    void* inner = bpf_map_lookup_elem(&outer_by_idx, &zero);
    if (inner)
        bpf_map_update_elem(inner, &seven, &pid, BPF_ANY);
    inner = bpf_map_lookup_elem(&outer_by_id, &five);
    if (inner)
        bpf_map_update_elem(inner, &nine, &pid, BPF_ANY);
    uint8_t* scratch = bpf_map_lookup_elem(&legacy_scratch, &zero);
    uint32_t two = 2;
    if (scratch) {
        memset(scratch, 0x5a, 65520);
        uint64_t cpu = bpf_get_smp_processor_id();
        scratch[0] = (uint8_t)cpu;
        bpf_map_update_elem(&counters, &two, &(uint64_t){cpu + 1}, BPF_ANY);
    }
    return 0;
}
