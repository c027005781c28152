// SPDX-License-Identifier: MIT
// Windows-style process program written for both platforms: it takes its _WIN32 branch, as with eBPF for Windows'
// bpf_helpers.h, which defines _WIN32. On the CREATE of the test's process it stores the branch it was compiled with.
#include "bpf_helpers.h"
#include "ebpf_ntos_hooks.h"

#ifdef _WIN32
#define PLATFORM_MARK 0x57494e /* "WIN" */
#else
#define PLATFORM_MARK 0x4c4e58 /* "LNX" */
#endif

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 2);
} platform SEC(".maps"); // [0]: target tgid (test), [1]: PLATFORM_MARK (program)

SEC("process")
int
Win32Branch(process_md_t* ctx)
{
    uint32_t zero = 0, one = 1;
    uint64_t* pid = bpf_map_lookup_elem(&platform, &zero);
    if (!pid || *pid != ctx->process_id || ctx->operation != PROCESS_OPERATION_CREATE)
        return 0;
    uint64_t mark = PLATFORM_MARK;
    bpf_map_update_elem(&platform, &one, &mark, BPF_ANY);
    return 0;
}
