// SPDX-License-Identifier: MIT
// Windows-style XDP program that declares a non-GPL license: the xdp hook's glue needs no GPL-only kernel helper, so
// it loads as a non-GPL program. Counts the packets it sees in mit_seen and drops those longer than an Ethernet
// header plus 20 bytes (direct packet access, no helper).
#include "bpf_helpers.h"
#include "xdp_hooks.h"

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 1);
} mit_seen SEC(".maps");

SEC("xdp")
int
MitXdp(xdp_md_t* ctx)
{
    uint32_t zero = 0;
    uint64_t* seen = bpf_map_lookup_elem(&mit_seen, &zero);
    if (seen)
        __sync_fetch_and_add(seen, 1);
    return (char*)ctx->data + 14 + 20 < (char*)ctx->data_end ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "MIT";
