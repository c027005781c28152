// SPDX-License-Identifier: MIT
//
// bind_counter: the tutorial's bind program, built as eBPF for Windows' tutorial builds it (plain clang, one pass):
// counts the binds of each process in bind_count_map (key: process id) and permits every bind.
//
//   clang -target bpf -O2 -g -Werror -I <winbpf build>/include -c bind_counter.c -o bind_counter.o
//   winbpf add program bind_counter.o cgroup=/sys/fs/cgroup/...
#include "bpf_helpers.h"
#include "ebpf_nethooks.h"

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, uint64_t);   // process id
    __type(value, uint32_t); // binds
    __uint(max_entries, 1024);
} bind_count_map SEC(".maps");

SEC("bind")
bind_action_t CountBinds(bind_md_t* ctx)
{
    if (ctx->operation != BIND_OPERATION_BIND)
        return BIND_PERMIT;
    uint64_t process = ctx->process_id;
    uint32_t one = 1;
    uint32_t* count = bpf_map_lookup_elem(&bind_count_map, &process);
    if (count)
        __sync_fetch_and_add(count, 1);
    else
        bpf_map_update_elem(&bind_count_map, &process, &one, BPF_ANY);
    return BIND_PERMIT;
}
