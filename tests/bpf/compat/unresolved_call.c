// SPDX-License-Identifier: MIT
// Windows-style bind program calling a function it declares and never defines (on Windows the link fails): Makefile.bpf
// must fail naming the symbol and the handler that calls it (compiled by the test).
#include "bpf_helpers.h"

uint64_t
process_weight(uint64_t process_id);

SEC("bind")
bind_action_t
WeighBind(bind_md_t* ctx)
{
    return process_weight(ctx->process_id) > 10 ? BIND_DENY : BIND_PERMIT;
}
