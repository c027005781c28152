// SPDX-License-Identifier: MIT
// Windows-style bind program with old-style SEC("maps") maps next to BTF maps, the access of each decided when it is
// built: a legacy HASH with 8-byte keys, a legacy per-CPU array whose 65,520-byte value the loader spreads over an
// ARRAY, a legacy ARRAY pinned by name (PIN_OBJECT_NS, 1), and a BTF HASH with 8-byte keys. On a BIND of the test's process it stores the
// port under the process id and the process id under the port, and marks its CPU's big value; LegacyHashLookup
// finds the process again by the port.
#include "bpf_helpers.h"
#include "ebpf_nethooks.h"

#define LEGACY_BIG_VALUE 65520

SEC("maps")
struct bpf_map_def legacy_config = {
    .type = BPF_MAP_TYPE_ARRAY,
    .key_size = sizeof(uint32_t),
    .value_size = sizeof(uint64_t),
    .max_entries = 4,
    .pinning = PIN_OBJECT_NS}; // 1: LIBBPF_PIN_BY_NAME

SEC("maps")
struct bpf_map_def legacy_by_port = {
    .type = BPF_MAP_TYPE_HASH, .key_size = sizeof(uint64_t), .value_size = sizeof(uint64_t), .max_entries = 16};

SEC("maps")
struct bpf_map_def legacy_big = {
    .type = BPF_MAP_TYPE_PERCPU_ARRAY, .key_size = sizeof(uint32_t), .value_size = LEGACY_BIG_VALUE, .max_entries = 1};

struct
{
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, uint64_t);
    __type(value, uint64_t);
    __uint(max_entries, 16);
} btf_by_pid SEC(".maps");

SEC("bind")
bind_action_t
LegacyMixed(bind_md_t* ctx)
{
    uint32_t zero = 0, one = 1;
    uint64_t* target = bpf_map_lookup_elem(&legacy_config, &zero);
    if (!target || *target != ctx->process_id || ctx->operation != BIND_OPERATION_BIND)
        return BIND_PERMIT;
    uint64_t port = bpf_ntohs(*(uint16_t*)&ctx->socket_address[2]);
    uint64_t pid = ctx->process_id;
    bpf_map_update_elem(&legacy_by_port, &port, &pid, BPF_ANY);
    bpf_map_update_elem(&btf_by_pid, &pid, &port, BPF_ANY);
    uint64_t* seen = bpf_map_lookup_elem(&legacy_by_port, &port);
    uint8_t* big = bpf_map_lookup_elem(&legacy_big, &zero);
    if (seen && big) {
        big[LEGACY_BIG_VALUE - 1] = 0x5a;
        uint64_t cpu_plus_one = bpf_get_smp_processor_id() + 1;
        bpf_map_update_elem(&legacy_config, &one, &cpu_plus_one, BPF_ANY);
    }
    return BIND_PERMIT;
}

// Only an 8-byte key on its stack: the shape that failed when every legacy map's access had a run-time spread branch
// ("invalid read from stack R2 off=-4 size=8"). Finds the process legacy_by_port has for the port and stores it in
// legacy_config[2].
SEC("bind")
bind_action_t
LegacyHashLookup(bind_md_t* ctx)
{
    uint64_t port = bpf_ntohs(*(uint16_t*)&ctx->socket_address[2]);
    uint64_t* pid = bpf_map_lookup_elem(&legacy_by_port, &port);
    if (pid && *pid == ctx->process_id) {
        uint32_t two = 2;
        bpf_map_update_elem(&legacy_config, &two, pid, BPF_ANY);
    }
    return BIND_PERMIT;
}
