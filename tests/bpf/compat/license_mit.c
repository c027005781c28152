// SPDX-License-Identifier: MIT
// Windows-style bind program that declares a non-GPL license, as eBPF for Windows programs may. It denies binds of
// the test's process to the port in mit_config[1] and permits the rest.
#include "bpf_helpers.h"
#include "ebpf_nethooks.h"

struct
{
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, 2);
} mit_config SEC(".maps"); // [0]: target tgid, [1]: port to deny (host order)

SEC("bind")
bind_action_t
MitLicensed(bind_md_t* ctx)
{
    uint32_t zero = 0, one = 1;
    uint64_t* pid = bpf_map_lookup_elem(&mit_config, &zero);
    uint64_t* port = bpf_map_lookup_elem(&mit_config, &one);
    if (!pid || !port || *pid != ctx->process_id || ctx->operation != BIND_OPERATION_BIND)
        return BIND_PERMIT;
    return bpf_ntohs(*(uint16_t*)&ctx->socket_address[2]) == *port ? BIND_DENY : BIND_PERMIT;
}

char _license[] SEC("license") = "MIT";
