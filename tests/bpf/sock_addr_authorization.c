// SPDX-License-Identifier: MIT
// Windows-style connect_authorization programs: each counts its calls, rejects endpoints in its policy map, and
// otherwise moves the destination port (a write that connect_authorization discards) and proceeds soft.
#include "bpf_helpers.h"
#include "ebpf_nethooks.h"

#include "sock_addr_policy.h"

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, struct sock_addr_test_key);
    __type(value, uint32_t);
    __uint(max_entries, 16);
} authorization_policy SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, SOCK_ADDR_TEST_ATTACH_COUNT);
} authorization_calls SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, struct sock_addr_test_audit);
    __uint(max_entries, SOCK_ADDR_TEST_ATTACH_COUNT);
} authorization_audit SEC(".maps");

static __always_inline int
authorize(bpf_sock_addr_t* ctx, uint32_t attach)
{
    uint64_t* calls = bpf_map_lookup_elem(&authorization_calls, &attach);
    if (calls)
        __sync_fetch_and_add(calls, 1);
    struct sock_addr_test_audit* entry = bpf_map_lookup_elem(&authorization_audit, &attach);
    if (entry) {
        bpf_sock_addr_network_context_t network = {0};
        entry->network_context_result = bpf_sock_addr_get_network_context(ctx, &network, sizeof(network));
        entry->interface_type = network.interface_type;
        entry->interface_luid = ctx->interface_luid;
        entry->user_port = ctx->user_port;
    }
    struct sock_addr_test_key key = {0};
    key.family = (uint16_t)ctx->family;
    key.protocol = ctx->protocol;
    key.port = ctx->user_port;
    if (ctx->family == 2)
        key.ip[0] = ctx->user_ip4;
    else
        __builtin_memcpy(key.ip, ctx->user_ip6, 16);
    if (bpf_map_lookup_elem(&authorization_policy, &key))
        return BPF_SOCK_ADDR_VERDICT_REJECT;
    ctx->user_port = bpf_htons(bpf_ntohs(ctx->user_port) + 1); // discarded
    return BPF_SOCK_ADDR_VERDICT_PROCEED_SOFT;
}

SEC("cgroup/connect_authorization4")
int
authorize_connection4(bpf_sock_addr_t* ctx)
{
    return authorize(ctx, SOCK_ADDR_TEST_AUTHORIZATION4);
}

SEC("cgroup/connect_authorization6")
int
authorize_connection6(bpf_sock_addr_t* ctx)
{
    return authorize(ctx, SOCK_ADDR_TEST_AUTHORIZATION6);
}
