// SPDX-License-Identifier: MIT
// connect_audit: the Windows-style program of winbpf_bench connect (bench/README.md), written as eBPF for Windows'
// sock_addr samples are: a cgroup/connect4 and a cgroup/recv_accept4 handler taking bpf_sock_addr_t *, each writing
// one audit map entry per connection (who: pid, logon id, admin; where: both endpoints; the socket cookie) and
// letting it proceed. Compiled through Makefile.bpf, loaded and attached by winbpf's loader (winbpf_attach);
// bench/reference/connect_reference.bpf.c is the same work hand-written as a plain libbpf tool.
#include "bpf_helpers.h"
#include "ebpf_nethooks.h"

#include "../reference/connect_reference.h"

struct
{
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __type(key, uint64_t);
    __type(value, struct connect_audit_entry);
    __uint(max_entries, CONNECT_AUDIT_MAX);
} audit_map SEC(".maps");

static __always_inline void
audit(bpf_sock_addr_t* ctx, uint64_t key, uint8_t direction)
{
    struct connect_audit_entry entry = {0};
    entry.pid_tgid = bpf_get_current_pid_tgid();
    entry.logon_id = bpf_get_current_logon_id(ctx);
    entry.is_admin = (uint8_t)bpf_is_current_admin(ctx);
    entry.cookie = bpf_get_socket_cookie(ctx);
    entry.protocol = (uint8_t)ctx->protocol;
    entry.direction = direction;
    if (direction == CONNECT_AUDIT_OUTBOUND) {
        entry.local_ip4 = ctx->msg_src_ip4;
        entry.local_port = (uint16_t)ctx->msg_src_port;
        entry.remote_ip4 = ctx->user_ip4;
        entry.remote_port = (uint16_t)ctx->user_port;
    } else {
        entry.local_ip4 = ctx->user_ip4;
        entry.local_port = (uint16_t)ctx->user_port;
        entry.remote_ip4 = ctx->msg_src_ip4;
        entry.remote_port = (uint16_t)ctx->msg_src_port;
    }
    bpf_map_update_elem(&audit_map, &key, &entry, 0);
}

SEC("cgroup/connect4")
int
audit_connect4(bpf_sock_addr_t* ctx)
{
    audit(ctx, bpf_get_socket_cookie(ctx), CONNECT_AUDIT_OUTBOUND);
    return BPF_SOCK_ADDR_VERDICT_PROCEED_SOFT;
}

SEC("cgroup/recv_accept4")
int
audit_recv_accept4(bpf_sock_addr_t* ctx)
{
    uint64_t key = (1ull << 63) | ((uint64_t)ctx->msg_src_ip4 << 16) | (uint16_t)ctx->msg_src_port;
    audit(ctx, key, CONNECT_AUDIT_INBOUND);
    return BPF_SOCK_ADDR_VERDICT_PROCEED_SOFT;
}
