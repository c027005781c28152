// SPDX-License-Identifier: MIT
// Windows-style XDP program with a non-GPL license that uses bpf_memcpy_s, which winbpf builds on the GPL-only
// bpf_probe_read_kernel: Makefile.bpf must refuse it at compile time, naming the helper and the license.
#include "bpf_helpers.h"
#include "xdp_hooks.h"

SEC("xdp")
int
MitXdpMemcpy(xdp_md_t* ctx)
{
    uint8_t first[8] = {0};
    if ((char*)ctx->data + sizeof(first) <= (char*)ctx->data_end)
        bpf_memcpy_s(first, sizeof(first), ctx->data, sizeof(first));
    return first[0] == 0xff ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "MIT";
