// SPDX-License-Identifier: MIT
// Windows-style bind program running every general helper (docs/compatibility.md) once
// (tests/bpf/helper_checks_body.h), on the first BIND of the process the test configures; the bind is permitted.
#include "bpf_helpers.h"
#include "ebpf_nethooks.h"

#define HELPER_CHECKS_CONTEXT bind_md_t
#include "../../bpf/helper_checks_body.h"

SEC("bind")
bind_action_t
HelperChecksBind(bind_md_t* ctx)
{
    uint32_t zero = 0;
    struct helper_config* config = bpf_map_lookup_elem(&helper_config, &zero);
    if (ctx->operation == BIND_OPERATION_BIND && config && config->target_pid != 0 &&
        ctx->process_id == config->target_pid)
        run_helper_checks(ctx, ctx->process_id, 0);
    return BIND_PERMIT;
}
