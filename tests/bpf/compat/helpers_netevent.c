// SPDX-License-Identifier: MIT
// Windows-style netevent_monitor program running every general helper (docs/compatibility.md) once
// (tests/bpf/helper_checks_body.h), on the first dropped IPv4 UDP datagram whose payload starts with the magic the
// test configures.
#include "bpf_helpers.h"
#include "ebpf_netevent_hooks.h"

#define HELPER_CHECKS_CONTEXT netevent_event_md_t
#include "../../bpf/helper_checks_body.h"

#define UDP4_PAYLOAD 28 /* offset of a UDP payload from an IPv4 header without options */

SEC("netevent_monitor")
int
HelperChecksNetevent(netevent_event_md_t* ctx)
{
    uint32_t zero = 0;
    struct helper_config* config = bpf_map_lookup_elem(&helper_config, &zero);
    if (!config || config->magic == 0 || ctx->data + UDP4_PAYLOAD + sizeof(uint64_t) > ctx->data_end)
        return 0;
    uint64_t magic;
    __builtin_memcpy(&magic, ctx->data + UDP4_PAYLOAD, sizeof(magic));
    if (magic == config->magic)
        run_helper_checks(ctx, bpf_get_current_pid_tgid() >> 32, 0);
    return 0;
}
