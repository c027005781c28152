// SPDX-License-Identifier: MIT
// Windows-style process program without SEC("license") (eBPF for Windows needs none): it loads, and on the CREATE of
// the test's process it records that it ran.
#include "bpf_helpers.h"
#include "ebpf_ntos_hooks.h"

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 2);
} runs SEC(".maps"); // [0]: target tgid (test), [1]: CREATEs of it seen (program)

SEC("process")
int
NoLicense(process_md_t* ctx)
{
    uint32_t zero = 0, one = 1;
    uint64_t* pid = bpf_map_lookup_elem(&runs, &zero);
    uint64_t* count = bpf_map_lookup_elem(&runs, &one);
    if (pid && count && *pid == ctx->process_id && ctx->operation == PROCESS_OPERATION_CREATE)
        __sync_fetch_and_add(count, 1);
    return 0;
}
