// SPDX-License-Identifier: MIT
// Windows-style process program that tail-calls another handler through a program array. winbpf refuses it at compile
// time with a message naming bpf_tail_call (compiled by the test, which expects Makefile.bpf to fail).
#include "bpf_helpers.h"
#include "ebpf_ntos_hooks.h"

struct
{
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __type(key, uint32_t);
    __type(value, uint32_t);
    __uint(max_entries, 2);
} handlers SEC(".maps");

SEC("process/1")
int
SecondHandler(process_md_t* ctx)
{
    return 0;
}

SEC("process/0")
int
FirstHandler(process_md_t* ctx)
{
    bpf_tail_call(ctx, &handlers, 1);
    return 0;
}
