// SPDX-License-Identifier: MIT
// Windows-style process program (ntosebpfext hook) exercising every general helper (docs/compatibility.md) once, on the
// CREATE of the process the test configures, and storing the outcomes in helper_results for the test to check.
#include "bpf_helpers.h"
#include "ebpf_ntos_hooks.h"

#define HELPER_CHECKS_CONTEXT process_md_t
#include "helper_checks_body.h"

SEC("process")
int
HelperChecks(process_md_t* ctx)
{
    uint32_t zero = 0;
    if (ctx->operation != PROCESS_OPERATION_CREATE)
        return 0;
    struct helper_config* config = bpf_map_lookup_elem(&helper_config, &zero);
    if (!config || config->target_pid == 0 || ctx->process_id != config->target_pid)
        return 0;
    run_helper_checks(ctx, ctx->process_id, ctx->creation_time);
    return 0;
}
