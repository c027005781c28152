// SPDX-License-Identifier: MIT
// Windows-style process program with one warning of its own (an assignment used as a condition): Makefile.bpf shows it
// once, and no warning from winbpf's headers (compiled by the test).
#include "bpf_helpers.h"
#include "ebpf_ntos_hooks.h"

SEC("process")
int
UserWarning(process_md_t* ctx)
{
    uint64_t operation;
    if (operation = ctx->operation)
        return 0;
    return 0;
}
