// SPDX-License-Identifier: MIT
// A native Linux cgroup/connect4 program (struct bpf_sock_addr *: Linux's context) next to a Windows one
// (bpf_sock_addr_t *) in cgroup/connect6: winbpf builds glue for the Windows handler only, and the native program
// stays a plain libbpf program that counts IPv4 connects and rejects the port in native_reject_port.
#include "bpf_helpers.h"
#include "ebpf_nethooks.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 3);
} native_counts SEC(".maps"); /* [0] native connect4 calls, [1] Windows connect6 calls, [2] port to reject (host) */

SEC("cgroup/connect4")
int
native_connect4(struct bpf_sock_addr* ctx)
{
    uint32_t zero = 0, reject = 2;
    uint64_t* calls = bpf_map_lookup_elem(&native_counts, &zero);
    if (calls)
        __sync_fetch_and_add(calls, 1);
    uint64_t* port = bpf_map_lookup_elem(&native_counts, &reject);
    if (port && *port != 0 && bpf_ntohs((uint16_t)ctx->user_port) == *port)
        return 0;
    return 1;
}

SEC("cgroup/connect6")
int
windows_connect6(bpf_sock_addr_t* ctx)
{
    uint32_t one = 1;
    uint64_t* calls = bpf_map_lookup_elem(&native_counts, &one);
    if (calls)
        __sync_fetch_and_add(calls, 1);
    return ctx->family == 23 ? BPF_SOCK_ADDR_VERDICT_PROCEED_SOFT : BPF_SOCK_ADDR_VERDICT_REJECT;
}
