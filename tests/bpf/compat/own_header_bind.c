// SPDX-License-Identifier: MIT
// Windows-style bind program including a header of its own from a directory given with EXTRA_CFLAGS=-I... (compiled
// by the test, which writes verdict_policy.h).
#include "bpf_helpers.h"
#include "verdict_policy.h"

SEC("bind")
bind_action_t
PolicyBind(bind_md_t* ctx)
{
    return ctx->operation == BIND_OPERATION_BIND ? POLICY_VERDICT : BIND_PERMIT;
}
