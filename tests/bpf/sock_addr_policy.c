// SPDX-License-Identifier: MIT
// A Windows-style sock_addr policy program, written as eBPF for Windows' cgroup_sock_addr samples are: connect,
// recv_accept and bind handlers for IPv4 and IPv6 that look the remote endpoint up in a policy map (absent: proceed),
// redirect connects listed in a redirect map (with a redirect context), and keep the last context and helper results
// per handler in an audit map, with a call count.
#include "bpf_helpers.h"
#include "ebpf_nethooks.h"

#include "sock_addr_policy.h"

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, struct sock_addr_test_key);
    __type(value, uint32_t);
    __uint(max_entries, 64);
} policy_map SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, struct sock_addr_test_key);
    __type(value, struct sock_addr_test_redirect);
    __uint(max_entries, 16);
} redirect_map SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, struct sock_addr_test_audit);
    __uint(max_entries, SOCK_ADDR_TEST_ATTACH_COUNT);
} audit_map SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, uint32_t);
    __type(value, uint64_t);
    __uint(max_entries, SOCK_ADDR_TEST_ATTACH_COUNT);
} calls_map SEC(".maps");

static __always_inline void
endpoint_key(struct sock_addr_test_key* key, bpf_sock_addr_t* ctx, int remote_is_user)
{
    __builtin_memset(key, 0, sizeof(*key));
    key->family = (uint16_t)ctx->family;
    key->protocol = ctx->protocol;
    if (remote_is_user) {
        key->port = ctx->user_port;
        if (ctx->family == 2)
            key->ip[0] = ctx->user_ip4;
        else
            __builtin_memcpy(key->ip, ctx->user_ip6, 16);
    } else {
        key->port = ctx->msg_src_port;
        if (ctx->family == 2)
            key->ip[0] = ctx->msg_src_ip4;
        else
            __builtin_memcpy(key->ip, ctx->msg_src_ip6, 16);
    }
}

static __always_inline void
audit(bpf_sock_addr_t* ctx, uint32_t attach)
{
    struct sock_addr_test_audit* entry = bpf_map_lookup_elem(&audit_map, &attach);
    uint64_t* calls = bpf_map_lookup_elem(&calls_map, &attach);
    if (!entry || !calls)
        return;
    __sync_fetch_and_add(calls, 1);
    entry->pid_tgid = bpf_get_current_pid_tgid();
    entry->logon_id = bpf_get_current_logon_id(ctx);
    entry->is_admin = bpf_is_current_admin(ctx);
    entry->cookie = bpf_get_socket_cookie(ctx);
    entry->process_start_key = bpf_get_current_process_start_key();
    entry->thread_create_time = bpf_get_current_thread_create_time();
    entry->interface_luid = ctx->interface_luid;
    entry->family = ctx->family;
    entry->compartment_id = ctx->compartment_id;
    entry->protocol = ctx->protocol;
    __builtin_memcpy(entry->msg_src_ip, ctx->msg_src_ip6, 16);
    __builtin_memcpy(entry->user_ip, ctx->user_ip6, 16);
    entry->msg_src_port = ctx->msg_src_port;
    entry->user_port = ctx->user_port;
    bpf_sock_addr_network_context_t network = {0};
    entry->network_context_result = bpf_sock_addr_get_network_context(ctx, &network, sizeof(network));
    entry->interface_type = network.interface_type;
}

static __always_inline int
decide(bpf_sock_addr_t* ctx, uint32_t attach, int remote_is_user)
{
    audit(ctx, attach);
    struct sock_addr_test_key key;
    endpoint_key(&key, ctx, remote_is_user);
    uint32_t* verdict = bpf_map_lookup_elem(&policy_map, &key);
    return verdict ? *verdict : BPF_SOCK_ADDR_VERDICT_PROCEED_SOFT;
}

static __always_inline int
connect_with_redirect(bpf_sock_addr_t* ctx, uint32_t attach)
{
    int verdict = decide(ctx, attach, 1);
    if (verdict == BPF_SOCK_ADDR_VERDICT_REJECT)
        return verdict;
    struct sock_addr_test_key key;
    endpoint_key(&key, ctx, 1);
    struct sock_addr_test_redirect* redirect = bpf_map_lookup_elem(&redirect_map, &key);
    if (redirect) {
        if (ctx->family == 2)
            ctx->user_ip4 = redirect->ip[0];
        else
            __builtin_memcpy(ctx->user_ip6, redirect->ip, 16);
        ctx->user_port = redirect->port;
        uint32_t size = redirect->context_size;
        if (size > 0 && size <= sizeof(redirect->context))
            bpf_sock_addr_set_redirect_context(ctx, redirect->context, size);
    }
    return verdict;
}

SEC("cgroup/connect4")
int
authorize_connect4(bpf_sock_addr_t* ctx)
{
    return connect_with_redirect(ctx, SOCK_ADDR_TEST_CONNECT4);
}

SEC("cgroup/connect6")
int
authorize_connect6(bpf_sock_addr_t* ctx)
{
    return connect_with_redirect(ctx, SOCK_ADDR_TEST_CONNECT6);
}

SEC("cgroup/recv_accept4")
int
authorize_recv_accept4(bpf_sock_addr_t* ctx)
{
    return decide(ctx, SOCK_ADDR_TEST_RECV_ACCEPT4, 0);
}

SEC("cgroup/recv_accept6")
int
authorize_recv_accept6(bpf_sock_addr_t* ctx)
{
    return decide(ctx, SOCK_ADDR_TEST_RECV_ACCEPT6, 0);
}

SEC("cgroup/bind4")
int
authorize_bind4(bpf_sock_addr_t* ctx)
{
    int verdict = decide(ctx, SOCK_ADDR_TEST_BIND4, 1);
    ctx->user_port = 0; // discarded: bind keeps the port asked for
    return verdict;
}

SEC("cgroup/bind6")
int
authorize_bind6(bpf_sock_addr_t* ctx)
{
    return decide(ctx, SOCK_ADDR_TEST_BIND6, 1);
}

SEC("cgroup/listen4")
int
authorize_listen4(bpf_sock_addr_t* ctx)
{
    return decide(ctx, SOCK_ADDR_TEST_LISTEN4, 1);
}

SEC("cgroup/listen6")
int
authorize_listen6(bpf_sock_addr_t* ctx)
{
    return decide(ctx, SOCK_ADDR_TEST_LISTEN6, 1);
}
