// SPDX-License-Identifier: MIT
// Windows-style bind program with an old-style map whose pinning eBPF for Windows refuses (PIN_GLOBAL_NS: only
// PIN_NONE and LIBBPF_PIN_BY_NAME load there): it builds, and loading it fails naming the map.
#include "bpf_helpers.h"
#include "ebpf_nethooks.h"

SEC("maps")
struct bpf_map_def pinned_globally = {
    .type = BPF_MAP_TYPE_ARRAY,
    .key_size = sizeof(uint32_t),
    .value_size = sizeof(uint64_t),
    .max_entries = 1,
    .pinning = PIN_GLOBAL_NS};

SEC("bind")
bind_action_t
PinnedGlobally(bind_md_t* ctx)
{
    uint32_t zero = 0;
    uint64_t* value = bpf_map_lookup_elem(&pinned_globally, &zero);
    if (value)
        *value = ctx->process_id;
    return BIND_PERMIT;
}
