// SPDX-License-Identifier: MIT
// Windows-style process program whose legacy ARRAY_OF_MAPS names an inner map template that does not exist
// (inner_map_idx 5 of 2 maps): Makefile.bpf fails naming the map (compiled by the test).
#include "bpf_helpers.h"
#include "ebpf_ntos_hooks.h"

SEC("maps")
struct bpf_map_def inner = {
    .type = BPF_MAP_TYPE_ARRAY, .key_size = sizeof(uint32_t), .value_size = sizeof(uint32_t), .max_entries = 1};

SEC("maps")
struct bpf_map_def outer = {
    .type = BPF_MAP_TYPE_ARRAY_OF_MAPS,
    .key_size = sizeof(uint32_t),
    .value_size = sizeof(uint32_t),
    .max_entries = 1,
    .inner_map_idx = 5};

SEC("process")
int
BadInner(process_md_t* ctx)
{
    uint32_t zero = 0;
    return bpf_map_lookup_elem(&outer, &zero) ? 0 : 1;
}
