// SPDX-License-Identifier: MIT
// Windows-style process program the verifier must reject: a stack read at an unbounded offset.
#include "bpf_helpers.h"
#include "ebpf_ntos_hooks.h"

SEC("process")
int
LoaderTestReject(process_md_t* ctx)
{
    uint8_t table[16];
    memset(table, 1, sizeof(table));
    uint8_t* p = table;
    barrier_var(p); // keep clang from reasoning about the out-of-bounds index
    return p[ctx->process_id] == 7 ? STATUS_ACCESS_DENIED : STATUS_SUCCESS;
}
