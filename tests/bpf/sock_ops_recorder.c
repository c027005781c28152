// SPDX-License-Identifier: MIT
// A Windows-style sockops program, written as eBPF for Windows' connection tracking samples are: every event's
// context goes to a ring buffer with the process and flow id the helpers give, the flow id of each established flow
// is kept in a map keyed by its tuple, and, when the config says so, flows on ports not in the allow map are blocked.
#include "bpf_helpers.h"
#include "ebpf_nethooks.h"

#include "sock_ops_record.h"

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, struct sock_ops_test_tuple);
    __type(value, uint64_t);
    __uint(max_entries, 1024);
} flow_ids SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, uint32_t);
    __type(value, uint32_t);
    __uint(max_entries, 64);
} allowed_ports SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint32_t);
    __uint(max_entries, 1);
} block_config SEC(".maps");

SEC("sockops")
int
record_flow(bpf_sock_ops_t* ctx)
{
    struct sock_ops_test_event event = {0};
    __builtin_memcpy(event.context, ctx, sizeof(*ctx));
    event.pid_tgid = bpf_get_current_pid_tgid();
    event.flow_id = bpf_sock_ops_get_flow_id(ctx);
    bpf_ringbuf_output(&events, &event, sizeof(event), 0);

    if (ctx->op == BPF_SOCK_OPS_CONNECTION_DELETED_CB)
        return 0;
    struct sock_ops_test_tuple tuple = {0};
    __builtin_memcpy(tuple.local_ip, ctx->local_ip6, 16);
    __builtin_memcpy(tuple.remote_ip, ctx->remote_ip6, 16);
    if (ctx->family == 2) {
        tuple.local_ip[1] = tuple.local_ip[2] = tuple.local_ip[3] = 0;
        tuple.remote_ip[1] = tuple.remote_ip[2] = tuple.remote_ip[3] = 0;
    }
    tuple.local_port = ctx->local_port;
    tuple.remote_port = ctx->remote_port;
    tuple.family = ctx->family;
    tuple.protocol = ctx->protocol;
    bpf_map_update_elem(&flow_ids, &tuple, &event.flow_id, BPF_ANY);

    uint32_t zero = 0;
    uint32_t* block = bpf_map_lookup_elem(&block_config, &zero);
    if (block && *block && !bpf_map_lookup_elem(&allowed_ports, &ctx->local_port) &&
        !bpf_map_lookup_elem(&allowed_ports, &ctx->remote_port))
        return 1;
    return 0;
}
