// SPDX-License-Identifier: MIT
// Windows-style bind program the Linux verifier rejects inside a shim helper (bpf_map_update_elem with a value
// pointer whose stack offset it cannot bound): `winbpf show verification` must name this file and the line of the
// call, not the glue or the shim (compiled by the test).
#include "bpf_helpers.h"

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 4);
} weights SEC(".maps");

SEC("bind")
bind_action_t
WeighBind(bind_md_t* ctx)
{
    uint64_t values[4] = {ctx->process_id, ctx->protocol, ctx->socket_address_length, ctx->operation};
    for (uint32_t i = 0; i < 4; i++) {
        bpf_map_update_elem(&weights, &i, &values[i], BPF_ANY); // VERIFIER REJECTS THIS LINE
    }
    return BIND_PERMIT;
}
